"""The process owners' weekly reports: one page and one CSV per process, e-mailed when configured."""

import base64
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.assets.partitions import Partitions
from onodig.assets.resources import LandingResource, OutputsResource, SmtpResource, WarehouseResource
from onodig.reports.alerts_section import TABLES as TREND_TABLES
from onodig.reports.charts import share_chart
from onodig.reports.publish import AUDIT, DELIVERIES, MARTS, audit_in_use, overall_weekly, publish_reports
from onodig.reports.render import audit_note

REPORTS_KEY = dg.AssetKey(["reports", "process_reports"])


@dg.asset(
    key=REPORTS_KEY,
    group_name="reports",
    kinds={"html", "csv"},
    owners=["team:kundcenter"],
    deps=[
        *(dg.AssetKey(["marts", name]) for name in MARTS),
        *(dg.AssetKey(["trends", name]) for name in TREND_TABLES),
        dg.AssetKey(["classifier", AUDIT]),
    ],
    description="The process owner's weekly report, one per process: the avoidable share over 12 weeks with its "
    "interval, the mix by demand type, the top root causes with their levers, the hours and FTE avoidable demand "
    "cost, and what changed since last week, as a self-contained HTML page and a CSV in the outbox. Sent by SMTP "
    "to the owners listed in processes.yaml when SMTP is configured.",
)
def process_reports(
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
    )
    weekly, latest, written = done.weekly, done.week_start, done.written
    overall = overall_weekly(weekly)
    chart = share_chart(overall, outputs.language)
    metadata = {
        "reports": dg.MetadataValue.int(len(written)),
        "week_start": str(latest),
        "outbox": dg.MetadataValue.path(str(written[0].parent) if written else outputs.outbox),
        "exports_not_delivered": ", ".join(done.missing) or "none",
        "emails_sent": dg.MetadataValue.int(len(done.sent)),
        "emails_unchanged_not_resent": dg.MetadataValue.int(done.unchanged),
        "emails_failed": dg.MetadataValue.json(done.failed),
        "municipality_share_chart": dg.MetadataValue.md(
            "![Avoidable share, whole municipality](data:image/png;base64," + base64.b64encode(chart).decode() + ")"
        ),
        "avoidable_share": dg.MetadataValue.float(round(float(overall["avoidable_share"].iloc[-1]), 4)),
        "classifier_accuracy": audit_note(audit_in_use(warehouse.get()), "en"),
    }
    this_week = weekly[pd.to_datetime(weekly["week_start"]).dt.date == latest]
    for row in this_week.itertuples():
        metadata[f"avoidable_share_{row.process}"] = dg.MetadataValue.float(round(float(row.avoidable_share), 4))
    return dg.MaterializeResult(metadata=metadata)


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    deliveries = dg.AssetSpec(
        dg.AssetKey(["reports", DELIVERIES]),
        deps=[REPORTS_KEY],
        group_name="reports",
        kinds={"table"},
        owners=["team:kundcenter"],
        description="Every weekly report e-mailed: process, week, content hash and number of recipients, so "
        "that a report already sent unchanged is not sent again.",
    )
    return [process_reports, deliveries]
