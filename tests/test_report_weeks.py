"""The week a report is for: coverage of the exports, which week is e-mailed, preliminär and reviderad.

The publishing tests write real marts and staged rows to DuckDB and send through a real SMTP
server (aiosmtpd) on localhost; the last test runs the whole pipeline on generated data whose
exports end on a Sunday with a few e-service re-submissions on the days after it.
"""

import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller

from onodig.demand.processes import ProcessMap
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.ingestion.coverage import coverage, latest_covered_week, week_coverage
from onodig.reports.publish import DELIVERIES, publish_reports
from onodig.reports.status import preliminary_banner
from onodig.reports.texts import change_sentence
from onodig.warehouse import Warehouse
from tests.servers import Mailbox, free_port
from tests.test_reports import three_weeks_of_bygglov

W39, W40, W41, W42 = (date(2026, 9, 21) + timedelta(weeks=n) for n in range(4))
SUNDAY_41 = W41 + timedelta(days=6)
OWNERS = ["chef.bygglov@kommun.example"]


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- coverage -------------------------------------------------------------------------------


def test_exports_ending_on_a_sunday_with_later_resubmissions_cover_that_week_only():
    table = coverage(
        {"contacts": days(W39, SUNDAY_41), "eservice": days(W39, SUNDAY_41 + timedelta(days=2))},
        W42 + timedelta(days=9),
    )
    assert latest_covered_week(table) == W41
    straggled = week_coverage(table, W42)
    assert not straggled.covered and not straggled.in_progress
    # neither reaches Sunday 18 October: the re-submissions end on the Tuesday
    assert straggled.short == (("contacts", SUNDAY_41), ("eservice", SUNDAY_41 + timedelta(days=2)))
    eservice = table[(table["source"] == "eservice") & (table["week_start"] == W42)].iloc[0]
    assert eservice["last_day_in_week"] == SUNDAY_41 + timedelta(days=2) and not eservice["covered"]


def test_a_quiet_sunday_is_covered_by_a_later_days_rows_and_not_before():
    friday = SUNDAY_41 - timedelta(days=2)
    today = W42 + timedelta(days=3)
    quiet = days(W40, friday)
    assert latest_covered_week(coverage({"contacts": quiet, "eservice": days(W40, SUNDAY_41)}, today)) == W40
    monday_rows = [*quiet, W42]
    assert latest_covered_week(coverage({"contacts": monday_rows, "eservice": days(W40, SUNDAY_41)}, today)) == W41


def test_a_week_in_progress_is_never_covered_even_with_rows_up_to_today():
    for today in (SUNDAY_41, SUNDAY_41 - timedelta(days=3)):  # the Sunday itself is not over yet
        table = coverage({"contacts": days(W40, today), "eservice": days(W40, today)}, today)
        assert latest_covered_week(table) == W40
        assert week_coverage(table, W41).in_progress and not week_coverage(table, W41).covered


def test_a_missing_source_covers_nothing_and_the_banner_says_which():
    table = coverage({"contacts": days(W40, SUNDAY_41)}, W42 + timedelta(days=2))
    assert latest_covered_week(table) is None
    banner = preliminary_banner(week_coverage(table, W41), "sv")
    assert banner.title == "Preliminär" and "e-tjänsterna har inga rader för veckan" in banner.sentence
    english = preliminary_banner(week_coverage(table, W41), "en")
    assert english.title == "Preliminary" and "the e-service submissions has no rows" in english.sentence


def test_generated_exports_end_on_a_sunday_with_resubmissions_on_the_days_after(tmp_path):
    from onodig.pipelines.cli import main

    assert main(["generate", "--weeks", "2", "--per-week", "200", "--landing", str(tmp_path / "landing")]) == 0
    last_sunday = date(2026, 8, 31) + timedelta(weeks=2, days=-1)
    contacts = {p.name for p in (tmp_path / "landing" / "contacts").glob("contacts_2*.csv*")}
    assert max(contacts).startswith(f"contacts_{last_sunday:%Y%m%d}")
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    after = truth[truth["occurred_at"] > f"{last_sunday} 23:59"]
    assert len(after) == 5 and set(after["source"]) == {"eservice"}
    assert set(after["demand_type"]) == {"duplicate_request"}  # re-submissions of applications still waiting
    assert after["occurred_at"].str[:10].isin([f"{last_sunday + timedelta(days=n)}" for n in (1, 2)]).all()
    assert main(["generate", "--stragglers", "-1", "--landing", str(tmp_path / "other")]) == 2


# --- the change sentence --------------------------------------------------------------------


def shares(share, low, high, inquiries=1000):
    return {"avoidable_share": share, "avoidable_share_low": low, "avoidable_share_high": high, "inquiries": inquiries}


def test_a_rise_needs_both_weeks_intervals_to_separate():
    # the new share is outside last week's interval, but the intervals overlap: within chance
    sentence = change_sentence(shares(0.45, 0.39, 0.51), shares(0.38, 0.35, 0.41), "sv")
    assert "steg" not in sentence and "oförändrad inom felmarginalen" in sentence
    assert change_sentence(shares(0.45, 0.42, 0.48), shares(0.38, 0.35, 0.41), "sv").startswith(
        "Andelen onödig efterfrågan steg från 38 % till 45 %"
    )
    assert change_sentence(shares(0.30, 0.27, 0.33), shares(0.38, 0.35, 0.41), "en").startswith(
        "The share of avoidable demand fell from 38% to 30%"
    )


def test_nine_contacts_are_too_few_to_call_a_rise():
    nine = shares(6 / 9, 0.35, 0.88, inquiries=9)
    sentence = change_sentence(nine, shares(0.49, 0.46, 0.52, inquiries=1200), "sv")
    assert "steg från" not in sentence and "sjönk från" not in sentence
    assert "9 kontakter den här veckan och 1 200 förra är för få" in sentence
    assert "too few to tell" in change_sentence(nine, shares(0.49, 0.46, 0.52, inquiries=1200), "en")
    # the minimum is the caller's to set
    assert "steg från" in change_sentence(
        shares(0.9, 0.8, 0.95, inquiries=9), shares(0.2, 0.1, 0.3, inquiries=9), "sv", min_inquiries=5
    )


# --- the run plan ---------------------------------------------------------------------------


# --- publishing: archive, one e-mail, preliminär, reviderad ---------------------------------


@pytest.fixture
def smtp():
    from onodig.reports import SmtpSettings

    inbox = Mailbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpSettings(host="127.0.0.1", port=controller.port, sender="onodig@kommun.example", timeout=5), inbox
    finally:
        controller.stop()


def four_weeks(store: Warehouse) -> None:
    """Three full weeks of bygglov, then week 42 with the 9 contacts of a few re-submissions."""
    weekly, causes, capacity = three_weeks_of_bygglov()
    straggled = weekly.iloc[[-1]].assign(
        week_start=pd.Timestamp(W42), inquiries=9, avoidable_inquiries=6, avoidable_share=6 / 9
    )
    store.replace("avoidable_demand_weekly", pd.concat([weekly, straggled], ignore_index=True))
    store.replace("root_causes_weekly", causes)
    store.replace("capacity_weekly", capacity)


def staged(store: Warehouse, contacts_last: date, eservice_last: date) -> None:
    for table, column, last in (
        ("landed_contacts", "started_at", contacts_last),
        ("landed_eservice", "submitted_at", eservice_last),
    ):
        stamps = pd.to_datetime([f"{day} 10:00" for day in days(W39, last)])
        store.replace(table, pd.DataFrame({column: stamps}))


def move_week_41(store: Warehouse, share: float, low: float, high: float) -> None:
    store.execute(
        "update avoidable_demand_weekly set avoidable_share = :s, avoidable_share_low = :l, "
        "avoidable_share_high = :h where week_start = :w",
        {"s": share, "l": low, "h": high, "w": W41},
    )


def covered_to_week_41(tmp_path) -> tuple[Warehouse, ProcessMap]:
    """Four weeks of bygglov whose exports cover week 41, with its owner."""
    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    four_weeks(store)
    staged(store, contacts_last=SUNDAY_41, eservice_last=SUNDAY_41 + timedelta(days=2))
    processes = ProcessMap.default()
    processes.owners["bygglov"] = OWNERS
    return store, processes


@pytest.fixture
def published(tmp_path, smtp):
    settings, inbox = smtp
    store, processes = covered_to_week_41(tmp_path)
    outbox = tmp_path / "outbox"
    today = W42 + timedelta(days=9)

    def publish():
        return publish_reports(store, processes, outbox, "sv", settings, today=today)

    return store, inbox, outbox, publish


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_every_week_goes_to_the_outbox_and_only_the_last_covered_one_is_mailed(published):
    store, inbox, outbox, publish = published
    done = publish()
    assert done.week_start == W41 and done.sent == ["bygglov"] and done.preliminary == [W42]
    assert sorted(p.name for p in outbox.iterdir()) == ["2026-W39", "2026-W40", "2026-W41", "2026-W42"]
    assert len(inbox.messages) == 1 and inbox.messages[0]["Subject"] == "Onödig efterfrågan – Bygglov, vecka 41"
    assert inbox.messages[0]["To"] == OWNERS[0]
    preliminary = visible((outbox / "2026-W42" / "bygglov.html").read_text("utf-8"))
    assert "Preliminär." in preliminary
    assert "kontaktloggen har rader till och med 11 oktober" in preliminary and "söndag 18 oktober" in preliminary
    assert "Preliminär" not in (outbox / "2026-W41" / "bygglov.html").read_text("utf-8")
    assert "för få för att säga om den steg eller sjönk" in preliminary  # 9 contacts

    again = publish()
    assert again.sent == [] and again.unchanged == 1 and len(inbox.messages) == 1


def test_a_change_within_the_interval_goes_to_the_outbox_not_the_mail(published):
    store, inbox, outbox, publish = published
    publish()
    move_week_41(store, 0.415, 0.385, 0.445)  # inside the sent interval, 38–44 %
    done = publish()
    assert done.sent == [] and done.revised == [] and done.changed_within_interval == 1
    assert len(inbox.messages) == 1
    assert "42 %" in visible((outbox / "2026-W41" / "bygglov.html").read_text("utf-8"))


def test_a_late_file_beyond_the_interval_sends_one_revised_report_once(published):
    store, inbox, outbox, publish = published
    publish()
    move_week_41(store, 0.52, 0.49, 0.55)  # a late file: far outside the sent 38–44 %
    done = publish()
    assert done.revised == [f"bygglov {W41}"] and done.sent == []
    assert len(inbox.messages) == 2
    revised = inbox.messages[1]
    assert revised["Subject"] == "Reviderad: Onödig efterfrågan – Bygglov, vecka 41"
    page = visible(revised.get_body(preferencelist=("html",)).get_content())
    assert "Reviderad." in page and "Den här rapporten ersätter den." in page and "52 %" in page
    assert publish().revised == [] and len(inbox.messages) == 2  # a re-run: nothing
    move_week_41(store, 0.60, 0.57, 0.63)  # a second late file: the week was revised once already
    assert publish().revised == [] and len(inbox.messages) == 2
    statuses = store.read(f"select status from {DELIVERIES} order by sent_at")["status"].tolist()
    assert statuses == ["sent", "revised"]


def test_a_report_whose_inputs_did_not_change_is_not_drawn_again_until_one_does(published):
    store, inbox, outbox, publish = published
    publish()
    publish()  # the sent week's deliveries changed: it is written once more, found unchanged
    pages = {p: p.stat().st_mtime_ns for p in outbox.glob("*/bygglov.*")}
    again = publish()
    assert again.kept == 4 and len(again.written) == 4 and again.unchanged == 1 and again.sent == []
    assert {p: p.stat().st_mtime_ns for p in outbox.glob("*/bygglov.*")} == pages
    kept = store.read("select * from report_inputs where process = 'bygglov' order by week_start")
    assert kept["week_start"].tolist() == [str(w) for w in (W39, W40, W41, W42)]
    assert kept["input_hash"].str.fullmatch(r"[0-9a-f]{32}").all()  # a digest: no text, no address

    move_week_41(store, 0.415, 0.385, 0.445)  # week 41 changes, within its interval
    moved = publish()  # week 41's report and week 42's, whose trend shows week 41; not the weeks before
    assert moved.kept == 2 and moved.changed_within_interval == 1 and len(inbox.messages) == 1
    assert "42 %" in visible((outbox / "2026-W41" / "bygglov.html").read_text("utf-8"))
    (outbox / "2026-W39" / "bygglov.xlsx").unlink()  # a file gone from the outbox is written again
    assert publish().kept == 3 and (outbox / "2026-W39" / "bygglov.xlsx").is_file()


def test_a_report_whose_mail_failed_is_built_and_sent_again_next_run(tmp_path, smtp):
    from onodig.reports import SmtpSettings

    settings, inbox = smtp
    store, processes = covered_to_week_41(tmp_path)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), sender="onodig@kommun.example", timeout=2)
    today = W42 + timedelta(days=9)
    failed = publish_reports(store, processes, tmp_path / "outbox", "sv", down, today=today)
    assert failed.failed == ["bygglov"] and failed.sent == []
    again = publish_reports(store, processes, tmp_path / "outbox", "sv", down, today=today)
    assert again.failed == ["bygglov"] and again.kept == 3  # every week but the one whose mail is due
    sent = publish_reports(store, processes, tmp_path / "outbox", "sv", settings, today=today)
    assert sent.sent == ["bygglov"] and len(inbox.messages) == 1


def test_todays_rows_do_not_make_the_week_in_progress_a_report(tmp_path, smtp):
    settings, inbox = smtp
    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    four_weeks(store)
    wednesday = W42 + timedelta(days=2)
    staged(store, contacts_last=wednesday, eservice_last=wednesday)  # rows up to today
    processes = ProcessMap.default()
    processes.owners["bygglov"] = OWNERS
    done = publish_reports(store, processes, tmp_path / "outbox", "en", settings, today=wednesday)
    assert done.week_start == W41 and done.preliminary == [W42]
    assert [m["Subject"] for m in inbox.messages] == ["Avoidable demand – Bygglov, week 41"]
    page = visible((tmp_path / "outbox" / "2026-W42" / "bygglov.html").read_text("utf-8"))
    assert "Preliminary. The week is still in progress." in page


def test_no_covered_week_mails_nothing_and_the_archive_says_why(tmp_path, smtp):
    settings, inbox = smtp
    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    four_weeks(store)
    staged(store, contacts_last=W39 + timedelta(days=4), eservice_last=SUNDAY_41)  # contacts stop on a Friday
    processes = ProcessMap.default()
    processes.owners["bygglov"] = OWNERS
    done = publish_reports(store, processes, tmp_path / "outbox", "sv", settings, today=W42 + timedelta(days=9))
    assert done.week_start is None and done.sent == [] and inbox.messages == []
    assert done.preliminary == [W39, W40, W41, W42]


# --- the whole pipeline ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, model_dir):
    """onodig run twice over generated exports that end on Sunday 20 September (ISO week 38) with
    five e-service re-submissions on the Monday and Tuesday after it, e-mailing a real SMTP server."""
    from onodig.pipelines.cli import summary
    from onodig.pipelines.definitions import build_definitions
    from onodig.pipelines.orchestration import run_in_order
    from onodig.pipelines.settings import resolve

    root = tmp_path_factory.mktemp("weeks")
    landing = root / "landing"
    write_landing(GeneratorConfig(weeks=3, per_week=300, seed=5, quirks=False, stragglers=5), landing, root / "t.csv")
    default = yaml.safe_load((Path(__file__).parent.parent / "demand" / "default_processes.yaml").read_text("utf-8"))
    owners = {key: [f"chef.{key}@kommun.example"] for key in default["processes"]}
    for key, spec in default["processes"].items():
        spec["owners"] = owners[key]
    (landing / "processes.yaml").write_text(yaml.safe_dump(default, allow_unicode=True), encoding="utf-8")

    inbox = Mailbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mp = pytest.MonkeyPatch()
    mp.setenv("ONODIG_PSEUDONYM_KEY", "weeks-key")
    try:
        environ = {"ONODIG_SMTP_HOST": "127.0.0.1", "ONODIG_SMTP_PORT": str(controller.port)}
        environ["ONODIG_SMTP_SENDER"] = "onodig@kommun.example"
        settings = resolve(landing=str(landing), data_dir=str(root / "data"), environ=environ)
        shutil.copytree(model_dir, settings.model_dir)
        defs = build_definitions(settings)

        def run():
            store = Warehouse(settings.warehouse_url)
            return run_in_order(defs, dg.DagsterInstance.ephemeral(), store, landing, date(2026, 8, 1))

        first = run()
        after_first = list(inbox.messages)
        printed = io.StringIO()
        summary(settings, stream=printed)
        second = run()
        after_second = list(inbox.messages)
        late_file(landing, root / "t.csv")
        late = run()
        after_late = list(inbox.messages)
        late_again = run()
        yield {
            "first": first,
            "printed": printed.getvalue(),
            "second": second,
            "late": late,
            "late_again": late_again,
            "mails": after_first,
            "rerun_mails": after_second[len(after_first) :],
            "late_mails": after_late[len(after_second) :],
            "late_rerun_mails": inbox.messages[len(after_late) :],
            "owners": owners,
            "outbox": settings.outbox,
            "store": Warehouse(settings.warehouse_url),
        }
    finally:
        controller.stop()
        mp.undo()


def late_file(landing: Path, truth: Path) -> None:
    """A contacts file delivered after week 38 was e-mailed: three more copies of each of its
    avoidable bygglov contacts, enough to move the week's share far outside its interval."""
    facts = pd.read_csv(truth, dtype=str)
    wanted = facts[
        (facts["source"] == "contacts")
        & (facts["process"] == "bygglov")
        & (facts["demand_type"] != "value_demand")
        & facts["occurred_at"].between("2026-09-14", "2026-09-20 23:59")
    ]
    ids = set(wanted["inquiry_id"].str.removeprefix("contacts:"))
    rows = pd.concat(
        [pd.read_csv(path, sep=";", dtype=str, keep_default_na=False) for path in (landing / "contacts").glob("*.csv")]
    )
    rows = rows[rows["contact_id"].isin(ids)]
    copies = pd.concat([rows.assign(contact_id=rows["contact_id"] + f"L{n}") for n in range(3)])
    copies.to_csv(landing / "contacts" / "contacts_late_20260918.csv", sep=";", index=False)


@pytest.mark.slow
def test_every_owner_gets_one_mail_for_the_last_covered_week_and_nobody_the_week_after(pipeline):
    assert pipeline["first"].success and pipeline["second"].success
    mails = pipeline["mails"]
    processes = set(pipeline["store"].read("select distinct process from avoidable_demand_weekly")["process"])
    expected = sorted(pipeline["owners"][p][0] for p in processes if p in pipeline["owners"])
    assert sorted(m["To"] for m in mails) == expected
    assert {m["Subject"].rsplit(", ", 1)[1] for m in mails} == {"vecka 38"}
    weeks = pipeline["store"].read("select distinct week_start from avoidable_demand_weekly")["week_start"]
    assert max(pd.to_datetime(weeks)).date() == date(2026, 9, 21)  # the re-submissions' week is in the marts
    week_39 = pipeline["outbox"] / "2026-W39"
    assert week_39.is_dir() and all("Preliminär" in p.read_text("utf-8") for p in week_39.glob("*.html"))
    assert {p.name for p in pipeline["outbox"].iterdir()} == {"2026-W36", "2026-W37", "2026-W38", "2026-W39"}


@pytest.mark.slow
def test_the_command_summary_shows_the_week_the_reports_are_for(pipeline):
    printed = pipeline["printed"]
    assert "week of 2026-09-14: the newest week the exports cover, e-mailed" in printed
    assert "Later weeks, preliminär (in the outbox, not e-mailed): 2026-09-21." in printed


@pytest.mark.slow
def test_a_rerun_sends_nothing(pipeline):
    assert pipeline["mails"] and pipeline["rerun_mails"] == []


@pytest.mark.slow
def test_a_late_file_that_moves_a_sent_week_sends_one_revised_report_once(pipeline):
    assert pipeline["late"].success and pipeline["late_again"].success
    assert [(m["To"], m["Subject"]) for m in pipeline["late_mails"]] == [
        ("chef.bygglov@kommun.example", "Reviderad: Onödig efterfrågan – Bygglov, vecka 38")
    ]
    page = pipeline["late_mails"][0].get_body(preferencelist=("html",)).get_content()
    assert "Reviderad." in page and "Den här rapporten ersätter den." in page
    assert pipeline["late_rerun_mails"] == []


@pytest.mark.slow
def test_the_coverage_table_and_its_check(pipeline):
    table = pipeline["store"].read_table("export_coverage")
    assert set(table["source"]) == {"contacts", "eservice"}
    final = table.groupby("week_start")["week_covered"].all()
    assert [str(pd.Timestamp(w).date()) for w in final[final].index] == ["2026-08-31", "2026-09-07", "2026-09-14"]
    checks = [
        e.event_specific_data
        for e in pipeline["first"].all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "every_covered_week_has_rows"
    ]
    assert checks and all(c.passed for c in checks)
