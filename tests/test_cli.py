"""The onodig command: clear one-line errors with exit code 2, and classify per contract."""

import pandas as pd

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
