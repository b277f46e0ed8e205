"""Which days the landing folder's new files hold, before they are loaded.

Loading is by day (see :mod:`ingestion.load`), so whoever starts a load, a sensor or
``onodig run``, must know which days new files touch. Only the timestamp column is parsed, with
the loader's own parser, so the days found are the days the rows will land in.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from onodig.ingestion.contract import SOURCES
from onodig.ingestion.files import (
    UnreadableFile,
    decode,
    file_checksum,
    landing_files,
    read_bytes,
    read_table,
    sniff_delimiter,
)
from onodig.ingestion.load import known_files
from onodig.ingestion.parsing import OFFSET, parse_dates, parse_timestamps
from onodig.warehouse import Warehouse


def monday(day: date) -> date:
    """The Monday of ``day``'s ISO week: how weeks are keyed in partitions and marts alike."""
    return day - timedelta(days=day.weekday())


def file_days(path: Path, source_name: str) -> set[date]:
    """The days a file's rows happened on; none for a file that cannot be read (it is quarantined on load).

    pandas' C reader takes the one column, as fast as a file can be read; should it stumble on a
    quirk that the loader's own reader handles, the loader's reader decides.
    """
    column = SOURCES[source_name].day
    try:
        text, _encoding = decode(read_bytes(path))
        if not text.strip():
            return set()
        delimiter = sniff_delimiter(text.split("\n", 1)[0])
        try:
            values = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                usecols=lambda name: name.strip().lower() == column,
                dtype="string",
                keep_default_na=False,
                engine="c",
            ).iloc[:, 0]
        except (ValueError, IndexError, pd.errors.ParserError):
            raw = read_table(path)
            if column not in raw.header:
                return set()
            at = raw.header.index(column)
            values = pd.Series([row[at] if len(row) > at else None for row in raw.rows], dtype="string")
    except UnreadableFile:
        return set()
    return _days(values.str.strip().replace("", pd.NA).dropna())


def _days(values: pd.Series) -> set[date]:
    """Days of contract timestamps. A local time's day is its first ten characters, so only the
    distinct ones are parsed; a time with an offset is converted to Stockholm time first."""
    offset = values.str.contains(OFFSET, regex=True)
    local = pd.Series(values[~offset].str.slice(0, 10).unique(), dtype="string")
    days = set(parse_dates(local).dropna().tolist())
    if offset.any():
        days |= set(parse_timestamps(values[offset]).dropna().dt.date.unique().tolist())
    return days


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
