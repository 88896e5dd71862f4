"""Extraction: report files (text, markdown, HTML, PDF; any encoding) to canonical table
cells. Plain Python, no Prefect: ``extract.report.extract_file`` is the entry point."""
