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
