"""Analysts' corrected labels from the landing folder's ``corrections.csv``.

A line with a demand type outside the taxonomy (a typo) is left out and counted, so one bad line
never stops the run or puts an unknown label into ``inquiries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES

COLUMNS = ["inquiry_id", "demand_type"]


@dataclass(frozen=True)
class Corrections:
    labels: pd.DataFrame  # inquiry_id, demand_type: one row per inquiry, the last line wins
    ignored: int  # lines without an id or with an unknown demand type


def read_corrections(path: Path) -> Corrections:
    if not path.is_file():
        return Corrections(pd.DataFrame(columns=COLUMNS), 0)
    frame = pd.read_csv(path, dtype=str, sep=None, engine="python").rename(columns=str.strip)
    frame = frame[COLUMNS].apply(lambda col: col.str.strip())
    valid = frame["inquiry_id"].notna() & frame["demand_type"].isin(DEMAND_TYPES)
    labels = frame[valid].drop_duplicates("inquiry_id", keep="last").reset_index(drop=True)
    return Corrections(labels, int((~valid).sum()))
