"""What each extraction warning means for a report's status in the warehouse.

A warning either says that cells the template prints are missing from the result
(the report is ``partial`` and a ``--failed`` run retries it) or is worth reading
while every cell is there (``ok``). Which is which is data: ``maps/warning_codes.csv``.
"""

from __future__ import annotations

from functools import cache

from transform.maps import read_map


@cache
def warning_statuses() -> dict[str, str]:
    """Warning code → the report status it implies (``ok`` or ``partial``)."""
    return {row["code"]: row["status"] for row in read_map("warning_codes")}


__all__ = ["warning_statuses"]
