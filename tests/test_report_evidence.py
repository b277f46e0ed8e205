"""The report's "why": example inquiries per top cause (masked), channels, repeat contacts, a quiet week's trend.

The evidence is read from a real DuckDB warehouse holding the tables the pipeline builds
(`inquiries`, `int_root_causes`, `int_inquiries`, `repeat_contacts_weekly`, `rule_parameters`).
"""

import io
import re
from datetime import date, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook

from onodig.privacy.patterns import email_addresses, personnummer, phone_numbers
from onodig.reports import build_report
from onodig.reports.evidence import EXCERPT_CHARACTERS, Evidence, read_evidence
from onodig.reports.mail import plain_text
from onodig.warehouse import Warehouse
from tests.test_reports import WEEK_40, WEEK_41, causes_table, three_weeks_of_bygglov, visible_text

LEAKED_PNR, LEAKED_PHONE, LEAKED_EMAIL = "19320606-6066", "070-111 01 09", "berit.ekman@example.com"
LONG = (
    "Samtal: invånaren undrar varför beslutet om bygglov för garaget inte har kommit, handläggaren sade i "
    "augusti att det skulle komma inom fyra veckor och nu har det gått åtta veckor utan att något brev kommit "
    "och ingen har hört av sig alls"
)
TEXTS = {
    # decision_not_received, the week's top cause: one leaked identifier of each kind, a duplicate, a short text
    "contacts:C1": f"Ring mig på {LEAKED_PHONE} om beslutet, pnr {LEAKED_PNR}, eller mejla {LEAKED_EMAIL}.",
    "contacts:C2": "Har ni fattat beslut om mitt bygglov? Jag har inte fått något brev. pnr [PNR].",
    "contacts:C3": "Har ni fattat beslut om mitt bygglov? Jag har inte fått något brev. pnr [PNR].",
    "contacts:C4": "Beslut?",
    "contacts:C5": LONG,
    "eservice:E1": "Skickar igen eftersom jag inte vet om beslutet kommit fram till [NAMN].",
    # paid_before_contact
    "contacts:C6": "Jag betalade fakturan den 28:e men fick ändå en påminnelse, varför?",
    "contacts:C7": "Fick en påminnelse fast jag har betalat, kan ni kolla?",
    # form_did_not_collect
    "eservice:E2": "E-tjänsten frågade aldrig efter situationsplanen, här kommer den.",
}
CAUSES = {
    "contacts:C1": ("case_status", "decision_not_received"),
    "contacts:C2": ("case_status", "decision_not_received"),
    "contacts:C3": ("case_status", "decision_not_received"),
    "contacts:C4": ("case_status", "decision_not_received"),
    "contacts:C5": ("case_status", "decision_not_received"),
    "eservice:E1": ("case_status", "decision_not_received"),
    "contacts:C6": ("invoice_status", "paid_before_contact"),
    "contacts:C7": ("invoice_status", "paid_before_contact"),
    "eservice:E2": ("missing_information", "form_did_not_collect"),
}
CHANNELS = [("phone", 610, 280), ("eservice", 250, 80), ("email", 100, 40), ("visit", 40, 10)]
REPEATS = [(WEEK_40, 500, 40), (WEEK_41, 520, 66)]


def evidence_warehouse(path) -> Warehouse:
    return fill_evidence(Warehouse(f"duckdb:///{path}"))


def fill_evidence(store: Warehouse) -> Warehouse:
    ids = list(TEXTS)
    store.replace("inquiries", pd.DataFrame({"inquiry_id": ids, "text": [TEXTS[i] for i in ids]}))
    store.replace(
        "int_root_causes",
        pd.DataFrame(
            {
                "inquiry_id": ids,
                "process": "bygglov",
                "week_start": WEEK_41,
                "demand_type": [CAUSES[i][0] for i in ids],
                "root_cause": [CAUSES[i][1] for i in ids],
            }
        ),
    )
    rows = []
    for channel, inquiries, avoidable in CHANNELS:
        rows += [{"process": "bygglov", "week_start": WEEK_41, "channel": channel, "avoidable": True}] * avoidable
        rows += [{"process": "bygglov", "week_start": WEEK_41, "channel": channel, "avoidable": False}] * (
            inquiries - avoidable
        )
    rows.append({"process": "bygglov", "week_start": WEEK_40, "channel": "chat", "avoidable": True})
    store.replace("int_inquiries", pd.DataFrame(rows))
    store.replace(
        "repeat_contacts_weekly",
        pd.DataFrame(
            {
                "process": "bygglov",
                "week_start": [week for week, _, _ in REPEATS],
                "identified_inquiries": [n for _, n, _ in REPEATS],
                "repeat_inquiries": [r for _, _, r in REPEATS],
                "repeat_rate": [r / n for _, n, r in REPEATS],
            }
        ),
    )
    store.replace("rule_parameters", pd.DataFrame({"repeat_window_days": [7]}))
    return store


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> Evidence:
    return read_evidence(evidence_warehouse(tmp_path_factory.mktemp("evidence") / "w.duckdb"), WEEK_41)


def evidence_report(evidence: Evidence, language: str = "sv", **kwargs):
    weekly, causes, capacity = three_weeks_of_bygglov()
    return build_report(
        "bygglov", "Bygglov", weekly, causes, capacity, language=language, **evidence.for_process("bygglov"), **kwargs
    )


def pii_found(text: str) -> list[str]:
    spans = [*personnummer(text), *phone_numbers(text), *email_addresses(text)]
    return [text[start:end] for start, end in spans]


def workbook_cells(xlsx: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(xlsx))
    return [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]


def test_examples_are_masked_again_short_and_distinct(evidence):
    examples = evidence.examples
    top = examples[examples["root_cause"] == "decision_not_received"]["text"].tolist()
    assert 2 <= len(top) <= 3 and len(set(top)) == len(top)
    assert "Beslut?" not in top  # too short to say anything
    assert all(len(text) <= EXCERPT_CHARACTERS for text in examples["text"])
    for text in examples["text"]:
        assert pii_found(text) == [], text
    assert set(examples["root_cause"]) == {"decision_not_received", "paid_before_contact", "form_did_not_collect"}


def test_the_pick_is_the_same_on_every_read(tmp_path, evidence):
    again = read_evidence(evidence_warehouse(tmp_path / "again.duckdb"), WEEK_41)
    pd.testing.assert_frame_equal(again.examples, evidence.examples)


def test_a_leaked_identifier_and_a_long_text_are_masked_and_cut(tmp_path):
    store = evidence_warehouse(tmp_path / "w.duckdb")
    store.replace(
        "int_root_causes",
        pd.DataFrame(
            {
                "inquiry_id": ["contacts:C1", "contacts:C5"],
                "process": "bygglov",
                "week_start": WEEK_41,
                "demand_type": "case_status",
                "root_cause": "decision_not_received",
            }
        ),
    )
    texts = read_evidence(store, WEEK_41).examples["text"].tolist()
    assert len(texts) == 2
    leaked = next(text for text in texts if "beslutet" in text and "Ring" in text)
    assert "[PNR]" in leaked and "[EPOST]" in leaked and "[TELEFON]" in leaked
    cut = next(text for text in texts if text.startswith("Samtal: invånaren"))
    assert cut.endswith("…") and LONG.startswith(cut[:-1]) and len(cut) <= EXCERPT_CHARACTERS


def test_each_top_cause_shows_its_lever_hours_and_examples_on_the_page(evidence):
    report = evidence_report(evidence)
    table = causes_table(report.html)
    top = table[: table.index("Betald före kontakten")]
    assert "Beslutet nådde inte fram" in top and "Statusnotiser i ärendet" in top and "6,5" in top
    quotes = re.findall(r"<li>(.*?)</li>", top)
    expected = evidence.examples[evidence.examples["root_cause"] == "decision_not_received"]["text"].tolist()
    assert len(quotes) == len(expected) >= 2
    assert "Exempel på kontakter (maskerade)" in top
    for page in (report.html, report.mail_html, plain_text(report), *workbook_cells(report.xlsx)):
        assert pii_found(visible_text(page)) == [], page
        assert LEAKED_EMAIL not in page and "0701110109" not in re.sub(r"\D", "", page)


def test_english_report_names_causes_levers_and_channels_in_english(evidence):
    weekly, causes, capacity = three_weeks_of_bygglov()
    causes = causes.assign(lever_name_en=causes["lever_name"].replace({"Statusnotiser i ärendet": "Status alerts"}))
    report = build_report(
        "bygglov", "Bygglov", weekly, causes, capacity, language="en", **evidence.for_process("bygglov")
    )
    text = visible_text(report.html)
    assert "Decision did not reach the citizen" in text and "Status alerts" in text
    assert "Statusnotiser" not in text and "Telefon" not in text and "Phone" in text
    assert "Example inquiries (masked)" in text and "What is avoidable demand?" in text


def test_channels_are_the_weeks_busiest_first_with_their_share(evidence):
    page = evidence_report(evidence).html
    start = page.index('<table class="channels">')
    table = page[start : page.index("</table>", start)]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    names = {"phone": "Telefon", "eservice": "E-tjänst", "email": "E-post", "visit": "Besök"}
    expected = sorted(CHANNELS, key=lambda row: -row[1])
    assert [row[0] for row in rows] == [names[channel] for channel, _, _ in expected]
    phone = next(row for row in rows if row[0] == "Telefon")
    channel, inquiries, avoidable = CHANNELS[0]
    assert phone[1:3] == [str(inquiries), str(avoidable)]
    assert phone[3] == f"{round(100 * avoidable / inquiries)} %"
    assert "Chatt" not in table  # the chat contact was in week 40


def test_repeat_contacts_for_the_week_and_the_window(evidence):
    text = visible_text(evidence_report(evidence).html)
    (_, n40, r40), (_, n41, r41) = REPEATS
    assert (
        f"{r41} av {n41} kontakter från identifierade invånare ({round(100 * r41 / n41)} %) kom från någon som hört "
        "av sig om samma verksamhet de senaste 7 dagarna"
    ) in text
    assert f"Genomsnitt de senaste 12 veckorna: {round(100 * (r40 + r41) / (n40 + n41))} %." in text


def test_the_definition_is_on_every_page(evidence):
    empty = pd.DataFrame()
    for report in (evidence_report(evidence), build_report("bygglov", "Bygglov", empty, empty, empty)):
        assert "Vad är onödig efterfrågan?" in visible_text(report.html)
        assert "värdeefterfrågan" in visible_text(report.html)


def test_a_quiet_week_still_shows_the_trend_and_the_year_so_far():
    weekly, causes, capacity = three_weeks_of_bygglov()
    quiet = WEEK_41 + timedelta(weeks=1)
    report = build_report("bygglov", "Bygglov", weekly, causes, capacity, week_start=quiet)
    text = visible_text(report.html)
    assert "Det finns ingen data för Bygglov vecka 42, 2026." in text
    assert report.html.count("data:image/png;base64,") == 1 and [i.filename for i in report.images] == ["share.png"]
    assert "till vecka 42" in re.search(r'<img [^>]*alt="([^"]+)"', report.html).group(1)
    year = f"{sum(weekly['inquiries']):,}".replace(",", " ")
    share = round(100 * weekly["avoidable_inquiries"].sum() / weekly["inquiries"].sum())
    hours = f"{capacity['avoidable_hours'].sum():.1f}".replace(".", ",")
    assert f"Vecka 39–41: {year} kontakter" in text and f"({share} %)" in text and f"tog {hours} timmar" in text
    assert "Inga kontakter vecka 42." in text
    assert len(pd.read_csv(io.StringIO(report.csv), sep=";")) == 3  # the weeks behind the trend, for machines


def test_the_year_so_far_stops_at_the_year_boundary():
    weekly, causes, capacity = three_weeks_of_bygglov()
    next_year = date(2027, 1, 4)
    assert "Inga kontakter hittills i år." in visible_text(
        build_report("bygglov", "Bygglov", weekly, causes, capacity, week_start=next_year).html
    )


def test_the_workbook_holds_numbers_with_swedish_headers_and_formats(evidence):
    report = evidence_report(evidence)
    book = load_workbook(io.BytesIO(report.xlsx))
    assert book.sheetnames == ["Veckor", "Orsaker", "Kanaler"]
    weeks = book["Veckor"]
    header = [cell.value for cell in weeks[1]]
    assert header[:4] == ["Veckan börjar", "Vecka", "Kontakter", "Onödig efterfrågan"]
    assert "Ärendestatus" in header and "Andel upprepade kontakter" in header
    last = {name: cell for name, cell in zip(header, weeks[weeks.max_row], strict=True)}
    assert last["Veckan börjar"].is_date and last["Veckan börjar"].value.date() == WEEK_41
    assert last["Veckan börjar"].number_format == "yyyy-mm-dd"
    assert last["Vecka"].value == "2026-W41"
    weekly = three_weeks_of_bygglov()[0]
    assert last["Kontakter"].value == weekly["inquiries"].iloc[-1] and last["Kontakter"].number_format == "#,##0"
    assert last["Onödig efterfrågan"].value == pytest.approx(weekly["avoidable_share"].iloc[-1])
    assert "%" in last["Onödig efterfrågan"].number_format
    assert last["Timmar"].number_format == "#,##0.0" and last["Timmar"].value == pytest.approx(400.0)
    assert last["Andel upprepade kontakter"].value == pytest.approx(REPEATS[1][2] / REPEATS[1][1])
    causes = book["Orsaker"]
    assert [cell.value for cell in causes[1]] == ["Typ", "Orsak", "Åtgärd", "Kontakter", "Timmar"]
    assert [cell.value for cell in causes[2]][:3] == [
        "Ärendestatus",
        "Beslutet nådde inte fram",
        "Statusnotiser i ärendet",
    ]
    formula_like = [row for row in causes.iter_rows(min_row=2) if str(row[2].value).startswith("<script>")]
    assert formula_like and formula_like[0][2].data_type == "s"
    channels = book["Kanaler"]
    assert channels["A2"].value == "Telefon" and channels["B2"].value == CHANNELS[0][1]
    assert channels["D2"].number_format == "0\\ %"


def test_a_lever_that_looks_like_a_formula_stays_text_in_the_workbook():
    weekly, causes, capacity = three_weeks_of_bygglov()
    causes.loc[causes["root_cause"] == "decision_not_received", "lever_name"] = '=HYPERLINK("http://x","klicka")'
    book = load_workbook(io.BytesIO(build_report("bygglov", "Bygglov", weekly, causes, capacity).xlsx))
    cell = book["Orsaker"]["C2"]
    assert cell.value == '=HYPERLINK("http://x","klicka")' and cell.data_type == "s"


def test_postgresql_picks_the_same_evidence_as_duckdb(postgres_database, evidence):
    if postgres_database is None:
        pytest.skip("no PostgreSQL server: set ONODIG_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)")
    on_postgres = read_evidence(fill_evidence(Warehouse(postgres_database("evidence"))), WEEK_41)
    pd.testing.assert_frame_equal(on_postgres.examples, evidence.examples, check_dtype=False)
    for name in ("channels", "repeats"):
        ours, theirs = (
            getattr(found, name).sort_values(["process", "week_start", *(["channel"] if name == "channels" else [])])
            for found in (on_postgres, evidence)
        )
        assert ours.astype(str).values.tolist() == theirs.astype(str).values.tolist(), name
    assert on_postgres.repeat_window_days == evidence.repeat_window_days
