"""Test warehouses built from a source folder without Prefect.

What a first ``xxgk run`` leaves behind, made the short way: every file of the source
processed in one batch (``load.batch.process.process_batch``) and published in one step.
The analysts' API, the views, ``xxgk sql``/``status``/``compare`` and the README's
worked questions are all tested against warehouses made here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from extract.source import open_source
from load.batch.process import BatchResult, process_batch
from load.manifest import RunInfo
from load.staging import write_staged
from load.warehouse import Warehouse


def publish_source(src: Path, wh: Path, run_id: str = "r1") -> BatchResult:
    """Process every file of ``src`` and publish the rows to the warehouse ``wh``."""
    rows = process_batch(str(src), list(open_source(src).files()), None, run_id,
                         datetime.now(UTC))
    with (store := Warehouse(wh)).staging(run_id) as folder:
        store.publish_staged([write_staged(folder, rows.tables)],
                             info=RunInfo(run_id, str(src.absolute())))
    return rows
