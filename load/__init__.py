"""The Parquet warehouse (facts, reports, checks), written with pyarrow: issue 3.

Plain Python, no Prefect; empty until the pipeline lands."""
