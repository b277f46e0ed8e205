"""Hostile configuration and input: process keys as paths, formulas in CSVs, odd files for classify."""

import io
import os
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from onodig.assets.demand import review_queue
from onodig.assets.resources import LandingResource, OutputsResource, WarehouseResource
from onodig.demand.processes import BadProcessMap, ProcessMap
from onodig.pipelines.cli import main
from onodig.reports.publish import UnsafeReportPath, report_paths
from onodig.reports.render import Report, build_report, weekly_csv
from onodig.reports.spreadsheet import safe_cell
from onodig.warehouse import Warehouse

HOSTILE_KEYS = [
    "/tmp/onodig_evil",
    "../../outside",
    "sub/dir",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://127.0.0.1/x","klick")',
    "Bygglov",
    "",
]


def process_map_yaml(key: str) -> str:
    return f"processes:\n  {key!r}:\n    name: Elak\n    queues: [Bygglov]\n"


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_process_key_that_is_no_plain_name_is_a_configuration_error_naming_it(key):
    with pytest.raises(BadProcessMap, match="may only hold lower-case letters") as caught:
        ProcessMap.from_yaml_text(process_map_yaml(key), "landing/processes.yaml")
    assert repr(key)[:60] in str(caught.value) and "\n" not in str(caught.value)


def test_plain_process_keys_are_accepted():
    processes = ProcessMap.from_yaml_text(process_map_yaml("gata_park2"), "x")
    assert processes.names == {"gata_park2": "Elak"}


def test_onodig_run_refuses_a_hostile_process_map_before_any_work(tmp_path, capsys):
    landing = tmp_path / "landing"
    (landing / "contacts").mkdir(parents=True)
    (landing / "contacts" / "contacts.csv").write_text("contact_id;text\n", encoding="utf-8")
    (landing / "processes.yaml").write_text(process_map_yaml("../../outside"), encoding="utf-8")
    assert main(["run", "--landing", str(landing), "--data", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'../../outside'" in err[0] and "processes.yaml" in err[0]
    assert not (tmp_path / "data" / "onodig.duckdb").exists()


def test_the_assets_fail_with_one_line_on_a_hostile_process_map(tmp_path):
    (tmp_path / "processes.yaml").write_text(process_map_yaml("sub/dir"), encoding="utf-8")
    with pytest.raises(dg.Failure) as caught:
        LandingResource(path=str(tmp_path)).processes()
    assert "'sub/dir'" in caught.value.description and "\n" not in caught.value.description


@pytest.mark.parametrize("key", HOSTILE_KEYS[:5])
def test_report_paths_never_leave_the_week_folder_of_the_outbox(tmp_path, key):
    outbox = tmp_path / "outbox"
    report = Report(key, date(2026, 10, 5), "sv", "<html></html>", "", {})
    with pytest.raises(UnsafeReportPath):
        report_paths(outbox, report)
    html, csv = report_paths(outbox, Report("bygglov", date(2026, 10, 5), "sv", "", "", {}))
    assert html == (outbox / "2026-W41" / "bygglov.html").resolve() and csv.parent == html.parent


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+46 70 1", "'+46 70 1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12", "-12"),
        ("+4.5", "+4.5"),
        ("Faktura", "Faktura"),
        (3, 3),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_escaped(value, written):
    assert safe_cell(value) == written


def test_the_report_csv_escapes_a_formula_in_a_process_key():
    shown = pd.DataFrame({"week_start": [date(2026, 10, 5)], "inquiries": [10], "avoidable_inquiries": [4]})
    csv = weekly_csv('=HYPERLINK("http://x")', shown, pd.DataFrame())
    assert pd.read_csv(io.StringIO(csv), sep=";", dtype=str)["process"].tolist() == ['\'=HYPERLINK("http://x")']


def test_the_review_queue_csv_escapes_formulas(tmp_path):
    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    store.replace(
        "inquiries",
        pd.DataFrame(
            {
                "inquiry_id": ["contacts:C1", "contacts:C2"],
                "occurred_at": pd.to_datetime(["2026-10-05 09:00", "2026-10-05 10:00"]),
                "process": ["bygglov", "bygglov"],
                "channel": ["email", "email"],
                "demand_type": ["case_status", "case_status"],
                "confidence": [0.3, 0.4],
                "second_type": ["invoice_status", "invoice_status"],
                "text": ['=HYPERLINK("http://x","klick")', "-2+3"],
                "needs_review": [True, True],
            }
        ),
    )
    store.close()
    exports = tmp_path / "exports"
    result = dg.materialize(
        [review_queue],
        resources={
            "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}"),
            "outputs": OutputsResource(outbox=str(tmp_path / "outbox"), exports=str(exports)),
        },
    )
    assert result.success
    written = pd.read_csv(exports / "review_queue.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert written["text"].tolist() == ['\'=HYPERLINK("http://x","klick")', "'-2+3"]


def test_a_report_says_which_exports_are_missing_in_both_languages():
    weekly = pd.DataFrame(
        {
            "process": ["bygglov"],
            "week_start": [pd.Timestamp("2026-10-05")],
            "inquiries": [10],
            "avoidable_share": [0.4],
        }
    )
    empty = pd.DataFrame({"week_start": []})
    for language, words in (("sv", ["ärendehändelserna", "fakturorna"]), ("en", ["the case events", "the invoices"])):
        report = build_report(
            "bygglov", "Bygglov", weekly, empty, empty, language=language, missing_exports=("invoices", "cases")
        )
        assert all(word in report.html for word in words)
        assert report.summary["missing_exports"]
        assert (
            build_report("bygglov", "Bygglov", weekly, empty, empty, language=language).summary["missing_exports"]
            is None
        )


def classify(tmp_path, content: bytes, model_dir) -> tuple[int, Path]:
    (tmp_path / "models").symlink_to(model_dir)
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    return main(
        ["classify", str(source), "-o", str(tmp_path / "out.csv"), "--data", str(tmp_path)]
    ), tmp_path / "out.csv"


def test_classify_on_a_header_only_file_writes_just_the_header(tmp_path, model_dir):
    code, out = classify(tmp_path, b"id;text\n", model_dir)
    assert code == 0
    assert out.read_text(encoding="utf-8").strip() == "id,demand_type,confidence"


def test_classify_takes_a_huge_text_and_escapes_formula_ids(tmp_path, model_dir):
    huge = "Jag har fått en påminnelse på fakturan fast jag har betalat. " * 20_000  # 1.2 M characters
    frame = pd.DataFrame({"id": ["=1+2", "b"], "text": [huge, "Hur lång tid tar bygglov?"]})
    source = frame.to_csv(index=False, sep=";").encode("utf-8")
    code, out = classify(tmp_path, source, model_dir)
    assert code == 0
    written = pd.read_csv(out, dtype=str)
    assert written["id"].tolist() == ["'=1+2", "b"] and written["demand_type"].notna().all()


def test_classify_on_binary_input_says_so_in_one_short_line(tmp_path, model_dir, capsys):
    garbage = bytes(range(32, 256)) * 40 + b";" + bytes(range(1, 200)) * 20 + b"\n" + os.urandom(2000)
    code, _ = classify(tmp_path, garbage, model_dir)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and len(err[0]) < 600
