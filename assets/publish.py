"""The process owners' weekly reports: one page and one CSV per process and week, e-mailed when configured.

Partitioned by week like the marts it reads: a run writes the outbox for the weeks it rebuilt and
e-mails only the newest week the exports cover (see :mod:`reports.publish`).
"""

import base64
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.assets.coverage import COVERAGE_KEY
from onodig.assets.partitions import Partitions, window_dates
from onodig.assets.resources import LandingResource, OutputsResource, SmtpResource, WarehouseResource
from onodig.assets.table_metadata import written_beside
from onodig.reports.alerts_section import TABLES as TREND_TABLES
from onodig.reports.charts import share_chart
from onodig.reports.evidence import REPEATS
from onodig.reports.publish import AUDIT, DELIVERIES, MARTS, audit_in_use, overall_weekly, publish_reports
from onodig.reports.render import audit_note
from onodig.reports.report_inputs import TABLE as REPORT_INPUTS

REPORTS_KEY = dg.AssetKey(["reports", "process_reports"])
DELIVERIES_KEY = dg.AssetKey(["reports", DELIVERIES])
REPORT_INPUTS_KEY = dg.AssetKey(["reports", REPORT_INPUTS])
DESCRIPTION = (
    "The process owner's weekly report, one per process and week: the avoidable share over 12 weeks with its "
    "interval, the mix by demand type, the top root causes with their levers, the hours and FTE avoidable demand "
    "cost, and what changed since last week (with the week's demand alerts and emerging contact reasons), with example inquiries per top cause, channels and repeat contacts, as "
    "a self-contained HTML page, an xlsx and a CSV in the outbox (outbox/<ISO week>/<process>.html: every week, an "
    "archive). Sent by SMTP to the owners listed in processes.yaml when SMTP is configured (charts inline by "
    "Content-ID, the page, xlsx and CSV attached), for the newest week the contact and e-service exports cover only; "
    "a week they do not cover, or still in progress, says preliminär and why, and a sent week whose figures a "
    "late file moves beyond the interval is sent once more, marked reviderad."
)


def build_reports_asset(weeks: dg.WeeklyPartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORTS_KEY,
        group_name="reports",
        kinds={"html", "xlsx", "csv"},
        owners=["team:kundcenter"],
        deps=[
            *(dg.AssetKey(["marts", name]) for name in (*MARTS, REPEATS)),
            *(dg.AssetKey(["trends", name]) for name in TREND_TABLES),
            dg.AssetKey(["classifier", AUDIT]),
            COVERAGE_KEY,
        ],
        partitions_def=weeks,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=DESCRIPTION,
    )
    def process_reports(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
        outputs: OutputsResource,
        smtp: SmtpResource,
    ) -> dg.MaterializeResult:
        return publish_weeks(context, warehouse, landing, outputs, smtp)

    return process_reports


def publish_weeks(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    landing: LandingResource,
    outputs: OutputsResource,
    smtp: SmtpResource,
) -> dg.MaterializeResult:
    done = publish_reports(
        warehouse.get(),
        landing.processes(),
        Path(outputs.outbox),
        outputs.language,
        smtp.settings() if smtp.configured else None,
        warn=context.log.warning,
        weeks=window_dates(context),
    )
    weekly, written = done.weekly, done.written
    latest = done.week_start or pd.to_datetime(weekly["week_start"]).max().date()
    overall = overall_weekly(weekly)
    chart = share_chart(overall, outputs.language)
    reported = overall[pd.to_datetime(overall["week_start"]).dt.date <= latest]
    metadata = {
        "reports": dg.MetadataValue.int(len(written)),
        "reports_kept": dg.MetadataValue.int(done.kept),  # their inputs unchanged: not drawn again
        "week_start": str(latest),
        "emailed_week": str(done.week_start or "none: no week the exports cover"),
        "weeks_written": ", ".join(str(week) for week in done.weeks) or "none",
        "weeks_preliminary": ", ".join(str(week) for week in done.preliminary) or "none",
        "outbox": dg.MetadataValue.path(str(written[-1].parent) if written else outputs.outbox),
        "exports_not_delivered": ", ".join(done.missing) or "none",
        "emails_sent": dg.MetadataValue.int(len(done.sent)),
        "emails_unchanged_not_resent": dg.MetadataValue.int(done.unchanged),
        "emails_revised": dg.MetadataValue.json(done.revised),
        "changes_within_interval_not_sent": dg.MetadataValue.int(done.changed_within_interval),
        "emails_failed": dg.MetadataValue.json(done.failed),
        "municipality_share_chart": dg.MetadataValue.md(
            "![Avoidable share, whole municipality](data:image/png;base64," + base64.b64encode(chart).decode() + ")"
        ),
        "avoidable_share": dg.MetadataValue.float(round(float(reported["avoidable_share"].iloc[-1]), 4)),
        "classifier_accuracy": audit_note(audit_in_use(warehouse.get()), "en"),
    }
    for event in written_beside(warehouse.get(), {DELIVERIES_KEY: DELIVERIES, REPORT_INPUTS_KEY: REPORT_INPUTS}):
        context.log_event(event)
    this_week = weekly[pd.to_datetime(weekly["week_start"]).dt.date == latest]
    for row in this_week.itertuples():
        metadata[f"avoidable_share_{row.process}"] = dg.MetadataValue.float(round(float(row.avoidable_share), 4))
    return dg.MaterializeResult(metadata=metadata)


def _written_beside(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    """A table ``process_reports`` writes beside the outbox."""
    return dg.AssetSpec(
        key,
        deps=[REPORTS_KEY],
        group_name="reports",
        kinds={"table"},
        owners=["team:kundcenter"],
        description=description,
    )


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    deliveries = _written_beside(
        DELIVERIES_KEY,
        "Every weekly report e-mailed: process, week, content hash, number of recipients, status "
        "(sent, or revised for the one reviderad report after it) and the share with its interval as sent, so that "
        "a report already sent is not sent again and a late change is sent once, only beyond that interval.",
    )
    inputs = _written_beside(
        REPORT_INPUTS_KEY,
        "What each report in the outbox was written from: process, week, an MD5 over its inputs "
        "(marts, evidence, trends, audit, coverage, deliveries, recipients, the reports code) and the outcome it "
        "was written with, so that a run draws again only the reports whose inputs changed, and any whose e-mail "
        "was due.",
    )
    return [build_reports_asset(partitions.weeks), deliveries, inputs]
