"""The packages import in one direction only, and no module imports itself round.

Bottom to top: the vocabulary (``transform``: maps, keys, labels, templates, check
rules, the agency registry), the extraction engine (``extract``), the warehouse
(``load``'s storage modules), then side by side the read side (analysis, views, the
comparison report) and the batch step (``load.batch``), and on top the command line
and the Prefect flows (``flows``). A module may import its own group or a lower layer,
never a higher one nor a group beside it; the generator (``synth``) is no part of the
product and nothing in the product imports it. docs/architecture.md draws the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("transform", "extract", "load", "flows", "synth")

# (module prefix, layer, group): the longest prefix a module starts with places it.
LAYERS = (
    ("transform", 0, "vocabulary"),
    ("extract", 1, "extraction"),
    ("load", 2, "warehouse"),
    ("load.analysis", 3, "read side"),
    ("load.views", 3, "read side"),
    ("load.dictionary", 3, "read side"),
    ("load.export", 3, "read side"),
    ("load.roster", 3, "read side"),
    ("load.compare", 3, "read side"),
    ("load.batch", 3, "batch step"),
    ("flows", 4, "orchestration"),
    ("synth", 5, "generator"),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project's modules ``path`` imports (anywhere in it, typing-only ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _place(module: str) -> tuple[int, str]:
    best = max((p for p in LAYERS if module == p[0] or module.startswith(p[0] + ".")),
               key=lambda p: len(p[0]))
    return best[1], best[2]


GRAPH = {name: _imports(path, _modules()) - {name} for name, path in _modules().items()}


def test_the_layers_are_declared_for_every_module() -> None:
    assert {_place(m)[1] for m in GRAPH} == {g for _p, _l, g in LAYERS}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_down_or_stay_in_their_group(module: str) -> None:
    layer, group = _place(module)
    wrong = []
    for imported in sorted(GRAPH[module]):
        other_layer, other_group = _place(imported)
        if other_layer > layer or (other_layer == layer and other_group != group):
            wrong.append(f"{imported} ({other_group})")
    assert wrong == [], f"{module} ({group}) imports upward or sideways"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_itself_round() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
