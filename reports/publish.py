"""Writing the weekly reports: where they go, who gets them, and the municipality-wide figures beside them.

:func:`publish_reports` is the whole step, from the marts in the warehouse to files in the outbox
and e-mails to the owners; the asset only turns what it returns into metadata. Every week goes to
the outbox; only the newest week the exports cover is e-mailed, once, and a sent week once more
when a late file moves it beyond its interval (:func:`decide`). A report whose inputs are those it
was last written from is left as it is in the outbox (:mod:`reports.report_inputs`).
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
from onodig.ingestion.coverage import (
    WeekCoverage,
    export_coverage,
    latest_covered_week,
    stockholm_today,
    week_coverage,
)
from onodig.ingestion.load import staged_table
from onodig.reports.alerts_section import Trends
from onodig.reports.evidence import read_evidence
from onodig.reports.mail import ReportNotSent, SmtpSettings, default_subject, send_report
from onodig.reports.render import Report, build_report, with_banner
from onodig.reports.report_inputs import code_digest, input_hash, keep, read_kept
from onodig.reports.status import REVISED, Banner, preliminary_banner, revised_banner
from onodig.reports.texts import text
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
    return paths_for(outbox, report.process, report.week_start)


def paths_for(outbox: Path, process: str, week: date) -> tuple[Path, Path]:
    """:func:`report_paths` of ``process``'s report for ``week``, before it is built."""
    folder = (outbox / f"{week:%G-W%V}").resolve()
    process = str(process)
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


FIRST = "sent"  # report_deliveries.status: the week's first report; REVISED: the one revision after it
DELIVERY_COLUMNS = (
    "process",
    "week_start",
    "content_hash",
    "recipients",
    "sent_at",
    "status",
    "avoidable_share",
    "avoidable_share_low",
    "avoidable_share_high",
)


def read_deliveries(store: Warehouse) -> pd.DataFrame:
    """Every report e-mailed so far; rows from before 0.4.0 have no status (they were the week's first)."""
    if not store.has_table(DELIVERIES):
        return pd.DataFrame(columns=list(DELIVERY_COLUMNS))
    frame = store.read_table(DELIVERIES)
    for column in DELIVERY_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame["week_start"] = [pd.Timestamp(value).date() for value in frame["week_start"]]
    frame["legacy"] = frame["status"].isna()  # sent before the share was recorded: never revised
    frame["status"] = frame["status"].fillna(FIRST)
    for column in ("avoidable_share", "avoidable_share_low", "avoidable_share_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


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


def beyond_interval(first: pd.Series, report: Report) -> bool:
    """Whether the share moved outside the 95 % interval of the report first sent for the week.

    A share where there was none (a process without inquiries then) moved too; one that is gone
    did as well. Within the interval, the change is the noise the sent report already allowed for.
    """
    if first.get("legacy", False):
        return False
    share = report.summary.get("avoidable_share")
    low, high = first["avoidable_share_low"], first["avoidable_share_high"]
    if share is None or pd.isna(first["avoidable_share"]):
        return (share is None) != pd.isna(first["avoidable_share"])
    if pd.isna(low) or pd.isna(high):
        return False
    return not low <= share <= high


SEND, UNCHANGED, KEPT_BACK, ARCHIVE = "send", "unchanged", "kept back", "archive"


@dataclass(frozen=True)
class Decision:
    """What to do with one process's report for one week: send it (as the first or the revised one), or only write it.

    ``outcome``: SEND; UNCHANGED (the very report was sent); KEPT_BACK (a sent week changed within
    its interval, or after its one revision); ARCHIVE (a week never e-mailed).
    """

    outcome: str
    status: str = FIRST


def decide(
    deliveries: pd.DataFrame,
    process: str,
    week: date,
    coverage: WeekCoverage,
    report_week: date | None,
    language: str,
    built: Report,
) -> tuple[Decision, Report]:
    """The one rule for e-mail: the newest covered week once, and a sent week once more when a late
    file moved it beyond the interval, marked reviderad. Everything else goes to the outbox only.

    Returns the report ``built`` with its banner, as it goes to the outbox and the mail: what is
    compared with what was sent is that page, banner included, so a re-run finds it unchanged.
    """

    def render(banner: Banner | None) -> Report:
        return with_banner(built, banner)

    if not coverage.covered:
        return Decision(ARCHIVE), render(preliminary_banner(coverage, language))
    sent = deliveries[(deliveries["process"] == process) & (deliveries["week_start"] == week)]
    if sent.empty:
        return Decision(SEND if week == report_week else ARCHIVE), render(None)
    originals = sent[sent["status"] != REVISED]
    first = (originals if len(originals) else sent).sort_values("sent_at").iloc[0]
    banner = revised_banner(pd.Timestamp(first["sent_at"]).date(), language)
    if (sent["status"] == REVISED).any():  # revised once already: later changes stay in the outbox
        report = render(banner)
        return Decision(UNCHANGED if already_sent(sent, report) else KEPT_BACK, REVISED), report
    report = render(None)
    if already_sent(sent, report):
        return Decision(UNCHANGED), report
    if beyond_interval(first, report):
        return Decision(SEND, REVISED), render(banner)
    return Decision(KEPT_BACK), report


@dataclass
class Publication:
    """What one publishing step did: the weeks written, the e-mails sent, kept back or failed."""

    week_start: date | None  # the week e-mailed: the newest the exports cover; None when none is
    weekly: pd.DataFrame
    weeks: list[date] = field(default_factory=list)  # every week written to the outbox
    written: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)  # "process week" of each reviderad report sent
    failed: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0  # reports whose inputs are those they were last written from: not drawn again
    changed_within_interval: int = 0  # sent weeks whose new figures stay in the outbox
    preliminary: list[date] = field(default_factory=list)
    missing: tuple[str, ...] = ()  # landing sources not delivered yet


def _up_to(mart: pd.DataFrame, process: str, week: date) -> pd.DataFrame:
    """``process``'s rows of ``mart`` for ``week`` and the weeks before it."""
    return mart[(mart["process"] == process) & (pd.to_datetime(mart["week_start"]).dt.date <= week)]


def publish_reports(
    store: Warehouse,
    processes: ProcessMap,
    outbox: Path,
    language: str,
    smtp: SmtpSettings | None = None,
    warn: Callable[[str], None] = lambda _message: None,
    weeks: tuple[date, date] | None = None,
    today: date | None = None,
) -> Publication:
    """One report per process for every week in ``weeks`` (first day included, last excluded; all
    weeks in the marts by default), written to the outbox as an archive; e-mailed, when ``smtp``
    is given, only for the newest week the exports cover (see :func:`decide`).

    Coverage is worked out here as of ``today`` (Stockholm's, by default), not read from the
    table: the Monday schedule publishes a week that was still in progress when the table was built.
    """
    weekly, causes, capacity = (store.read_table(name) for name in MARTS)
    mondays = sorted({pd.Timestamp(value).date() for value in weekly["week_start"]})
    if weeks is not None:
        mondays = [week for week in mondays if weeks[0] <= week < weeks[1]]
    coverage = export_coverage(store, today or stockholm_today())
    report_week = latest_covered_week(coverage)
    done = Publication(report_week, weekly, weeks=mondays, missing=missing_exports(store))
    deliveries = read_deliveries(store)
    audit = audit_in_use(store)
    names = sorted(weekly["process"].unique())
    trends = Trends.read(store)
    sent, written, code = [], [], code_digest()
    kept = read_kept(store, mondays)
    for week in mondays:
        covered = week_coverage(coverage, week)
        if not covered.covered:
            done.preliminary.append(week)
        evidence = read_evidence(store, week)
        for process in names:
            recipients = processes.owners.get(process, [])
            emails = smtp is not None and bool(recipients)
            delivered = deliveries[(deliveries["process"] == process) & (deliveries["week_start"] == week)]
            due = emails and week == report_week and delivered.empty  # its first e-mail: never kept
            inputs = {
                "process": process,
                "name": processes.names.get(process, process),
                # a week's report shows that week and the ones before: a later week changes none of it
                "weekly": _up_to(weekly, process, week),
                "causes": _up_to(causes, process, week),
                "capacity": _up_to(capacity, process, week),
                "week": week,
                "language": language,
                "missing": done.missing,
                "audit": audit,
                "evidence": evidence.for_process(process) | {"repeats": _up_to(evidence.repeats, process, week)},
                "sections": (trends.section(process, week, language, covered.covered),),
                "coverage": covered,
                "deliveries": delivered,
                "recipients": list(recipients),
                "emails": emails,
            }
            key = input_hash(code, **inputs)
            html_path, csv_path = paths_for(outbox, process, week)
            before = kept.get((process, week))
            files = (html_path, csv_path, html_path.with_suffix(".xlsx"))
            unchanged = before is not None and before.input_hash == key and before.outcome != SEND
            if unchanged and not due and all(f.is_file() for f in files):
                done.written.append(html_path)
                done.kept += 1
                done.unchanged += emails and before.outcome == UNCHANGED
                done.changed_within_interval += emails and before.outcome == KEPT_BACK
                continue
            built = build_report(
                process,
                inputs["name"],
                inputs["weekly"],
                inputs["causes"],
                inputs["capacity"],
                week_start=week,
                language=language,
                missing_exports=done.missing,
                audit=audit,
                **inputs["evidence"],
                sections=inputs["sections"],
            )
            decision, report = decide(deliveries, process, week, covered, report_week, language, built)
            html_path.parent.mkdir(parents=True, exist_ok=True)
            html_path.write_text(report.html, encoding="utf-8")
            csv_path.write_text(report.csv, encoding="utf-8")
            html_path.with_suffix(".xlsx").write_bytes(report.xlsx)
            done.written.append(html_path)
            # an e-mail due is never kept: were its send to fail, the next run tries again
            written.append(
                {
                    "process": process,
                    "week_start": str(week),
                    "input_hash": key,
                    "outcome": decision.outcome if emails else ARCHIVE,
                }
            )
            if not emails:
                continue
            done.unchanged += decision.outcome == UNCHANGED
            done.changed_within_interval += decision.outcome == KEPT_BACK
            if decision.outcome != SEND:
                continue
            revised = decision.status == REVISED
            subject = text("subject_revised", language, subject=default_subject(report)) if revised else None
            try:
                send_report(smtp, recipients, report, subject)
            except ReportNotSent as exc:
                done.failed.append(process)
                warn(f"report for {process}, week of {week}, not sent: {exc}")
                continue
            if revised:
                done.revised.append(f"{process} {week}")
            else:
                done.sent.append(process)
            sent.append(
                {
                    "process": process,
                    "week_start": str(week),
                    "content_hash": content_hash(report),
                    "recipients": len(recipients),
                    "sent_at": pd.Timestamp.now(),
                    "status": decision.status,
                    **{key: report.summary.get(key) for key in DELIVERY_COLUMNS[-3:]},
                }
            )
    if sent:
        store.append(DELIVERIES, pd.DataFrame(sent))
    keep(store, written)  # after the deliveries: a run stopped between them writes its reports again
    return done
