"""Sending reports: a real SMTP server on localhost receives the message, or the send fails loudly."""

import socket
from datetime import date
from email import message_from_bytes, policy

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from openpyxl import load_workbook

from onodig.reports import ReportNotSent, SmtpSettings, build_report, send_report

RECIPIENTS = ["chef.bygglov@kommun.example", "analytiker@kommun.example"]
SENDER = "onodig@kommun.example"


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Credentials:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd itself answers a failure with 535 (the default leaves the client waiting)
        return AuthResult(success=auth_data == LoginPassword(b"onodig", b"hemligt"), handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox, credentials = Inbox(), Credentials()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=credentials,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller, inbox, credentials
    finally:
        controller.stop()


@pytest.fixture
def report():
    weeks = [date(2026, 9, 28), date(2026, 10, 5)]
    weekly = pd.DataFrame(
        {
            "process": "bygglov",
            "week_start": weeks,
            "inquiries": [200, 220],
            "avoidable_inquiries": [80, 99],
            "avoidable_share": [0.40, 0.45],
            "avoidable_share_low": [0.335, 0.385],
            "avoidable_share_high": [0.468, 0.517],
            "corrected_avoidable_share": [0.38, 0.43],
            "n_invoice_status": [10, 12],
            "n_case_status": [40, 52],
            "n_missing_information": [15, 17],
            "n_duplicate_request": [10, 10],
            "n_processing_time": [5, 8],
            "n_value_demand": [120, 121],
            "needs_review": [0, 2],
        }
    )
    capacity = pd.DataFrame(
        {
            "process": "bygglov",
            "week_start": weeks,
            "hours": [20.0, 22.0],
            "avoidable_hours": [8.0, 10.0],
            "avoidable_fte": [0.26, 0.325],
            "freed_hours_if_halved": [4.0, 5.0],
            "growth_headroom_if_halved": [0.25, 0.2941],
        }
    )
    root_causes = pd.DataFrame(
        {
            "process": ["bygglov"],
            "week_start": [weeks[1]],
            "demand_type": ["case_status"],
            "root_cause": ["case_delayed"],
            "lever": ["status_notifications"],
            "lever_name": ["Statusnotiser i ärendet"],
            "inquiries": [30],
            "hours": [3.0],
        }
    )
    return build_report("bygglov", "Bygglov", weekly, root_causes, capacity)


def received(inbox):
    assert len(inbox.envelopes) == 1
    return inbox.envelopes[0], message_from_bytes(inbox.envelopes[0].content, policy=policy.default)


def test_report_arrives_with_subject_text_html_and_csv(smtp_server, report):
    controller, inbox, _ = smtp_server
    settings = SmtpSettings(host=controller.hostname, port=controller.port, sender="onodig@kommun.example", timeout=5)
    send_report(settings, RECIPIENTS, report)

    envelope, message = received(inbox)
    assert envelope.mail_from == "onodig@kommun.example"
    assert envelope.rcpt_tos == RECIPIENTS
    assert message["Subject"] == "Onödig efterfrågan – Bygglov, vecka 41"
    assert message["From"] == "onodig@kommun.example"

    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert report.summary["change_sentence"] in plain
    assert "Onödig efterfrågan: 45 % (95 % intervall 39–52 %), korrigerad 43 %" in plain

    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert "Bygglov" in html
    assert html.replace("\r\n", "\n") == report.mail_html

    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == [
        "onodig_bygglov_2026-W41.html",
        "onodig_bygglov_2026-W41.xlsx",
        "onodig_bygglov_2026-W41.csv",
    ]
    assert attachments[2].get_content_type() == "text/csv"
    assert attachments[2].get_content().replace("\r\n", "\n") == report.csv


def test_subject_can_be_given_and_english_is_default_for_english_reports(smtp_server, report):
    controller, inbox, _ = smtp_server
    settings = SmtpSettings(host=controller.hostname, port=controller.port, sender=SENDER, timeout=5)
    english = build_report(
        report.process,
        "Bygglov",
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
        week_start=report.week_start,
        language="en",
    )
    send_report(settings, RECIPIENTS[:1], english)
    _, message = received(inbox)
    assert message["Subject"] == "Avoidable demand – Bygglov, week 41"

    send_report(settings, RECIPIENTS[:1], report, subject="Veckorapport")
    assert message_from_bytes(inbox.envelopes[1].content, policy=policy.default)["Subject"] == "Veckorapport"


def test_login_when_credentials_are_configured(smtp_server, report):
    controller, inbox, credentials = smtp_server
    settings = SmtpSettings(
        host=controller.hostname, port=controller.port, sender=SENDER, username="onodig", password="hemligt", timeout=5
    )
    send_report(settings, RECIPIENTS[:1], report)
    assert credentials.seen == [("onodig", "hemligt")]
    assert len(inbox.envelopes) == 1


def test_refused_login_raises_report_not_sent(smtp_server, report):
    controller, inbox, _ = smtp_server
    settings = SmtpSettings(
        host=controller.hostname, port=controller.port, sender=SENDER, username="onodig", password="fel", timeout=5
    )
    with pytest.raises(ReportNotSent, match="SMTPAuthenticationError"):
        send_report(settings, RECIPIENTS[:1], report)
    assert inbox.envelopes == []


def test_closed_port_raises_report_not_sent_without_addresses(report):
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), sender=SENDER, timeout=5)
    with pytest.raises(ReportNotSent) as raised:
        send_report(settings, RECIPIENTS, report)
    assert "bygglov 2026-W41" in str(raised.value)
    assert isinstance(raised.value.__cause__, OSError)
    assert not any(address in str(raised.value) for address in RECIPIENTS)


def test_no_recipients_is_refused_before_connecting(report):
    with pytest.raises(ReportNotSent, match="no recipients"):
        send_report(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=5), [], report)


def test_no_sender_is_refused_before_connecting(report):
    """No made-up From address: without a configured sender nothing is sent."""
    with pytest.raises(ReportNotSent, match="no sender address"):
        send_report(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=5), RECIPIENTS, report)


def test_publishing_writes_every_process_report_and_mails_each_once(tmp_path):
    from onodig.demand.processes import ProcessMap
    from onodig.reports.publish import DELIVERIES, publish_reports
    from onodig.warehouse import Warehouse
    from tests.test_reports import three_weeks_of_bygglov

    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    weekly, causes, capacity = three_weeks_of_bygglov()
    for name, frame in (
        ("avoidable_demand_weekly", weekly),
        ("root_causes_weekly", causes),
        ("capacity_weekly", capacity),
    ):
        store.replace(name, frame)
    for table, column in (("landed_contacts", "started_at"), ("landed_eservice", "submitted_at")):
        store.replace(table, pd.DataFrame({column: pd.to_datetime(["2026-09-21 09:00", "2026-10-11 12:00"])}))
    processes = ProcessMap.default()
    processes.owners["bygglov"] = RECIPIENTS
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        smtp = SmtpSettings(host=controller.hostname, port=controller.port, sender="onodig@kommun.example", timeout=5)
        first = publish_reports(store, processes, tmp_path / "outbox", "sv", smtp)
        second = publish_reports(store, processes, tmp_path / "outbox", "sv", smtp)
    finally:
        controller.stop()

    assert first.week_start == date(2026, 10, 5)
    assert [p.name for p in first.written] == ["bygglov.html"] * 3  # every week, an archive
    assert [p.parent.name for p in first.written] == ["2026-W39", "2026-W40", "2026-W41"]
    assert all(p.with_suffix(".csv").is_file() for p in first.written)
    assert load_workbook(first.written[-1].with_suffix(".xlsx")).sheetnames == ["Veckor", "Orsaker", "Kanaler"]
    assert (first.sent, first.unchanged, second.sent, second.unchanged) == (["bygglov"], 0, [], 1)
    assert len(inbox.envelopes) == 1 and sorted(inbox.envelopes[0].rcpt_tos) == sorted(RECIPIENTS)
    assert store.scalar(f"select count(*) from {DELIVERIES}") == 1


def test_charts_travel_as_cid_parts_and_the_page_xlsx_and_csv_as_attachments(smtp_server, tmp_path):
    """What Gmail and Outlook show: no data: image in the body, every cid: it references is a PNG part."""
    import io
    import re

    from onodig.reports.evidence import read_evidence
    from tests.test_report_evidence import WEEK_41, evidence_report, evidence_warehouse, pii_found
    from tests.test_reports import visible_text

    report = evidence_report(read_evidence(evidence_warehouse(tmp_path / "w.duckdb"), WEEK_41))
    controller, inbox, _ = smtp_server
    settings = SmtpSettings(host=controller.hostname, port=controller.port, sender=SENDER, timeout=5)
    send_report(settings, RECIPIENTS[:1], report)
    _, message = received(inbox)

    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("related", "html"))
    assert body.get_content_type() == "multipart/related"
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert "data:image" not in html
    referenced = re.findall(r'<img src="cid:([^"]+)"', html)
    assert len(referenced) == 2
    parts = {part["Content-ID"].strip("<>"): part for part in body.iter_parts() if part["Content-ID"]}
    assert sorted(parts) == sorted(referenced)
    for cid in referenced:
        assert parts[cid].get_content_type() == "image/png"
        assert parts[cid].get_content().startswith(b"\x89PNG\r\n\x1a\n")
        assert parts[cid].get_content_disposition() == "inline"
    assert message.get_body(preferencelist=("plain",)).get_content().count("- ") >= 3  # the top causes in words

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert list(attachments) == [
        "onodig_bygglov_2026-W41.html",
        "onodig_bygglov_2026-W41.xlsx",
        "onodig_bygglov_2026-W41.csv",
    ]
    page = attachments["onodig_bygglov_2026-W41.html"]
    assert page.get_content_type() == "text/html" and page.get_content_disposition() == "attachment"
    assert page.get_content().replace("\r\n", "\n") == report.html
    assert page.get_content().count("data:image/png;base64,") == 2  # the saved page needs no message around it

    xlsx = attachments["onodig_bygglov_2026-W41.xlsx"]
    assert xlsx.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(xlsx.get_content()))
    weeks = book["Veckor"]
    header = [cell.value for cell in weeks[1]]
    row = dict(zip(header, weeks[weeks.max_row], strict=True))
    assert isinstance(row["Kontakter"].value, int) and row["Kontakter"].number_format == "#,##0"
    assert isinstance(row["Onödig efterfrågan"].value, float) and "%" in row["Onödig efterfrågan"].number_format
    assert row["Veckan börjar"].is_date
    assert attachments["onodig_bygglov_2026-W41.csv"].get_content().replace("\r\n", "\n") == report.csv
    assert pii_found(visible_text(html)) == []
