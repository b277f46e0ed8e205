"""Planted personal data reaches nothing a run writes: no table, export, report, log line or
Dagster storage holds a planted value, after a whole ``onodig run`` over a hostile landing folder."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from onodig.warehouse import Warehouse
from tests.test_privacy_load import PLANTED_DIGITS, PLANTED_WORDS, planted_landing

pytestmark = pytest.mark.slow


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def findings(text: str, where: str) -> list[str]:
    found = [f"{where}: {word}" for word in PLANTED_WORDS if word.lower() in text.lower()]
    flat = digits_only(text)
    return found + [f"{where}: {number}" for number in PLANTED_DIGITS if number in flat]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, model_dir):
    root = tmp_path_factory.mktemp("hostile")
    landing = planted_landing(root)
    data = root / "data"
    shutil.copytree(model_dir, data / "models")  # the session's model: same corpus, same version
    env = {
        **os.environ,
        "ONODIG_LANDING": str(landing),
        "ONODIG_DATA": str(data),
        "ONODIG_PSEUDONYM_KEY": "hostile-key",
        "ONODIG_FIRST_DAY": "2026-09-01",
    }
    run = subprocess.run(
        [sys.executable, "-m", "onodig", "run"], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    return run, data


def test_the_run_finishes_and_holds_the_valid_rows(hostile_run):
    run, data = hostile_run
    assert run.returncode in (0, 1), run.stderr[-2000:]
    store = Warehouse(f"duckdb:///{data / 'onodig.duckdb'}")
    assert store.scalar("select count(*) from landed_contacts") >= 2
    assert store.scalar("select count(*) from quarantine") >= 1


def test_no_planted_value_in_any_table(hostile_run):
    _run, data = hostile_run
    store = Warehouse(f"duckdb:///{data / 'onodig.duckdb'}")
    found = []
    for table in store.read("select table_name from information_schema.tables")["table_name"]:
        frame = store.read_table(table)
        for column in frame.columns:
            if column in ("citizen_key", "row_hash", "sha256"):
                continue
            for value in frame[column].dropna().astype(str).unique():
                found += findings(value, f"{table}.{column}")
    assert found == []


def test_no_planted_value_in_exports_reports_logs_or_dagster_storage(hostile_run):
    run, data = hostile_run
    found = findings(run.stdout + run.stderr, "stdout/stderr")
    files = [p for p in data.rglob("*") if p.is_file() and not p.name.endswith((".duckdb", ".wal", ".joblib", ".npz"))]
    assert any("dagster_home" in p.parts for p in files)  # the run's event storage is scanned too
    assert any(p.suffix == ".xlsx" for p in files)  # the reports' workbooks: zipped, so read cell by cell
    for path in files:
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            lines = [str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row]
        else:
            lines = path.read_bytes().decode("utf-8", errors="ignore").splitlines()
        for line in lines:
            found += findings(line, str(path.relative_to(data)))
    assert found == []


def test_the_scan_would_see_a_planted_value(tmp_path):
    leak = tmp_path / "leak.txt"
    leak.write_text("ring 070-111 01 09 eller skriv till Berit", encoding="utf-8")
    assert len(findings(leak.read_text(encoding="utf-8"), "leak.txt")) == 2
    assert Path(leak).is_file()
