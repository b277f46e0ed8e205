"""Personal data planted in every column and in file names never reaches a warehouse table (P2, P3).

The values are loaded through ``load_window`` as a run would, then every text column of every
table the load wrote is scanned for them, digits compared without separators.
"""

import re
from datetime import date

import pandas as pd
import pytest

from onodig.ingestion.load import MANIFEST, QUARANTINE, load_window
from onodig.quality.suites import validate

SEPTEMBER = (date(2026, 9, 1), date(2026, 10, 1))
CONTACTS = (
    "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text;handlaggare;anteckning\n"
)
ESERVICE = "submission_id;submitted_at;citizen_id;service;case_ref;text\n"
CASES = "case_ref;case_type;citizen_id;event;event_at\n"
INVOICES = "invoice_ref;citizen_id;invoice_type;issued_at;due_date;amount_sek;paid_at;reminder_at\n"

PLANTED_DIGITS = ["8503121234", "3206066066", "7001011239", "0701110109", "0701110111", "0702223344", "3212121212"]
PLANTED_WORDS = [
    "sven.queue",
    "Berit",
    "Ekholm",
    "Kerstin",
    "Ekman",
    "Gunnel",
    "Brännström",
    "Harry",
    "Martinson",
    "Lars Persson",
    "Sven Svensson",
    "example.se",
]
BENIGN = {
    "landed_contacts": {"queue": "Bygglov", "case_ref": "BYGG 2026-000123", "invoice_ref": "7001234"},
    "landed_eservice": {"service": "Ansökan om bygglov", "case_ref": "BYGG 2026-000123"},
    "landed_cases": {"case_ref": "BYGG 2026-000123", "case_type": "Bygglov"},
    "landed_invoices": {"invoice_ref": "7001234", "invoice_type": "Bygglovsavgift"},
}


def planted_landing(root):
    files = {
        "contacts/contacts_20260910_19320606-6066_Kerstin Ekman.csv": CONTACTS
        + "P1;phone;2026-09-10 10:00;;sven.queue@nacka.se;60;;;Gäller ref-850312-1234;;\n"
        + "P2;email;2026-09-10 10:05;;Handläggare Berit Ekholm;60;19850312-1234;070-111 01 09;"
        + '"Tack\nMvh Harry Martinson";Gunnel Brännström;ring 070/111 01 11\n'
        + "19700101-1239;phone;2026-09-10 10:10;850312-1234;Bygglov;60;BYGG 2026-000123;7001234;x＠example.se;;\n"
        + "P4;phone;2026-09-10 10:15;;Bygglov;x;;;Fel antal sekunder;;\n",
        "eservice/eservice_20260910.csv": ESERVICE
        + "19321212-1212;2026-09-10 11:00;;Ansökan Lars Persson 070-222 33 44;;\n"
        + "E1;2026-09-10 11:05;;Ansökan om bygglov;BYGG 2026-000123;Bifogar ritning\n",
        "eservice/eservice_20260910_resend.csv": ESERVICE
        + "19321212-1212;2026-09-10 11:00;;Ansökan Lars Persson 070-222 33 44;;\n"
        + "E1;2026-09-10 11:05;;Ansökan om bygglov;BYGG 2026-000123;Bifogar ritning\n"
        + "E2;2026-09-10 11:10;;Ansökan om bygglov;;Mer info\n",
        "cases/cases_20260910.csv": CASES
        + "19850312-1234;Klagomål Sven Svensson;;opened;2026-09-10 09:00\n"
        + "BYGG 2026-000123;Bygglov;;opened;2026-09-10 09:00\n",
        "invoices/invoices_20260910.csv": INVOICES
        + "850312-1234;;Avgift 850312-1234;2026-09-10 08:00;2026-10-10;100;;\n"
        + "7001234;;Bygglovsavgift;2026-09-10 08:00;2026-10-10;1 234,50;;\n",
    }
    for name, text in files.items():
        path = root / "landing" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "landing"


def leaks(warehouse) -> list[str]:
    found = []
    tables = warehouse.read("select table_name from information_schema.tables")["table_name"].tolist()
    assert {"landed_contacts", "landed_eservice", "landed_cases", "landed_invoices", MANIFEST, QUARANTINE} <= set(
        tables
    )
    for table in tables:
        frame = warehouse.read(f"select * from {table}")
        for column in frame.columns:
            for value in frame[column].dropna().astype(str):
                digits = re.sub(r"\D", "", value)
                hits = [d for d in PLANTED_DIGITS if d in digits] + [w for w in PLANTED_WORDS if w in value]
                found += [f"{table}.{column}: {hit} in {value!r}" for hit in hits]
    return found


def load_all(landing, warehouse, pseudonymiser):
    return {
        source: load_window(source, landing, warehouse, pseudonymiser, *SEPTEMBER)
        for source in ("contacts", "eservice", "cases", "invoices")
    }


def test_no_planted_value_reaches_any_table_and_values_without_personal_data_stay_byte_identical(
    tmp_path, warehouse, pseudonymiser
):
    landing = planted_landing(tmp_path)
    reports = load_all(landing, warehouse, pseudonymiser)
    assert reports["contacts"].rows_loaded == 3 and reports["contacts"].rows_quarantined == 1
    assert leaks(warehouse) == []
    for table, values in BENIGN.items():
        frame = warehouse.read(f"select * from {table}")
        for column, value in values.items():
            assert value in frame[column].tolist(), (table, column)
    # a second run over the same landing folder: still nothing raw, nothing counted twice
    again = load_all(landing, warehouse, pseudonymiser)
    assert again["contacts"].rows_loaded == 3 and leaks(warehouse) == []


def test_a_personnummer_used_as_an_id_or_reference_is_masked_the_same_way_everywhere(
    tmp_path, warehouse, pseudonymiser
):
    landing = planted_landing(tmp_path)
    reports = load_all(landing, warehouse, pseudonymiser)
    eservice = warehouse.read("select submission_id from landed_eservice")
    assert len(eservice) == 3 and eservice["submission_id"].is_unique  # the resend is no clash
    assert reports["eservice"].rows_already_loaded == 2 and reports["eservice"].rows_quarantined == 0
    contact_ref = warehouse.scalar("select case_ref from landed_contacts where contact_id = 'P2'")
    case_refs = warehouse.read("select case_ref from landed_cases")["case_ref"].tolist()
    invoice_refs = warehouse.read("select invoice_ref from landed_invoices")["invoice_ref"].tolist()
    assert contact_ref.startswith("[PNR") and contact_ref in case_refs and contact_ref in invoice_refs
    masked_id = warehouse.read("select contact_id from landed_contacts")["contact_id"]
    assert masked_id.str.startswith("[PNR").sum() == 1


def test_file_names_are_masked_in_rows_manifest_and_quarantine_and_still_recognise_a_known_file(
    tmp_path, warehouse, pseudonymiser
):
    landing = planted_landing(tmp_path)
    first = load_all(landing, warehouse, pseudonymiser)["contacts"]
    names = set(warehouse.read(f"select file from {MANIFEST} where source = 'contacts'")["file"])
    assert names == set(warehouse.read("select source_file from landed_contacts")["source_file"])
    assert names == set(warehouse.read(f"select file from {QUARANTINE}")["file"])
    (name,) = names
    assert name.startswith("contacts_20260910_[PNR") and name.endswith(".csv") and "[NAMN" in name
    second = load_all(landing, warehouse, pseudonymiser)["contacts"]
    assert (first.files_loaded, second.files_loaded, second.files_reread) == (1, 0, 1)


def test_the_loaded_tables_pass_the_raw_personal_data_expectations(tmp_path, warehouse, pseudonymiser):
    load_all(planted_landing(tmp_path), warehouse, pseudonymiser)
    for table in ("landed_contacts", "landed_eservice"):
        assert validate(table, warehouse.read(f"select * from {table}")).success, table


def test_a_row_masking_missed_is_quarantined_not_written_on_every_run(tmp_path, warehouse, pseudonymiser, monkeypatch):
    """The safety net behind the masker: a gap in the masker is simulated by turning it off."""
    import onodig.ingestion.parsing as parsing

    monkeypatch.setattr(parsing, "mask_text", lambda text, **_kw: text)
    folder = tmp_path / "landing" / "contacts"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(
        CONTACTS
        + "C1;phone;2026-09-10 10:00;;Bygglov;60;;;Fråga om bygglov;;\n"
        + "C2;phone;2026-09-10 10:00;;Bygglov;60;;;Ring 19850312-1234;;\n"
        + "C3;phone;2026-09-10 10:00;;Bygglov;60;;;Mejla anna@example.se;;\n",
        encoding="utf-8",
    )
    for _run in range(2):
        report = load_window("contacts", tmp_path / "landing", warehouse, pseudonymiser, *SEPTEMBER)
        assert report.rows_loaded == 1
        assert warehouse.read("select contact_id from landed_contacts")["contact_id"].tolist() == ["C1"]
    quarantine = warehouse.read(f"select * from {QUARANTINE} order by line")
    assert quarantine["line"].tolist() == [3, 4]
    assert all("personal data" in reason and "text" in reason for reason in quarantine["reason"])
    assert not quarantine.astype(str).apply(lambda c: c.str.contains("1234|example")).any().any()


@pytest.mark.parametrize("column", ["queue", "case_ref", "invoice_ref", "contact_id"])
def test_the_safety_net_covers_structured_fields_too(column, pseudonymiser, monkeypatch):
    import onodig.ingestion.parsing as parsing
    from onodig.ingestion.contract import SOURCES
    from onodig.ingestion.files import RawTable

    monkeypatch.setattr(parsing, "mask_value", lambda value, _p: value)
    header = CONTACTS.strip().split(";")[:9]
    row = dict(zip(header, ["C1", "phone", "2026-09-10 10:00", "", "Bygglov", "60", "", "", "Hej"], strict=True))
    row[column] = "850312-1234"
    raw = RawTable(header=header, rows=[list(row.values())], lines=[2], encoding="utf-8", delimiter=";")
    parsed = parsing.parse_table(SOURCES["contacts"], raw, "a.csv", pseudonymiser)
    assert parsed.frame.empty
    assert parsed.rejects["reason"].tolist() == [f"personal data left after masking in {column}"]
    assert isinstance(parsed.rejects, pd.DataFrame)
