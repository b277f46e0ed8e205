"""The audit loop end to end, with the generator's truth as the analyst: the measured accuracy is the true one."""

import io
import shutil

import dagster as dg
import pandas as pd
import pytest

from onodig.demand.audit import wilson
from onodig.pipelines.cli import summary
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.test_end_to_end import FIRST_DAY, materialization_metadata

SWEDISH = {
    "invoice_status": "Fakturastatus",
    "case_status": "ÄRENDESTATUS",
    "missing_information": "komplettering",
    "duplicate_request": "Dubblettkontakt",
    "processing_time": "Handläggningstid",
    "value_demand": "Värdeefterfrågan",
}


def read_export(path) -> pd.DataFrame:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Swedish Excel
    return pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def audited(generated, model_dir, tmp_path_factory):
    source, truth_path = generated
    mp = pytest.MonkeyPatch()
    mp.setenv("ONODIG_PSEUDONYM_KEY", "audit-key")
    root = tmp_path_factory.mktemp("audit")
    landing = root / "landing"
    shutil.copytree(source, landing)  # the session's folder stays as it was
    settings = resolve(landing=str(landing), data_dir=str(root / "data"), environ={})
    shutil.copytree(model_dir, settings.model_dir)
    defs = build_definitions(settings)
    store = Warehouse(settings.warehouse_url)

    def run():
        result = run_in_order(defs, dg.DagsterInstance.ephemeral(), store, landing, FIRST_DAY)
        assert result.success
        return result

    first = run()
    before = {
        "inquiries": store.read("select inquiry_id, process, demand_type, label_origin from inquiries"),
        "audit": store.read_table("classifier_audit"),
        "weekly": store.read("select * from avoidable_demand_weekly"),
        "report": next(settings.outbox.glob("*-W*/bygglov.html")).read_text(encoding="utf-8"),
    }
    queue = read_export(settings.exports / "audit_queue.csv")
    truth = pd.read_csv(truth_path, dtype=str).set_index("inquiry_id")["demand_type"]
    # the analyst: fills demand_type with the truth in Swedish, saves from Excel as Windows-1252 with ;
    answers = queue.assign(demand_type=queue["inquiry_id"].map(truth).map(SWEDISH))
    lines = answers[["inquiry_id", "demand_type"]]
    lines = pd.concat([lines, pd.DataFrame({"inquiry_id": ["contacts:NOSUCH"], "demand_type": ["Ärendestatus"]})])
    lines.to_csv(landing / "audit.csv", sep=";", index=False, encoding="cp1252")
    second = run()
    printed = io.StringIO()
    summary(settings, stream=printed)
    mp.undo()
    return {
        "before": before,
        "queue": queue,
        "truth": truth,
        "first": first,
        "second": second,
        "store": store,
        "settings": settings,
        "printed": printed.getvalue(),
    }


def test_the_queue_is_a_sample_per_process_and_week_of_the_models_labels(audited):
    queue, inquiries = audited["queue"], audited["before"]["inquiries"]
    assert list(queue.columns) == [
        "inquiry_id",
        "week_start",
        "process",
        "channel",
        "text",
        "model_type",
        "confidence",
        "demand_type",
    ]
    assert (queue["demand_type"] == "").all() and queue["confidence"].str.fullmatch(r"[01](\.\d{1,2})?").all()
    assert queue.groupby(["process", "week_start"]).size().max() == 10
    model = inquiries[inquiries["label_origin"] == "model"].set_index("inquiry_id")
    assert queue["inquiry_id"].isin(model.index).all()
    assert (queue.set_index("inquiry_id")["model_type"] == model.loc[queue["inquiry_id"], "demand_type"]).all()


def test_before_any_audit_the_shares_assume_the_accuracy_on_test_text(audited):
    audit = audited["before"]["audit"].iloc[0]
    assert audit["audited"] == 0 and pd.isna(audit["accuracy"]) and audit["test_accuracy"] > 0.9
    assert set(audited["before"]["weekly"]["correction_basis"]) == {"evaluation"}
    assert "förutsätter att klassificeraren är lika träffsäker som på testtexter" in audited["before"]["report"]


def test_the_audit_accuracy_is_the_true_accuracy_within_its_interval(audited):
    store, queue, truth = audited["store"], audited["queue"], audited["truth"]
    row = store.read("select * from classifier_audit where in_use").iloc[0]
    assert row["audited"] == len(queue) >= 200
    # the same model on the same inquiries: exactly the truth on the sample
    on_sample = (queue["model_type"] == queue["inquiry_id"].map(truth)).mean()
    assert row["accuracy"] == pytest.approx(on_sample)
    # and within a few points of the model's true accuracy on every inquiry it labelled, inside the interval
    before = audited["before"]["inquiries"]
    model = before[before["label_origin"] == "model"]
    on_all = (model["demand_type"] == model["inquiry_id"].map(truth)).mean()
    assert abs(row["accuracy"] - on_all) < 0.03, (row["accuracy"], on_all)
    assert row["accuracy_low"] <= on_all <= row["accuracy_high"]
    assert (row["accuracy_low"], row["accuracy_high"]) == pytest.approx(wilson(int(row["correct"]), len(queue)))
    page = materialization_metadata(audited["second"], "classifier", "classifier_audit")
    assert page["audited"].value == len(queue) and f"{len(queue)} inquiries audited" in page["statement"].value


def test_audit_labels_stand_in_inquiries_and_are_not_trained_on(audited):
    store, queue, truth = audited["store"], audited["queue"], audited["truth"]
    rows = store.read("select inquiry_id, demand_type, label_origin from inquiries where label_origin = 'audit'")
    assert set(rows["inquiry_id"]) == set(queue["inquiry_id"])
    assert (rows.set_index("inquiry_id")["demand_type"] == rows["inquiry_id"].map(truth).to_numpy()).all()
    classifier = materialization_metadata(audited["second"], "classifier", "demand_classifier")
    assert classifier["corrections_used"].value == 0 and classifier["trained_this_run"].value is False
    page = materialization_metadata(audited["second"], "core", "inquiries")
    assert page["audited"].value == len(queue) and page["audits_ignored"].value == 1  # contacts:NOSUCH
    assert "1 unknown id(s)" in page["analyst_files"].value


def test_above_the_threshold_the_audit_corrects_the_shares_with_both_uncertainties(audited):
    store = audited["store"]
    assert store.scalar("select max(basis) from classifier_correction") == "audit"
    weekly = store.read("select * from avoidable_demand_weekly")
    assert set(weekly["correction_basis"]) == {"audit"}
    assert (weekly["corrected_share_low"] <= weekly["corrected_avoidable_share"]).all()
    assert (weekly["corrected_avoidable_share"] <= weekly["corrected_share_high"]).all()
    # the classifier's uncertainty widens the interval beyond the sampling's alone
    width = weekly["corrected_share_high"] - weekly["corrected_share_low"]
    sampling = weekly["avoidable_share_high"] - weekly["avoidable_share_low"]
    assert (width > sampling).mean() > 0.9
    report = next(audited["settings"].outbox.glob("*-W*/bygglov.html")).read_text(encoding="utf-8")
    assert f"kontrollerats mot {len(audited['queue'])} av kommunens egna kontakter" in report
    assert "Den korrigerade andelen bygger på den kontrollen." in report


def test_the_queue_then_excludes_what_was_audited_and_the_run_summary_says_what_was_applied(audited):
    after = read_export(audited["settings"].exports / "audit_queue.csv")
    assert not set(after["inquiry_id"]) & set(audited["queue"]["inquiry_id"])
    n = len(audited["queue"])
    assert f"audit.csv {n} applied, 1 ignored" in audited["printed"]
    assert "corrections.csv 0 applied, 0 ignored" in audited["printed"]
    assert "earlier inquiries changed label" in audited["printed"]
