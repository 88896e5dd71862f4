"""The batch step: source files in, warehouse rows and a run summary out.

It joins the extraction engine (``extract``) to the warehouse (``load``) without any
orchestration: which files a run processes and in what batches (``plan``), what one
batch makes of its files (``process``, and ``siblings`` for one report in several
files), and what the run tells its operator (``summary``). The Prefect flow in
``flows/`` calls these; so do the tests and the benchmarks, without Prefect.
"""
