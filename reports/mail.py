"""Sending a report to its process owners by SMTP: one e-mail that reads the same in every client.

The message is ``multipart/mixed``: first the body, ``multipart/alternative`` of a plain-text part
(the change sentence, the key figures and the top causes, for a client that shows no HTML) and a
``multipart/related`` HTML part whose charts are PNG parts referenced as ``cid:`` (Gmail and
Outlook block or strip ``data:`` images in a body); then the attachments: the page itself as an
HTML file (self-contained, for saving or forwarding), the figures as xlsx for people and as CSV
for machines. A failure is raised as `ReportNotSent`, with smtplib's reason, so a scheduled run
fails visibly instead of reporting a delivery that never was.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from onodig.reports.render import Report
from onodig.reports.texts import format_number, format_percent, iso_week, text, week_title

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class ReportNotSent(Exception):
    """The report did not reach the mail server (or the server refused some recipients)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = ""
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0


def attachment_name(report: Report, suffix: str = "csv") -> str:
    """ISO week in the name, so a folder of saved attachments sorts by week."""
    return f"onodig_{report.process}_{report.week_start:%G-W%V}.{suffix}"


def default_subject(report: Report) -> str:
    process_name = report.summary.get("process_name") or report.process
    return text("subject", report.language, process_name=process_name, week=iso_week(report.week_start)[1])


def plain_text(report: Report) -> str:
    summary, language = report.summary, report.language
    process_name = summary.get("process_name") or report.process
    lines = [
        f"{text('report_title', language)} – {process_name}",
        week_title(report.week_start, language),
        "",
        summary.get("change_sentence") or "",
    ]
    if summary.get("missing_exports"):
        lines += ["", summary["missing_exports"]]
    if summary.get("avoidable_share") is not None:
        figures = text(
            "plain_figures",
            language,
            inquiries=format_number(summary.get("inquiries"), language),
            share=format_percent(summary.get("avoidable_share"), language),
            low=format_number(_percent(summary.get("avoidable_share_low")), language),
            high=format_percent(summary.get("avoidable_share_high"), language),
            corrected=format_percent(summary.get("corrected_avoidable_share"), language),
            hours=format_number(summary.get("avoidable_hours"), language, 1),
            fte=format_number(summary.get("avoidable_fte"), language, 2),
        )
        lines += ["", figures]
    if summary.get("growth_headroom_if_halved") is not None and summary.get("freed_hours_if_halved") is not None:
        headroom = text(
            "headroom_sentence",
            language,
            freed_hours=format_number(summary["freed_hours_if_halved"], language, 1),
            headroom=format_percent(summary["growth_headroom_if_halved"], language),
        )
        lines += ["", headroom]
    causes = summary.get("top_causes") or []
    if causes:
        lines += ["", text("plain_causes", language)]
        lines += [
            text(
                "plain_cause",
                language,
                cause=cause["cause"],
                inquiries=format_number(cause["inquiries"], language),
                hours=format_number(cause["hours"], language, 1),
                lever=cause["lever"],
            )
            for cause in causes
        ]
    lines += ["", text("plain_attachments", language), ""]
    return "\n".join(lines)


def build_message(
    settings: SmtpSettings, recipients: list[str], report: Report, subject: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject or default_subject(report)
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    # An explicit domain: without one, make_msgid asks DNS for this host's name, which can hang.
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message.set_content(plain_text(report))
    message.add_alternative(report.mail_html or report.html, subtype="html")
    if report.mail_html:
        html_part = message.get_body(preferencelist=("html",))
        for image in report.images:
            html_part.add_related(
                image.png,
                maintype="image",
                subtype="png",
                cid=f"<{image.cid}>",
                filename=image.filename,
                disposition="inline",
            )
    message.add_attachment(report.html, subtype="html", filename=attachment_name(report, "html"))
    if report.xlsx:
        maintype, subtype = XLSX_TYPE
        message.add_attachment(
            report.xlsx, maintype=maintype, subtype=subtype, filename=attachment_name(report, "xlsx")
        )
    message.add_attachment(report.csv, subtype="csv", filename=attachment_name(report))
    return message


def send_report(settings: SmtpSettings, recipients: list[str], report: Report, subject: str | None = None) -> None:
    """Send one report to its recipients; raise `ReportNotSent` with the reason when it fails.

    The exception text never lists recipients beyond what smtplib's own error says.
    """
    if isinstance(recipients, str):
        recipients = [recipients]
    if not recipients:
        raise ReportNotSent(f"report {_what(report)} not sent: no recipients")
    if not settings.sender:
        raise ReportNotSent(f"report {_what(report)} not sent: no sender address (set ONODIG_SMTP_SENDER)")
    message = build_message(settings, recipients, report, subject)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=list(recipients))
    except (smtplib.SMTPException, OSError) as error:
        raise ReportNotSent(
            f"report {_what(report)} not sent via {settings.host}:{settings.port}: {type(error).__name__}: {error}"
        ) from error
    if refused:
        raise ReportNotSent(
            f"report {_what(report)} sent, but the server refused {len(refused)} of {len(recipients)} recipients"
        )


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


def _what(report: Report) -> str:
    return f"{report.process} {report.week_start:%G-W%V}"
