"""Audit sampling: a stable sample, accuracy with a Wilson interval, the audit-based correction, re-labelled history."""

import numpy as np
import pandas as pd
import pytest

from onodig.classifiers.evaluate import correction_weights
from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.demand.audit import audit_queue, audit_table, correction_basis, measure, wilson
from onodig.demand.changes import compare_with_previous, file_outcome, keep_previous_labels
from onodig.demand.corrections import Corrections
from onodig.demand.inquiries import INQUIRY_COLUMNS, finish
from tests.sql_given import inquiries as inquiry_rows


def many_inquiries(n_per_week=30, weeks=("2026-03-02", "2026-03-09"), processes=("bygglov", "forskola")):
    rows = [
        {
            "inquiry_id": f"contacts:{process[:1]}{week[-2:]}{i:03d}",
            "occurred_at": f"{week} 10:00",
            "process": process,
            "demand_type": "case_status" if i % 3 else "value_demand",
            "confidence": 0.5 + (i % 5) / 10,
            "text": f"text {i}",
        }
        for week in weeks
        for process in processes
        for i in range(n_per_week)
    ]
    frame = inquiry_rows(*rows)
    frame.loc[frame.index % 7 == 0, "label_origin"] = "behaviour"  # rules are not the model: never audited
    return frame


def test_the_sample_is_per_process_and_week_of_model_labels_and_stable(warehouse):
    frame = many_inquiries()
    warehouse.replace("inquiries", frame)
    queue = audit_queue(warehouse, 10, "s")
    assert queue.groupby(["process", "week_start"]).size().tolist() == [10, 10, 10, 10]
    model_ids = set(frame.loc[frame["label_origin"] == "model", "inquiry_id"])
    assert set(queue["inquiry_id"]) <= model_ids
    assert list(queue.columns) == ["inquiry_id", "week_start", "process", "channel", "text", "model_type", "confidence"]
    # the same draw whatever the order rows were written in; another salt draws another sample
    warehouse.replace("inquiries", frame.sample(frac=1, random_state=1))
    assert audit_queue(warehouse, 10, "s")["inquiry_id"].tolist() == queue["inquiry_id"].tolist()
    assert set(audit_queue(warehouse, 10, "other")["inquiry_id"]) != set(queue["inquiry_id"])


def test_audited_inquiries_leave_the_queue_and_count_toward_their_week(warehouse):
    frame = many_inquiries()
    warehouse.replace("inquiries", frame)
    first = audit_queue(warehouse, 10, "s")
    week = first[(first["process"] == "bygglov") & (first["week_start"] == first["week_start"].min())]
    done = week["inquiry_id"].head(4)
    frame.loc[frame["inquiry_id"].isin(done), "label_origin"] = "audit"
    warehouse.replace("inquiries", frame)
    second = audit_queue(warehouse, 10, "s")
    assert not set(done) & set(second["inquiry_id"])
    again = second[(second["process"] == "bygglov") & (second["week_start"] == first["week_start"].min())]
    assert again["inquiry_id"].tolist() == week["inquiry_id"].iloc[4:].tolist()  # the rest, in the same order
    assert len(second) == len(first) - 4
    # a process-week audited in full asks for no more
    frame.loc[frame["inquiry_id"].isin(week["inquiry_id"]), "label_origin"] = "audit"
    warehouse.replace("inquiries", frame)
    third = audit_queue(warehouse, 10, "s")
    assert not ((third["process"] == "bygglov") & (third["week_start"] == first["week_start"].min())).any()


def test_wilson_interval():
    low, high = wilson(90, 100)
    assert (low, high) == (pytest.approx(0.8256, abs=1e-4), pytest.approx(0.9448, abs=1e-4))
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 10)[0] == 0.0


def test_the_measure_leaves_out_texts_the_model_trained_on():
    audited = pd.DataFrame(
        {
            "inquiry_id": ["a", "b", "c", "d", "e"],
            "text": ["Hur går det?", "Faktura", "Redan skickat", "Hur  GÅR det?", "Ny ansökan"],
            "demand_type": ["case_status", "invoice_status", "duplicate_request", "case_status", "value_demand"],
        }
    )
    predicted = ["case_status", "invoice_status", "case_status", "value_demand", "value_demand"]
    result = measure("v1", audited, predicted, pd.Series(["hur går det?"]))
    assert (result.audited, result.correct, result.trained_on) == (3, 2, 2)
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.confusion.loc["duplicate_request", "case_status"] == 1
    assert result.confusion.shape == (6, 6) and result.confusion.to_numpy().sum() == 3
    row = result.row(test_accuracy=0.98)
    assert (row["accuracy_low"], row["accuracy_high"]) == wilson(2, 3)
    assert row["avoidable_accuracy"] == 1.0  # duplicate taken for case status is still avoidable


def test_one_row_per_model_version_and_only_the_one_in_use_is_in_use():
    first = audit_table(None, {"model_version": "v1", "audited": 50, "accuracy": 0.9, "in_use": True})
    second = audit_table(first, {"model_version": "v2", "audited": 0, "accuracy": np.nan, "in_use": True})
    again = audit_table(second, {"model_version": "v2", "audited": 20, "accuracy": 0.8, "in_use": True})
    assert again.set_index("model_version")["audited"].to_dict() == {"v1": 50, "v2": 20}
    assert again.set_index("model_version")["in_use"].to_dict() == {"v1": False, "v2": True}


def confusion(diagonal: float, off: dict | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(0, index=list(DEMAND_TYPES), columns=list(DEMAND_TYPES))
    for label in DEMAND_TYPES:
        frame.loc[label, label] = diagonal
    for (true, predicted), n in (off or {}).items():
        frame.loc[true, predicted] = n
    return frame


def test_the_audit_confusion_corrects_shares_only_above_the_threshold():
    evaluation = confusion(100)
    audit = confusion(30, {("case_status", "value_demand"): 10})
    below = correction_basis(evaluation, audit, audited=199, threshold=200)
    assert below.basis == "evaluation" and below.confusion.equals(evaluation)
    above = correction_basis(evaluation, audit, audited=200, threshold=200)
    assert above.basis == "audit" and above.confusion.loc["case_status", "value_demand"] == 10
    assert above.accuracy_margin > below.accuracy_margin > 0  # 190 inquiries are less sure than 600
    # with the audit's rates a quarter of true case_status is read as value demand, and the weights undo it
    weights = correction_weights(above.confusion).set_index(["true_type", "predicted_type"])["weight"]
    predicted = pd.Series(0.0, index=list(DEMAND_TYPES))
    predicted["case_status"], predicted["value_demand"] = 30.0, 10.0 + 30.0
    true_case = sum(weights[("case_status", p)] * predicted[p] for p in DEMAND_TYPES)
    assert true_case == pytest.approx(40.0)
    assert correction_basis(evaluation, None, audited=500, threshold=200).basis == "evaluation"


def test_audit_labels_replace_only_the_models_and_corrections_win_over_them():
    frame = pd.DataFrame(
        {
            "inquiry_id": ["contacts:1", "contacts:2", "eservice:3"],
            "demand_type": ["value_demand", "value_demand", "duplicate_request"],
            "confidence": [0.9, 0.4, 1.0],
            "label_origin": ["model", "model", "behaviour"],
            "handled_seconds": [None, None, None],
        }
    )
    audits = pd.DataFrame(
        {"inquiry_id": ["contacts:1", "contacts:2", "eservice:3"], "demand_type": ["case_status"] * 3}
    )
    fixes = pd.DataFrame({"inquiry_id": ["contacts:2"], "demand_type": ["invoice_status"]})
    for column in INQUIRY_COLUMNS:
        frame[column] = frame.get(column, None)
    done = finish(frame, fixes, 0.6, audits, "v1").set_index("inquiry_id")
    assert done.loc["contacts:1", ["demand_type", "label_origin", "confidence"]].tolist() == [
        "case_status",
        "audit",
        1.0,
    ]
    assert done.loc["contacts:2", ["demand_type", "label_origin"]].tolist() == ["invoice_status", "analyst"]
    assert done.loc["eservice:3", ["demand_type", "label_origin"]].tolist() == ["duplicate_request", "behaviour"]
    assert not done["needs_review"].any() and (done["model_version"] == "v1").all()


def test_a_new_model_version_that_relabels_history_says_how_many_and_which_weeks_moved(warehouse):
    before = many_inquiries().assign(model_version="v1")
    warehouse.replace("inquiries", before)
    assert keep_previous_labels(warehouse)
    after = before.assign(model_version="v2")
    # the new model calls 6 of bygglov's value demand in the first week case status: 6 of 30 = +20 pp
    flip = after.index[
        (after["process"] == "bygglov")
        & (after["occurred_at"] < "2026-03-09")
        & (after["demand_type"] == "value_demand")
        & (after["label_origin"] == "model")
    ][:6]
    after.loc[flip, ["demand_type", "avoidable"]] = ["case_status", True]
    corrected = after.index[(after["process"] == "forskola") & (after["demand_type"] == "value_demand")][-1]
    after.loc[corrected, ["demand_type", "avoidable", "label_origin"]] = ["invoice_status", True, "analyst"]
    warehouse.replace("inquiries", after)
    changed = compare_with_previous(warehouse)
    assert (changed.compared, changed.changed, changed.by_new_model) == (120, 7, 6)
    assert changed.previous_versions == ("v1",)
    moved = {(week.process, week.week_start): round(week.points, 1) for week in changed.moved}
    assert moved == {("bygglov", "2026-03-02"): 20.0, ("forskola", "2026-03-09"): 3.3}
    assert "6 re-labelled by a new model version" in changed.text() and "bygglov 2026-03-02" in changed.text()
    assert not warehouse.has_table("inquiries_previous_labels")  # the scratch table is gone
    assert compare_with_previous(warehouse).compared == 0  # nothing kept aside: nothing to compare


def test_a_table_written_before_model_versions_existed_still_compares(warehouse):
    old = many_inquiries(n_per_week=5)
    warehouse.replace("inquiries", old)
    keep_previous_labels(warehouse)
    warehouse.replace("inquiries", old.assign(model_version="v2"))
    changed = compare_with_previous(warehouse)
    assert changed.compared == 20 and changed.changed == 0 and changed.moved == ()


def test_file_outcomes_count_unknown_ids_and_rows_the_model_did_not_label(warehouse):
    frame = many_inquiries(n_per_week=3, weeks=("2026-03-02",), processes=("bygglov",))
    frame.loc[0, "label_origin"] = "behaviour"
    frame.loc[1, "label_origin"] = "audit"
    warehouse.replace("inquiries", frame)
    ids = [frame.loc[0, "inquiry_id"], frame.loc[1, "inquiry_id"], "contacts:nope"]
    read = Corrections(pd.DataFrame({"inquiry_id": ids, "demand_type": "case_status"}), 2, {"Arende": 2})
    outcome = file_outcome(warehouse, read, "audit")
    assert (outcome.applied, outcome.unknown_ids, outcome.not_model_labelled, outcome.ignored) == (1, 1, 1, 4)
    assert outcome.text() == (
        "1 applied, 4 ignored (1 unknown id(s); unknown type(s) 'Arende' x2; 1 not labelled by the model)"
    )


def test_reports_say_how_right_the_model_is_in_swedish_and_english():
    from onodig.reports.render import audit_note

    assert audit_note(None, "en", None) == (
        "None of the municipality's own inquiries have been checked yet: the shares assume the classifier is "
        "as accurate as on test text (– correct)."
    )
    before = {"audited": 0, "accuracy": np.nan, "test_accuracy": 0.983}
    assert "som på testtexter (98 % rätt)" in audit_note(before, "sv", "evaluation")
    after = {"audited": 320, "accuracy": 0.94, "accuracy_low": 0.909, "accuracy_high": 0.962, "test_accuracy": 0.98}
    assert audit_note(after, "en", "audit") == (
        "The classifier has been checked against 320 of the municipality's own inquiries: 94% correct "
        "(95% interval 91%–96%). The corrected share is based on that check."
    )
    assert audit_note(after, "sv", "evaluation").endswith("94 % rätt (95 % intervall 91 %–96 %).")
