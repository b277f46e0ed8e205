"""The hostile-input probe's ingestion defects: for each bad file, every good row loads and every
bad row is in ``quarantine`` with a reason that says what is wrong (../shared/probes/hostile-input.md)."""

import gzip
import os
from datetime import date, timedelta

import pandas as pd
import pytest

from onodig.classifiers.text import MAX_TEXT_CHARS, TextProcessor
from onodig.ingestion.contract import MAX_TEXT_CHARS as STORED_TEXT_CHARS
from onodig.ingestion.days import observed_days
from onodig.ingestion.files import UnreadableFile, read_table
from onodig.ingestion.load import MANIFEST, QUARANTINE, load_window
from onodig.ingestion.parsing import parse_amounts
from onodig.pipelines.plan import Window, plan_days

H = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text"
MARCH = (date(2026, 3, 1), date(2026, 4, 1))


def row(cid, text="Undrar hur det går med mitt bygglov.", at="2026-03-02 10:00", seconds="120", queue="Bygglov"):
    return f"{cid};phone;{at};;{queue};{seconds};;;{text}"


def landing(tmp_path, files, source="contacts"):
    folder = tmp_path / "landing" / source
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return tmp_path / "landing"


def load(root, warehouse, pseudonymiser, window=MARCH, source="contacts"):
    return load_window(source, root, warehouse, pseudonymiser, *window)


def loaded_ids(warehouse, source="contacts", key="contact_id"):
    return sorted(warehouse.read(f"select {key} from landed_{source}")[key])


def quarantined(warehouse):
    if not warehouse.has_table(QUARANTINE):
        return {}
    frame = warehouse.read(f"select file, line, reason from {QUARANTINE} order by file, line")
    return {
        (f, None if pd.isna(n) else int(n)): r for f, n, r in zip(frame.file, frame.line, frame.reason, strict=True)
    }


def test_d1_an_unbalanced_quote_quarantines_its_row_and_the_rows_after_it_load(tmp_path, warehouse, pseudonymiser):
    text = "\n".join(
        [
            H,
            row("D1-1"),
            row("D1-2", '"Kunden säger att hon ringt tre gånger'),
            row("D1-3"),
            row("D1-4", '"Hej!\n\nHar ni fått min ansökan?\nMvh"'),  # a real multi-line text still loads
            row("D1-5"),
        ]
    )
    root = landing(tmp_path, {"contacts_d1.csv": text + "\n"})
    report = load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["D1-1", "D1-3", "D1-4", "D1-5"]
    assert warehouse.scalar("select text from landed_contacts where contact_id = 'D1-4'").startswith("Hej!\n\nHar ni")
    (reason,) = quarantined(warehouse).values()
    assert list(quarantined(warehouse)) == [("contacts_d1.csv", 3)]
    assert "unterminated quote" in reason
    assert (report.rows_loaded, report.rows_quarantined) == (4, 1)


def test_d1_a_quote_left_open_at_the_end_of_the_file_is_quarantined(tmp_path, warehouse, pseudonymiser):
    text = f"{H}\n{row('E1')}\n{row('E2', chr(34) + 'Hej, jag undrar')}\nom mitt ärende\n"
    root = landing(tmp_path, {"e.csv": text})
    load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["E1"]
    assert quarantined(warehouse) == {("e.csv", 3): "unterminated quote: the quoted field runs to the end of the file"}


def test_d2_a_text_over_the_limit_is_stored_cut_and_flagged(tmp_path, warehouse, pseudonymiser):
    long_text = "Hej jag undrar över min faktura. " + "blabla " * 200_000
    root = landing(tmp_path, {"long.csv": f"{H}\n{row('L1', long_text)}\n{row('L2')}\n"})
    load(root, warehouse, pseudonymiser)
    stored = warehouse.read("select contact_id, text, text_cut_from from landed_contacts order by contact_id")
    assert stored.contact_id.tolist() == ["L1", "L2"]
    assert len(stored.text[0]) <= STORED_TEXT_CHARS and stored.text[0].startswith("Hej jag undrar")
    assert int(stored.text_cut_from[0]) == len(long_text.strip()) and pd.isna(stored.text_cut_from[1])


def test_d2_the_classifier_never_fails_on_a_long_text_and_normal_texts_are_unchanged(trained):
    processor = TextProcessor()
    (features,) = processor.transform(["faktura " * 200_000], masked=True)  # 1.6 M characters
    assert len(features) <= MAX_TEXT_CHARS
    normal = ["Varför fick jag en påminnelse, jag betalade den 28:e"]
    assert processor.transform(normal) == [processor.doc_features(processor.nlp(normal[0]))]
    predicted = trained.predict(["Jag har inte fått fakturan. " * 50_000, normal[0]], masked=True)
    assert predicted.labels[1] == trained.predict(normal, masked=True).labels[0]


def test_d3_a_duplicated_column_quarantines_its_file_and_the_good_file_loads(tmp_path, warehouse, pseudonymiser):
    root = landing(
        tmp_path, {"contacts_d3_bad.csv": f"{H};text\n{row('D3-1')};x\n", "contacts_d3_good.csv": f"{H}\n{row('G1')}\n"}
    )
    report = load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["G1"]
    assert quarantined(warehouse) == {("contacts_d3_bad.csv", None): "duplicate column text"}
    assert report.files_quarantined == 1


def test_d4_whole_numbers_out_of_range_are_quarantined_not_wrapped(tmp_path, warehouse, pseudonymiser):
    rows = [
        row("D4-1", seconds="99999999999999999999"),
        row("D4-2", seconds="-5"),
        row("D4-3", seconds="9999999"),  # 115 days handling one contact
        row("D4-4", seconds="100000"),  # 28 hours: long, but kept
        row("D4-5", seconds="inf"),
    ]
    root = landing(tmp_path, {"d4.csv": H + "\n" + "\n".join(rows) + "\n"})
    load(root, warehouse, pseudonymiser)
    assert warehouse.read("select contact_id, handled_seconds from landed_contacts").values.tolist() == [
        ["D4-4", 100000]
    ]
    reasons = quarantined(warehouse)
    assert (
        reasons[("d4.csv", 2)]
        == reasons[("d4.csv", 3)]
        == reasons[("d4.csv", 6)]
        == ("not a non-negative whole number in handled_seconds")
    )
    assert reasons[("d4.csv", 4)] == "handled_seconds over 604800 (7 days)"


def test_d5_d6_upper_case_and_sub_folder_files_load_and_other_files_are_named(tmp_path, warehouse, pseudonymiser):
    root = landing(
        tmp_path,
        {
            "CONTACTS_D5.CSV": f"{H}\n{row('D5-1')}\n",
            "2026-09/contacts_d6.csv": f"{H}\n{row('D6-1')}\n",
            "2026-09/deeper/contacts_d6b.CSV.GZ": gzip.compress(f"{H}\n{row('D6-2')}\n".encode()),
            "readme.txt": "not an export",
        },
    )
    report = load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["D5-1", "D6-1", "D6-2"]
    files = set(warehouse.read("select distinct source_file from landed_contacts").source_file)
    assert files == {"CONTACTS_D5.CSV", "2026-09/contacts_d6.csv", "2026-09/deeper/contacts_d6b.CSV.GZ"}
    assert quarantined(warehouse) == {("readme.txt", None): "not a .csv or .csv.gz file"}
    assert report.files_quarantined == 1
    load(root, warehouse, pseudonymiser)  # named once, not on every run
    assert len(quarantined(warehouse)) == 1


def test_d6_files_with_one_name_in_two_sub_folders_both_load(tmp_path, warehouse, pseudonymiser):
    root = landing(tmp_path, {"a/contacts.csv": f"{H}\n{row('A1')}\n", "b/contacts.csv": f"{H}\n{row('B1')}\n"})
    load(root, warehouse, pseudonymiser)
    load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["A1", "B1"]


def plan_and_load(root, warehouse, pseudonymiser, first_day, today):
    """What ``onodig run`` does for ingestion: plan the days from what it observed, load them."""
    new, pending = observed_days(root, warehouse, pseudonymiser)
    days = plan_days(new, first_day, today, pending)
    if days.window is not None:
        end = days.window.last + timedelta(days=1)
        for source in sorted(set(new) | set(pending)):
            load_window(source, root, warehouse, pseudonymiser, days.window.first, end)
    return days


def test_d7_rows_dated_in_the_future_load_once_their_day_has_come(tmp_path, warehouse, pseudonymiser):
    today = date(2026, 12, 1)
    root = landing(
        tmp_path, {"c.csv": f"{H}\n{row('NOW', at='2026-09-10 09:00')}\n{row('LATER', at='2026-12-02 09:00')}\n"}
    )
    first = plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today)
    assert (first.window, first.after_today) == (Window(date(2026, 9, 10), date(2026, 9, 10)), 1)
    assert loaded_ids(warehouse) == ["NOW"]
    manifest = warehouse.read(f"select rows_loaded, rows_outside_days from {MANIFEST}").iloc[0]
    assert (int(manifest.rows_loaded), int(manifest.rows_outside_days)) == (1, 1)  # X2: only what was loaded
    assert plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today).window is None  # nothing new
    later = plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today + timedelta(days=1))
    assert later.window == Window(date(2026, 12, 2), date(2026, 12, 2))
    assert loaded_ids(warehouse) == ["LATER", "NOW"]
    assert plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today + timedelta(days=2)).window is None


def test_d7_a_file_whose_name_holds_personal_data_is_known_by_its_masked_name(tmp_path, warehouse, pseudonymiser):
    today = date(2026, 12, 1)
    name = "c_19320606-6066.csv"
    root = landing(
        tmp_path, {name: f"{H}\n{row('NOW', at='2026-09-10 09:00')}\n{row('LATER', at='2026-12-02 09:00')}\n"}
    )
    plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today)
    stored = warehouse.scalar(f"select file from {MANIFEST}")
    assert "19320606" not in stored  # the manifest holds the masked name
    later = plan_and_load(root, warehouse, pseudonymiser, date(2026, 1, 1), today + timedelta(days=1))
    assert later.window == Window(date(2026, 12, 2), date(2026, 12, 2))  # its waiting day is still found
    assert loaded_ids(warehouse) == ["LATER", "NOW"]


def test_d8_an_earlier_first_day_brings_the_left_out_rows_back(tmp_path, warehouse, pseudonymiser):
    today = date(2026, 12, 1)
    root = landing(
        tmp_path, {"c.csv": f"{H}\n{row('OLD', at='2026-03-02 09:00')}\n{row('NEW', at='2026-09-10 09:00')}\n"}
    )
    first = plan_and_load(root, warehouse, pseudonymiser, date(2026, 9, 7), today)
    assert first.before_first_day == 1 and loaded_ids(warehouse) == ["NEW"]
    again = plan_and_load(root, warehouse, pseudonymiser, date(2026, 9, 7), today)
    assert again.window is None and again.before_first_day == 1  # still said, on every run
    earlier = plan_and_load(root, warehouse, pseudonymiser, date(2025, 1, 1), today)
    assert earlier.window == Window(date(2026, 3, 2), date(2026, 3, 2))
    assert loaded_ids(warehouse) == ["NEW", "OLD"]


def test_d9_one_windows_1252_row_leaves_the_utf8_rows_intact(tmp_path, warehouse, pseudonymiser):
    utf8 = f"{H}\n{row('U1', 'Hur går det?', queue='Äldreomsorg')}\n".encode()
    latin = f"{row('W1', 'Hur går det?', queue='Äldreomsorg')}\n".encode("cp1252")
    root = landing(tmp_path, {"mixed.csv": utf8 + latin})
    load(root, warehouse, pseudonymiser)
    stored = warehouse.read("select contact_id, queue, text from landed_contacts order by contact_id")
    assert stored.values.tolist() == [["U1", "Äldreomsorg", "Hur går det?"], ["W1", "Äldreomsorg", "Hur går det?"]]


def test_d10_amounts_are_read_in_the_contract_forms_and_ambiguous_ones_quarantined(tmp_path, warehouse, pseudonymiser):
    good = ["1 234,50", "1\u00a0234,50", "1\u202f234,50", "1.234,50", "1234,50", "1234.50", "987,00", "1,234.50"]
    assert parse_amounts(pd.Series(good)).tolist() == [1234.5] * 6 + [987.0, 1234.5]
    assert parse_amounts(pd.Series(["12", "-50,00", "1.234.567,00", "0,5"])).tolist() == [12.0, -50.0, 1234567.0, 0.5]
    bad = ["inf", "nan", "1e400", "1.234", "1,234", "12 kr", "1,2,3", "1.23.4", "1.234,567.8"]
    assert parse_amounts(pd.Series(bad)).isna().all()
    header = "invoice_ref;citizen_id;invoice_type;issued_at;due_date;amount_sek;paid_at;reminder_at"
    body = "".join(
        f"I{i};;VA-avgift;2026-03-01 06:00;2026-03-31;{a};;\n" for i, a in enumerate(["1,234.50", "inf", "1.234"])
    )
    root = landing(tmp_path, {"invoices_d10.csv": f"{header}\n{body}"}, source="invoices")
    load(root, warehouse, pseudonymiser, source="invoices")
    assert warehouse.read("select invoice_ref, amount_sek from landed_invoices").values.tolist() == [["I0", 1234.5]]
    assert quarantined(warehouse) == {
        ("invoices_d10.csv", 3): "unparseable amount in amount_sek",
        (
            "invoices_d10.csv",
            4,
        ): "ambiguous amount in amount_sek (three digits after one separator: thousands or decimals?)",
    }


@pytest.mark.parametrize("padding", [0, 70_000])
def test_d11_a_nul_byte_quarantines_its_row_wherever_it_is(tmp_path, warehouse, pseudonymiser, padding):
    filler = "".join(f"{row(f'F{i}')}\n" for i in range(padding // 60))
    bad = row("N1", "Hej\x00hopp")
    text = f"{H}\n{filler}{bad}\n{row('N2')}\n"
    root = landing(tmp_path, {"nul.csv": text})
    load(root, warehouse, pseudonymiser)
    ids = loaded_ids(warehouse)
    assert "N2" in ids and "N1" not in ids and len(ids) == padding // 60 + 1
    (reason,) = quarantined(warehouse).values()
    assert reason == "NUL byte in the row"
    assert not warehouse.scalar("select count(*) from landed_contacts where text like '%' || chr(0) || '%'")


def test_d11_x3_binary_files_stay_unreadable_and_utf16_is_read_or_named(tmp_path):
    (tmp_path / "blob.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    with pytest.raises(UnreadableFile, match="binary"):
        read_table(tmp_path / "blob.csv")
    (tmp_path / "bom16.csv").write_bytes(f"{H}\n{row('U16')}\n".encode("utf-16"))
    assert read_table(tmp_path / "bom16.csv").rows[0][0] == "U16"
    (tmp_path / "plain16.csv").write_bytes(f"{H}\n{row('U16')}\n".encode("utf-16-le"))
    with pytest.raises(UnreadableFile, match="UTF-16"):
        read_table(tmp_path / "plain16.csv")


def test_d13_the_first_delivered_version_wins_whatever_the_names(tmp_path, warehouse, pseudonymiser):
    original = f"{H}\n{row('R1')}\n{row('R2')}\n{row('R3')}\n"
    corrected = f"{H}\n{row('R1', 'Rättad text')}\n{row('R2', 'Rättad text')}\n{row('R3')}\n"
    root = landing(tmp_path, {"contacts_20260302.csv": original})
    os.utime(root / "contacts" / "contacts_20260302.csv", (1_700_000_000, 1_700_000_000))
    load(root, warehouse, pseudonymiser)
    later = root / "contacts" / "0_contacts_20260302_corrected.csv"
    later.write_text(corrected, encoding="utf-8")
    os.utime(later, (1_700_000_100, 1_700_000_100))
    for _ in range(2):  # the window re-read gives the same answer
        load(root, warehouse, pseudonymiser)
        texts = warehouse.read("select contact_id, text, source_file from landed_contacts order by contact_id")
        assert set(texts.source_file) == {"contacts_20260302.csv"}
        assert quarantined(warehouse) == {
            ("0_contacts_20260302_corrected.csv", 2): "duplicate contact_id with different content "
            "(first loaded from contacts_20260302.csv)",
            ("0_contacts_20260302_corrected.csv", 3): "duplicate contact_id with different content "
            "(first loaded from contacts_20260302.csv)",
        }


def test_d13_two_versions_delivered_together_are_ordered_by_modification_time(tmp_path, warehouse, pseudonymiser):
    root = landing(
        tmp_path, {"b_first.csv": f"{H}\n{row('R1', 'först')}\n", "a_second.csv": f"{H}\n{row('R1', 'sedan')}\n"}
    )
    os.utime(root / "contacts" / "b_first.csv", (1_700_000_000, 1_700_000_000))
    os.utime(root / "contacts" / "a_second.csv", (1_700_000_100, 1_700_000_100))
    load(root, warehouse, pseudonymiser)
    assert warehouse.scalar("select text from landed_contacts") == "först"
    assert list(quarantined(warehouse)) == [("a_second.csv", 2)]


def test_d12_the_same_content_written_differently_is_recognised_as_the_same_rows(tmp_path, warehouse, pseudonymiser):
    rows = [row("S1", '"Hej!\nHar ni fått den?"'), row("S2", at="2026-03-02 09:30"), row("S3", at="2026-07-01 08:00")]
    root = landing(tmp_path, {"a.csv": H + "\n" + "\n".join(rows) + "\n"})
    load(root, warehouse, pseudonymiser, window=(date(2026, 3, 1), date(2026, 8, 1)))
    columns = H.split(";")
    reordered = ";".join(reversed(columns)) + "\n"
    for r in ["S2;phone;2026-03-02 09:30;;Bygglov;120;;;Undrar hur det går med mitt bygglov."]:
        reordered += ";".join(reversed(r.split(";"))) + "\n"
    offsets = H + "\n" + row("S2", at="2026-03-02T08:30:00Z") + "\n" + row("S3", at="2026-07-01T08:00:00+02:00") + "\n"
    crlf = (H + "\r\n" + row("S1", '"Hej!\r\nHar ni fått den?"') + "\r\n").encode()
    (root / "contacts" / "b_reordered.csv").write_text(reordered, encoding="utf-8")
    (root / "contacts" / "c_offsets.csv").write_text(offsets, encoding="utf-8")
    (root / "contacts" / "d_crlf.csv").write_bytes(crlf)
    report = load(root, warehouse, pseudonymiser, window=(date(2026, 3, 1), date(2026, 8, 1)))
    assert quarantined(warehouse) == {}
    assert report.rows_already_loaded == 4 and loaded_ids(warehouse) == ["S1", "S2", "S3"]


def test_x1_a_bom_or_zero_width_character_glued_to_a_value_is_removed(tmp_path, warehouse, pseudonymiser):
    glued = row("X131-3\u200b", queue="\u2060Bygglov")
    text = f"{H}\n\ufeff{row('X131-2')}\n{glued}\n"
    root = landing(tmp_path, {"x1.csv": text})
    load(root, warehouse, pseudonymiser)
    assert warehouse.read("select contact_id, queue from landed_contacts order by contact_id").values.tolist() == [
        ["X131-2", "Bygglov"],
        ["X131-3", "Bygglov"],
    ]


def test_x4_a_repeated_header_line_is_named_as_such(tmp_path, warehouse, pseudonymiser):
    root = landing(tmp_path, {"x4.csv": f"{H}\n{row('A1')}\n{H.upper()}\n{row('A2')}\n"})
    load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["A1", "A2"]
    assert quarantined(warehouse) == {("x4.csv", 3): "repeated header line"}


def test_x2_the_manifest_counts_a_clash_as_quarantined(tmp_path, warehouse, pseudonymiser):
    root = landing(tmp_path, {"a.csv": f"{H}\n{row('C1')}\n"})
    os.utime(root / "contacts" / "a.csv", (1_700_000_000, 1_700_000_000))
    load(root, warehouse, pseudonymiser)
    (root / "contacts" / "b.csv").write_text(f"{H}\n{row('C1', 'annan')}\n{row('C2')}\n", encoding="utf-8")
    load(root, warehouse, pseudonymiser)
    manifest = warehouse.read(f"select file, rows_loaded, rows_quarantined from {MANIFEST} order by file")
    assert manifest.values.tolist() == [["a.csv", 1, 0], ["b.csv", 1, 1]]


def test_a_warehouse_from_before_these_columns_gets_them_typed(tmp_path, warehouse, pseudonymiser):
    root = landing(tmp_path, {"a.csv": f"{H}\n{row('A1')}\n"})
    load(root, warehouse, pseudonymiser)
    warehouse.execute(f"alter table {MANIFEST} drop column rows_outside_days")
    warehouse.execute("alter table landed_contacts drop column text_cut_from")
    warehouse.execute("drop table ingest_windows")  # an older onodig recorded no windows
    (root / "contacts" / "b.csv").write_text(f"{H}\n{row('B1', 'x ' * 60_000)}\n", encoding="utf-8")
    load(root, warehouse, pseudonymiser)
    assert loaded_ids(warehouse) == ["A1", "B1"]
    types = warehouse.read(
        "select table_name, column_name, data_type from information_schema.columns "
        "where column_name in ('rows_outside_days', 'text_cut_from') order by table_name"
    )
    assert types.values.tolist() == [
        ["ingest_manifest", "rows_outside_days", "BIGINT"],
        ["landed_contacts", "text_cut_from", "BIGINT"],
    ]
    assert warehouse.scalar("select text_cut_from from landed_contacts where contact_id = 'B1'") == 119_999  # stripped
