"""Which weeks' emerging topics stand: a tested week's topics follow from its own and its trailing
weeks' inquiries, the trend settings, the named topics and the code, and from nothing else.

A daily run writes the reports of the newest week the exports cover again (it may have become
covered since its marts were built), and with them its trend watch; finding that week's topics
again every morning, for inquiries that had not changed, was about 2 s of a daily run at 200,000
inquiries. ``topic_inputs`` keeps a fingerprint (``input_hash``) per tested week, written in the same transaction
as the week's rows of ``emerging_topics``; a week whose fingerprint still matches keeps its rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from onodig.demand import topics
from onodig.demand.topic_names import TopicNames
from onodig.demand.trend_settings import TopicSettings
from onodig.demand.week_counts import words_key
from onodig.warehouse import Warehouse
from onodig.warehouse.fingerprints import rows_hash, source_digest
from onodig.warehouse.store import in_window, literal

TABLE = "topic_inputs"
# what a topic row is made of: the words of the week and its trailing weeks, cut by week and process;
# the demand types and examples only of the week's own inquiries
TRAILING_COLUMNS = ["inquiry_id", "occurred_at", "process", "text"]
OWN_COLUMNS = [*TRAILING_COLUMNS, "demand_type"]


def code_digest() -> str:
    """The demand package's source: a change to how topics are found tests every week once more."""
    return source_digest(Path(__file__).resolve().parent)


def fingerprints(
    store: Warehouse, weeks: Iterable[date], settings: TopicSettings, names: TopicNames | None
) -> dict[date, str]:
    """A fingerprint per week (Monday) of what its emerging topics are found from: the inquiries of
    the week and of its ``settings.trailing_weeks`` weeks before (their words, week and process; the
    week's own also their demand type, which its rows show), the settings, the named topics, the
    tokeniser and the code. An audit that re-labels a trailing week's inquiry moves no later week."""
    weeks = sorted(set(weeks))
    if not weeks:
        return {}
    earliest, end = weeks[0] - timedelta(weeks=settings.trailing_weeks), weeks[-1] + timedelta(weeks=1)
    week = "cast(date_trunc('week', occurred_at) as date)"
    frame = store.read(
        f"select {week} as week_start, {rows_hash(store, OWN_COLUMNS, grouped=True)} as own, "
        f"{rows_hash(store, TRAILING_COLUMNS, grouped=True)} as trailing "
        f"from inquiries where {in_window('occurred_at', earliest, end)} group by {week}"
    )
    mondays = pd.to_datetime(frame["week_start"]).dt.date
    own = dict(zip(mondays, frame["own"].astype(str), strict=True))
    trailing = dict(zip(mondays, frame["trailing"].astype(str), strict=True))
    common = "\n".join([code_digest(), words_key(settings.stop_words), repr(settings), repr(names)])
    out = {}
    for monday in weeks:
        before = [monday - timedelta(weeks=n) for n in range(settings.trailing_weeks, 0, -1)]
        parts = [f"{w.isoformat()} {trailing.get(w, '-')}" for w in before] + [f"{monday} {own.get(monday, '-')}"]
        out[monday] = hashlib.md5("\n".join([common, *parts]).encode("utf-8")).hexdigest()
    return out


COLUMNS = ["week_start", "input_hash"]


def ensure_table(store: Warehouse) -> None:
    """The table, made again when an earlier layout of it is there: it only saves work, so another
    layout's rows are dropped and every week is tested once more."""
    if store.has_table(TABLE) and store.columns(TABLE) != COLUMNS:
        store.execute(f"drop table {TABLE}")
    store.create_like(
        TABLE,
        pd.DataFrame({"week_start": pd.Series(dtype="datetime64[us]"), "input_hash": pd.Series(dtype="string")})[
            COLUMNS
        ],
    )


def standing(store: Warehouse, prints: Mapping[date, str]) -> set[date]:
    """The weeks whose topics were found from what they would be found from now."""
    if not prints or not store.has_table(topics.TABLE):
        return set()
    ensure_table(store)
    frame = store.read(f"select week_start, input_hash from {TABLE}")
    weeks = pd.to_datetime(frame["week_start"]).dt.date
    return {w for w, held in zip(weeks, frame["input_hash"], strict=True) if prints.get(w) == str(held)}


def replace_tested(
    store: Warehouse, found: pd.DataFrame, start: date, end: date, keep: Iterable[date], prints: Mapping[date, str]
) -> int:
    """``emerging_topics``' rows of the weeks in [start, end) but those in ``keep`` swapped for
    ``found``'s, and their fingerprints for ``prints`` (those of the weeks just tested), in one
    transaction: a fingerprint never stands for rows that were not written. Returns the table's rows."""
    ensure_table(store)
    if not store.has_table(topics.TABLE):
        store.create_like(topics.TABLE, found)
    kept = sorted(set(keep))
    spared = f" and week_start not in ({', '.join(_date(w) for w in kept)})" if kept else ""
    written = pd.DataFrame(
        {
            "week_start": pd.Series(pd.to_datetime(sorted(prints)), dtype="datetime64[us]"),
            "input_hash": pd.Series([prints[w] for w in sorted(prints)], dtype="string"),
        }
    )
    window = f"{in_window('week_start', start, end)}{spared}"
    store.swap({topics.TABLE: window, TABLE: window}, {topics.TABLE: found, TABLE: written})
    return int(store.scalar(f"select count(*) from {topics.TABLE}"))


def _date(week: date) -> str:
    return f"timestamp {literal(week.isoformat() + ' 00:00:00')}"
