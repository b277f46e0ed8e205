"""corrections.csv and audit.csv as analysts really send them, and the CSVs onodig writes for them."""

import pandas as pd
import pytest

from onodig.demand.corrections import demand_type_key, read_corrections
from onodig.demand.exports import for_analysts, write_excel_csv

LINES = [
    ("contacts:C1", "Ärendestatus"),
    ("contacts:C2", "KOMPLETTERING"),
    ("eservice:E1", "value_demand"),
    ("contacts:C3", "Värdeefterfrågan"),
]


def write(path, lines, encoding="utf-8", sep=";", header="inquiry_id;demand_type"):
    body = header.replace(";", sep) + "\r\n" + "".join(f"{i}{sep}{t}\r\n" for i, t in lines)
    path.write_bytes(body.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "sep"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ","), ("cp1252", ","), ("utf-8-sig", ",")],
)
def test_every_accepted_form_reads_the_same_labels(tmp_path, encoding, sep):
    read = read_corrections(write(tmp_path / "audit.csv", LINES, encoding, sep))
    assert read.labels.to_dict("records") == [
        {"inquiry_id": "contacts:C1", "demand_type": "case_status"},
        {"inquiry_id": "contacts:C2", "demand_type": "missing_information"},
        {"inquiry_id": "eservice:E1", "demand_type": "value_demand"},
        {"inquiry_id": "contacts:C3", "demand_type": "value_demand"},
    ]
    assert read.ignored == 0 and read.unknown_types == {} and read.unreadable == ""


def test_swedish_names_in_any_case_and_without_diacritics():
    assert demand_type_key("ärendestatus") == demand_type_key(" Arendestatus ") == "case_status"
    assert demand_type_key("HANDLÄGGNINGSTID") == "processing_time"
    assert demand_type_key("Dubblettkontakt") == "duplicate_request"
    assert demand_type_key("Invoice_Status") == "invoice_status"
    assert demand_type_key("fakturstatus") is None and demand_type_key(None) is None


def test_unknown_types_and_missing_ids_are_counted_and_shown_never_raised(tmp_path):
    lines = [*LINES, ("contacts:C4", "Ärendestatuss"), ("", "case_status"), ("contacts:C5", ""), ("contacts:C6", "x")]
    read = read_corrections(write(tmp_path / "corrections.csv", lines, "cp1252"))
    assert read.read == 4 and read.ignored == 4
    assert read.unknown_types == {"Ärendestatuss": 1, "": 1, "x": 1}


def test_the_last_line_for_an_inquiry_wins_and_extra_columns_are_fine(tmp_path):
    path = tmp_path / "audit.csv"
    path.write_text(
        "\ufeffInquiry_ID;text;Demand_Type\ncontacts:C1;Hej;case_status\ncontacts:C1;Hej igen;Fakturastatus\n",
        encoding="utf-8",
    )
    read = read_corrections(path)
    assert read.labels.to_dict("records") == [{"inquiry_id": "contacts:C1", "demand_type": "invoice_status"}]


def test_a_file_that_cannot_be_read_is_counted_not_fatal(tmp_path):
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02 not a csv")
    binary = read_corrections(tmp_path / "binary.csv")
    assert binary.labels.empty and "binary" in binary.unreadable
    wrong = read_corrections(write(tmp_path / "wrong.csv", LINES, header="id;type"))
    assert wrong.labels.empty and wrong.ignored == len(LINES) and "inquiry_id" in wrong.unreadable
    missing = read_corrections(tmp_path / "absent.csv")
    assert missing.labels.empty and missing.ignored == 0 and missing.unreadable == ""


def test_exports_open_in_swedish_excel_and_read_back_as_corrections(tmp_path):
    frame = pd.DataFrame(
        {"inquiry_id": ["contacts:C1"], "model_type": ["case_status"], "confidence": [0.87654], "text": ["Hej; å ä ö"]}
    )
    shown = for_analysts(frame, ["inquiry_id", "model_type", "confidence", "text"])
    path = write_excel_csv(shown, tmp_path / "exports" / "review_queue.csv")
    raw = path.read_bytes()
    assert (
        raw.startswith(b"\xef\xbb\xbf")
        and raw.splitlines()[0] == b"\xef\xbb\xbfinquiry_id;model_type;confidence;text;demand_type"
    )
    back = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert (
        back.loc[0, "confidence"] == "0.88" and back.loc[0, "text"] == "Hej; å ä ö" and back.loc[0, "demand_type"] == ""
    )
    # the analyst fills in the column in Swedish and saves: onodig reads it back
    back.loc[0, "demand_type"] = "Ärendestatus"
    back.to_csv(tmp_path / "corrections.csv", sep=";", index=False, encoding="cp1252")
    assert read_corrections(tmp_path / "corrections.csv").labels["demand_type"].tolist() == ["case_status"]
