"""The onodig command: clear one-line errors with exit code 2, and classify per contract."""

import pandas as pd

from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.cli import main


def test_missing_landing_folder(tmp_path, capsys):
    assert main(["run", "--landing", str(tmp_path / "nope"), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "landing folder not found" in err and len(err.strip().splitlines()) == 1


def test_missing_key(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ONODIG_PSEUDONYM_KEY")
    (tmp_path / "landing").mkdir()
    assert main(["run", "--landing", str(tmp_path / "landing"), "--data", str(tmp_path)]) == 2
    assert "ONODIG_PSEUDONYM_KEY is not set" in capsys.readouterr().err


def test_bad_warehouse_url(tmp_path, capsys):
    (tmp_path / "landing").mkdir()
    assert (
        main(["run", "--landing", str(tmp_path / "landing"), "--data", str(tmp_path), "--warehouse", "not a url"]) == 2
    )
    assert "bad warehouse URL" in capsys.readouterr().err
    assert (
        main(["run", "--landing", str(tmp_path / "landing"), "--data", str(tmp_path), "--warehouse", "nosuchdb://x/y"])
        == 2
    )
    assert "bad warehouse URL" in capsys.readouterr().err


def test_classify_writes_one_of_six_keys_in_input_order(tmp_path, model_dir, capsys):
    (tmp_path / "models").symlink_to(model_dir)
    texts = {
        "a": "Hej, jag har betalat fakturan men fick ändå en påminnelse?",
        "b": "Hur lång tid tar det att få bygglov?",
        "c": "Gatlampan på Storgatan är trasig",
        "d": "",
        "e": "Har ni fått min ansökan om förskoleplats som jag skickade för tre veckor sedan?",
    }
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": list(texts), "text": list(texts.values())}).to_csv(source, index=False, sep=";")
    assert main(["classify", str(source), "-o", str(tmp_path / "out.csv"), "--data", str(tmp_path)]) == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype={"id": str})
    assert out.columns.tolist() == ["id", "demand_type", "confidence"]
    assert out["id"].tolist() == list(texts)
    assert (
        out["demand_type"]
        .isin(
            [
                "invoice_status",
                "case_status",
                "missing_information",
                "duplicate_request",
                "processing_time",
                "value_demand",
            ]
        )
        .all()
    )
    assert out["confidence"].between(0, 1).all()
    labels = dict(zip(out["id"], out["demand_type"], strict=True))
    assert labels["a"] == "invoice_status" and labels["b"] == "processing_time" and labels["c"] == "value_demand"


def test_classify_rejects_a_file_without_the_columns(tmp_path, capsys):
    (tmp_path / "in.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    assert main(["classify", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--data", str(tmp_path)]) == 2
    assert "needs the columns id and text" in capsys.readouterr().err


def test_classify_names_the_line_of_a_malformed_row(tmp_path, capsys):
    (tmp_path / "in.csv").write_text("id;text\n1;hej\n2;ett;två\n", encoding="utf-8")
    assert main(["classify", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--data", str(tmp_path)]) == 2
    assert "line 3: expected 2 fields" in capsys.readouterr().err


def test_dry_run_prints_the_plan_of_a_first_run_and_writes_nothing(tmp_path, capsys):
    landing, data = tmp_path / "landing", tmp_path / "data"
    counts = write_landing(GeneratorConfig(weeks=2, per_week=60, seed=3, quirks=False), landing, tmp_path / "truth.csv")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["run", "--dry-run", "--landing", str(landing), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "..2026-09-13 (cases, contacts, eservice, invoices)" in out  # cases and invoices start earlier
    assert f"inquiries to classify: at most {counts['contacts'] + counts['eservice']:,} " in out
    assert "weeks to rebuild: 2 (2026-08-31..2026-09-07)" in out
    assert "linked to the new cases and invoices rows" in out
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # no warehouse, outbox or log
