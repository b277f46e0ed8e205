"""Sensors: new landing files start a load of their days, and each job's success starts the next.

``new_landing_files`` → ``ingest_days`` for the days the new files hold → ``classify_and_link``
→ ``publish_weeks`` for the weeks whose marts' inputs changed (:mod:`warehouse.fingerprints`), as
``onodig run`` does. The day range travels in a run tag.
``email_demand_alerts`` launches nothing: it e-mails each new demand alert to its process's owners once.
"""

import hashlib
import json
from datetime import date

import dagster as dg

from onodig.assets.resources import (
    LandingResource,
    OutputsResource,
    PseudonymResource,
    SmtpResource,
    WarehouseResource,
)
from onodig.ingestion.contract import SOURCES
from onodig.ingestion.coverage import stockholm_today
from onodig.ingestion.days import observed_days
from onodig.ingestion.files import file_name, landing_files, other_files
from onodig.pipelines import plan
from onodig.pipelines.orchestration import asset_selection, publish_plan
from onodig.pipelines.plan import INGEST_JOB, LINK_JOB, PUBLISH_JOB, PlannedRun
from onodig.reports.alerts_section import ALERTS, alert_mail
from onodig.reports.mail import ReportNotSent, send_text

LANDING_SENSOR = "new_landing_files"
LINK_SENSOR = "classify_after_ingest"
PUBLISH_SENSOR = "publish_after_classify"
ALERT_SENSOR = "email_demand_alerts"
PARTITIONS_KEY = "@partitions"  # in the cursor: the first day and today it last planned with


def landing_snapshot(landing: LandingResource) -> dict[str, list[int]]:
    """Every file in the source folders with its size and modification time: what the sensor
    compares between ticks (files that are no landing files too: a load names them)."""
    snapshot = {}
    for source in SOURCES:
        folder = landing.root / source
        for path in [*landing_files(folder), *other_files(folder)]:
            stat = path.stat()
            snapshot[f"{source}/{file_name(path, folder)}"] = [stat.st_size, int(stat.st_mtime)]
    return snapshot


def request(run: PlannedRun | None, skip: str) -> dg.RunRequest | dg.SkipReason:
    return dg.RunRequest(run_key=run.run_key, tags=dict(run.tags)) if run else dg.SkipReason(skip)


def build_sensors(partitions: dg.TimeWindowPartitionsDefinition, jobs: dict) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name=LANDING_SENSOR,
        job=jobs[INGEST_JOB],
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the landing folder; when files arrive, loads the days they hold (late files "
        "re-open old days), after which classify_and_link and publish_weeks follow.",
    )
    def new_landing_files(
        context: dg.SensorEvaluationContext,
        landing: LandingResource,
        warehouse: WarehouseResource,
        pseudonym: PseudonymResource,
    ):
        seen = json.loads(context.cursor) if context.cursor else {}
        current = landing_snapshot(landing)
        changed = sorted(name for name, stamp in current.items() if seen.get(name) != stamp)
        # a new day (or an earlier first day) can make days of known files due: plan again then too
        bounds = [_first(partitions).isoformat(), _today(partitions).isoformat()]
        if not changed and seen.get(PARTITIONS_KEY) == bounds:
            return dg.SkipReason(f"no new files among {len(current)} in {landing.root}")
        context.update_cursor(json.dumps({**current, PARTITIONS_KEY: bounds}, sort_keys=True))
        with warehouse.get() as store:  # closed at once: a DuckDB file is locked while it is open
            new, waiting = observed_days(landing.root, store, pseudonym.get(), landing.processes_for_parsing)
        days = plan.plan_days(new, _first(partitions), _today(partitions), waiting)
        run_key = hashlib.sha256(json.dumps([(n, current[n]) for n in changed] + [bounds]).encode()).hexdigest()[:16]
        return request(plan.load_run(days, run_key, new_files=len(changed)), "the new files hold no new rows")

    @dg.run_status_sensor(
        name=LINK_SENSOR,
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[jobs[INGEST_JOB]],
        request_job=jobs[LINK_JOB],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="After days are loaded, classify and link everything again (cases span days).",
    )
    def classify_after_ingest(context: dg.RunStatusSensorContext):
        return request(plan.link_run(context.dagster_run.tags, f"after-{context.dagster_run.run_id}"), "")

    @dg.run_status_sensor(
        name=PUBLISH_SENSOR,
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[jobs[LINK_JOB]],
        request_job=jobs[PUBLISH_JOB],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="After classify_and_link, rebuild the weeks whose marts' inputs changed (mart_inputs), one run "
        "per stretch of consecutive weeks, as onodig run does; the reports of the week they are for are written "
        "again even when no mart changed (the week may have become covered).",
    )
    def publish_after_classify(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
        with warehouse.get() as store:  # closed at once: a DuckDB file is locked while it is open
            _stale, runs = publish_plan(store, stockholm_today())
        if not runs:
            return dg.SkipReason("no weeks with inquiries to publish")
        after = context.dagster_run.run_id
        return [
            dg.RunRequest(
                run_key=f"after-{after}-{run.window}{'-reports' if run.selection else ''}",
                tags=dict(run.tags),
                asset_selection=asset_selection(run),
            )
            for run in runs
        ]

    @dg.sensor(
        name=ALERT_SENSOR,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="E-mails each new demand alert (demand_alerts) to the owners of its process in processes.yaml, "
        "once: the cursor keeps the alerts sent. Does nothing without ONODIG_SMTP_HOST.",
    )
    def email_demand_alerts(
        context: dg.SensorEvaluationContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
        smtp: SmtpResource,
        outputs: OutputsResource,
    ):
        if not smtp.configured:
            return dg.SkipReason("no ONODIG_SMTP_HOST: alerts are in demand_alerts and the reports only")
        with warehouse.get() as store:  # closed at once: a DuckDB file is locked while it is open
            rows = store.read(f"select * from {ALERTS} where alert") if store.has_table(ALERTS) else None
        if rows is None or rows.empty:
            return dg.SkipReason("no demand alerts")
        sent = set(json.loads(context.cursor)) if context.cursor else set()
        processes = landing.processes()
        due = plan.alerts_due(zip(rows["alert_id"], rows["process"], strict=True), sent, processes.owners)
        for process, ids in due.items():
            subject, body = alert_mail(
                processes.names.get(process, process), rows[rows["alert_id"].isin(ids)], outputs.language
            )
            try:
                send_text(smtp.settings(), processes.owners[process], subject, body)
            except ReportNotSent as exc:
                context.log.warning(f"alerts of {process} not sent, tried again next tick: {exc}")
                continue
            sent.update(ids)
        context.update_cursor(json.dumps(sorted(sent)))
        mailed = sum(len(ids) for process, ids in due.items() if set(ids) <= sent)
        return dg.SkipReason(f"{mailed} new alert(s) e-mailed; {len(sent)} sent in all")

    return [new_landing_files, classify_after_ingest, publish_after_classify, email_demand_alerts]


def _first(partitions: dg.TimeWindowPartitionsDefinition) -> date:
    return date.fromisoformat(partitions.get_first_partition_key())


def _today(partitions: dg.TimeWindowPartitionsDefinition) -> date:
    return date.fromisoformat(partitions.get_last_partition_key())
