"""The data dictionary (``docs/data-dictionary.md``): the datasets, the views, the keys.

The datasets' part comes from :mod:`load.schema` (their one schema source) and the
views' from :mod:`load.views` (their SQL gives the columns and types, ``load/views.csv``
the headers and meanings), so the dictionary cannot drift from what analysts read.
``python -m load.dictionary > docs/data-dictionary.md`` writes it; a test fails while the
file is stale.
"""

from __future__ import annotations

from load.schema import data_dictionary as datasets_dictionary
from load.views import DATASETS, SMALL_BASE, View, connect_empty, views


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _view_section(view: View) -> list[str]:
    lines = [f"### `{view.name}`", "", _md(view.description), "",
             "| column | type | 中文 | meaning |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {_md(c.label)} | {_md(c.meaning)} |"
              for c in view.columns]
    return [*lines, ""]


def views_section() -> list[str]:
    """Every view of ``xxgk sql`` (and of the analysis API's DuckDB connection)."""
    con = connect_empty()
    try:
        described = views(con)
    finally:
        con.close()
    lines = [
        "## Views",
        "",
        "`xxgk sql --warehouse W` (and `load.views.connect(W)` in Python) defines these "
        "DuckDB views over one snapshot of the warehouse; `xxgk sql --tables` lists them, "
        "and `xxgk export` writes the comparison views as sheets with the Chinese headers "
        f"below. Shares and changes on bases below {SMALL_BASE} are flagged or left out "
        "(`small_base`, `received_change_pct`). The datasets' views "
        f"({', '.join(f'`{d}`' for d in DATASETS)}) hold the columns described above.",
        "",
    ]
    for view in described:
        if view.name not in DATASETS:
            lines += _view_section(view)
    return lines


def data_dictionary() -> str:
    """The whole dictionary: the datasets (with the manifest and the keys), then the views."""
    return datasets_dictionary() + "\n".join(views_section())


def main() -> None:
    """Print the data dictionary (``python -m load.dictionary > docs/data-dictionary.md``)."""
    print(data_dictionary(), end="")


if __name__ == "__main__":
    main()
