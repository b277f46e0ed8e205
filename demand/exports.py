"""CSV files analysts open in Excel: the review queue and the audit queue.

Swedish Excel opens a ``;``-separated file with a UTF-8 BOM straight into columns with å, ä and ö
intact; a plain comma-separated UTF-8 file lands in one column with broken letters. Every file
people open goes through :func:`write_excel_csv`, so a change to how they are written is one place.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from onodig.reports.spreadsheet import safe_frame

FILL_IN = "demand_type"  # the empty column the analyst fills in, read back as corrections.csv or audit.csv


def write_excel_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as ``;``-separated UTF-8 with a BOM, creating the folder; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # opened in a spreadsheet: no cell may run as a formula
    safe_frame(frame).to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def for_analysts(frame: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """The columns to show, confidence rounded, and an empty ``demand_type`` column to fill in."""
    shown = frame[columns].copy()
    if "confidence" in shown:
        shown["confidence"] = pd.to_numeric(shown["confidence"], errors="coerce").round(decimals)
    shown[FILL_IN] = ""
    return shown
