"""Tests of the agency registry (transform/agencies.py) and its bundled CSV.

Covers canonical names, aliases, former names (renames keep the agency_id), region
prefixes, normalisation of spaces, widths and quotes, the stable ``new-…`` id of
unknown names, every registry error (as a MapError naming file and row), reading an
operator's registry file (comments, UTF-8 BOM) through ``read_map_file``/``parse_map``,
and that every agency the synthetic generator draws is registered.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pytest

from synth.identity import AGENCIES
from transform.agencies import Agency, AgencyRegistry, did_you_mean, unknown_agency_id
from transform.maps import MapError, parse_map, read_map, read_map_file

HEADER = "agency_id,name,relation,note"


def _row(agency_id: str, name: str, relation: str) -> dict[str, str]:
    return {"agency_id": agency_id, "name": name, "relation": relation}


def _registry(*rows: tuple[str, str, str], where: str = "test registry") -> AgencyRegistry:
    return AgencyRegistry([_row(*r) for r in rows], where=where)


def _write(path: Path, lines: list[str], *, bom: bool = False) -> Path:
    text = "\n".join(lines) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# Small registry used by several tests: two regions, one renamed agency, one alias.
SMALL = (
    ("", "江州市云溪区", "region"),
    ("", "区", "region"),
    ("education", "区教育局", "name"),
    ("education", "区教育体育局", "former"),
    ("emergency", "区应急管理局", "name"),
    ("emergency", "区应急局", "alias"),
    ("emergency", "区安全生产监督管理局", "former"),
)


@pytest.fixture(scope="module")
def bundled() -> AgencyRegistry:
    return AgencyRegistry.bundled()


# --------------------------------------------------------------------- resolution

def test_spellings_are_the_names_as_written_without_regions() -> None:
    registry = _registry(*SMALL)
    assert registry.spellings() == ["区教育局", "区教育体育局", "区应急管理局", "区应急局",
                                    "区安全生产监督管理局"]
    assert registry.spellings({"education"}) == ["区教育局", "区教育体育局"]


def test_did_you_mean_names_the_closest_spellings() -> None:
    names = _registry(*SMALL).spellings()
    assert did_you_mean("区应急管理", names) == " (did you mean 区应急管理局 or 区应急局?)"
    assert did_you_mean("区教育局局", ["区教育局", "区教育局"]) == " (did you mean 区教育局?)"
    assert did_you_mean("市场监管", names) == ""



def test_canonical_name_resolves_to_itself(bundled: AgencyRegistry) -> None:
    assert bundled.resolve("区应急管理局") == Agency("emergency", "区应急管理局", True, "name", "区政府部门")
    assert bundled.resolve("东湖街道办事处") == Agency(
        "donghu_subdistrict", "东湖街道办事处", True, "name", "乡镇街道")


def test_alias_resolves_to_canonical_name(bundled: AgencyRegistry) -> None:
    assert bundled.resolve("区应急局") == Agency("emergency", "区应急管理局", True, "alias", "区政府部门")
    assert bundled.resolve("区政府办") == Agency("gov_office", "区人民政府办公室", True, "alias", "区政府")
    assert bundled.resolve("东湖街道") == Agency(
        "donghu_subdistrict", "东湖街道办事处", True, "alias", "乡镇街道")


def test_former_name_keeps_agency_id(bundled: AgencyRegistry) -> None:
    old = bundled.resolve("区安全生产监督管理局")
    new = bundled.resolve("区应急管理局")
    assert old == Agency("emergency", "区应急管理局", True, "former", "区政府部门")
    assert old.agency_id == new.agency_id == "emergency"
    assert bundled.resolve("区安监局").agency_id == "emergency"
    assert bundled.resolve("区卫生和计划生育局") == Agency("health", "区卫生健康局", True, "former", "区政府部门")
    assert bundled.resolve("区工商行政管理局").agency_id == "market_regulation"


@pytest.mark.parametrize("printed", ["江州市云溪区教育局", "云溪区教育局", "区教育局", "江州市教育局", "教育局"])
def test_region_prefixes_are_ignored(bundled: AgencyRegistry, printed: str) -> None:
    agency = bundled.resolve(printed)
    assert (agency.agency_id, agency.name, agency.known) == ("education", "区教育局", True)


def test_region_prefix_on_alias_and_former_name(bundled: AgencyRegistry) -> None:
    assert bundled.resolve("江州市云溪区应急局") == Agency("emergency", "区应急管理局", True, "alias", "区政府部门")
    assert bundled.resolve("江州市云溪区安全生产监督管理局") == Agency(
        "emergency", "区应急管理局", True, "former", "区政府部门")


@pytest.mark.parametrize("printed", [
    "区 应急 管理局",
    " 区应急管理局\t",
    "区\u3000应急管理局",  # ideographic (full-width) space
    "“区应急管理局”",
    '"区应急管理局"',
    "'区应急管理局'",
    "《区应急管理局》",
    "江州市 云溪区 应急管理局",
])
def test_spaces_widths_and_quotes_are_ignored(bundled: AgencyRegistry, printed: str) -> None:
    assert bundled.resolve(printed) == Agency("emergency", "区应急管理局", True, "name", "区政府部门")


def test_full_width_characters_match_half_width() -> None:
    reg = _registry(("", "区", "region"), ("it", "区ABC(信息)中心", "name"))
    assert reg.resolve("区ＡＢＣ（信息）中心") == Agency("it", "区ABC(信息)中心", True, "name", "区政府部门")
    assert reg.resolve("ABC(信息)中心").agency_id == "it"


def test_unknown_agency_is_loaded_with_derived_id(bundled: AgencyRegistry) -> None:
    agency = bundled.resolve(" 区气象局 ")
    key = "气象局"  # region stripped, as the registry compares names
    expected_id = "new-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    assert agency == Agency(expected_id, "区气象局", False, "unknown", "区政府部门")
    assert unknown_agency_id(key) == expected_id


def test_unknown_id_is_stable_across_calls_and_registries(
        bundled: AgencyRegistry, tmp_path: Path) -> None:
    first = bundled.resolve("区气象局").agency_id
    assert bundled.resolve("区气象局").agency_id == first
    assert bundled.resolve("江州市云溪区气象局").agency_id == first  # same agency, with region
    assert bundled.resolve("区 气象局").agency_id == first
    # A registry with other agencies but the same regions gives the same id.
    other = _registry(*SMALL)
    assert other.resolve("区气象局").agency_id == first
    copy = tmp_path / "agencies.csv"
    copy.write_text(_bundled_csv_text(), encoding="utf-8")
    assert AgencyRegistry.from_file(copy).resolve("区气象局").agency_id == first


def _bundled_csv_text() -> str:
    return resources.files("transform.maps").joinpath("agencies.csv").read_text("utf-8")


def test_unknown_ids_differ_for_different_names(bundled: AgencyRegistry) -> None:
    ids = {bundled.resolve(n).agency_id for n in ("区气象局", "区档案馆", "区气象台", "东山镇人民政府")}
    assert len(ids) == 4
    assert all(i.startswith("new-") and len(i) == 14 for i in ids)
    assert not any(bundled.resolve(n).known for n in ("区气象局", "区档案馆"))


def test_small_registry_resolution() -> None:
    reg = _registry(*SMALL)
    assert len(reg) == 2
    assert reg.resolve("江州市云溪区教育体育局") == Agency("education", "区教育局", True, "former", "区政府部门")
    assert reg.resolve("区安全生产监督管理局").agency_id == "emergency"
    assert reg.resolve("区应急局").matched_as == "alias"
    assert reg.resolve("区财政局").known is False


def test_bundled_registry_is_cached_and_sized(bundled: AgencyRegistry) -> None:
    assert AgencyRegistry.bundled() is bundled
    names = [r for r in read_map("agencies") if r["relation"] == "name"]
    assert len(bundled) == len(names) == 24
    assert bundled.where == "transform/maps/agencies.csv"


def test_bundled_csv_rows_are_consistent() -> None:
    rows = read_map("agencies")
    ids_with_name = {r["agency_id"] for r in rows if r["relation"] == "name"}
    for row in rows:
        if row["relation"] == "region":
            assert row["agency_id"] == ""
        else:
            assert row["agency_id"] in ids_with_name, row


@pytest.mark.parametrize("name", AGENCIES)
def test_every_synthetic_agency_is_registered(bundled: AgencyRegistry, name: str) -> None:
    agency = bundled.resolve(name)
    assert agency.known, name
    assert agency.name == name
    assert agency.matched_as == "name"


def test_every_spelling_in_the_bundled_csv_resolves_to_its_id(bundled: AgencyRegistry) -> None:
    for row in read_map("agencies"):
        if row["relation"] == "region":
            continue
        agency = bundled.resolve(row["name"])
        assert agency.agency_id == row["agency_id"], row
        assert agency.matched_as == row["relation"], row


# ------------------------------------------------------------------------- errors


def test_relation_not_allowed_names_file_and_row() -> None:
    with pytest.raises(MapError) as err:
        _registry(("a", "区甲局", "name"), ("a", "区甲办", "nickname"), where="ops.csv")
    assert str(err.value) == ("ops.csv, line 3: relation 'nickname' is not one of "
                              "name, alias, former, region")


def test_two_names_for_one_id() -> None:
    with pytest.raises(MapError) as err:
        _registry(("a", "区甲局", "name"), ("b", "区乙局", "name"), ("a", "区丙局", "name"),
                  where="ops.csv")
    assert str(err.value) == ("ops.csv, line 4: a has two names (区甲局, 区丙局); "
                              "make one an alias")


def test_one_spelling_naming_two_ids() -> None:
    with pytest.raises(MapError) as err:
        _registry(("a", "区甲局", "name"), ("b", "区乙局", "name"), ("b", "区甲局", "alias"),
                  where="ops.csv")
    assert str(err.value) == "ops.csv, line 4: 区甲局 names both a and b"


def test_two_ids_meeting_once_the_region_is_stripped() -> None:
    with pytest.raises(MapError) as err:
        _registry(("", "市", "region"), ("", "区", "region"), ("city_edu", "市教育局", "name"),
                  ("education", "区教育局", "name"), where="ops.csv")
    assert str(err.value) == "ops.csv, line 5: 教育局 names both city_edu and education"
    # without the region prefix in common they do not meet
    reg = _registry(("", "区", "region"), ("city_edu", "江州市教育局", "name"),
                    ("education", "区教育局", "name"))
    assert reg.resolve("江州市教育局").agency_id == "city_edu"


def test_alias_without_name_row() -> None:
    with pytest.raises(MapError) as err:
        _registry(("a", "区甲局", "name"), ("b", "区乙办", "alias"), ("c", "区丙办", "former"),
                  where="ops.csv")
    assert str(err.value) == "ops.csv: no row with relation 'name' for b, c"


def test_missing_agency_id() -> None:
    with pytest.raises(MapError) as err:
        _registry(("a", "区甲局", "name"), ("", "区乙局", "alias"), where="ops.csv")
    assert str(err.value) == "ops.csv, line 3: 区乙局 has no agency_id"


def test_empty_name() -> None:
    with pytest.raises(MapError, match=r"^ops\.csv, line 2: empty name$"):
        _registry(("a", "", "name"), where="ops.csv")


def test_missing_column_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "agencies.csv", ["agency_id,name", "a,区甲局"])
    with pytest.raises(MapError) as err:
        AgencyRegistry.from_file(path)
    assert str(err.value) == f"{path} lacks columns: relation"


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(MapError, match=r"nope\.csv: cannot read the agencies map"):
        AgencyRegistry.from_file(path)


def test_error_from_file_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.csv", [HEADER, "a,区甲局,name,", "a,区甲办,nickname,"])
    with pytest.raises(MapError) as err:
        AgencyRegistry.from_file(path)
    assert str(err.value).startswith(f"{path}, line 3: relation 'nickname'")


def test_error_row_is_the_file_line_despite_comments(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.csv", ["# comment", "# another comment", HEADER,
                                         "a,区甲局,name,", "a,区甲办,nickname,"])
    with pytest.raises(MapError) as err:
        AgencyRegistry.from_file(path)
    assert str(err.value).startswith(f"{path}, line 5: ")  # the bad row is line 5


# ------------------------------------------------------------------ registry files


def test_from_file_with_bom_and_comments(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.csv", [
        "# An operator's registry.",
        "   # an indented comment",
        HEADER,
        ',区,region,"prefix"',
        "# comments may sit between rows",
        "weather,区气象局,name,",
        "weather,区气象台,alias,",
        "weather,区气象站,former,renamed",
    ], bom=True)
    reg = AgencyRegistry.from_file(path)
    assert len(reg) == 1
    assert reg.where == str(path)
    assert reg.resolve("区气象局") == Agency("weather", "区气象局", True, "name", "区政府部门")
    assert reg.resolve("气象台") == Agency("weather", "区气象局", True, "alias", "区政府部门")
    assert reg.resolve("区气象站") == Agency("weather", "区气象局", True, "former", "区政府部门")
    assert reg.resolve("区应急管理局").known is False  # the bundled registry is not merged in


def test_from_file_accepts_str_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.csv", [HEADER, "a,区甲局,name,"])
    assert AgencyRegistry.from_file(str(path)).resolve("区甲局").agency_id == "a"


def test_read_map_file_strips_bom_and_values(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.csv", ["# c", HEADER, " a , 区甲局 ,name, n "], bom=True)
    assert read_map_file(path, "agencies") == (
        (3, {"agency_id": "a", "name": "区甲局", "relation": "name", "note": "n"}),)


def test_read_map_file_rejects_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "\na,区甲局,name,\n").encode("gb18030"))
    with pytest.raises(MapError, match=r"gbk\.csv: cannot read the agencies map"):
        read_map_file(path, "agencies")


def test_parse_map_comments_and_short_rows() -> None:
    text = "# head\nagency_id,name,relation,note\n#x,y,z\na,区甲局,name\n  # tail\n"
    assert parse_map(text, "agencies", "t.csv") == (
        {"agency_id": "a", "name": "区甲局", "relation": "name", "note": ""},)


def test_parse_map_checks_required_columns() -> None:
    with pytest.raises(MapError, match=r"^here lacks columns: name, relation$"):
        parse_map("agency_id,label\na,b\n", "agencies", "here")
    # a map without declared columns is read as is
    assert parse_map("x\n1\n", "not_declared", "here") == ({"x": "1"},)


def test_region_rows_after_names_still_apply() -> None:
    reg = _registry(("education", "区教育局", "name"), ("", "江州市云溪区", "region"),
                    ("", "区", "region"))
    assert reg.resolve("江州市云溪区教育局").agency_id == "education"
    assert reg.resolve("教育局").agency_id == "education"


# ------------------------------------------------------------------------- agency kinds


def test_registry_kind_is_given_on_the_name_row_and_reaches_every_spelling() -> None:
    reg = AgencyRegistry([{**_row("edu", "区教育局", "name"), "kind": "教育口"},
                          {**_row("edu", "区教体局", "former"), "kind": ""},
                          _row("", "区", "region")])
    assert {reg.resolve(n).kind for n in ("区教育局", "区教体局", "区 教育局")} == {"教育口"}
    assert reg.kinds() == {"edu": "教育口"}


def test_kind_on_an_alias_row_is_an_error_naming_the_line() -> None:
    rows = [_row("edu", "区教育局", "name"), {**_row("edu", "区教体局", "alias"), "kind": "x"}]
    with pytest.raises(MapError, match="line 3: a kind belongs on the agency's 'name' row"):
        AgencyRegistry(rows)


@pytest.mark.parametrize(("name", "kind"), [
    ("平安镇人民政府", "乡镇街道"),
    ("江州市云溪区新溪乡人民政府", "乡镇街道"),
    ("桥溪街道办事处", "乡镇街道"),
    ("云溪区人民政府", "区政府"),
    ("区人民政府办公室", "区政府"),
    ("平安镇人民政府办公室", "乡镇街道"),
    ("区大数据中心", "区政府部门"),
    ("区档案馆", None),  # no rule ends it: no kind rather than a guess
])
def test_kind_of_names_the_registry_lacks_follows_the_suffix_rules(
        bundled: AgencyRegistry, name: str, kind: str | None) -> None:
    agency = bundled.resolve(name)
    assert agency.kind == kind
    assert agency.known is (name == "区人民政府办公室")


def test_registered_agency_without_a_kind_gets_the_rules_kind() -> None:
    reg = _registry(("town", "平安镇人民政府", "name"))
    assert reg.resolve("平安镇人民政府").kind == "乡镇街道"


def test_every_bundled_agency_has_a_kind(bundled: AgencyRegistry) -> None:
    kinds = bundled.kinds()
    assert len(kinds) == len(bundled)
    assert set(kinds.values()) == {"区政府", "区政府部门", "乡镇街道"}
