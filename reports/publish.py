"""Writing the weekly reports: where they go, who gets them, and the municipality-wide figures beside them.

:func:`publish_reports` is the whole step, from the marts in the warehouse to files in the outbox
and e-mails to the owners; the asset only turns what it returns into metadata.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from onodig.demand.processes import PROCESS_KEY, ProcessMap
from onodig.ingestion.contract import SOURCES
from onodig.ingestion.load import staged_table
from onodig.reports.alerts_section import Trends
from onodig.reports.mail import ReportNotSent, SmtpSettings, send_report
from onodig.reports.render import Report, build_report
from onodig.warehouse import Warehouse

DELIVERIES = "report_deliveries"
MARTS = ("avoidable_demand_weekly", "root_causes_weekly", "capacity_weekly")


def missing_exports(store: Warehouse) -> tuple[str, ...]:
    """The landing sources without a single staged row: not delivered yet, so the reports say so."""
    return tuple(
        source
        for source in SOURCES
        if not store.has_table(staged_table(source))
        or store.scalar(f"select count(*) from (select 1 from {staged_table(source)} limit 1) as one") == 0
    )


class UnsafeReportPath(ValueError):
    """A process key that would put a report file anywhere but its week's folder in the outbox."""


AUDIT = "classifier_audit"


def audit_in_use(store: Warehouse) -> dict | None:
    """The ``classifier_audit`` row of the model version in use, or None before the table exists."""
    if not store.has_table(AUDIT):
        return None
    rows = store.read(f"select * from {AUDIT} where in_use")
    return rows.iloc[0].to_dict() if len(rows) else None


def report_paths(outbox: Path, report: Report) -> tuple[Path, Path]:
    """``outbox/2026-W41/bygglov.html`` and ``.csv``: one folder per ISO week, re-runs overwrite.

    The process key comes from the landing folder's processes.yaml, which is checked when read; the
    paths are checked here as well, so that no key (``../..``, ``/etc/x``, ``a/b``) ever writes
    outside the week's folder.
    """
    folder = (outbox / f"{report.week_start:%G-W%V}").resolve()
    process = str(report.process)
    paths = (folder / f"{process}.html", folder / f"{process}.csv")
    for path in paths:
        if path.resolve().parent != folder or not PROCESS_KEY.match(process):
            raise UnsafeReportPath(f"process key {process[:80]!r} cannot name a report file in {folder}")
    return paths


def overall_weekly(weekly: pd.DataFrame) -> pd.DataFrame:
    """All processes together, per week, with a Wilson interval and the corrected share, as a report chart wants."""
    frame = weekly.assign(corrected=weekly["corrected_avoidable_share"] * weekly["inquiries"])
    total = frame.groupby("week_start", as_index=False)[["inquiries", "avoidable_inquiries", "corrected"]].sum()
    n, p = total["inquiries"].astype(float), total["avoidable_inquiries"] / total["inquiries"]
    z = 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return total.assign(
        avoidable_share=p,
        avoidable_share_low=centre - half,
        avoidable_share_high=centre + half,
        corrected_avoidable_share=total["corrected"] / n,
    ).sort_values("week_start", ignore_index=True)


def content_hash(report: Report) -> str:
    return hashlib.sha256(report.csv.encode("utf-8") + report.html.encode("utf-8")).hexdigest()[:24]


def already_sent(deliveries: pd.DataFrame, report: Report) -> bool:
    """A report identical to one already sent for the same process and week is not sent again."""
    if deliveries.empty:
        return False
    same = (
        (deliveries["process"] == report.process)
        & (deliveries["week_start"].astype(str) == str(report.week_start))
        & (deliveries["content_hash"] == content_hash(report))
    )
    return bool(same.any())


@dataclass
class Publication:
    """What one publishing step did: the files written and the e-mails sent, kept back or failed."""

    week_start: date
    weekly: pd.DataFrame
    written: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: tuple[str, ...] = ()  # landing sources not delivered yet


def publish_reports(
    store: Warehouse,
    processes: ProcessMap,
    outbox: Path,
    language: str,
    smtp: SmtpSettings | None = None,
    warn: Callable[[str], None] = lambda _message: None,
) -> Publication:
    """One report per process for the latest week in the marts, written to the outbox and, when
    ``smtp`` is given, e-mailed to the process's owners unless that very report was sent before."""
    weekly, causes, capacity = (store.read_table(name) for name in MARTS)
    latest = pd.to_datetime(weekly["week_start"]).max().date()
    done = Publication(latest, weekly, missing=missing_exports(store))
    deliveries = store.read_table(DELIVERIES) if store.has_table(DELIVERIES) else pd.DataFrame()
    audit = audit_in_use(store)
    trends = Trends.read(store)
    sent = []
    for process in sorted(weekly["process"].unique()):
        report = build_report(
            process,
            processes.names.get(process, process),
            weekly[weekly["process"] == process],
            causes[causes["process"] == process],
            capacity[capacity["process"] == process],
            week_start=latest,
            language=language,
            missing_exports=done.missing,
            audit=audit,
            sections=(trends.section(process, latest, language),),
        )
        html_path, csv_path = report_paths(outbox, report)
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(report.html, encoding="utf-8")
        csv_path.write_text(report.csv, encoding="utf-8")
        done.written.append(html_path)
        recipients = processes.owners.get(process, [])
        if smtp is None or not recipients:
            continue
        if already_sent(deliveries, report):
            done.unchanged += 1
            continue
        try:
            send_report(smtp, recipients, report)
        except ReportNotSent as exc:
            done.failed.append(process)
            warn(f"report for {process} not sent: {exc}")
            continue
        done.sent.append(process)
        sent.append(
            {
                "process": process,
                "week_start": str(report.week_start),
                "content_hash": content_hash(report),
                "recipients": len(recipients),
                "sent_at": pd.Timestamp.now(),
            }
        )
    if sent:
        store.append(DELIVERIES, pd.DataFrame(sent))
    return done
