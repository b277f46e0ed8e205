"""Loading is incremental and idempotent: nothing counted twice, nothing lost."""

import gzip
import shutil

from ingestion.load import MANIFEST, QUARANTINE, load_source

HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"


def contacts(ids, text="Har ni fått min ansökan?"):
    return HEADER + "".join(f"{i};phone;2026-03-02 08:15;850312-1234;Bygglov;60;;;{text} {i}\n" for i in ids)


def landing_with(tmp_path, files):
    folder = tmp_path / "landing" / "contacts"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "landing"


def counts(warehouse):
    rows = warehouse.scalar("select count(*) from landed_contacts")
    quarantined = warehouse.scalar(f"select count(*) from {QUARANTINE}") if warehouse.has_table(QUARANTINE) else 0
    return rows, quarantined


def test_running_twice_changes_nothing(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"a.csv": contacts(["C1", "C2"]), "b.csv": contacts(["C3"])})
    first = load_source("contacts", landing, warehouse, pseudonymiser)
    before = counts(warehouse)
    second = load_source("contacts", landing, warehouse, pseudonymiser)
    assert (first.rows_loaded, first.files_loaded) == (3, 2)
    assert (second.rows_loaded, second.files_loaded, second.files_skipped) == (0, 0, 2)
    assert counts(warehouse) == before == (3, 0)
    assert warehouse.scalar(f"select count(*) from {MANIFEST}") == 2


def test_a_redelivered_file_under_another_name_is_skipped(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"a.csv": contacts(["C1", "C2"])})
    load_source("contacts", landing, warehouse, pseudonymiser)
    shutil.copy(landing / "contacts" / "a.csv", landing / "contacts" / "a_resend.csv")
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert report.files_skipped == 2 and report.rows_loaded == 0
    assert counts(warehouse) == (2, 0)


def test_the_same_rows_in_another_encoding_and_packing_are_not_double_counted(tmp_path, warehouse, pseudonymiser):
    text = contacts(["C1", "C2"], text="Fråga om ärende")
    landing = landing_with(tmp_path, {"a.csv": text})
    load_source("contacts", landing, warehouse, pseudonymiser)
    (landing / "contacts" / "again.csv.gz").write_bytes(gzip.compress(text.encode("cp1252")))
    (landing / "contacts" / "more.csv").write_text(contacts(["C2", "C3"], text="Fråga om ärende"), encoding="utf-8")
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert report.rows_loaded == 1 and report.rows_already_loaded == 3
    assert counts(warehouse) == (3, 0)


def test_a_changed_row_in_a_later_file_is_quarantined_not_overwritten(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"a.csv": contacts(["C1"])})
    load_source("contacts", landing, warehouse, pseudonymiser)
    (landing / "contacts" / "b.csv").write_text(contacts(["C1"], text="Något helt annat"), encoding="utf-8")
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert report.rows_quarantined == 1
    reason = warehouse.scalar(f"select reason from {QUARANTINE}")
    assert reason == "duplicate contact_id with different content (first loaded from a.csv)"
    assert warehouse.scalar("select text from landed_contacts") == "Har ni fått min ansökan? C1"


def test_an_unreadable_file_is_quarantined_and_the_others_still_load(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"good.csv": contacts(["C1"])})
    packed = gzip.compress(contacts([f"X{i}" for i in range(300)]).encode())
    (landing / "contacts" / "bad.csv.gz").write_bytes(packed[: len(packed) // 2])
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert (report.files_loaded, report.files_quarantined, report.rows_loaded) == (1, 1, 1)
    row = warehouse.read(f"select * from {QUARANTINE}").iloc[0]
    assert row["file"] == "bad.csv.gz" and row["line"] is None or str(row["line"]) in ("<NA>", "nan", "None")
    assert "gzip" in row["reason"]
    # the bad file is not retried (and re-quarantined) on every run
    again = load_source("contacts", landing, warehouse, pseudonymiser)
    assert again.files_quarantined == 0 and counts(warehouse) == (1, 1)


def test_case_events_keyed_by_content_load_once(tmp_path, warehouse, pseudonymiser):
    folder = tmp_path / "landing" / "cases"
    folder.mkdir(parents=True)
    text = "case_ref;case_type;citizen_id;event;event_at\nBYGG 1;Bygglov;;opened;2026-03-01 10:00\nBYGG 1;Bygglov;;decided;2026-03-20 10:00\n"
    (folder / "a.csv").write_text(text, encoding="utf-8")
    (folder / "b.csv").write_text(text + "BYGG 1;Bygglov;;closed;2026-03-21 10:00\n", encoding="utf-8")
    report = load_source("cases", tmp_path / "landing", warehouse, pseudonymiser)
    assert report.rows_loaded == 3 and report.rows_already_loaded == 2
