"""The Parquet warehouse (facts, reports, checks), written with pyarrow.

Plain Python, no Prefect. ``schema`` is the one registry of datasets and columns (it
also generates ``docs/data-dictionary.md``); ``warehouse`` publishes and reads them
atomically through immutable ``snapshot`` directories, one writer at a time (``lock``),
with the crash-safe filesystem steps of ``durable``; ``errors`` says in one line why
it refuses."""
