"""The generator's own copy of the canonical keys (``transform/maps/keys.csv``).

The synthetic reports must only ever claim cells that the key list knows, so the
generator carries its own list of ``(table, row_key, col_key)`` keys, with the
canonical labels and the templates printing them.  A test compares this copy with
the shared ``keys.csv`` so a drift between the two is noticed at once.
"""

from __future__ import annotations

from functools import cache

TEMPLATES: tuple[str, ...] = ("2019", "2021")
BOTH = "2019 2021"

ACTIVE = "active_disclosure"
APPLICATIONS = "applications"
REVIEWS = "reviews_litigation"

# 表二: (row_key, row_label, col_key, col_label, templates, unit)
ACTIVE_KEYS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("rules", "规章", "made", "本年新制作数量", "2019", "count"),
    ("rules", "规章", "published", "本年新公开数量", "2019", "count"),
    ("rules", "规章", "total_published", "对外公开总数量", "2019", "count"),
    ("rules", "规章", "issued", "本年制发件数", "2021", "count"),
    ("rules", "规章", "repealed", "本年废止件数", "2021", "count"),
    ("rules", "规章", "in_force", "现行有效件数", "2021", "count"),
    ("normative_documents", "行政规范性文件", "made", "本年新制作数量", "2019", "count"),
    ("normative_documents", "行政规范性文件", "published", "本年新公开数量", "2019", "count"),
    ("normative_documents", "行政规范性文件", "total_published", "对外公开总数量", "2019", "count"),
    ("normative_documents", "行政规范性文件", "issued", "本年制发件数", "2021", "count"),
    ("normative_documents", "行政规范性文件", "repealed", "本年废止件数", "2021", "count"),
    ("normative_documents", "行政规范性文件", "in_force", "现行有效件数", "2021", "count"),
    ("licensing", "行政许可", "prior_year_items", "上一年项目数量", "2019", "count"),
    ("licensing", "行政许可", "change", "本年增/减", "2019", "count"),
    ("licensing", "行政许可", "decisions", "本年处理决定数量", BOTH, "count"),
    (
        "other_services",
        "其他对外管理服务事项",
        "prior_year_items",
        "上一年项目数量",
        "2019",
        "count",
    ),
    ("other_services", "其他对外管理服务事项", "change", "本年增/减", "2019", "count"),
    ("other_services", "其他对外管理服务事项", "decisions", "本年处理决定数量", "2019", "count"),
    ("penalty", "行政处罚", "prior_year_items", "上一年项目数量", "2019", "count"),
    ("penalty", "行政处罚", "change", "本年增/减", "2019", "count"),
    ("penalty", "行政处罚", "decisions", "本年处理决定数量", BOTH, "count"),
    ("coercion", "行政强制", "prior_year_items", "上一年项目数量", "2019", "count"),
    ("coercion", "行政强制", "change", "本年增/减", "2019", "count"),
    ("coercion", "行政强制", "decisions", "本年处理决定数量", BOTH, "count"),
    ("fees", "行政事业性收费", "prior_year_items", "上一年项目数量", "2019", "count"),
    ("fees", "行政事业性收费", "change", "本年增/减", "2019", "count"),
    ("fees", "行政事业性收费", "amount", "本年收费金额", "2021", "yuan"),
    ("procurement", "政府集中采购", "items", "采购项目数量", "2019", "count"),
    ("procurement", "政府集中采购", "amount", "采购总金额", "2019", "yuan"),
)

# 表三 rows: (row_key, canonical label, templates)
APPLICATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量", BOTH),
    ("carried_over", "二、上年结转政府信息公开申请数量", BOTH),
    ("granted", "（一）予以公开", BOTH),
    ("partially_granted", "（二）部分公开", BOTH),
    ("withheld.state_secret", "（三）不予公开 1.属于国家秘密", BOTH),
    ("withheld.prohibited_by_law", "（三）不予公开 2.其他法律行政法规禁止公开", BOTH),
    ("withheld.security_stability", "（三）不予公开 3.危及“三安全一稳定”", BOTH),
    ("withheld.third_party_rights", "（三）不予公开 4.保护第三方合法权益", BOTH),
    ("withheld.internal_affairs", "（三）不予公开 5.属于三类内部事务信息", BOTH),
    ("withheld.process_information", "（三）不予公开 6.属于四类过程性信息", BOTH),
    ("withheld.enforcement_files", "（三）不予公开 7.属于行政执法案卷", BOTH),
    ("withheld.inquiry_matters", "（三）不予公开 8.属于行政查询事项", BOTH),
    ("unavailable.not_held", "（四）无法提供 1.本机关不掌握相关政府信息", BOTH),
    ("unavailable.needs_creation", "（四）无法提供 2.没有现成信息需要另行制作", BOTH),
    ("unavailable.unclear", "（四）无法提供 3.补正后申请内容仍不明确", BOTH),
    ("not_processed.petition", "（五）不予处理 1.信访举报投诉类申请", BOTH),
    ("not_processed.duplicate", "（五）不予处理 2.重复申请", BOTH),
    ("not_processed.publication", "（五）不予处理 3.要求提供公开出版物", BOTH),
    ("not_processed.mass_repeated", "（五）不予处理 4.无正当理由大量反复申请", BOTH),
    (
        "not_processed.confirm_reissue",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        BOTH,
    ),
    ("other", "（六）其他处理", BOTH),
    (
        "other.no_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2021",
    ),
    (
        "other.fee_unpaid",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "2021",
    ),
    ("other.other", "（六）其他处理 3.其他", "2021"),
    ("total", "（七）总计", BOTH),
    ("carried_forward", "四、结转下年度继续办理", BOTH),
)

# 表三 columns: (col_key, canonical label)
APPLICATION_COLS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial", "法人或其他组织 商业企业"),
    ("research", "法人或其他组织 科研机构"),
    ("social_welfare", "法人或其他组织 社会公益组织"),
    ("legal_services", "法人或其他组织 法律服务机构"),
    ("other_org", "法人或其他组织 其他"),
    ("total", "总计"),
)

# 表四 rows (blocks) and columns
REVIEW_ROWS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 复议后起诉"),
)
REVIEW_COLS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

APPLICANT_COLS: tuple[str, ...] = tuple(key for key, _ in APPLICATION_COLS[:6])
APP_COL_KEYS: tuple[str, ...] = tuple(key for key, _ in APPLICATION_COLS)
REVIEW_BLOCKS: tuple[str, ...] = tuple(key for key, _ in REVIEW_ROWS)
REVIEW_COL_KEYS: tuple[str, ...] = tuple(key for key, _ in REVIEW_COLS)
OTHER_SUBROWS: tuple[str, ...] = ("other.no_correction", "other.fee_unpaid", "other.other")

KeyRow = tuple[str, str, str, str, str, str, str]


def key_table() -> list[KeyRow]:
    """Rows shaped like keys.csv: table,row_key,row_label,col_key,col_label,templates,unit."""
    rows: list[KeyRow] = [(ACTIVE, *key) for key in ACTIVE_KEYS]
    rows += [
        (APPLICATIONS, key, label, "*", "", tpl, "count") for key, label, tpl in APPLICATION_ROWS
    ]
    rows += [(APPLICATIONS, "*", "", key, label, BOTH, "count") for key, label in APPLICATION_COLS]
    rows += [(REVIEWS, key, label, "*", "", BOTH, "count") for key, label in REVIEW_ROWS]
    rows += [(REVIEWS, "*", "", key, label, BOTH, "count") for key, label in REVIEW_COLS]
    return rows


@cache
def valid_keys(template: str) -> frozenset[tuple[str, str, str]]:
    """Every (table, row_key, col_key) a report of ``template`` may print."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    keys = {(ACTIVE, r, c) for r, _, c, _, tpl, _ in ACTIVE_KEYS if template in tpl.split()}
    app_rows = [r for r, _, tpl in APPLICATION_ROWS if template in tpl.split()]
    keys |= {(APPLICATIONS, r, c) for r in app_rows for c in APP_COL_KEYS}
    keys |= {(REVIEWS, r, c) for r in REVIEW_BLOCKS for c in REVIEW_COL_KEYS}
    return frozenset(keys)
