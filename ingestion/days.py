"""Which days the landing folder's new files hold, before they are loaded.

Loading is by day (see :mod:`ingestion.load`), so whoever starts a load, a sensor or
``onodig run``, must know which days new files touch. Only the timestamp column is parsed, with
the loader's own parser, so the days found are the days the rows will land in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ingestion.contract import SOURCES
from ingestion.files import UnreadableFile, file_checksum, landing_files, read_table
from ingestion.load import known_files
from ingestion.parsing import parse_timestamps
from warehouse import Warehouse


def file_days(path: Path, source_name: str) -> set[date]:
    """The days a file's rows happened on; none for a file that cannot be read (it is quarantined on load)."""
    try:
        raw = read_table(path)
    except UnreadableFile:
        return set()
    column = SOURCES[source_name].day
    if column not in raw.header:
        return set()
    at = raw.header.index(column)
    values = pd.Series([row[at] if len(row) > at else None for row in raw.rows], dtype="string").str.strip()
    return set(parse_timestamps(values).dropna().dt.date.unique().tolist())


def new_files(landing: Path, warehouse: Warehouse) -> dict[str, list[Path]]:
    """Per source, the landing files whose content the manifest has not seen under any name."""
    found = {}
    for source_name in SOURCES:
        seen = known_files(warehouse, source_name)
        fresh = [path for path in landing_files(landing / source_name) if file_checksum(path) not in seen]
        if fresh:
            found[source_name] = fresh
    return found


def new_days_by_source(landing: Path, warehouse: Warehouse) -> dict[str, set[date]]:
    """Per source with new files, the days they have rows for (possibly none, for an unreadable file)."""
    return {
        source_name: set().union(*(file_days(path, source_name) for path in paths))
        for source_name, paths in new_files(landing, warehouse).items()
    }


def new_days(landing: Path, warehouse: Warehouse) -> set[date]:
    """Every day that a new file in any source has rows for."""
    return set().union(*new_days_by_source(landing, warehouse).values())
