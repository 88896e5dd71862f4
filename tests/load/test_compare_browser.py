"""The comparison report in a real browser: headless Chromium (Debian's ``chromium``).

``--dump-dom`` gives the page as the browser built it after its scripts ran: the
report's own error hook writes any script error or ``console.error`` into the
``data-js-errors`` attribute, the sort script sets ``data-ready`` when it is done and,
with ``#selftest``, sorts the ranking table by requests received and records whether
the rows came out in order within each kind and segment, each kind still closed by its
subtotal and the total still in the footer (``data-selftest``), and how many CSV
download links the page holds (``data-downloads``). The charts are inline SVG, so their elements are in the
dumped DOM. A screenshot is saved under pytest's temporary folder (its path is
printed) for a person to look at: Chinese labels need a CJK font (fonts-noto-cjk).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from district import make_district  # the same generated district

from load.compare import write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="headless Chromium not installed (apt-get install "
                                "chromium)")


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a throw-away profile (no sandbox: CI runs as root)."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    district = make_district(root)
    return write_report(district["wh"], root / "report.html", source_root=district["src"])


def _console_errors(stderr: str) -> list[str]:
    """Console messages and uncaught errors Chromium logged about the page."""
    return [line for line in stderr.splitlines()
            if "Uncaught" in line or ("CONSOLE" in line and "file://" in line)]


def test_charts_render_without_errors(page: Path, tmp_path: Path) -> None:
    result = chromium(tmp_path / "profile", "--dump-dom", page.as_uri() + "#selftest")
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    root = re.search(r"<html[^>]*>", dom)
    assert root, dom[:500]
    assert 'data-ready="1"' in root.group(0), "the page's script did not run to its end"
    assert "data-js-errors" not in root.group(0), root.group(0)
    assert 'data-selftest="sorted"' in root.group(0), "sorting the ranking table failed"
    assert _console_errors(result.stderr) == []
    tables = re.findall(r'<table class="[^"]*" data-table="([^"]+)"', dom)
    assert len(tables) >= 10
    assert f'data-downloads="{len(tables)}"' in root.group(0)
    for slug in tables:
        assert f'<a class="csv" download="{slug}.csv" href="data:text/csv;' in dom, slug
    ranking = re.search(r'<section id="ranking">.*?</section>', dom, re.S).group(0)
    assert re.search(r'<tfoot><tr class="total"[^>]*><td class="name">全区合计', ranking)
    assert ranking.count('class="subtotal pin"') == 3  # one per kind
    charts = re.findall(r'<figure class="chart".*?</figure>', dom, re.S)
    assert len(charts) == 4
    for chart in charts:
        assert "<svg" in chart and chart.count("<path") > 10, chart[:300]
        assert "<text" in chart  # labels are text, drawn with the browser's fonts
    assert dom.count('<svg class="spark"') >= 4
    assert 'id="data-quality"' in dom


def test_screenshot(page: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    shots = tmp_path_factory.mktemp("screenshot")
    shot = shots / "compare.png"
    result = chromium(shots / "profile", f"--screenshot={shot}", "--window-size=1400,3000",
                      page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    from PIL import Image  # matplotlib's dependency

    with Image.open(shot) as image:
        assert image.size == (1400, 3000)
        colours = image.convert("RGB").resize((200, 400)).getcolors(maxcolors=100_000)
    assert colours and len(colours) > 50, "the screenshot is blank"
    print(f"screenshot: {shot}")
