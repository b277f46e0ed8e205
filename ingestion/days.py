"""Which days the landing folder's new files hold, before they are loaded, and which days of
known files are still waiting.

Loading is by day (see :mod:`ingestion.load`), so whoever starts a load, a sensor or
``onodig run``, must know which days new files touch. Only the timestamp column is parsed, with
the loader's own parser, so the days found are the days the rows will land in.

A known file's days wait when no window has loaded them since the file was first seen: they were
in the future then, or before ``ONODIG_FIRST_DAY``, or outside a window started by hand. The
manifest's first and last day and the windows loaded tell which files have such days; only
those files are read again, for their exact days.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from onodig.ingestion.contract import SOURCES
from onodig.ingestion.files import (
    UnreadableFile,
    decode,
    file_checksum,
    landing_files,
    other_files,
    read_bytes,
    read_table,
    sniff_delimiter,
)
from onodig.ingestion.load import KnownFile, is_known_copy, known_files, loaded_windows
from onodig.ingestion.parsing import OFFSET, parse_dates, parse_timestamps
from onodig.privacy import Pseudonymiser
from onodig.warehouse import Warehouse
from onodig.workers import worker_pool

FILES_PER_WORKER = 4  # new files a worker reads at a time; fewer than two workers' worth are read here
POOL_BYTES = 32 * 2**20  # new files smaller than this in all are read here: starting workers costs a second or two
# A line with an odd number of quotes: a quoted field goes on over the line break.
_ODD_QUOTES = re.compile(r'^[^"\r\n]*(?:"[^"\r\n]*"[^"\r\n]*)*"[^"\r\n]*$', re.MULTILINE)


def monday(day: date) -> date:
    """The Monday of ``day``'s ISO week: how weeks are keyed in partitions and marts alike."""
    return day - timedelta(days=day.weekday())


def file_days(path: Path, source_name: str) -> set[date]:
    """The days a file's rows happened on; none for a file that cannot be read (it is quarantined on load).

    pandas' C reader takes the one column, as fast as a file can be read; should it stumble on a
    quirk that the loader's own reader handles, the loader's reader decides. So does a file with
    a quoted field over several lines: an unbalanced quote there would hide the rows after it.
    """
    values = _day_values(path, SOURCES[source_name].day)
    return set() if values is None else _days(values)


def rows_on_days(path: Path, source_name: str, first: date, last: date) -> int:
    """How many of a file's rows happened from ``first`` to ``last`` (their local day, as written):
    what ``onodig run --dry-run`` counts, without loading anything."""
    values = _day_values(path, SOURCES[source_name].day)
    if values is None or values.empty:
        return 0
    days = pd.to_datetime(values.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return int(((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))).sum())


def _day_values(path: Path, column: str) -> pd.Series | None:
    """The file's day column, blanks dropped; None for a file that cannot be read."""
    try:
        text, _encoding = decode(read_bytes(path))
        if not text.strip():
            return pd.Series([], dtype="string")
        if "\x00" in text or _ODD_QUOTES.search(text):
            return _values_read_by_the_loader(path, column)
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
            return _values_read_by_the_loader(path, column)
    except UnreadableFile:
        return None
    return values.str.strip().replace("", pd.NA).dropna()


def _values_read_by_the_loader(path: Path, column: str) -> pd.Series | None:
    try:
        raw = read_table(path)
    except UnreadableFile:
        return None
    if column not in raw.header:
        return pd.Series([], dtype="string")
    at = raw.header.index(column)
    values = pd.Series([row[at] if len(row) > at else None for row in raw.rows], dtype="string")
    return values.str.strip().replace("", pd.NA).dropna()


def _days(values: pd.Series) -> set[date]:
    """Days of contract timestamps. A local time's day is its first ten characters, so only the
    distinct ones are parsed; a time with an offset is converted to Stockholm time first."""
    offset = values.str.contains(OFFSET, regex=True)
    local = pd.Series(values[~offset].str.slice(0, 10).unique(), dtype="string")
    days = set(parse_dates(local).dropna().tolist())
    if offset.any():
        days |= set(parse_timestamps(values[offset]).dropna().dt.date.unique().tolist())
    return days


def _waiting(entry: KnownFile, windows: list[tuple[date, date, pd.Timestamp]]) -> list[date]:
    """The days from the file's first to its last that no window loaded since the file was first seen."""
    if entry.first_day is None or entry.last_day is None:
        return []
    since = windows[bisect_left([at for _f, _l, at in windows], entry.loaded_at) :] if entry.loaded_at else windows
    waiting, day = [], entry.first_day
    while day <= entry.last_day:
        covering = next((last for first, last, _at in since if first <= day <= last), None)
        if covering is None:
            waiting.append(day)
            day += timedelta(days=1)
        else:
            day = covering + timedelta(days=1)
    return waiting


def observed_days(
    landing: Path, warehouse: Warehouse, pseudonymiser: Pseudonymiser | None = None, processes: int = 1
) -> tuple[dict[str, set[date]], dict[str, set[date]]]:
    """What the run plan needs from the landing folder and the manifest, per source:

    - the days new files hold (a source with a new file is there, with no days for an unreadable
      one or a file that is no landing file: the load quarantines it);
    - the days known files hold that no window has loaded yet (waiting).

    Many new files (a first run, a backfill) are read by up to ``processes`` workers: at a million
    inquiries their day columns are half a minute of one core before anything is loaded.
    """
    new, waiting, fresh = {}, {}, []
    for source_name in SOURCES:
        seen = known_files(warehouse, source_name)
        windows = loaded_windows(warehouse, source_name)
        folder = landing / source_name
        days, count = set(), len(fresh)
        for path in landing_files(folder):
            entry = seen.get(file_checksum(path))
            if entry is None:
                fresh.append((source_name, path))
            elif is_known_copy(entry, path, folder, pseudonymiser):  # the loader's own rule
                open_days = set(_waiting(entry, windows))
                if open_days:
                    days |= open_days & file_days(path, source_name)
        unnamed = [path for path in other_files(folder) if file_checksum(path) not in seen]
        if len(fresh) > count or unnamed:
            new[source_name] = set()
        if days:
            waiting[source_name] = days
    for (source_name, _path), found in zip(fresh, days_of_files(fresh, processes), strict=True):
        new[source_name] |= found
    return new, waiting


def days_of_files(files: list[tuple[str, Path]], processes: int) -> list[set[date]]:
    """``file_days`` of each ``(source, path)``, in order: by workers when the files are many and big."""
    sources, paths = [s for s, _ in files], [p for _, p in files]
    if processes <= 1 or len(files) < FILES_PER_WORKER * 2 or sum(p.stat().st_size for p in paths) < POOL_BYTES:
        return [file_days(path, source) for source, path in files]
    with worker_pool(processes, "onodig.ingestion.days") as pool:
        return list(pool.map(file_days, paths, sources, chunksize=FILES_PER_WORKER))


def new_days_by_source(landing: Path, warehouse: Warehouse) -> dict[str, set[date]]:
    """Per source with new files, the days they have rows for (possibly none, for an unreadable file)."""
    return observed_days(landing, warehouse)[0]
