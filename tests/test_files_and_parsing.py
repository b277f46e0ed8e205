"""Every CSV quirk of the data contract, and every reason a row or file is quarantined."""

import gzip

import pandas as pd
import pytest

from onodig.ingestion.contract import SOURCES
from onodig.ingestion.files import UnreadableFile, read_table
from onodig.ingestion.parsing import parse_amounts, parse_table, parse_timestamps

CONTACT_HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text"
ROW = "C1;phone;2026-03-02 08:15;19850312-1234;Bygglov;300;BYGG 2026-000123;;Kund undrar över sitt ärende"


def write(path, text, encoding="utf-8", bom=False, gz=False):
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize(
    "name,kwargs,delimiter",
    [
        ("plain.csv", {}, ";"),
        ("bom.csv", {"bom": True}, ";"),
        ("latin.csv", {"encoding": "cp1252"}, ";"),
        ("packed.csv.gz", {"gz": True}, ";"),
        ("comma.csv", {}, ","),
    ],
)
def test_reads_every_contract_encoding_and_delimiter(tmp_path, name, kwargs, delimiter):
    text = f"{CONTACT_HEADER}\n{ROW}\n".replace(";", delimiter) if delimiter == "," else f"{CONTACT_HEADER}\n{ROW}\n"
    if delimiter == ",":
        text = text.replace("Kund undrar över sitt ärende", '"Kund undrar, över sitt ärende"')
    raw = read_table(write(tmp_path / name, text, **kwargs))
    assert raw.delimiter == delimiter
    assert raw.header[0] == "contact_id"  # no BOM left in the first column name
    assert "ärende" in raw.rows[0][-1]
    assert raw.lines == [2]


def test_truncated_gzip_and_binary_files_are_unreadable(tmp_path):
    packed = gzip.compress(f"{CONTACT_HEADER}\n{ROW}\n".encode() * 200)
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(UnreadableFile, match="gzip"):
        read_table(tmp_path / "cut.csv.gz")
    (tmp_path / "blob.csv").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    with pytest.raises(UnreadableFile, match="binary"):
        read_table(tmp_path / "blob.csv")


def test_multiline_quoted_text_keeps_its_starting_line(tmp_path):
    text = f'{CONTACT_HEADER}\n{ROW}\nC2;email;2026-03-02 09:00;;Bygglov;;;;"Hej!\n\nHar ni fått min ansökan?\nMvh"\nC3;chat;2026-03-02 10:00;;Bygglov;;;;hej\n'
    raw = read_table(write(tmp_path / "m.csv", text))
    assert raw.lines == [2, 3, 7]
    assert raw.rows[1][-1].startswith("Hej!\n\nHar ni")


def test_timestamps_local_seconds_and_iso_offsets():
    parsed = parse_timestamps(
        pd.Series(
            [
                "2026-03-02 08:15",
                "2026-03-02 08:15:30",
                "2026-03-02T07:15:00+00:00",
                "2026-07-01T06:00:00Z",
                "idag",
                None,
            ]
        )
    )
    assert parsed[0] == pd.Timestamp("2026-03-02 08:15")
    assert parsed[1] == pd.Timestamp("2026-03-02 08:15:30")
    assert parsed[2] == pd.Timestamp("2026-03-02 08:15")  # UTC+1 in winter
    assert parsed[3] == pd.Timestamp("2026-07-01 08:00")  # UTC+2 in summer
    assert pd.isna(parsed[4]) and pd.isna(parsed[5])


def test_amounts_with_decimal_comma_and_space_thousands():
    parsed = parse_amounts(pd.Series(["1 234,50", "1\u00a0234,50", "987,00", "1234.50", "1.234,50", "12 kr"]))
    assert parsed[:5].tolist() == [1234.5, 1234.5, 987.0, 1234.5, 1234.5]
    assert pd.isna(parsed[5])


def parse(tmp_path, text, pseudonymiser, source="contacts"):
    return parse_table(SOURCES[source], read_table(write(tmp_path / "f.csv", text)), "f.csv", pseudonymiser)


def test_each_bad_row_is_quarantined_with_its_reason(tmp_path, pseudonymiser):
    rows = [
        ROW,
        "C2;phone;2026-03-02 08:15;;Bygglov;;;;",  # missing text
        "C3;phone;2026-02-30 08:15;;Bygglov;;;;hej",  # impossible date
        "C4;fax;2026-03-02 08:15;;Bygglov;;;;hej",  # unknown channel
        "C5;phone;2026-03-02 08:15;;Bygglov;tre;;;hej",  # not a number
        "C6;phone;2026-03-02 08:15;;Bygglov;;;hej",  # a field short
        "C1;phone;2026-03-02 08:15;19850312-1234;Bygglov;300;BYGG 2026-000123;;Annan text",  # id clash
        ROW,  # an exact repeat: harmless
    ]
    parsed = parse(tmp_path, CONTACT_HEADER + "\n" + "\n".join(rows) + "\n", pseudonymiser)
    assert parsed.frame["contact_id"].tolist() == ["C1"]
    reasons = dict(zip(parsed.rejects["line"], parsed.rejects["reason"], strict=True))
    assert reasons == {
        3: "missing required field text",
        4: "unparseable timestamp in started_at",
        5: "unknown channel (allowed: phone, email, chat, visit)",
        6: "not a non-negative whole number in handled_seconds",
        7: "expected 9 fields, found 8",
        8: "duplicate contact_id with different content",
    }
    assert set(parsed.rejects["source"]) == {"contacts"} and set(parsed.rejects["file"]) == {"f.csv"}
    assert parsed.repeats == 1  # the exact repeat of line 2 is counted, not lost in silence


def test_missing_required_column_rejects_the_file(tmp_path, pseudonymiser):
    with pytest.raises(UnreadableFile, match="missing required column"):
        parse(tmp_path, "contact_id;channel;text\nC1;phone;hej\n", pseudonymiser)


def test_extra_columns_are_kept_and_masked(tmp_path, pseudonymiser):
    text = CONTACT_HEADER + ";agent_comment\n" + ROW + ";ring 070-123 45 67\n"
    parsed = parse(tmp_path, text, pseudonymiser)
    assert parsed.frame.loc[0, "extra"] == '{"agent_comment": "ring [TELEFON]"}'


def test_citizen_ids_are_pseudonymised_and_text_masked(tmp_path, pseudonymiser):
    text = CONTACT_HEADER + "\n" + ROW.replace("Kund undrar", "Kund 850312-1234 undrar") + "\n"
    frame = parse(tmp_path, text, pseudonymiser).frame
    assert "citizen_id" not in frame.columns
    assert frame.loc[0, "citizen_key"] == pseudonymiser.pseudonym("850312-1234")
    assert "850312" not in frame.loc[0, "text"] and "[PNR]" in frame.loc[0, "text"]


def test_invoices_parse_amounts_dates_and_optional_payment(tmp_path, pseudonymiser):
    text = (
        "invoice_ref;citizen_id;invoice_type;issued_at;due_date;amount_sek;paid_at;reminder_at\n"
        "7001;;VA-avgift;2026-03-01 06:00;2026-03-31;1 234,50;;2026-04-10 07:00\n"
        "7002;;VA-avgift;2026-03-01 06:00;31/03/2026;99,00;;\n"
    )
    parsed = parse(tmp_path, text, pseudonymiser, source="invoices")
    assert parsed.frame.loc[0, "amount_sek"] == 1234.5
    assert pd.isna(parsed.frame.loc[0, "paid_at"])
    assert parsed.rejects["reason"].tolist() == ["unparseable date in due_date"]
