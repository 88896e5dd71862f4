"""What each extraction warning means for a report's status in the warehouse.

A warning either says that cells the template prints are missing from the result
(the report is ``partial`` and a ``--failed`` run retries it) or is worth reading
while every cell is there (``ok``). Which is which is data: ``maps/warning_codes.csv``,
which also says what each code means and what an operator does about it (``advice``,
printed by the run summary).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from transform.maps import read_map


@dataclass(frozen=True, slots=True)
class WarningCode:
    """One row of ``maps/warning_codes.csv``."""

    code: str
    status: str
    meaning: str
    advice: str = ""


@cache
def warning_codes() -> dict[str, WarningCode]:
    """Warning code → its status, meaning and advice."""
    return {row["code"]: WarningCode(row["code"], row["status"], row["meaning"],
                                     row.get("advice") or "")
            for row in read_map("warning_codes")}


@cache
def warning_statuses() -> dict[str, str]:
    """Warning code → the report status it implies (``ok`` or ``partial``)."""
    return {code: row.status for code, row in warning_codes().items()}


__all__ = ["WarningCode", "warning_codes", "warning_statuses"]
