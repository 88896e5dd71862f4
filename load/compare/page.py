"""The comparison report as one self-contained page, and ``xxgk compare``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from extract.names import printable
from load.compare.data import UnknownAgency, UnknownKind, load_district
from load.compare.disclosure import section_disclosure
from load.compare.groups import SMALL_RULE, Totals
from load.compare.html import esc
from load.compare.quality import section_quality
from load.compare.reasons import Reasons
from load.compare.sections import (
    section_cases,
    section_overview,
    section_ranking,
    section_trends,
)
from load.warehouse import Snapshot, WarehouseError

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Microsoft YaHei","PingFang SC",sans-serif;margin:0 2rem 4rem;color:#222;max-width:1400px}
h1{font-size:1.6rem;margin-top:1.5rem}h2{border-bottom:2px solid #1565c0;padding-top:1rem}
nav a{margin-right:1rem}.kpi{display:flex;flex-wrap:wrap;gap:1rem}
.kpi div{background:#f3f6fb;padding:.5rem 1rem;border-radius:6px}.kpi dt{font-size:.8rem;color:#555}
.kpi dd{margin:0;font-size:1.3rem;font-weight:600}.rules{background:#fffbe6;
border-left:4px solid #f9a825;padding:.4rem .8rem;font-size:.9rem}
figure.chart{margin:1rem 0}figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 .2rem}
th,td{border:1px solid #ddd;padding:2px 6px}thead th{background:#eef2f7;position:sticky;top:0}
table.sortable thead th{cursor:pointer}table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.name{white-space:nowrap}
td.na{color:#999;font-size:.75rem;text-align:center;cursor:help}.err{max-width:40rem}
td.share.small,tr.small td.share,tr.small td.num{color:#aaa;background:#fafafa}
small.n,small.pct{display:block;font-size:.68rem;color:#777}
td.kind,td.chg,td.na{white-space:nowrap}
tr.grp th{background:#dde6f3;text-align:left;font-size:.85rem}
tr.sep td{background:#f5f5f5;color:#777;font-style:italic;font-size:.78rem}
tr.subtotal td{background:#f1f4f8;font-weight:600}
tfoot tr.total td{background:#e3ecf8;font-weight:700;border-top:2px solid #1565c0}
tfoot td.note,tfoot tr.coverage td,td.cov{font-size:.75rem;color:#555;background:#f7f9fc}
p.dl{margin:0 0 1.5rem;font-size:.8rem}a.csv{color:#1565c0}
.status-failed{color:#c62828;font-weight:600}.status-partial{color:#ef8c00;font-weight:600}
.good{color:#2e7d32}svg.spark polyline{fill:none;stroke:#1565c0;stroke-width:1.3}
svg.spark circle{fill:#1565c0}svg.spark line.tpl{stroke:#aaa;stroke-dasharray:2 2}
caption{text-align:left;font-weight:600;padding:.3rem 0}
"""

# Records script errors on the page itself, so a headless browser's --dump-dom shows them.
_ERRORS_JS = """
window.xxgkErrors=[];function xxgkError(m){window.xxgkErrors.push(String(m));
document.documentElement.setAttribute('data-js-errors',window.xxgkErrors.join(' | '));}
window.addEventListener('error',function(e){xxgkError(e.message||e.type);},true);
(function(){var ce=console.error;console.error=function(){xxgkError(
Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};})();
"""

# Sort a table by the clicked column: numbers by data-v, text by locale (zh), missing
# last; within each <tbody> (a kind) and each segment of it (data-seg: agencies
# compared, then those on a small base), pinned rows (headers, separators, subtotals)
# and the <tfoot> (the totals) never moving.
_SORT_JS = """
(function(){
function key(cell){if(!cell)return null;var v=cell.getAttribute('data-v');
 if(v!==null)return v===''?null:parseFloat(v);return cell.textContent.trim();}
function seg(r){return parseInt(r.getAttribute('data-seg')||'1',10);}
function pinned(r){return r.classList.contains('pin');}
function sortBy(th){var table=th.closest('table'),
 idx=Array.prototype.indexOf.call(th.parentNode.children,th),
 dir=th.getAttribute('data-dir')==='desc'?'asc':'desc';
 Array.prototype.forEach.call(th.parentNode.children,function(h){h.removeAttribute('data-dir');});
 th.setAttribute('data-dir',dir);
 Array.prototype.forEach.call(table.tBodies,function(body){
  var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var s=seg(a)-seg(b);if(s!==0)return s;
   if(pinned(a)||pinned(b))return 0;var x=key(a.cells[idx]),y=key(b.cells[idx]);
   if(x===null||x==='')return(y===null||y==='')?0:1;if(y===null||y==='')return -1;
   var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),'zh');
   return dir==='asc'?c:-c;});
  rows.forEach(function(r){body.appendChild(r);});});}
document.querySelectorAll('table.sortable thead th').forEach(function(th){
 th.addEventListener('click',function(){sortBy(th);});});
window.xxgkSort=sortBy;
function selftest(){var t=document.querySelector('#ranking table.sortable');if(!t)return 'no table';
 var th=t.tHead.querySelector('th[data-key=received]');sortBy(th);
 var idx=Array.prototype.indexOf.call(th.parentNode.children,th),ok=true;
 Array.prototype.forEach.call(t.tBodies,function(body){var last={};
  Array.prototype.forEach.call(body.rows,function(r){if(pinned(r))return;
   var v=key(r.cells[idx]),s=seg(r);if(v===null)return;
   if(last[s]!==undefined&&last[s]<v)ok=false;last[s]=v;});
  var rows=Array.prototype.slice.call(body.rows);
  if(!rows.length||!rows[rows.length-1].classList.contains('subtotal'))ok=false;});
 if(!t.tFoot||!t.tFoot.querySelector('tr.total'))ok=false;
 return ok?'sorted':'unsorted';}
if(location.hash==='#selftest'){document.documentElement.setAttribute('data-selftest',selftest());
 document.documentElement.setAttribute('data-downloads',
  String(document.querySelectorAll('a.csv[download]').length));}
document.documentElement.setAttribute('data-ready','1');
})();
"""

_NAV = (("overview", "概况"), ("ranking", "排名"), ("trends", "趋势"), ("cases", "复议诉讼"),
        ("disclosure", "主动公开"), ("data-quality", "数据质量"))


def _reading_guide(warehouse: Path) -> str:
    """How to read the report: the small-base rule, the totals, the downloads."""
    return ('<div class="rules"><p><b>How to read.</b> '
            f"{esc(SMALL_RULE)} Agencies are compared within their kind; every total row "
            "(in a table's footer) says how many agencies it covers and names those "
            "missing.</p><p>Every table has a CSV download (UTF-8, opens in Excel) below "
            "it; <code>xxgk export --warehouse "
            f"{esc(warehouse)} --out FILE.xlsx</code> writes the same tables as one Excel "
            "workbook.</p></div>")


def _page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    nav = "".join(f'<a href="#{i}">{esc(t)}</a>' for i, t in _NAV)
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{_CSS}</style>"
            f"<script>{_ERRORS_JS}</script></head><body>"
            f"<h1>{esc(title)}</h1><p>{esc(subtitle)}</p><nav>{nav}</nav>"
            + "\n".join(sections) + f"<script>{_SORT_JS}</script></body></html>\n")


def build_report(warehouse: str | Path | Snapshot, *, years: Iterable[int] | None = None,
                 agencies: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
                 source_root: str | Path | None = None, registry: str | Path | None = None,
                 title: str | None = None) -> str:
    """The district comparison report as one self-contained HTML page (the agencies of
    ``kinds`` only, when given)."""
    district = load_district(warehouse, years=years, agencies=agencies, kinds=kinds,
                             registry=registry)
    root = Path(source_root).resolve() if source_root else None
    reasons, totals = Reasons(district), Totals.of(district)
    span = (f"{district.years[0]}–{district.years[-1]}" if len(district.years) > 1
            else ", ".join(map(str, district.years)) or "no data")
    title = title or f"政府信息公开工作年度报告 机关对比 District comparison {span}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = warehouse.path.parent.parent if isinstance(warehouse, Snapshot) else warehouse
    chosen = f" ({district.selection})" if district.selection else ""
    subtitle = (f"{len(district.roster)} agencies{chosen}, {span}; warehouse "
                f"{Path(where).resolve()} (snapshot {district.snapshot}); generated {stamp} "
                "by xxgk compare.")
    sections = [_reading_guide(Path(where)), section_overview(district, totals),
                section_ranking(district, reasons, totals),
                section_trends(district, reasons, totals),
                section_cases(district, reasons, totals),
                section_disclosure(district, reasons, totals), section_quality(district, root)]
    return _page(title, subtitle, sections)


def write_report(warehouse: str | Path | Snapshot, out: str | Path, **options) -> Path:
    """Write :func:`build_report` to ``out`` (written beside it, then renamed); its
    folder must exist (``FileNotFoundError`` otherwise: no folder is made)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write {out}: its folder {out.parent} does not exist")
    text = build_report(warehouse, **options)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


# --------------------------------------------------------------------------- command line

def compare_command(args: argparse.Namespace) -> int:
    """``xxgk compare``: 0 when written, 2 for a usage error (no warehouse, an agency
    or a kind it does not hold, an --out whose folder does not exist)."""
    started = time.perf_counter()
    try:
        out = write_report(args.warehouse, args.out, years=args.year or None,
                           agencies=args.agency or None,
                           kinds=getattr(args, "kind", None) or None,
                           source_root=args.source_root, registry=args.registry,
                           title=args.title)
    except (FileNotFoundError, WarehouseError, UnknownAgency, UnknownKind) as err:
        print(f"xxgk: compare: {printable(' '.join(str(err).split()))}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


__all__ = ["build_report", "compare_command", "load_district",
           "write_report"]
