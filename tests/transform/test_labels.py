"""Tests of ``transform.labels``: printed labels recognised as canonical keys.

Covers ``normalise_label`` and ``strip_numbering`` on real spellings, the row matcher
of 表三 on numbering styles, inner spaces, quote styles, typos, wrapped and grouped
labels and the exact alias ``3.其他``, the column matchers of 表二, 表三 and 表四 on
real headers (r011, r012, the seed report), and the rejection of a label map in which
one alias means two keys.

Labels are matched the way the engine (``extract.tables``) does it: the line is
first passed through ``extract.decode.normalise_width`` (full-width → ASCII), then
through ``normalise_label``; the last label cell is passed separately to ``best``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import transform.labels as labels_mod
from extract.decode import normalise_width
from transform.labels import (
    AxisMatcher,
    LabelCatalog,
    _add_alias,
    approximate_find,
    label_catalog,
    normalise_label,
    strip_numbering,
)
from transform.maps import MapError

CORPUS_REPORTS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "reports"
AD, APP, RL = "active_disclosure", "applications", "reviews_litigation"


def norm(text: str) -> str:
    """Text as the engine compares it."""
    return normalise_label(normalise_width(text))


def row_key(label: str, last_cell: str | None = None, table: str = APP) -> str | None:
    """The row key of a printed label; its last cell defaults to its last line."""
    last = label.splitlines()[-1] if last_cell is None else last_cell
    hit = label_catalog().matcher(table, "row").best(norm(label), norm(last))
    return hit.key if hit else None


def column_keys(header: str, table: str) -> list[str]:
    """The column keys a header names, in printed order (group labels left out)."""
    hits = label_catalog().matcher(table, "col").find_all(norm(header))
    return [h.key for h in hits if h.key]


# -- normalise_label ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4.无正当理由大量反复 申请", "4.无正当理由大量反复申请"),
        ("5.要求行政机关确认或重 新出具", "5.要求行政机关确认或重新出具"),
        ("其 他 结\n果", "其他结果"),
        ("尚\u3000未\u00a0审\t结\r\n", "尚未审结"),
        ("总\u200b计", "总计"),
        ("3.危及“三安全一稳定”", "3.危及三安全一稳定"),
        ('3.危及"三安全一稳定"', "3.危及三安全一稳定"),
        ("3.危及「三安全一稳定」", "3.危及三安全一稳定"),
        ("3.危及『三安全一稳定』", "3.危及三安全一稳定"),
        ("3.危及‘三安全一稳定’", "3.危及三安全一稳定"),
        # Punctuation other than quotes carries meaning (numbering, 增/减) and stays.
        ("（一）予以公开", "（一）予以公开"),
        ("本年增/减", "本年增/减"),
        ("1、属于国家秘密", "1、属于国家秘密"),
    ],
)
def test_normalise_label(raw: str, expected: str) -> None:
    assert normalise_label(raw) == expected


# -- strip_numbering ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("（一）予以公开", "予以公开"),
        ("(一)予以公开", "予以公开"),
        ("1.属于国家秘密", "属于国家秘密"),
        ("1、属于国家秘密", "属于国家秘密"),
        ("1．属于国家秘密", "属于国家秘密"),
        ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量"),
        ("四、结转下年度继续办理", "结转下年度继续办理"),
        ("（六）3.其他", "其他"),
        ("(六)3、其他", "其他"),
        ("3.其他", "其他"),
        ("（七）总计", "总计"),
        ("十一、其他", "其他"),
        # Only leading numbering goes.
        ("不予公开1.属于国家秘密", "不予公开1.属于国家秘密"),
        # Numbers that are not outline numbering stay.
        ("三类内部事务信息", "三类内部事务信息"),
        ("第二十条第(一)项", "第二十条第(一)项"),
        ("2020年", "2020年"),
        ("总计", "总计"),
    ],
)
def test_strip_numbering(label: str, expected: str) -> None:
    assert strip_numbering(label) == expected


def test_strip_numbering_after_width_normalisation() -> None:
    assert strip_numbering(norm("（三）不予公开")) == "不予公开"
    assert strip_numbering(norm("２．其他法律行政法规禁止公开")) == "其他法律行政法规禁止公开"


# -- 表三 rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "key"),
    [
        # numbering styles
        ("（一）予以公开", "granted"),
        ("(一)予以公开", "granted"),
        ("(一) 予以公开", "granted"),
        ("1.属于国家秘密", "withheld.state_secret"),
        ("1、属于国家秘密", "withheld.state_secret"),
        ("１．属于国家秘密", "withheld.state_secret"),
        ("一、本年新收政府信息公开申请数量", "new_received"),
        ("二、上年结转政府信息公开申请数量", "carried_over"),
        ("四、结转下年度继续办理", "carried_forward"),
        # inner spaces (r012, r013)
        ("4.无正当理由大量反复 申请", "not_processed.mass_repeated"),
        ("5.要求行政机关确认或重 新出具\n已获取信息", "not_processed.confirm_reissue"),
        ("5.要求行政机关确认或重 新出具", "not_processed.confirm_reissue"),
        # quote styles
        ("3.危及“三安全一稳定”", "withheld.security_stability"),
        ('3.危及"三安全一稳定"', "withheld.security_stability"),
        ("3.危及「三安全一稳定」", "withheld.security_stability"),
        ("3.危及＂三安全一稳定＂", "withheld.security_stability"),
        # the typo of r012/r013
        ("2.其他法律行政止公开", "withheld.prohibited_by_law"),
        ("2.其他法律行政法规禁止公开", "withheld.prohibited_by_law"),
        # every other 表三 row in its template spelling
        ("（二）部分公开", "partially_granted"),
        ("4.保护第三方合法权益", "withheld.third_party_rights"),
        ("5.属于三类内部事务信息", "withheld.internal_affairs"),
        ("6.属于四类过程性信息", "withheld.process_information"),
        ("7.属于行政执法案卷", "withheld.enforcement_files"),
        ("8.属于行政查询事项", "withheld.inquiry_matters"),
        ("1.本机关不掌握相关政府信息", "unavailable.not_held"),
        ("2.没有现成信息需要另行制作", "unavailable.needs_creation"),
        ("3.补正后申请内容仍不明确", "unavailable.unclear"),
        ("1.信访举报投诉类申请", "not_processed.petition"),
        ("2.重复申请", "not_processed.duplicate"),
        ("3.要求提供公开出版物", "not_processed.publication"),
        ("（六）其他处理", "other"),
        ("（七）总计", "total"),
        ("(七)总计", "total"),
    ],
)
def test_applications_row(label: str, key: str) -> None:
    assert row_key(label) == key


@pytest.mark.parametrize(
    ("label", "key"),
    [
        # group label, then the sub-row: the part that ends last wins
        ("（三）不予公开 1.属于国家秘密", "withheld.state_secret"),
        ("（三）不予公开\n1.属于国家秘密", "withheld.state_secret"),
        ("（四）无法提供 1.本机关不掌握相关政府信息", "unavailable.not_held"),
        ("（五）不予处理\n1.信访举报投诉类申请", "not_processed.petition"),
        # the 三、本年度办理结果 group printed one character per line (r012)
        ("三\n、\n本\n年\n度\n办\n理\n结\n果\n（一）予以公开", "granted"),
        ("三、\n本\n年\n度\n办\n理\n结\n果\n（一）予以公开", "granted"),
        ("三、本年度办理结果（一）予以公开", "granted"),
        # the 2021 sub-rows of （六）其他处理
        ("（六）其他处理 1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "other.no_correction"),
        ("（六）其他处理\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "other.no_correction"),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         "other.fee_unpaid"),
        # contains 其他 but is not an other.* row
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially_granted"),
        ("（二）部分公开（区分处理的，只计这一情 形，不\n计其他情形）", "partially_granted"),
        ("2.其他法律行政法规禁止公开", "withheld.prohibited_by_law"),
    ],
)
def test_applications_row_wrapped_and_grouped(label: str, key: str) -> None:
    assert row_key(label) == key


def test_three_other_resolves_by_exact_alias() -> None:
    hit = label_catalog().matcher(APP, "row").best(norm("（六）其他处理3.其他"), norm("3.其他"))
    assert hit is not None
    assert (hit.key, hit.exact, hit.templates) == ("other.other", True, frozenset({"2021"}))


@pytest.mark.parametrize("last_cell", ["3.其他", "3、其他", "３．其他", "其他", "3. 其 他"])
def test_three_other_numbering_variants(last_cell: str) -> None:
    assert row_key("（六）其他处理 " + last_cell, last_cell) == "other.other"


def test_bare_other_inside_a_longer_last_cell_is_not_other_other() -> None:
    # 其他 must be the whole last cell; inside a label it means nothing by itself.
    assert row_key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") != "other.other"
    assert row_key("其他情形") is None


def test_bare_total_is_the_total_row() -> None:
    hit = label_catalog().matcher(APP, "row").best(norm("总计"), norm("总计"))
    assert hit is not None
    assert (hit.key, hit.exact) == ("total", True)


@pytest.mark.parametrize("label", ["本机关", "合 并", "第二十条第(五)项", "申请人情况"])
def test_unrelated_label_has_no_row(label: str) -> None:
    assert row_key(label) is None


def test_row_hit_positions() -> None:
    text = norm("（三）不予公开 1.属于国家秘密")
    hit = label_catalog().matcher(APP, "row").best(text, norm("1.属于国家秘密"))
    assert hit is not None
    assert text[hit.start:hit.end] == hit.alias == "属于国家秘密"
    assert hit.end == len(text)


def test_template_markers_of_rows() -> None:
    matcher = label_catalog().matcher(APP, "row")
    sub_row = matcher.best(norm("1.申请人无正当理由逾期不补正"), norm("1.申请人无正当理由逾期不补正"))
    single = matcher.best(norm("（六）其他处理"), norm("（六）其他处理"))
    assert sub_row is not None and sub_row.templates == frozenset({"2021"})
    assert single is not None and single.templates == frozenset()


# -- 表二 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "key", "templates"),
    [
        ("规章", "rules", frozenset()),
        ("行政规范性文件", "normative_documents", frozenset({"2021"})),
        ("规范性文件", "normative_documents", frozenset({"2019"})),
        ("行政许可", "licensing", frozenset()),
        ("其他对外管理服务事项", "other_services", frozenset({"2019"})),
        ("行政处罚", "penalty", frozenset()),
        ("行政强制", "coercion", frozenset()),
        ("行政事业性收费", "fees", frozenset()),
        ("政府集中采购", "procurement", frozenset({"2019"})),
    ],
)
def test_active_disclosure_row(label: str, key: str, templates: frozenset[str]) -> None:
    hit = label_catalog().matcher(AD, "row").best(norm(label), norm(label))
    assert hit is not None
    assert (hit.key, hit.templates) == (key, templates)


@pytest.mark.parametrize(
    ("header", "keys"),
    [
        # 2019 template (seed report)
        ("信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
         ["made", "published", "total_published"]),
        ("信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
         ["prior_year_items", "change", "decisions"]),
        ("信息内容 上一年项目数量 本年增／减 处理决定数量",
         ["prior_year_items", "change", "decisions"]),
        ("信息内容 | 采购项目数量 | 采购总金额 | |", ["items", "amount"]),
        # 2021 template (r011)
        ("信息内容 本年制发件数 本年废止件数 现行有效件数", ["issued", "repealed", "in_force"]),
        ("信息内容 本年处理决定数量", ["decisions"]),
        ("信息内容 本年收费金额（单位：万元）", ["amount"]),
    ],
)
def test_active_disclosure_columns(header: str, keys: list[str]) -> None:
    assert column_keys(header, AD) == keys


@pytest.mark.parametrize("label", ["处理决定数量", "本年处理决定数量"])
def test_decisions_column_of_both_templates(label: str) -> None:
    hits = [h for h in label_catalog().matcher(AD, "col").find_all(norm(label)) if h.key]
    assert [(h.key, h.templates, h.alias) for h in hits] == [("decisions", frozenset(), label)]


@pytest.mark.parametrize(
    ("label", "template"),
    [
        ("本年新制作数量", "2019"), ("对外公开总数量", "2019"), ("本年增/减", "2019"),
        ("本年制发件数", "2021"), ("现行有效件数", "2021"), ("本年收费金额", "2021"),
    ],
)
def test_active_disclosure_column_markers(label: str, template: str) -> None:
    (hit,) = label_catalog().matcher(AD, "col").find_all(norm(label))
    assert hit.templates == frozenset({template})


# -- 表三 header ------------------------------------------------------------------------

APP_COLUMNS = ["natural_person", "commercial", "research", "social_welfare",
               "legal_services", "other_org", "total"]


def test_applications_header_r012() -> None:
    header = "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
    keys = column_keys(header, APP)
    # Printed order: 自然人, (group), 总计, then the five organisation columns.
    assert keys == ["natural_person", "total", "commercial", "research", "social_welfare",
                    "legal_services", "other_org"]
    assert sorted(keys) == sorted(APP_COLUMNS)


def test_applications_header_r011_wrapped() -> None:
    header = ("申请人情况\n自然人\n法人或其他组织\n总计商 业 企\n业\n科研机\n构\n"
              "社 会 公 益\n组织\n法 律 服 务\n机构\n其他")
    assert sorted(column_keys(header, APP)) == sorted(APP_COLUMNS)


def test_group_shields_its_other() -> None:
    text = norm("法人或其他组织")
    matcher = label_catalog().matcher(APP, "col")
    hits = matcher.find_all(text)
    assert [(h.key, h.axis) for h in hits] == [("", "group")]
    assert matcher.best(text, text) is None
    assert "other_org" not in column_keys("申请人情况 自然人 法人或其他组织 总计", APP)


def test_other_org_is_read_only_as_the_bare_column() -> None:
    hits = label_catalog().matcher(APP, "col").find_all(norm("法人或其他组织 其他"))
    assert [h.key for h in hits] == ["", "other_org"]
    assert hits[1].start == len("法人或其他组织")


# -- 表四 header ------------------------------------------------------------------------

# r011.txt lines 141-169, verbatim: labels wrapped and broken by spaces.
R011_RL_HEADER = """行政复议 行政诉讼
结 果
维持
结 果
纠正
其 他 结
果
尚 未
审结
总计
未经复议直接起诉 复议后起诉
结 果
维持
结 果
纠正
其 他
结果
尚 未
审结
总计
结 果
维持
结 果
纠正
其 他
结果
尚 未 审
结
总计"""

R012_RL_HEADER = """行政复议 行政诉讼
结果
维持
结果
纠正
其他
结果
尚未
审结 总 计
未经复议直接起诉 复议后起诉
结果
维持
结果
纠正
其他
结果
尚未
审结 总 计 结果 维持 结果 纠正 其他 结果 尚未 审结 总 计"""

RL_LEAVES = ["upheld", "corrected", "other", "pending", "total"] * 3


def test_r011_header_is_verbatim() -> None:
    path = CORPUS_REPORTS / "r011.txt"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    assert R011_RL_HEADER in path.read_text("utf-8")


@pytest.mark.parametrize("header", [R011_RL_HEADER, R012_RL_HEADER], ids=["r011", "r012"])
def test_reviews_litigation_leaf_columns(header: str) -> None:
    assert column_keys(header, RL) == RL_LEAVES


@pytest.mark.parametrize("header", [R011_RL_HEADER, R012_RL_HEADER], ids=["r011", "r012"])
def test_reviews_litigation_blocks(header: str) -> None:
    hits = label_catalog().matcher(RL, "block").find_all(norm(header))
    assert [h.key for h in hits if h.key] == [
        "review", "litigation_direct", "litigation_after_review"]


@pytest.mark.parametrize(
    ("label", "key"),
    [("行政复议", "review"), ("未经复议直接起诉", "litigation_direct"),
     ("直接起诉", "litigation_direct"), ("复议后起诉", "litigation_after_review"),
     ("行政诉讼 复议后起诉", "litigation_after_review")],
)
def test_reviews_litigation_block_label(label: str, key: str) -> None:
    hit = label_catalog().matcher(RL, "block").best(norm(label), "")
    assert hit is not None and hit.key == key


def test_group_alone_is_no_block() -> None:
    assert label_catalog().matcher(RL, "block").best(norm("行政诉讼"), "") is None


# -- the catalog itself ----------------------------------------------------------------


def test_unknown_matcher_is_empty() -> None:
    matcher = label_catalog().matcher("table_five", "row")
    assert matcher.find_all("予以公开") == []
    assert matcher.best("予以公开", "予以公开") is None


def test_document_end_anchor() -> None:
    hits = label_catalog().matcher("document", "anchor").find_all(
        norm("五、存在的主要问题及改进情况"))
    assert [h.key for h in hits] == ["end"]


def _alias(key: str, alias: str, match: str = "contains", templates: str = "") -> dict[str, str]:
    return {"table": APP, "axis": "row", "key": key, "alias": alias, "match": match,
            "templates": templates}


def test_add_alias_rejects_one_alias_with_two_keys() -> None:
    matcher = AxisMatcher()
    _add_alias(matcher, _alias("granted", "予以公开"), "row")
    with pytest.raises(MapError, match="予以公开"):
        _add_alias(matcher, _alias("partially_granted", "予以 公开"), "row")


def test_add_alias_accepts_the_same_alias_for_the_same_key() -> None:
    matcher = AxisMatcher()
    _add_alias(matcher, _alias("granted", "予以公开"), "row")
    _add_alias(matcher, _alias("granted", "“予以公开”"), "row")
    assert list(matcher.contains) == ["予以公开"]


def test_add_alias_rejects_a_group_that_is_also_a_key() -> None:
    matcher = AxisMatcher()
    _add_alias(matcher, _alias("other", "其他处理"), "row")
    with pytest.raises(MapError):
        _add_alias(matcher, _alias("", "其他处理"), "group")


def test_add_alias_rejects_unknown_match() -> None:
    with pytest.raises(MapError, match="contains or exact"):
        _add_alias(AxisMatcher(), _alias("granted", "予以公开", match="regex"), "row")


def _catalog_from(monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, str]]) -> LabelCatalog:
    monkeypatch.setattr(labels_mod, "read_map", lambda name: tuple(rows))
    return labels_mod.label_catalog.__wrapped__()  # bypass the cache of the real catalog


def test_label_catalog_rejects_one_alias_with_two_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MapError, match="means both"):
        _catalog_from(monkeypatch, [_alias("granted", "公开"),
                                    _alias("partially_granted", "公开")])


def test_label_catalog_rejects_a_group_alias_that_is_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = {**_alias("", "本年度办理结果"), "axis": "group"}
    with pytest.raises(MapError, match="means both"):
        _catalog_from(monkeypatch, [_alias("granted", "本年度办理结果"), group])


def test_label_catalog_rejects_one_exact_alias_with_two_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(MapError):
        _catalog_from(monkeypatch, [_alias("other.other", "其他", "exact"),
                                    _alias("other_org", "其他", "exact")])


def test_small_catalog_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = _catalog_from(monkeypatch, [
        _alias("granted", "予以公开"),
        _alias("other.other", "3.其他", "exact", "2021"),
        {**_alias("", "本年度办理结果"), "axis": "group"},
    ])
    matcher = catalog.matcher(APP, "row")
    assert set(matcher.exact) == {"其他"}  # numbering of an exact alias is dropped
    assert matcher.best("本年度办理结果", "本年度办理结果") is None
    hit = matcher.best("本年度办理结果(一)予以公开", "(一)予以公开")
    assert hit is not None and hit.key == "granted"


@pytest.mark.parametrize(("pattern", "text", "allowed", "expected"), [
    ("属于三类内部事务信息", "(三)不予公开5.属于三类内部事物信息", 2, (1, 9, 19)),
    ("其他法律行政法规禁止公开", "2.其他法律行政法规进止公开", 2, (1, 2, 14)),
    ("其他法律行政法规禁止公开", "2.其他法律行政止公开", 2, None),  # three missing
    ("重复申请", "重复申请", 1, (0, 0, 4)),
    ("重复申请", "重申", 1, None),
])
def test_approximate_find(pattern: str, text: str, allowed: int,
                          expected: tuple[int, int, int] | None) -> None:
    assert approximate_find(pattern, text, allowed) == expected


@pytest.mark.parametrize(("label", "key"), [
    ("(三)不予公开5.属于三类内部事物信息", "withheld.internal_affairs"),  # a homophone
    ("1.本机关不掌握相关证府信息", "unavailable.not_held"),
    ("(六)其它处理", "other"),
    ("2.重复申清", "not_processed.duplicate"),
    ("自然人", None),  # a column, not a row
    ("3.其他", None),  # too short to guess
    ("总计商业企业科研机构社会公益组织法律服务机构其他", None),
])
def test_the_nearest_row_of_a_misprinted_label(label: str, key: str | None) -> None:
    hit = label_catalog().matcher("applications", "row").closest(normalise_label(label))
    assert (hit.key if hit else None) == key


def test_a_misprint_as_near_to_two_rows_names_neither() -> None:
    # 行政处罚 and 行政强制 are each one character from 行政处制.
    assert label_catalog().matcher("active_disclosure", "row").closest("行政处制") is None
