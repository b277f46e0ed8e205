"""Analysts' labels from the landing folder: ``corrections.csv`` and ``audit.csv``, as analysts send them.

Both are ``inquiry_id;demand_type`` saved from Excel or a text editor: UTF-8 with or without a
BOM or Windows-1252, ``;`` or ``,`` (read the way landing files are, :mod:`ingestion.files`), the
type as a taxonomy key or its Swedish name in any case ("Ärendestatus", "ÄRENDESTATUS",
"arendestatus"). A line with an unknown type or without an id is left out and counted, and a file
that cannot be read at all is counted too, so one bad line or file never stops the run or puts an
unknown label into ``inquiries``. Ids that match no inquiry are counted when the labels are applied.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES
from onodig.ingestion.files import UnreadableFile, read_table

COLUMNS = ["inquiry_id", "demand_type"]
CORRECTIONS_FILE = "corrections.csv"
AUDIT_FILE = "audit.csv"


def _fold(value: str) -> str:
    """Lower case, no diacritics, no surrounding space: "Ärendestatus " and "arendestatus" are one name."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


TYPE_NAMES = {_fold(name): key for key, name in SWEDISH_NAMES.items()} | {_fold(key): key for key in DEMAND_TYPES}


def demand_type_key(value: str | None) -> str | None:
    """The taxonomy key a key or Swedish name stands for, or None when it is neither."""
    if value is None:
        return None
    return TYPE_NAMES.get(_fold(value))


@dataclass(frozen=True)
class Corrections:
    """Labels read from one analyst file, and what was left out of it."""

    labels: pd.DataFrame  # inquiry_id, demand_type (a key): one row per inquiry, the last line wins
    ignored: int  # lines without an id or with an unknown demand type (unknown ids are counted on applying)
    unknown_types: dict[str, int] = field(default_factory=dict)  # the values as written, and how often
    unreadable: str = ""  # why the whole file could not be read, when it could not

    @property
    def read(self) -> int:
        return len(self.labels)


def empty() -> Corrections:
    return Corrections(pd.DataFrame(columns=COLUMNS), 0)


def read_corrections(path: Path) -> Corrections:
    """Read ``corrections.csv`` or ``audit.csv``; a missing file is no labels, an unreadable one is counted."""
    if not path.is_file():
        return empty()
    try:
        table = read_table(path)
    except UnreadableFile as exc:
        return Corrections(pd.DataFrame(columns=COLUMNS), 0, unreadable=str(exc))
    header = [name.strip().lstrip("\ufeff").lower() for name in table.header]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return Corrections(pd.DataFrame(columns=COLUMNS), len(table.rows), unreadable=f"no column {', '.join(missing)}")
    where = [header.index(name) for name in COLUMNS]
    rows = [[row[i].strip() if i < len(row) else "" for i in where] for row in table.rows]
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    keys = frame["demand_type"].map(demand_type_key)
    has_id = frame["inquiry_id"].ne("")
    valid = has_id & keys.notna()
    unknown = Counter(frame.loc[has_id & keys.isna(), "demand_type"])
    labels = frame[valid].assign(demand_type=keys[valid]).drop_duplicates("inquiry_id", keep="last")
    return Corrections(labels.reset_index(drop=True), int((~valid).sum()), dict(unknown))
