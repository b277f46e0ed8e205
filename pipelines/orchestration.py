"""Which days to load and which weeks to re-open, and the three jobs run in order.

The same plan serves ``onodig run`` (everything the landing folder holds, in one process) and the
sensors (the days new files hold, as Dagster runs). A week is re-opened when a day in it, or a
day before it, changed: repeat contacts, re-submissions and decision times look back in time,
so a late file can change every later week's figures, never an earlier one's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from onodig.assets.partitions import TIMEZONE, monday
from onodig.ingestion.days import new_days_by_source
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB
from onodig.warehouse import Warehouse

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
DAYS_TAG = "onodig/days"  # carried from an ingest run to the runs that follow it: "first..last"
SOURCES_TAG = "onodig/sources"  # the sources whose new files those days came from: "cases,contacts"
# Sources whose rows feed figures of every week, not only later ones: decision times are a median
# over all of a process's decided cases, which the root causes of every week compare against.
EVERY_WEEK_SOURCES = frozenset({"cases"})


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


def plan_days(landing, store: Warehouse, first_day: date, today: date) -> DayPlan:
    """The days to load: from the first to the last day that new files hold (on a warehouse that
    has loaded nothing, every file is new). Only those days become partitions of the run: each one
    costs Dagster an event, so a first load does not mark years of empty days.

    A new file without a single readable day (a truncated export) still needs a run to be
    quarantined, so then today is loaded.
    """
    by_source = new_days_by_source(landing, store)
    if not by_source:
        return DayPlan(None)
    days = set().union(*by_source.values())
    inside = sorted(d for d in days if first_day <= d <= today)
    early, late = sum(d < first_day for d in days), sum(d > today for d in days)
    if not inside:
        return DayPlan(Window(today, today), early, late)
    return DayPlan(Window(inside[0], inside[-1]), early, late)


def data_weeks(store: Warehouse) -> Window | None:
    """Every week that has an inquiry."""
    if not store.has_table("inquiries"):
        return None
    first, last = store.read("select min(occurred_at) as first, max(occurred_at) as last from inquiries").iloc[0]
    if first is None or last is None or str(first) in ("NaT", "nan"):
        return None
    return Window(monday(_as_date(first)), monday(_as_date(last)))


def reopened_weeks(changed: Window | None, weeks: Window | None, sources: set[str] | None = None) -> Window | None:
    """The weeks to rebuild after the days in ``changed`` were loaded: the first such week onwards.

    Every week when the days are unknown (a manual run) or a source feeds every week's figures.
    """
    if weeks is None:
        return None
    if changed is None or sources is None or sources & EVERY_WEEK_SOURCES:
        return weeks
    first = max(monday(changed.first), weeks.first)
    return Window(first, weeks.last) if first <= weeks.last else None


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def stockholm_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


@dataclass
class RunsInOrder:
    """The jobs ``onodig run`` ran, read as one run: it succeeded if each did."""

    results: list[dg.ExecuteInProcessResult]

    @property
    def success(self) -> bool:
        return all(result.success for result in self.results)

    @property
    def all_events(self) -> list:
        return [event for result in self.results for event in result.all_events]

    @property
    def job_names(self) -> list[str]:
        return [result.job_def.name for result in self.results]


def run_in_order(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    store: Warehouse,
    landing,
    first_day: date,
    today: date | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    run_config: dict | None = None,
) -> RunsInOrder:
    """``onodig run``: load the days new files hold, rebuild the linked tables, rebuild every week.

    Every week, not only the re-opened ones: the command promises every asset once, and a change
    to the classifier or the corrections moves every week's figures. Stops after a failed job.
    """
    today = today or stockholm_today()
    plan = plan_days(landing, store, first_day, today)
    if plan.before_first_day:
        log(
            f"{plan.before_first_day} day(s) with rows before ONODIG_FIRST_DAY={first_day} are not loaded: set it earlier"
        )
    if plan.after_today:
        log(f"{plan.after_today} day(s) with rows after today ({today}) wait until they are partitions")
    results = []
    steps = [(INGEST_JOB, plan.window), (LINK_JOB, None), (PUBLISH_JOB, "weeks")]
    for job_name, window in steps:
        if job_name == INGEST_JOB and window is None:
            log("no new landing files: nothing to load")
            continue
        if window == "weeks":
            window = data_weeks(store)
            if window is None:
                log("no inquiries: no weeks to publish")
                continue
        tags = window.tags() if window is not None else {}
        log(f"{job_name}: {window or 'unpartitioned'}")
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, raise_on_error=False, tags=tags, run_config=run_config
        )
        results.append(result)
        if not result.success:
            break
        if job_name == INGEST_JOB and (outside := rows_outside_window(result)):
            log(f"{outside:,} row(s) of new files fall outside {window} (before ONODIG_FIRST_DAY or in the future)")
    return RunsInOrder(results)


def rows_outside_window(result: dg.ExecuteInProcessResult) -> int:
    """Rows of newly seen files that the run's days did not hold: not lost, but not loaded either."""
    per_asset = {}  # a range run records one materialization per partition, each with the run's metadata
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        value = materialization.metadata.get("rows_of_new_files_outside_these_days")
        per_asset[materialization.asset_key] = int(value.value) if value is not None else 0
    return sum(per_asset.values())


def previous_week(day: date) -> Window:
    week = monday(day - timedelta(days=7))
    return Window(week, week)


def days_of_run(tags: dict) -> Window | None:
    """The days a run loaded: the sensor's own tag, a backfill's range, or one partition from the UI."""
    if tags.get(DAYS_TAG):
        return Window.parse(tags[DAYS_TAG])
    if tags.get(RANGE_START) and tags.get(RANGE_END):
        return Window(date.fromisoformat(tags[RANGE_START]), date.fromisoformat(tags[RANGE_END]))
    if tags.get(PARTITION_TAG):
        day = date.fromisoformat(tags[PARTITION_TAG])
        return Window(day, day)
    return None
