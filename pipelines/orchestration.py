"""Carrying out the run plan of :mod:`pipelines.plan`: ``onodig run`` runs its three jobs in order.

The sensors and the schedule carry out the same plan as Dagster runs; here it is one process, for
everything the landing folder holds. Reading the warehouse and launching jobs happens here, the
decisions in the plan.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.ingestion.coverage import stockholm_today
from onodig.ingestion.days import monday, observed_days
from onodig.pipelines import plan
from onodig.pipelines.plan import PlannedRun, Window
from onodig.privacy import Pseudonymiser
from onodig.warehouse import Warehouse


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
) -> RunsInOrder:
    """``onodig run``: load the days new files hold and the days known files still wait for,
    rebuild the linked tables, rebuild every week.

    Every week, not only the re-opened ones: the command promises every asset once, and a change
    to the classifier or the corrections moves every week's figures. Stops after a failed job.
    """
    today = today or stockholm_today()
    new, waiting = observed_days(landing, store, pseudonymiser)  # the key tells files by their masked names
    days = plan.plan_days(new, first_day, today, waiting)
    if days.before_first_day:
        log(
            f"{days.before_first_day} day(s) with rows before ONODIG_FIRST_DAY={first_day} are not loaded: set it earlier"
        )
    if days.after_today:
        log(f"{days.after_today} day(s) with rows after today ({today}) wait until they are partitions")
    results: list[dg.ExecuteInProcessResult] = []

    def execute(run: PlannedRun) -> bool:
        log(f"{run.job}: {run.window or 'unpartitioned'}")
        result = defs.resolve_job_def(run.job).execute_in_process(
            instance=instance, raise_on_error=False, tags=dict(run.tags), run_config=run_config
        )
        results.append(result)
        return result.success

    load = plan.load_run(days)
    if load is None:
        log("no new landing files and no days waiting: nothing to load")
    else:
        if not execute(load):
            return RunsInOrder(results)
        if outside := rows_outside_window(results[-1]):
            log(
                f"{outside:,} row(s) of new files fall outside {load.window} (before ONODIG_FIRST_DAY or in the future)"
            )
    link = plan.link_run(load.tags if load else None)
    if not execute(link):
        return RunsInOrder(results)
    publish = plan.publish_run(link.tags, data_weeks(store), every_week=True)
    if publish is None:
        log("no inquiries: no weeks to publish")
    else:
        execute(publish)
    return RunsInOrder(results)


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


def _warns(check) -> bool:
    """A check of WARN severity (demand alerts): worth reading, not a failure."""
    return check.severity == dg.AssetCheckSeverity.WARN


def run_everything(settings, log: Callable[[str], None]) -> Outcome:
    """Every asset once over the landing folder, on a local instance under the data folder."""
    import time

    from onodig.pipelines.definitions import build_definitions

    prepare_dagster_home(settings.dagster_home)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    defs = build_definitions(settings)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
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
    )
