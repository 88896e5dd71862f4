"""Tests of ``transform.keys``: the expanded catalog of canonical cells.

Covers the cell counts per template (counted by hand from keys.csv),
the project's keys.csv against the shared specification's, the row and column order of the
three tables, units, template membership, and the errors ``key_catalog`` raises on a
malformed key list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import transform.keys as keys_mod
from transform.keys import TABLES, key_catalog
from transform.maps import MapError

SHARED_KEYS = Path(__file__).resolve().parents[3] / "shared" / "spec" / "keys.csv"
PROJECT_KEYS = Path(keys_mod.__file__).resolve().parent / "maps" / "keys.csv"

AD, APP, RL = "active_disclosure", "applications", "reviews_litigation"


# -- counts -------------------------------------------------------------------------

# Counted by hand from keys.csv.
#
# 表二 (active_disclosure) lists its cells one by one:
#   2019: rules 3 (made/published/total_published) + normative_documents 3
#         + licensing 3 (prior_year_items/change/decisions) + other_services 3
#         + penalty 3 + coercion 3 + fees 2 (prior_year_items/change)
#         + procurement 2 (items/amount)                                   = 22
#   2021: rules 3 (issued/repealed/in_force) + normative_documents 3
#         + licensing 1 + penalty 1 + coercion 1 (decisions) + fees 1 (amount) = 10
# 表三 (applications) is rows x 7 columns (natural_person … other_org, total):
#   2019: 23 rows (一, 二, 予以公开, 部分公开, 8 不予公开, 3 无法提供, 5 不予处理,
#         其他处理, 总计, 四)                                     23 x 7 = 161
#   2021: the same 23 + the three 其他处理 sub-rows = 26 rows     26 x 7 = 182
# 表四 (reviews_litigation) is 3 blocks x 5 columns in both templates = 15
#
# 2019: 22 + 161 + 15 = 198;  2021: 10 + 182 + 15 = 207.
# Distinct cells over both templates: 表二 29 (3 cells, decisions of licensing/
# penalty/coercion, are shared) + 182 + 15 = 226.
EXPECTED_CELLS = {"2019": 198, "2021": 207}
EXPECTED_PER_TABLE = {
    "2019": {AD: 22, APP: 161, RL: 15},
    "2021": {AD: 10, APP: 182, RL: 15},
}


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_cell_count_per_template(template: str) -> None:
    assert len(key_catalog().cells_for(template)) == EXPECTED_CELLS[template]


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_cell_count_per_table(template: str) -> None:
    counts: dict[str, int] = {}
    for cell in key_catalog().cells_for(template):
        counts[cell.table] = counts.get(cell.table, 0) + 1
    assert counts == EXPECTED_PER_TABLE[template]


def test_distinct_cells_over_both_templates() -> None:
    assert len(key_catalog().cells) == 226


def test_no_template_outside_the_two_known() -> None:
    assert key_catalog().cells_for("2020") == []


# -- the shared specification's key list -------------------------------------------


def test_project_keys_csv_is_the_shared_keys_csv() -> None:
    if not SHARED_KEYS.exists():
        pytest.skip(f"the shared keys.csv ({SHARED_KEYS}) is not present")
    shared = SHARED_KEYS.read_text("utf-8").splitlines()
    project = PROJECT_KEYS.read_text("utf-8").splitlines()
    assert project == shared


# -- order ----------------------------------------------------------------------------


def test_applications_column_order() -> None:
    assert key_catalog().col_order[APP] == (
        "natural_person", "commercial", "research", "social_welfare", "legal_services",
        "other_org", "total",
    )


def test_applications_row_order() -> None:
    assert key_catalog().row_order[APP] == (
        "new_received", "carried_over", "granted", "partially_granted",
        "withheld.state_secret", "withheld.prohibited_by_law",
        "withheld.security_stability", "withheld.third_party_rights",
        "withheld.internal_affairs", "withheld.process_information",
        "withheld.enforcement_files", "withheld.inquiry_matters",
        "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
        "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
        "not_processed.mass_repeated", "not_processed.confirm_reissue",
        "other", "other.no_correction", "other.fee_unpaid", "other.other",
        "total", "carried_forward",
    )


def test_reviews_litigation_order() -> None:
    catalog = key_catalog()
    assert catalog.row_order[RL] == ("review", "litigation_direct", "litigation_after_review")
    assert catalog.col_order[RL] == ("upheld", "corrected", "other", "pending", "total")


def test_active_disclosure_order() -> None:
    catalog = key_catalog()
    assert catalog.row_order[AD] == (
        "rules", "normative_documents", "licensing", "other_services", "penalty",
        "coercion", "fees", "procurement",
    )
    assert catalog.col_order[AD] == (
        "made", "published", "total_published", "issued", "repealed", "in_force",
        "prior_year_items", "change", "decisions", "amount", "items",
    )


def test_every_table_has_rows_and_columns() -> None:
    catalog = key_catalog()
    assert set(catalog.row_order) == set(TABLES)
    assert all(catalog.row_order[t] and catalog.col_order[t] for t in TABLES)


def test_cells_for_keeps_the_key_list_order() -> None:
    cells = key_catalog().cells_for("2021")
    first = [(c.table, c.row_key, c.col_key) for c in cells[:4]]
    assert first == [
        (AD, "rules", "issued"), (AD, "rules", "repealed"), (AD, "rules", "in_force"),
        (AD, "normative_documents", "issued"),
    ]


# -- units and templates --------------------------------------------------------------


def test_only_the_two_amounts_are_yuan() -> None:
    yuan = {k for k, spec in key_catalog().cells.items() if spec.unit == "yuan"}
    assert yuan == {(AD, "procurement", "amount"), (AD, "fees", "amount")}


@pytest.mark.parametrize(
    ("key", "unit"),
    [
        ((AD, "procurement", "amount"), "yuan"),
        ((AD, "fees", "amount"), "yuan"),
        ((AD, "procurement", "items"), "count"),
        ((AD, "licensing", "decisions"), "count"),
        ((APP, "total", "total"), "count"),
        ((APP, "other.other", "legal_services"), "count"),
        ((RL, "review", "pending"), "count"),
        ((APP, "no_such_row", "total"), "count"),  # unknown cells default to count
    ],
)
def test_unit(key: tuple[str, str, str], unit: str) -> None:
    assert key_catalog().unit(key) == unit


def test_every_unit_is_count_or_yuan() -> None:
    assert {spec.unit for spec in key_catalog().cells.values()} == {"count", "yuan"}


@pytest.mark.parametrize(
    ("key", "templates"),
    [
        ((APP, "other.no_correction", "total"), {"2021"}),
        ((APP, "other.other", "natural_person"), {"2021"}),
        ((APP, "other", "total"), {"2019", "2021"}),
        ((AD, "licensing", "decisions"), {"2019", "2021"}),
        ((AD, "other_services", "decisions"), {"2019"}),
        ((AD, "fees", "amount"), {"2021"}),
        ((AD, "procurement", "amount"), {"2019"}),
        ((RL, "litigation_after_review", "total"), {"2019", "2021"}),
    ],
)
def test_templates_of_a_cell(key: tuple[str, str, str], templates: set[str]) -> None:
    assert key_catalog().cells[key].templates == frozenset(templates)


def test_star_cells_carry_both_labels() -> None:
    spec = key_catalog().cells[(APP, "withheld.state_secret", "commercial")]
    assert spec.row_label == "（三）不予公开 1.属于国家秘密"
    assert spec.col_label == "法人或其他组织 商业企业"


def test_no_star_survives_expansion() -> None:
    assert not [k for k in key_catalog().cells if "*" in k]


# -- malformed key lists ----------------------------------------------------------------

_HEADER = ("table", "row_key", "row_label", "col_key", "col_label", "templates", "unit")


def _row(*values: str) -> dict[str, str]:
    return dict(zip(_HEADER, values, strict=True))


def _catalog_from(monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, str]]):
    monkeypatch.setattr(keys_mod, "read_map", lambda name: tuple(rows))
    return keys_mod.key_catalog.__wrapped__()  # bypass the cache of the real catalog


def test_small_key_list_expands_stars(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = _catalog_from(monkeypatch, [
        _row(RL, "review", "行政复议", "*", "", "2019 2021", "count"),
        _row(RL, "litigation_direct", "直接起诉", "*", "", "2021", "count"),
        _row(RL, "*", "", "upheld", "维持", "2019 2021", "count"),
        _row(RL, "*", "", "total", "总计", "2019", "count"),
    ])
    assert list(catalog.cells) == [
        (RL, "review", "upheld"), (RL, "review", "total"),
        (RL, "litigation_direct", "upheld"), (RL, "litigation_direct", "total"),
    ]
    # A star cell is printed where both its row and its column are printed.
    assert catalog.cells[(RL, "litigation_direct", "total")].templates == frozenset()
    assert catalog.cells[(RL, "review", "total")].templates == frozenset({"2019"})


def test_duplicate_cell_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MapError, match="duplicate cell"):
        _catalog_from(monkeypatch, [
            _row(AD, "rules", "规章", "made", "本年新制作数量", "2019", "count"),
            _row(AD, "rules", "规章", "made", "新制作数量", "2019", "count"),
        ])


def test_unknown_table_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MapError, match="unknown table"):
        _catalog_from(monkeypatch, [
            _row("table_five", "rules", "规章", "made", "本年新制作数量", "2019", "count"),
        ])


def test_the_keys_the_code_names_are_keys_of_the_map() -> None:
    import transform.keys as k

    catalog = k.key_catalog()
    rows = {r for t in k.TABLES for r in catalog.row_order[t]}
    cols = {c for t in k.TABLES for c in catalog.col_order[t]}
    assert {k.NEW_RECEIVED, k.CARRIED_OVER, k.TOTAL, k.CARRIED_FORWARD, k.OTHER,
            k.OTHER_OTHER, k.REVIEW} <= rows
    assert {k.TOTAL, k.CORRECTED, *k.BLOCK_PARTS} <= cols
    assert any(r.startswith(k.NOT_PROCESSED) for r in rows)
    assert sum(r.startswith(k.LITIGATION_PREFIX) for r in catalog.row_order[k.RL]) == 2
