"""The run plan: which job runs over which days or weeks, and with which tags.

One set of pure functions that ``onodig run``, the sensors and the schedule all carry out, so that
the three can never disagree about what a late file re-opens or which weeks a change touches.
They take what was observed (the days new files hold, the days of known files still waiting to
be loaded, the weeks that have inquiries, the tags of the run that just finished) and return :class:`PlannedRun` values; reading the landing folder and
the warehouse, and launching runs, is the callers' part.

Which weeks a change re-opens is not guessed from the days it touched: the marts' inputs are
fingerprinted per week (:mod:`warehouse.fingerprints`), and a week is rebuilt when its inputs
changed, by any file, correction or model.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from onodig.ingestion.days import monday

INGEST_JOB = "ingest_days"
LINK_JOB = "classify_and_link"
PUBLISH_JOB = "publish_weeks"

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
DAYS_TAG = "onodig/days"  # carried from an ingest run to the runs that follow it: "first..last"
SOURCES_TAG = "onodig/sources"  # the sources whose new files those days came from: "cases,contacts"
NEW_FILES_TAG = "onodig/new_files"


@dataclass(frozen=True)
class Window:
    """Partitions from ``first`` to ``last``, both included, as Dagster's range tags want them."""

    first: date
    last: date

    def tags(self) -> dict[str, str]:
        return {RANGE_START: self.first.isoformat(), RANGE_END: self.last.isoformat()}

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"

    @classmethod
    def parse(cls, text: str) -> Window:
        first, last = text.split("..")
        return cls(date.fromisoformat(first), date.fromisoformat(last))


@dataclass(frozen=True)
class DayPlan:
    window: Window | None
    before_first_day: int = 0  # days with rows that no partition holds: ONODIG_FIRST_DAY is too late
    after_today: int = 0  # days in the future: loaded once they are partitions
    sources: tuple[str, ...] = ()  # the sources with new files or with waiting days to load


@dataclass(frozen=True)
class PlannedRun:
    """One run to launch: a job, the window of partitions it covers (none: unpartitioned), its tags."""

    job: str
    window: Window | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    run_key: str | None = None
    selection: str = ""  # "reports": the reports (and that week's alerts) alone, without the marts


def plan_days(
    by_source: Mapping[str, set[date]],
    first_day: date,
    today: date,
    waiting: Mapping[str, set[date]] | None = None,
) -> DayPlan:
    """The days to load: from the first to the last day that new files hold, or that known files
    hold and no load has covered yet (``waiting``: days that were in the future, or before the
    first day, when their file came), inside the partitions.

    Only those days become partitions of the run: each one costs Dagster an event, so a first load
    does not mark years of empty days. A new file without a single readable day (a truncated
    export) still needs a run to be quarantined, so then today is loaded; waiting days that are
    still outside the partitions need none, and are counted again on every plan until they load.
    """
    waiting = waiting or {}
    days = set().union(*by_source.values(), *waiting.values())
    inside = sorted(d for d in days if first_day <= d <= today)
    early, late = sum(d < first_day for d in days), sum(d > today for d in days)
    if inside:
        window = Window(inside[0], inside[-1])
    elif by_source:
        window = Window(today, today)
    else:
        return DayPlan(None, early, late)
    due = {source for source, held in waiting.items() if any(first_day <= d <= today for d in held)}
    return DayPlan(window, early, late, tuple(sorted(set(by_source) | due)))


def load_run(days: DayPlan, run_key: str | None = None, new_files: int | None = None) -> PlannedRun | None:
    """``ingest_days`` over the planned days, tagged with them and their sources for the runs after it."""
    if days.window is None:
        return None
    tags = {**days.window.tags(), DAYS_TAG: str(days.window), SOURCES_TAG: ",".join(days.sources)}
    if new_files is not None:
        tags[NEW_FILES_TAG] = str(new_files)
    return PlannedRun(INGEST_JOB, days.window, tags, run_key)


def link_run(after: Mapping[str, str] | None = None, run_key: str | None = None) -> PlannedRun:
    """``classify_and_link`` after a load (unpartitioned: cases and re-submissions span days),
    carrying the days and sources that load touched so that publishing knows which weeks re-open."""
    after = after or {}
    days = days_of_run(after)
    carried = ({DAYS_TAG: str(days)} if days else {}) | (
        {SOURCES_TAG: after[SOURCES_TAG]} if after.get(SOURCES_TAG) else {}
    )
    return PlannedRun(LINK_JOB, None, carried, run_key)


def week_windows(weeks: list[date] | set[date]) -> list[Window]:
    """Mondays grouped into runs of consecutive weeks: one window each."""
    windows: list[Window] = []
    for week in sorted(weeks):
        if windows and week - windows[-1].last == timedelta(days=7):
            windows[-1] = Window(windows[-1].first, week)
        else:
            windows.append(Window(week, week))
    return windows


def publish_stale(
    weeks: list[date] | set[date], data: Window | None = None, report_week: date | None = None
) -> list[PlannedRun]:
    """``publish_weeks`` for the weeks whose marts are stale (``warehouse.fingerprints``): one run per
    stretch of consecutive weeks, marts and those weeks' reports.

    The week the reports e-mail (``report_week``, the newest the exports cover) gets its reports
    written even when its marts did not change: it may have become covered since. With nothing
    stale and no such week, the reports of the latest week of ``data`` are written again: they show
    more than the marts (the audit's accuracy, the exports still missing).
    """
    windows = week_windows(weeks)
    runs = [PlannedRun(PUBLISH_JOB, window, window.tags()) for window in windows]
    if report_week is None and not windows and data is not None:
        report_week = data.last
    if report_week is not None and not any(w.first <= report_week <= w.last for w in windows):
        week = Window(report_week, report_week)
        runs.append(PlannedRun(PUBLISH_JOB, week, week.tags(), selection="reports"))
    return runs


def weeks_after_days(days: Window, lookback_days: int, weeks: Window | None = None) -> list[date]:
    """The weeks new inquiries on ``days`` can change: their own, and those of the inquiries up to
    ``lookback_days`` later that look back at them (repeat contacts, duplicates, re-submissions)."""
    held = max(weeks.last + timedelta(days=6), days.last) if weeks is not None else days.last
    last = min(days.last + timedelta(days=lookback_days), held)  # no week after the data
    out, week = [], monday(days.first)
    while week <= last:
        out.append(week)
        week += timedelta(days=7)
    return out


def scheduled_run(execution_day: date) -> PlannedRun:
    """The Monday publication: the week that just ended."""
    week = previous_week(execution_day)
    return PlannedRun(PUBLISH_JOB, week, week.tags(), f"week-{week.first}")


def previous_week(day: date) -> Window:
    week = monday(day - timedelta(days=7))
    return Window(week, week)


def days_of_run(tags: Mapping[str, str]) -> Window | None:
    """The days a run loaded: the sensor's own tag, a backfill's range, or one partition from the UI."""
    if tags.get(DAYS_TAG):
        return Window.parse(tags[DAYS_TAG])
    if tags.get(RANGE_START) and tags.get(RANGE_END):
        return Window(date.fromisoformat(tags[RANGE_START]), date.fromisoformat(tags[RANGE_END]))
    if tags.get(PARTITION_TAG):
        day = date.fromisoformat(tags[PARTITION_TAG])
        return Window(day, day)
    return None


def alerts_due(alerts: Iterable[tuple[str, str]], sent: Collection[str], owners: Mapping[str, list[str]]) -> dict:
    """Which alerts to e-mail now, per process: each ``(alert_id, process)`` not ``sent`` before, for
    processes with owners (an alert of a process without one waits until it has one)."""
    due: dict[str, list[str]] = {}
    for alert_id, process in sorted(set(alerts)):
        if alert_id not in sent and owners.get(process):
            due.setdefault(process, []).append(alert_id)
    return due
