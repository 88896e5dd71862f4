"""The bundled demo data (``data/demo``) and the command that writes it.

``data/README.md`` gives the exact generator command; the tests read it from there and
run it, so that the command an engineer reruns after changing the generator is the one
the tests hold the bundled bytes and the demo's rule breakers to.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from synth.corpus import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
README = ROOT / "data" / "README.md"
_PREFIX = ["python", "-m", "synth"]


def readme_commands() -> list[list[str]]:
    """Every ``python -m synth`` command of data/README.md's shell blocks, split."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    commands = [shlex.split(line) for block in blocks for line in block.splitlines()]
    return [c for c in commands if c[:3] == _PREFIX]


def demo_argv() -> list[str]:
    """The arguments of the command that wrote data/demo (the README's first)."""
    argv = readme_commands()[0][len(_PREFIX):]
    assert argv[argv.index("--out") + 1] == "data/demo", argv
    assert "--truth" not in argv, argv
    return argv


def write_demo(dest: Path, truth: Path | None = None) -> list[Path]:
    """Run the demo's command with ``--out dest`` (and ``--truth``); return the files."""
    argv = demo_argv()
    argv[argv.index("--out") + 1] = str(dest)
    assert main([*argv, *(["--truth", str(truth)] if truth else [])]) == 0
    return sorted(p for p in dest.rglob("*") if p.is_file())


def demo_rule_breakers(folder: Path) -> dict[str, set[str]]:
    """The demo's reports that break consistency rules, as the generator writes them
    (in ``folder``): ``{source path: the rules it breaks}``."""
    truth = folder / "truth.jsonl"
    write_demo(folder / "demo", truth)
    records = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    return {r["path"]: set(r["broken_rules"]) for r in records if r["broken_rules"]}
