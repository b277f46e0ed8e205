"""Which weeks the exports cover: a report is only final for a week every source of inquiries has delivered to its end.

A source covers a week when its export reaches that week's Sunday: the latest day it holds rows
for is the Sunday or later. Not a row on the Sunday itself: a quiet Sunday (no calls, no
e-service submissions) is normal, and the rows of a later day show that the export went on past
it. A source whose last rows are from the Friday does not cover the week until a later day's rows
arrive, since a missing weekend export and a quiet weekend look the same until then. A week still
in progress (its Sunday is today or later, in Stockholm) is never covered, whatever rows it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from onodig.ingestion.contract import SOURCES
from onodig.ingestion.days import monday
from onodig.ingestion.load import staged_table
from onodig.warehouse import Warehouse

TABLE = "export_coverage"
# The sources inquiries come from: a week without either's rows up to its Sunday lacks inquiries.
# Cases and invoices only explain inquiries; the reports say so when those are missing.
REQUIRED_SOURCES = ("contacts", "eservice")
TIMEZONE = "Europe/Stockholm"
COLUMNS = [
    "source",
    "week_start",
    "week_end",
    "last_day_in_week",
    "export_last_day",
    "in_progress",
    "covered",
    "week_covered",
]


def stockholm_today() -> date:
    """The municipality's today: a week in progress there is in progress, whatever the server's clock zone."""
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def source_days(store: Warehouse, source: str) -> list[date]:
    """The days a staged source holds rows for, oldest first; none before its first load."""
    table = staged_table(source)
    if not store.has_table(table):
        return []
    column = SOURCES[source].day
    frame = store.read(f"select distinct cast({column} as date) as day from {table} where {column} is not null")
    return sorted(pd.to_datetime(frame["day"]).dt.date)


def coverage(days_by_source: Mapping[str, Iterable[date]], today: date) -> pd.DataFrame:
    """One row per required source and week, from the first week any of them holds to the last.

    ``covered`` is the source's part, ``week_covered`` whether every required source covers the
    week: only such a week is reported as final and e-mailed.
    """
    days = {source: sorted(set(days_by_source.get(source, ()))) for source in REQUIRED_SOURCES}
    held = [day for values in days.values() for day in values]
    if not held:
        return empty_coverage()
    weeks = pd.date_range(monday(min(held)), monday(max(held)), freq="7D").date
    rows = []
    for week in weeks:
        sunday = week + timedelta(days=6)
        in_progress = sunday >= today
        for source, values in days.items():
            in_week = [day for day in values if week <= day <= sunday]
            last = values[-1] if values else None
            started = bool(values) and values[0] <= sunday
            rows.append(
                {
                    "source": source,
                    "week_start": week,
                    "week_end": sunday,
                    "last_day_in_week": in_week[-1] if in_week else None,
                    "export_last_day": last,
                    "in_progress": in_progress,
                    "covered": started and last is not None and last >= sunday and not in_progress,
                }
            )
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    frame["week_covered"] = frame.groupby("week_start")["covered"].transform("all")
    return frame[COLUMNS]


def export_coverage(store: Warehouse, today: date) -> pd.DataFrame:
    """The coverage of what the warehouse has staged, as of ``today``."""
    return coverage({source: source_days(store, source) for source in REQUIRED_SOURCES}, today)


@dataclass(frozen=True)
class WeekCoverage:
    """What a report needs to know of one week: whether it is final, and if not, why not."""

    week_start: date
    covered: bool
    in_progress: bool
    # the required sources that do not cover it, with their last day (None: no rows up to the Sunday)
    short: tuple[tuple[str, date | None], ...] = ()


def empty_coverage() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series([], dtype=object) for column in COLUMNS})
    return frame.astype({"in_progress": bool, "covered": bool, "week_covered": bool})


def read_coverage(store: Warehouse) -> pd.DataFrame:
    """The table as the coverage asset wrote it, with dates as dates."""
    if not store.has_table(TABLE):
        return empty_coverage()
    frame = store.read_table(TABLE)
    for column in ("week_start", "week_end", "last_day_in_week", "export_last_day"):
        frame[column] = [None if pd.isna(value) else pd.Timestamp(value).date() for value in frame[column]]
    return frame


def week_coverage(frame: pd.DataFrame, week: date) -> WeekCoverage:
    """A week the table does not hold (before every export, or after them) is not covered."""
    rows = frame[frame["week_start"] == week]
    if rows.empty:
        return WeekCoverage(week, False, False, tuple((source, None) for source in REQUIRED_SOURCES))
    short = tuple(
        (row.source, row.export_last_day if row.export_last_day and row.export_last_day < row.week_end else None)
        for row in rows.itertuples()
        if not row.covered and not row.in_progress
    )
    return WeekCoverage(week, bool(rows["covered"].all()), bool(rows["in_progress"].any()), short)


def latest_covered_week(frame: pd.DataFrame) -> date | None:
    """The week a run e-mails: the newest one every required export reaches the end of."""
    covered = frame.loc[frame["week_covered"].astype(bool), "week_start"]
    return None if covered.empty else max(covered)
