"""A weekly report as a person sees it: rendered by headless Chromium, charts loaded, figures shown."""

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from onodig.reports import build_report

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const drawn = images.filter(i => i.complete && i.naturalWidth > 300 && i.naturalHeight > 150).length;
  document.body.setAttribute("data-images-drawn", drawn + "/" + images.length);
});
</script></body>"""

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def rendered_report(tmp_path: Path) -> tuple[str, Path]:
    weeks = pd.date_range("2026-08-31", periods=6, freq="7D")
    weekly = pd.DataFrame(
        {
            "process": "bygglov",
            "week_start": weeks,
            "inquiries": [300, 320, 310, 330, 290, 327],
            "avoidable_inquiries": [120, 130, 118, 140, 105, 132],
            "needs_review": 4,
            "n_invoice_status": 11,
            "n_case_status": 71,
            "n_missing_information": 17,
            "n_duplicate_request": 17,
            "n_processing_time": 16,
            "n_value_demand": 195,
        }
    )
    weekly["avoidable_share"] = weekly["avoidable_inquiries"] / weekly["inquiries"]
    weekly["avoidable_share_low"] = weekly["avoidable_share"] - 0.05
    weekly["avoidable_share_high"] = weekly["avoidable_share"] + 0.05
    weekly["corrected_avoidable_share"] = weekly["avoidable_share"] - 0.02
    causes = pd.DataFrame(
        {
            "process": "bygglov",
            "week_start": weeks[-1],
            "demand_type": ["case_status"],
            "root_cause": ["case_delayed"],
            "lever": ["status_notifications"],
            "lever_name": ["Statusnotiser i ärendet"],
            "inquiries": [30],
            "hours": [3.3],
        }
    )
    capacity = pd.DataFrame(
        {
            "process": "bygglov",
            "week_start": weeks,
            "inquiries": weekly["inquiries"],
            "hours": 32.7,
            "avoidable_hours": 14.5,
            "avoidable_fte": 0.47,
            "fte": 1.06,
            "freed_hours_if_halved": 7.25,
            "growth_headroom_if_halved": 0.29,
            "inquiries_with_default_hours": 12,
        }
    )
    report = build_report("bygglov", "Bygglov", weekly, causes, capacity)
    page = tmp_path / "bygglov.html"
    page.write_text(report.html.replace("</body>", PROBE), encoding="utf-8")
    return report.html, page


def test_chromium_renders_the_charts_and_key_figures(tmp_path):
    _, page = rendered_report(tmp_path)
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'data-images-drawn="2/2"' in dom
    for figure in ("Bygglov", "327", "40 %", "Statusnotiser i ärendet", "Vad har hänt sedan förra veckan"):
        assert figure in dom, figure

    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1000,2200",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    dark = sum(1 for value in image.getdata() if value < 200)
    assert image.size == (1000, 2200) and dark > 20_000  # text and two charts, not a blank page


# Headless Chromium will not make a window narrower than 500 px, so the page is measured in an
# iframe of the width wanted: its viewport, and the page's media queries, are the iframe's width (tall
# enough that no scrollbar takes a part of it: a phone's scrollbar overlays the page).
LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const over = Array.from(document.querySelectorAll("main *"))
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + "." + e.className);
  const tables = Array.from(document.querySelectorAll("table"));
  const fit = tables.filter(t => t.getBoundingClientRect().right <= width + 0.5 && t.scrollWidth <= t.clientWidth);
  const images = Array.from(document.images).filter(
    i => i.complete && i.naturalWidth > 300 && i.getBoundingClientRect().right <= width + 0.5);
  parent.postMessage(JSON.stringify({
    viewport: width,
    scroll: document.documentElement.scrollWidth,
    over: over,
    tables: tables.length,
    tables_fit: fit.length,
    images: images.length,
  }), "*");
});
</script></body>"""
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{page}" width="{width}" height="8000" style="border:0"></iframe>
<script>window.addEventListener("message", e => document.body.setAttribute("data-layout", e.data));</script>
</body></html>"""


@pytest.fixture(scope="module")
def evidence_page(tmp_path_factory) -> Path:
    """The report with every section filled: causes with long masked examples, channels, repeats."""
    from onodig.reports.evidence import read_evidence
    from tests.test_report_evidence import WEEK_41, evidence_report, evidence_warehouse

    root = tmp_path_factory.mktemp("layout")
    report = evidence_report(read_evidence(evidence_warehouse(root / "w.duckdb"), WEEK_41))
    page = root / "bygglov.html"
    page.write_text(report.html.replace("</body>", LAYOUT_PROBE), encoding="utf-8")
    return page


def layout(page: Path, width: int, profile: Path) -> dict:
    import html
    import json
    import re

    frame = page.with_name(f"frame_{width}.html")
    frame.write_text(FRAME.format(page=page.name, width=width), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width + 100},2000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            frame.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return json.loads(html.unescape(re.search(r'data-layout="([^"]+)"', dom).group(1)))


@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_overflows_at_desktop_or_phone_width(evidence_page, tmp_path, width):
    seen = layout(evidence_page, width, tmp_path / "profile")
    assert seen["viewport"] == width, seen  # the page really was laid out that wide
    assert seen["scroll"] <= width, seen
    assert seen["over"] == [], seen
    assert seen["tables"] == 2 and seen["tables_fit"] == 2, seen
    assert seen["images"] == 2, seen


def test_a_quiet_week_at_phone_width_still_draws_its_trend(tmp_path):
    from datetime import timedelta

    from tests.test_reports import WEEK_41, three_weeks_of_bygglov

    weekly, causes, capacity = three_weeks_of_bygglov()
    report = build_report("bygglov", "Bygglov", weekly, causes, capacity, week_start=WEEK_41 + timedelta(weeks=1))
    page = tmp_path / "quiet.html"
    page.write_text(report.html.replace("</body>", LAYOUT_PROBE), encoding="utf-8")
    seen = layout(page, 390, tmp_path / "profile")
    assert seen["viewport"] == 390 and seen["scroll"] <= 390 and seen["over"] == [], seen
    assert seen["images"] == 1, seen  # the 12-week trend; no mix for a week without inquiries
