"""Loading a window of days is idempotent: nothing counted twice, nothing lost, other days untouched."""

import gzip
import shutil
from datetime import date
from functools import partial

from onodig.ingestion.load import MANIFEST, QUARANTINE, load_window

MARCH = (date(2026, 3, 1), date(2026, 4, 1))  # every row these tests write is in March 2026

HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"


def contacts(ids, text="Har ni fått min ansökan?", day="2026-03-02"):
    return HEADER + "".join(f"{i};phone;{day} 08:15;850312-1234;Bygglov;60;;;{text} {i}\n" for i in ids)


def load_source(source, landing, warehouse, pseudonymiser, window=MARCH):
    return load_window(source, landing, warehouse, pseudonymiser, *window)


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
    assert (second.rows_loaded, second.files_loaded, second.files_reread) == (3, 0, 2)  # the window rebuilt
    assert counts(warehouse) == before == (3, 0)
    assert warehouse.scalar(f"select count(*) from {MANIFEST}") == 2


def test_a_redelivered_file_under_another_name_is_skipped(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"a.csv": contacts(["C1", "C2"])})
    load_source("contacts", landing, warehouse, pseudonymiser)
    shutil.copy(landing / "contacts" / "a.csv", landing / "contacts" / "a_resend.csv")
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert report.files_skipped == 1 and report.files_reread == 1 and report.files_loaded == 0
    assert counts(warehouse) == (2, 0)


def test_the_same_rows_in_another_encoding_and_packing_are_not_double_counted(tmp_path, warehouse, pseudonymiser):
    text = contacts(["C1", "C2"], text="Fråga om ärende")
    landing = landing_with(tmp_path, {"a.csv": text})
    load_source("contacts", landing, warehouse, pseudonymiser)
    (landing / "contacts" / "again.csv.gz").write_bytes(gzip.compress(text.encode("cp1252")))
    (landing / "contacts" / "more.csv").write_text(contacts(["C2", "C3"], text="Fråga om ärende"), encoding="utf-8")
    report = load_source("contacts", landing, warehouse, pseudonymiser)
    assert report.rows_loaded == 3 and report.rows_already_loaded == 3  # C1, C2 from a.csv, C3 from more.csv
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
    load_source("contacts", landing, warehouse, pseudonymiser)  # the clash belongs to its day: replaced, not added
    assert counts(warehouse) == (1, 1)


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


def test_a_window_replaces_its_own_days_and_leaves_the_others(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(
        tmp_path, {"d1.csv": contacts(["C1", "C2"], day="2026-03-02"), "d2.csv": contacts(["C3"], day="2026-03-03")}
    )
    load = partial(load_source, "contacts", landing, warehouse, pseudonymiser)
    first = load(window=(date(2026, 3, 2), date(2026, 3, 3)))  # 2 March only: both files are new, one is for later
    assert (first.rows_loaded, first.files_loaded, first.rows_outside_window) == (2, 2, 1)
    assert first.days == {date(2026, 3, 2)}
    second = load(window=(date(2026, 3, 3), date(2026, 3, 4)))  # 3 March: only the file that holds it is read
    assert (second.rows_loaded, second.files_reread, second.files_loaded) == (1, 1, 0)
    again = load(window=(date(2026, 3, 2), date(2026, 3, 3)))
    assert again.rows_loaded == 2 and counts(warehouse) == (3, 0)
    days = warehouse.read("select sha256, first_day, last_day from " + MANIFEST)
    assert sorted(str(d)[:10] for d in days["first_day"]) == ["2026-03-02", "2026-03-03"]


def test_a_late_file_lands_in_the_day_it_is_about(tmp_path, warehouse, pseudonymiser):
    landing = landing_with(tmp_path, {"contacts_0302.csv": contacts(["C1"], day="2026-03-02")})
    load_source("contacts", landing, warehouse, pseudonymiser)
    (landing / "contacts" / "contacts_0320_late.csv").write_text(contacts(["C9"], day="2026-03-02"), encoding="utf-8")
    report = load_source("contacts", landing, warehouse, pseudonymiser, window=(date(2026, 3, 2), date(2026, 3, 3)))
    assert report.rows_loaded == 2 and report.days == {date(2026, 3, 2)}
    started = warehouse.read("select contact_id, started_at from landed_contacts order by contact_id")
    assert started["contact_id"].tolist() == ["C1", "C9"]
    assert {str(t)[:10] for t in started["started_at"]} == {"2026-03-02"}


def test_files_parsed_by_worker_processes_load_the_same_rows(tmp_path, warehouse, pseudonymiser):
    from onodig.warehouse import Warehouse

    files = {f"d{i}.csv": contacts([f"C{i}{j}" for j in range(3)], day=f"2026-03-0{i}") for i in range(1, 6)}
    files["bad.csv.gz"] = ""
    landing = landing_with(tmp_path, files)
    (landing / "contacts" / "bad.csv.gz").write_bytes(b"\x1f\x8b\x08")
    parallel = Warehouse(f"duckdb:///{tmp_path / 'parallel.duckdb'}")
    one = load_window("contacts", landing, warehouse, pseudonymiser, *MARCH, processes=1)
    two = load_window("contacts", landing, parallel, pseudonymiser, *MARCH, processes=2)
    assert (one.rows_loaded, one.files_quarantined) == (two.rows_loaded, two.files_quarantined) == (15, 1)
    query = "select contact_id, citizen_key, text, source_file from landed_contacts order by contact_id"
    assert warehouse.read(query).equals(parallel.read(query))
