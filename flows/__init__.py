"""The command line and the Prefect flows: thin layers over the plain libraries in
``extract``, ``transform`` and ``load``; the only package that imports Prefect."""
