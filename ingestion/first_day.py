"""The earliest day the landing exports hold: where the partitions start when nothing says otherwise.

A fixed first day shows every week before the data as a missing partition in the Dagster UI, and
cuts off rows before it. The Dagster UI builds the definitions each time it loads the code
location, so this must be cheap and must never fail: files the manifest knows (same source, name
and size) are not read again, since the manifest holds their first day; only new files are
scanned, their timestamp column alone (:func:`ingestion.days.file_days`). A warehouse that cannot
be read (not there yet, locked by a run, unreachable) only means every file is scanned.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from onodig.ingestion.contract import SOURCES
from onodig.ingestion.days import days_of_files, monday
from onodig.ingestion.files import file_name, landing_files
from onodig.ingestion.load import MANIFEST, stored_name
from onodig.privacy import Pseudonymiser
from onodig.warehouse import Warehouse

CONNECT_TIMEOUT_SECONDS = 3  # a PostgreSQL server that does not answer must not hold up the UI


def known_first_days(warehouse_url: str) -> dict[tuple[str, str, int], date]:
    """(source, stored file name, size in bytes) -> the file's first day, for every file loaded; empty if unreadable."""
    url = warehouse_url
    if url.startswith("duckdb:///"):
        path = url.removeprefix("duckdb:///").split("?", 1)[0]
        if not path or not Path(path).is_file():
            return {}
    elif url.startswith("postgresql") and "connect_timeout" not in url:
        url += ("&" if "?" in url else "?") + f"connect_timeout={CONNECT_TIMEOUT_SECONDS}"
    try:
        with Warehouse(url) as store:
            if not store.has_table(MANIFEST):
                return {}
            frame = store.read(
                f"select source, file, size_bytes, first_day from {MANIFEST} "
                "where status = 'loaded' and first_day is not null"
            )
    except Exception:  # noqa: BLE001 - locked, unreachable, an old schema: scanning is always right
        return {}
    days = pd.to_datetime(frame["first_day"]).dt.date
    return {
        (str(source), str(name), int(size)): day
        for source, name, size, day in zip(frame["source"], frame["file"], frame["size_bytes"], days, strict=True)
    }


def earliest_landing_day(
    landing: Path, warehouse_url: str = "", pseudonym_key: str | None = None, processes: int = 1
) -> date | None:
    """The Monday of the week of the earliest row in any landing export; None for an empty landing folder.

    The Monday, so that the first daily partition and the first weekly one are the same day. Files
    the manifest does not know are read by up to ``processes`` workers when they are many and big:
    a first run at a million inquiries read every file's days here, 18 s of one core.
    """
    known = known_first_days(warehouse_url) if warehouse_url else {}
    pseudonymiser = Pseudonymiser(pseudonym_key) if pseudonym_key and pseudonym_key.strip() else None
    found, unread = [], []
    for source in SOURCES:
        folder = landing / source
        if not folder.is_dir():
            continue
        for path in landing_files(folder):
            size = path.stat().st_size
            names = [file_name(path, folder)]
            if pseudonymiser is not None:
                names.append(stored_name(path, folder, pseudonymiser))
            first = next((known[(source, n, size)] for n in names if (source, n, size) in known), None)
            if first is None:
                unread.append((source, path))
            else:
                found.append(first)
    found += [min(days) for days in days_of_files(unread, processes) if days]
    return monday(min(found)) if found else None
