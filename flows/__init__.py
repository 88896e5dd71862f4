"""The command line and, with issue 3, the Prefect flows: thin layers over the plain
libraries in ``extract``, ``transform`` and ``load``."""
