"""Carrying out the run plan of :mod:`pipelines.plan`: ``onodig run`` runs its three jobs in order.

The sensors and the schedule carry out the same plan as Dagster runs; here it is one process, for
everything the landing folder holds. Reading the warehouse and launching jobs happens here, the
decisions in the plan.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.assets.demand import INQUIRIES_KEY
from onodig.assets.publish import REPORTS_KEY
from onodig.assets.trends import ALERTS_KEY, TOPICS_KEY
from onodig.ingestion.coverage import export_coverage, latest_covered_week, stockholm_today
from onodig.ingestion.days import monday, observed_days
from onodig.pipelines import plan
from onodig.pipelines.instance_files import held_open
from onodig.pipelines.plan import PlannedRun, Window
from onodig.privacy import Pseudonymiser
from onodig.warehouse import Warehouse, fingerprints
from onodig.warehouse.sql_models import discover


def data_weeks(store: Warehouse) -> Window | None:
    """Every week that has an inquiry."""
    if not store.has_table("inquiries"):
        return None
    first, last = store.read("select min(occurred_at) as first, max(occurred_at) as last from inquiries").iloc[0]
    if first is None or last is None or str(first) in ("NaT", "nan"):
        return None
    return Window(monday(_as_date(first)), monday(_as_date(last)))


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


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

    def metadata(self, key: dg.AssetKey, name: str) -> list:
        """``name`` from each run's materializations of ``key`` (a range run records one per partition)."""
        values = []
        for result in self.results:
            found = None
            for event in result.get_asset_materialization_events():
                materialization = event.event_specific_data.materialization
                if materialization.asset_key == key and name in materialization.metadata:
                    found = materialization.metadata[name].value
            if found is not None:
                values.append(found)
        return values


@dataclass
class Done:
    """What a run did, in the words of its plan: days loaded, inquiries classified, weeks rebuilt."""

    days: Window | None = None
    rows_loaded: int = 0
    classified: int | None = None
    weeks: list[date] = field(default_factory=list)
    rebuilt: int | None = None  # inquiries built again (new, changed or gone)
    rebuilt_whole: bool = False
    intermediate: dict[str, tuple[int, bool]] = field(default_factory=dict)  # model: (keys rebuilt, whole)

    def lines(self, seconds: float) -> list[str]:
        rate = f"{self.rows_loaded / seconds:,.0f} rows/s" if seconds > 0 else "-"
        classified = "-" if self.classified is None else f"{self.classified:,}"
        return [
            f"days loaded: {self.days or 'none'} ({self.rows_loaded:,} rows, {rate} over the whole run)",
            f"inquiries classified by the model: {classified}",
            f"inquiries rebuilt: {self._rebuilt()}",
            f"intermediate rows rebuilt: {self._intermediate()}",
            f"weeks rebuilt: {describe_weeks(self.weeks)}",
        ]

    def _intermediate(self) -> str:
        if not self.intermediate:
            return "-"
        return ", ".join(
            f"{name} {keys:,}" + (" (whole)" if whole else "") for name, (keys, whole) in self.intermediate.items()
        )

    def _rebuilt(self) -> str:
        if self.rebuilt is None:
            return "-"
        return f"{self.rebuilt:,} (the whole table)" if self.rebuilt_whole else f"{self.rebuilt:,}, the rest kept"


def describe_weeks(weeks: list[date]) -> str:
    if not weeks:
        return "none"
    return f"{len(weeks)} ({', '.join(str(w) for w in plan.week_windows(weeks))})"


def run_in_order(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    store: Warehouse,
    landing,
    first_day: date,
    today: date | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    run_config: dict | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    done: Done | None = None,
) -> RunsInOrder:
    """``onodig run``: load the days new files hold and the days known files still wait for,
    rebuild the linked tables, then rebuild the weeks whose marts are stale.

    A week is stale when what its marts were built from changed (``warehouse.fingerprints``):
    new inquiries, re-labelled ones, a late case or invoice that changes a linked inquiry's
    evidence, or an every-week table (a new model's correction, the rule parameters) that moves
    every week. Stops after a failed job; ``done`` is filled in as the jobs finish.
    """
    done = done if done is not None else Done()
    today = today or stockholm_today()
    # the key tells files by their masked names; a first run's many files are read by a worker per core
    new, waiting = observed_days(landing, store, pseudonymiser, processes=os.cpu_count() or 1)
    days = plan.plan_days(new, first_day, today, waiting)
    if days.before_first_day:
        log(
            f"{days.before_first_day} day(s) with rows before ONODIG_FIRST_DAY={first_day} are not loaded: set it earlier"
        )
    if days.after_today:
        log(f"{days.after_today} day(s) with rows after today ({today}) wait until they are partitions")
    results: list[dg.ExecuteInProcessResult] = []

    def execute(run: PlannedRun) -> bool:
        log(f"{run.job}: {run.window or 'unpartitioned'}{f' ({run.selection} only)' if run.selection else ''}")
        result = defs.resolve_job_def(run.job).execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=dict(run.tags),
            run_config=run_config,
            asset_selection=asset_selection(run),
        )
        results.append(result)
        return result.success

    load = plan.load_run(days)
    if load is None:
        log("no new landing files and no days waiting: nothing to load")
    else:
        if not execute(load):
            return RunsInOrder(results)
        done.days, done.rows_loaded = load.window, rows_loaded(results[-1])
        if outside := rows_outside_window(results[-1]):
            log(
                f"{outside:,} row(s) of new files fall outside {load.window} (before ONODIG_FIRST_DAY or in the future)"
            )
    link = plan.link_run(load.tags if load else None)
    if not execute(link):
        return RunsInOrder(results)
    linked = RunsInOrder(results[-1:])
    classified, rebuilt = (
        linked.metadata(INQUIRIES_KEY, "classified_this_run"),
        linked.metadata(INQUIRIES_KEY, "inquiries_rebuilt"),
    )
    done.classified = int(classified[-1]) if classified else None
    done.rebuilt = int(rebuilt[-1]) if rebuilt else None
    done.rebuilt_whole = bool(linked.metadata(INQUIRIES_KEY, "rebuilt_whole")[-1:] == [True])
    for model in discover():
        if model.incremental:
            key = dg.AssetKey([model.layer, model.name])
            keys, whole = linked.metadata(key, "rebuilt_keys"), linked.metadata(key, "rebuilt_whole")
            if keys:
                done.intermediate[model.name] = (int(keys[-1]), bool(whole[-1:] == [True]))
    stale, publishing = publish_plan(store, today)
    if not publishing:
        log("no inquiries: no weeks to publish")
    elif not stale:
        log("no week's marts changed: only the reports of the week they are for are written again")
    for publish in publishing:
        if not execute(publish):
            break
        done.weeks.extend(w for w in stale if publish.window.first <= w <= publish.window.last)
    return RunsInOrder(results)


def publish_plan(store: Warehouse, today: date) -> tuple[list[date], list[PlannedRun]]:
    """The weeks whose marts are stale and the publish runs for them (and the reports of the week
    they are for), as ``onodig run`` and the sensor after ``classify_and_link`` both launch them."""
    stale, weeks = fingerprints.stale_weeks(store), data_weeks(store)
    report_week = latest_covered_week(export_coverage(store, today)) if stale or weeks else None
    return stale, plan.publish_stale(stale, weeks, report_week)


def asset_selection(run: PlannedRun) -> list[dg.AssetKey] | None:
    """The assets of a planned run when not the whole job: a reports-only run writes the reports of
    the week they are for, which may have become covered since its marts were built, and its alerts
    and emerging topics, tested once a week is covered (found again only when their inputs changed)."""
    return [TOPICS_KEY, ALERTS_KEY, REPORTS_KEY] if run.selection == "reports" else None


def rows_loaded(result: dg.ExecuteInProcessResult) -> int:
    """Rows the ingest run loaded, over every source."""
    per_asset = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        value = materialization.metadata.get("rows_loaded")
        if value is not None:
            per_asset[materialization.asset_key] = int(value.value)
    return sum(per_asset.values())


def rows_outside_window(result: dg.ExecuteInProcessResult) -> int:
    """Rows of newly seen files that the run's days did not hold: not lost, but not loaded either."""
    per_asset = {}  # a range run records one materialization per partition, each with the run's metadata
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        value = materialization.metadata.get("rows_of_new_files_outside_these_days")
        per_asset[materialization.asset_key] = int(value.value) if value is not None else 0
    return sum(per_asset.values())


# The daemon's run monitoring fails runs whose worker crashed, as ``onodig serve`` launches them.
RUN_MONITORING = "run_monitoring:\n  enabled: true\n"


def prepare_dagster_home(home: Path) -> None:
    """A local Dagster instance under the data folder; created once, its settings never overwritten.

    An instance made before run monitoring was turned on gets it added, nothing else changed.
    """
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # one run at a time: the sensors chain load, link and publish, and DuckDB has one writer
        config.write_text(
            "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n" + RUN_MONITORING,
            encoding="utf-8",
        )
    else:
        text = config.read_text(encoding="utf-8")
        if not any(line.startswith("run_monitoring:") for line in text.splitlines()):
            config.write_text(text.rstrip("\n") + "\n" + RUN_MONITORING, encoding="utf-8")


IN_PROGRESS = (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every run the instance holds as started whose process is gone; returns their ids.

    A killed ``onodig run`` (or a run worker of ``onodig serve``) never records its end, so its run
    stays STARTED and, with one run at a time, blocks the queue for good. The process is the one
    that recorded the run's start (its pid is on that event); a run not started yet (STARTING) is
    left to run monitoring's start timeout. Only for an instance local to this machine, as
    ``onodig run`` and ``onodig serve`` use: a pid means nothing on another host.
    """
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(IN_PROGRESS))):
        pids = [
            record.dagster_event.pid
            for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_START)
            if record.dagster_event is not None and record.dagster_event.pid is not None
        ]
        if not pids or _alive(pids[-1]):
            continue
        instance.report_run_failed(
            run, message=f"onodig: the process of this run (pid {pids[-1]}) is gone; marked failed so the queue moves"
        )
        failed.append(run.run_id)
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@dataclass(frozen=True)
class Outcome:
    """What ``onodig run`` reports when it is done."""

    success: bool
    seconds: float
    failed_steps: list[str]
    failed_checks: list[str]
    warnings: list[str] = field(default_factory=list)  # checks of WARN severity that did not pass
    done: Done = field(default_factory=Done)


def _warns(check) -> bool:
    """A check of WARN severity (demand alerts): worth reading, not a failure."""
    return check.severity == dg.AssetCheckSeverity.WARN


def run_everything(settings, log: Callable[[str], None]) -> Outcome:
    """Every asset once over the landing folder, on a local instance under the data folder."""
    import time

    from onodig.pipelines.assemble import build_definitions

    prepare_dagster_home(settings.dagster_home)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    defs = build_definitions(settings)
    started, done = time.perf_counter(), Done()
    with held_open(settings.dagster_home), dg.DagsterInstance.get() as instance:
        if dead := fail_dead_runs(instance):
            log(f"{len(dead)} run(s) left STARTED by a process that is gone are marked failed")
        results = run_in_order(
            defs,
            instance,
            Warehouse(settings.warehouse_url),
            settings.landing,
            settings.first_day,
            log=log,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            pseudonymiser=Pseudonymiser(settings.pseudonym_key),
            done=done,
        )
    events = results.all_events
    checks = [e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return Outcome(
        success=results.success,
        seconds=time.perf_counter() - started,
        failed_steps=[e.step_key for e in events if e.is_step_failure],
        failed_checks=[
            f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed and not _warns(c)
        ],
        warnings=[f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed and _warns(c)],
        done=done,
    )


INQUIRY_SOURCES = ("contacts", "eservice")
LINKED_SOURCES = ("cases", "invoices")
ANALYST_FILES = ("corrections.csv", "audit.csv")


@dataclass(frozen=True)
class Planned:
    """What ``onodig run`` would do now (``--dry-run``), worked out without writing anything."""

    days: plan.DayPlan
    to_classify: int
    weeks: list[date]
    linked_sources: tuple[str, ...]  # new case or invoice days: their linked inquiries' weeks come on top
    analyst_files: tuple[str, ...]

    def lines(self) -> list[str]:
        days = f"{self.days.window} ({', '.join(self.days.sources)})" if self.days.window else "none"
        out = [
            f"days to load: {days}",
            f"inquiries to classify: at most {self.to_classify:,} (rows of those days in the contacts and "
            "e-service files, less those loaded already)",
            f"weeks to rebuild: {describe_weeks(self.weeks)}",
        ]
        if self.linked_sources:
            out.append(
                f"  and the weeks of the inquiries linked to the new {' and '.join(self.linked_sources)} rows, "
                "known once they are linked"
            )
        if self.analyst_files:
            out.append(
                f"  and the weeks of the inquiries {' and '.join(self.analyst_files)} re-label, known once classified "
                "(corrections retrain the model, which re-labels every week)"
            )
        return out


def lookback_days(store: Warehouse) -> int:
    """The longest look-back of the rule parameters: how far after a new inquiry a later one can change."""
    if not store.has_table("rule_parameters"):
        return 30
    row = store.read("select * from rule_parameters").iloc[0]
    return int(max([30, *(int(v) for k, v in row.items() if str(k).endswith("_days") and pd.notna(v))]))


def plan_run(
    store: Warehouse,
    landing: Path,
    first_day: date,
    today: date | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> Planned:
    """The plan of ``onodig run`` over the landing folder as it is, reading files and warehouse only."""
    from onodig.ingestion.contract import SOURCES
    from onodig.ingestion.days import rows_on_days
    from onodig.ingestion.files import landing_files
    from onodig.ingestion.load import staged_table
    from onodig.warehouse.store import in_window

    today = today or stockholm_today()
    new, waiting = observed_days(landing, store, pseudonymiser, processes=os.cpu_count() or 1)
    days = plan.plan_days(new, first_day, today, waiting)
    weeks = set(fingerprints.stale_weeks(store)) if store.has_table("int_inquiries") else set()
    to_classify = 0
    window = days.window
    inquiry_days = plan.plan_days(
        {s: d for s, d in new.items() if s in INQUIRY_SOURCES},
        first_day,
        today,
        {s: d for s, d in waiting.items() if s in INQUIRY_SOURCES},
    ).window  # the days of new contacts and submissions: the other sources' days change no inquiry's week
    if inquiry_days is not None:
        weeks |= set(plan.weeks_after_days(inquiry_days, lookback_days(store), data_weeks(store)))
        for source in INQUIRY_SOURCES:
            if source not in days.sources:
                continue
            in_files = sum(
                rows_on_days(p, source, inquiry_days.first, inquiry_days.last) for p in landing_files(landing / source)
            )
            loaded = 0
            if store.has_table(staged_table(source)):
                bounds = in_window(SOURCES[source].day, inquiry_days.first, inquiry_days.last + timedelta(days=1))
                loaded = int(store.scalar(f"select count(*) from {staged_table(source)} where {bounds}"))
            to_classify += max(0, in_files - loaded)
    linked = tuple(s for s in LINKED_SOURCES if window is not None and s in days.sources)
    analyst = tuple(name for name in ANALYST_FILES if (landing / name).is_file())
    return Planned(days, to_classify, sorted(weeks), linked, analyst)
