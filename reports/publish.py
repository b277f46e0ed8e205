"""Where reports go and the municipality-wide figures beside them."""

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from onodig.reports.render import Report


def report_paths(outbox: Path, report: Report) -> tuple[Path, Path]:
    """``outbox/2026-W41/bygglov.html`` and ``.csv``: one folder per ISO week, re-runs overwrite."""
    folder = outbox / f"{report.week_start:%G-W%V}"
    return folder / f"{report.process}.html", folder / f"{report.process}.csv"


def overall_weekly(weekly: pd.DataFrame) -> pd.DataFrame:
    """All processes together, per week, with a Wilson interval and the corrected share, as a report chart wants."""
    frame = weekly.assign(corrected=weekly["corrected_avoidable_share"] * weekly["inquiries"])
    total = frame.groupby("week_start", as_index=False)[["inquiries", "avoidable_inquiries", "corrected"]].sum()
    n, p = total["inquiries"].astype(float), total["avoidable_inquiries"] / total["inquiries"]
    z = 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return total.assign(
        avoidable_share=p,
        avoidable_share_low=centre - half,
        avoidable_share_high=centre + half,
        corrected_avoidable_share=total["corrected"] / n,
    ).sort_values("week_start", ignore_index=True)


def content_hash(report: Report) -> str:
    return hashlib.sha256(report.csv.encode("utf-8") + report.html.encode("utf-8")).hexdigest()[:24]


def already_sent(deliveries: pd.DataFrame, report: Report) -> bool:
    """A report identical to one already sent for the same process and week is not sent again."""
    if deliveries.empty:
        return False
    same = (
        (deliveries["process"] == report.process)
        & (deliveries["week_start"].astype(str) == str(report.week_start))
        & (deliveries["content_hash"] == content_hash(report))
    )
    return bool(same.any())
