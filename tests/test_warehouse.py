"""The warehouse's own behaviour: transactions, chunked reads, column typing."""

import datetime as dt
import os
import subprocess
import sys

import pandas as pd
import pytest

from onodig.warehouse import Warehouse


def test_chunked_reads_give_back_every_row_once(warehouse):
    frame = pd.DataFrame({"id": range(10_000), "text": [f"t{i}" for i in range(10_000)]})
    warehouse.replace("rows", frame)
    chunks = list(warehouse.read_chunks("select * from rows order by id", rows=4096))
    assert len(chunks) == 3 and max(len(c) for c in chunks) <= 4096
    assert pd.concat(chunks)["id"].tolist() == list(range(10_000))


def test_append_all_lands_everything_or_nothing(warehouse):
    warehouse.replace("a", pd.DataFrame({"x": [1]}))
    warehouse.replace("b", pd.DataFrame({"y": [1]}))
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        warehouse.append_all({"a": pd.DataFrame({"x": [2]}), "b": pd.DataFrame({"y": ["not a number"]})})
    assert warehouse.scalar("select count(*) from a") == 1  # the first append was rolled back


def test_empty_columns_and_dates_keep_usable_types(warehouse):
    warehouse.replace("t", pd.DataFrame({"reason": [None, None], "due": [dt.date(2026, 3, 31), None]}))
    warehouse.append("t", pd.DataFrame({"reason": ["later text"], "due": [dt.date(2026, 4, 30)]}))
    assert warehouse.scalar("select count(*) from t where reason = 'later text'") == 1


def test_a_table_created_by_append_takes_its_types_from_the_rows(warehouse):
    warehouse.append("t", pd.DataFrame({"due": [dt.date(2026, 3, 31)], "note": [None], "n": [1]}))
    types = warehouse.read(
        "select column_name, data_type from information_schema.columns where table_name = 't'"
    ).set_index("column_name")["data_type"]
    assert types["due"] == "DATE" and types["note"] == "VARCHAR" and types["n"] == "BIGINT"


def test_read_where_in_reads_only_the_asked_rows(warehouse):
    warehouse.replace("rows", pd.DataFrame({"id": ["a", "b", "c"], "text": ["x", "y", "z"]}))
    assert warehouse.read_where_in("rows", ["id", "text"], "id", ["c", "a"]).sort_values("id")["text"].tolist() == [
        "x",
        "z",
    ]
    assert warehouse.read_where_in("rows", ["id", "text"], "id", []).empty
    assert warehouse.read_where_in("missing", ["id"], "id", ["a"]).empty


# what the `onodig` console script does at its end (pipelines.cli.entry), in a process of its own
HARD_EXIT = (
    "import os, sys\n"
    "import pandas as pd\n"
    "from onodig.warehouse import Warehouse\n"
    "store = Warehouse(sys.argv[1])\n"
    "store.replace('kept', pd.DataFrame({'n': range(50_000)}))\n"
    "Warehouse.checkpoint_opened()\n"
    "os._exit(0)\n"
)


def test_a_process_that_leaves_without_teardown_has_written_its_duckdb_file_out(tmp_path):
    path = tmp_path / "w.duckdb"
    subprocess.run([sys.executable, "-c", HARD_EXIT, f"duckdb:///{path}"], check=True, timeout=120)
    assert not path.with_name("w.duckdb.wal").exists()  # nothing left for the next open to replay
    with Warehouse(f"duckdb:///{path}") as store:
        assert store.scalar("select count(*) from kept") == 50_000


def test_the_console_script_keeps_mains_exit_code(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "onodig", "run", "--landing", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ONODIG_PSEUDONYM_KEY": "k"},
    )
    assert bad.returncode == 2 and "landing folder not found" in bad.stderr


def test_a_file_another_process_holds_is_left_to_it_and_the_exit_code_stands(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        probe = (
            "import os\nfrom onodig.warehouse import Warehouse\n"
            f"Warehouse('duckdb:///{path}')\nWarehouse.checkpoint_opened()\nos._exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert done.returncode == 3, done.stderr
    finally:
        holder.kill()
