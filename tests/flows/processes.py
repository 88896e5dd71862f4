"""Processes seen through /proc, for the tests of what outlives what: a run's server,
its workers, a served flow run's process."""

from __future__ import annotations

from pathlib import Path


def _fields(pid: int | str) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (state first, then the
    parent's pid); FileNotFoundError once the process is gone."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    return stat.rsplit(")", 1)[1].split()


def running(pid: int) -> bool:
    """Whether ``pid`` runs (an orphan may stay a zombie: that is not running)."""
    try:
        return _fields(pid)[0] != "Z"
    except FileNotFoundError:
        return False


def children(parent: int) -> dict[int, str]:
    """The processes whose parent is ``parent``, zombies left out, with their command
    lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _fields(entry.name)
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found[int(entry.name)] = command
    return found
