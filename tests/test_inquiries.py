"""Building inquiries: behavioural duplicates, empty submissions, process mapping, corrections."""

import numpy as np
import pandas as pd
import pytest

from onodig.demand.inquiries import Predicted, behavioural_duplicates, build_inquiries
from onodig.demand.processes import ProcessMap


def ts(s):
    return pd.Timestamp(s)


def submissions(rows):
    return pd.DataFrame(rows, columns=["submission_id", "citizen_key", "service", "submitted_at", "case_ref", "text"])


CASES = pd.DataFrame(columns=["case_ref", "case_type", "citizen_key", "event", "event_at"])


def test_resubmission_within_window_without_decision_is_a_duplicate():
    subs = submissions(
        [
            ("E1", "c_a", "Ansökan om bygglov", ts("2026-03-01 10:00"), "B1", None),
            ("E2", "c_a", "Ansökan om bygglov", ts("2026-03-10 10:00"), "B1", "Skickar igen"),
            ("E3", "c_a", "Ansökan om bygglov", ts("2026-04-10 10:00"), None, None),  # after the window
            ("E4", "c_b", "Ansökan om bygglov", ts("2026-03-02 10:00"), None, None),  # another citizen
            ("E5", "c_a", "Ansökan om förskoleplats", ts("2026-03-03 10:00"), None, None),  # another service
            ("E6", None, "Ansökan om bygglov", ts("2026-03-03 10:00"), None, None),  # anonymous
            ("E7", None, "Ansökan om bygglov", ts("2026-03-04 10:00"), None, None),
        ]
    )
    assert behavioural_duplicates(subs, CASES, 14).tolist() == [False, True, False, False, False, False, False]


def test_a_decision_in_between_makes_the_new_submission_a_new_application():
    subs = submissions(
        [
            ("E1", "c_a", "Ansökan om bygglov", ts("2026-03-01 10:00"), "B1", None),
            ("E2", "c_a", "Ansökan om bygglov", ts("2026-03-10 10:00"), None, None),
        ]
    )
    decided = pd.DataFrame([("B1", "Bygglov", "c_a", "decided", ts("2026-03-05 09:00"))], columns=CASES.columns)
    assert behavioural_duplicates(subs, decided, 14).tolist() == [False, False]
    later = decided.assign(event_at=ts("2026-03-12 09:00"))
    assert behavioural_duplicates(subs, later, 14).tolist() == [False, True]


def test_the_window_is_configuration():
    subs = submissions(
        [
            ("E1", "c_a", "S", ts("2026-03-01 10:00"), None, None),
            ("E2", "c_a", "S", ts("2026-03-10 10:00"), None, None),
        ]
    )
    assert behavioural_duplicates(subs, CASES, 14).tolist() == [False, True]
    assert behavioural_duplicates(subs, CASES, 7).tolist() == [False, False]


def fake_predict(texts):
    labels = ["invoice_status" if "faktura" in t else "value_demand" for t in texts]
    return Predicted(labels, np.array([0.9 if "faktura" in t else 0.4 for t in texts]), ["case_status"] * len(texts))


def contacts(rows):
    frame = pd.DataFrame(rows, columns=["contact_id", "channel", "started_at", "citizen_key", "queue", "text"])
    return frame.assign(handled_seconds=pd.array([120] * len(frame), dtype="Int64"), case_ref=None, invoice_ref=None)


@pytest.fixture
def built():
    c = contacts(
        [
            ("C1", "phone", ts("2026-03-02 08:00"), "c_a", "Bygglov", "Var är min faktura?"),
            ("C2", "email", ts("2026-03-03 08:00"), None, "Okänd kö", "Får man elda?"),
        ]
    )
    e = submissions(
        [
            ("E1", "c_a", "Ansökan om bygglov", ts("2026-03-01 10:00"), None, None),
            ("E2", "c_a", "Ansökan om bygglov", ts("2026-03-04 10:00"), None, "faktura?"),
            ("E3", "c_b", "Ansökan om förskoleplats", ts("2026-03-04 10:00"), None, "Barnet har allergi"),
        ]
    )
    corrections = pd.DataFrame({"inquiry_id": ["contacts:C2"], "demand_type": ["processing_time"]})
    return build_inquiries(c, e, CASES, ProcessMap.default(), fake_predict, corrections=corrections)


def test_every_contact_and_submission_once_with_contract_columns(built):
    assert sorted(built["inquiry_id"]) == ["contacts:C1", "contacts:C2", "eservice:E1", "eservice:E2", "eservice:E3"]
    row = built.set_index("inquiry_id")
    assert row.loc["contacts:C1", "process"] == "bygglov"
    assert row.loc["contacts:C2", "process"] == "unmapped"
    assert row.loc["eservice:E3", "process"] == "forskola"


def test_labels_come_from_behaviour_text_and_analysts_in_that_order(built):
    row = built.set_index("inquiry_id")
    assert (row.loc["eservice:E1", "demand_type"], row.loc["eservice:E1", "label_origin"]) == (
        "value_demand",
        "empty_submission",
    )
    # a re-submission is a duplicate whatever its text says
    assert (row.loc["eservice:E2", "demand_type"], row.loc["eservice:E2", "label_origin"]) == (
        "duplicate_request",
        "behaviour",
    )
    assert row.loc["eservice:E3", "label_origin"] == "model"
    assert (row.loc["contacts:C2", "demand_type"], row.loc["contacts:C2", "confidence"]) == ("processing_time", 1.0)
    assert row.loc["contacts:C1", "avoidable"] and not row.loc["eservice:E1", "avoidable"]


def test_low_confidence_model_labels_are_flagged_for_review(built):
    row = built.set_index("inquiry_id")
    assert row.loc["eservice:E3", "needs_review"]  # model, 0.4
    assert not row.loc["contacts:C1", "needs_review"]  # model, 0.9
    assert not row.loc["contacts:C2", "needs_review"]  # corrected by an analyst


def test_a_landing_process_map_replaces_the_default(tmp_path):
    (tmp_path / "processes.yaml").write_text(
        "processes:\n  kultur:\n    name: Kultur\n    queues: [Bibliotek]\n", encoding="utf-8"
    )
    mapping = ProcessMap.for_landing(tmp_path)
    assert mapping.map("queue", pd.Series(["bibliotek", "Bygglov"])).tolist() == ["kultur", "unmapped"]


def test_the_inquiries_table_is_written_a_chunk_at_a_time_from_the_staged_tables(generated, warehouse, pseudonymiser):
    from datetime import date

    from onodig.demand.table import NothingStaged, write_inquiries
    from onodig.ingestion.load import load_window

    with pytest.raises(NothingStaged, match="contacts, eservice, cases"):
        write_inquiries(warehouse, ProcessMap.default(), fake_predict, 0.6, 14)
    landing, _truth = generated
    for source in ("contacts", "eservice", "cases"):
        load_window(source, landing, warehouse, pseudonymiser, date(2025, 1, 1), date(2027, 1, 1))
    staged = sum(warehouse.scalar(f"select count(*) from landed_{s}") for s in ("contacts", "eservice"))

    messages = []
    written = write_inquiries(
        warehouse, ProcessMap.default(), fake_predict, 0.6, 14, chunk_rows=250, log=messages.append
    )

    assert written.summary.rows == staged == warehouse.scalar("select count(distinct inquiry_id) from inquiries")
    assert written.failed == set()
    # contacts come after submissions; every row is new, so every text one was classified
    assert messages and messages[-1] == f"inquiries: {staged:,} written, {written.classified:,} classified by the model"
    assert written.classified == warehouse.scalar("select count(*) from inquiry_predictions") > 0
    assert written.reused == 0
    first = warehouse.read("select * from inquiries order by inquiry_id")
    again = write_inquiries(warehouse, ProcessMap.default(), fake_predict, 0.6, 14, chunk_rows=10_000)
    assert again.summary.rows == staged == warehouse.scalar("select count(*) from inquiries")  # replaced, not added
    assert (again.classified, again.reused) == (0, written.classified)  # nothing new: the model is not asked
    pd.testing.assert_frame_equal(warehouse.read("select * from inquiries order by inquiry_id"), first)


class CountingPredictor:
    """``fake_predict``, counting the texts it is asked to classify."""

    def __init__(self):
        self.texts = 0

    def __call__(self, texts):
        self.texts += len(texts)
        return fake_predict(texts)


def test_inquiries_are_classified_once_per_row_and_model_version(generated, tmp_path, pseudonymiser):
    """A later day, a corrections file and a new model version, each against a fresh build of the same rows."""
    from datetime import date

    from onodig.demand.table import write_inquiries
    from onodig.ingestion.load import load_window
    from onodig.warehouse import Warehouse

    landing, _truth = generated
    split = date(2026, 9, 24)  # the generated weeks run to 2026-09-27: the last days come later

    def load(store, start, end):
        for source in ("contacts", "eservice", "cases"):
            load_window(source, landing, store, pseudonymiser, start, end)

    def write(store, predict, corrections=None, version="v1"):
        return write_inquiries(store, ProcessMap.default(), predict, 0.6, 14, corrections, 300, model_version=version)

    def table(store):
        return store.read("select * from inquiries order by inquiry_id").reset_index(drop=True)

    def fresh(corrections=None, version="v1", name="fresh"):
        store = Warehouse(f"duckdb:///{tmp_path / f'{name}.duckdb'}")
        load(store, date(2025, 1, 1), date(2027, 1, 1))
        predict = CountingPredictor()
        written = write(store, predict, corrections, version)
        return table(store), written, predict.texts

    daily = Warehouse(f"duckdb:///{tmp_path / 'daily.duckdb'}")
    load(daily, date(2025, 1, 1), split)
    history = CountingPredictor()
    first = write(daily, history)
    assert first.classified == history.texts > 0 and first.reused == 0
    load(daily, split, date(2027, 1, 1))
    day = CountingPredictor()
    second = write(daily, day)
    new_rows = daily.scalar("select count(*) from inquiries where occurred_at >= timestamp '2026-09-24 00:00:00'")
    model_new = daily.scalar(
        "select count(*) from inquiries where label_origin = 'model' and occurred_at >= timestamp '2026-09-24 00:00:00'"
    )
    assert 0 < second.classified == day.texts == model_new <= new_rows  # only the new rows the model labels
    assert second.reused == first.classified
    # the new rows, and the earlier submissions whose previous case got a decision in the new days
    assert first.rebuilt_whole and not second.rebuilt_whole and new_rows <= second.rebuilt < first.summary.rows
    everything, from_scratch, scratch_texts = fresh()
    pd.testing.assert_frame_equal(table(daily), everything)
    assert scratch_texts == first.classified + second.classified

    # a corrections file: labels change, nothing is classified again
    model_labelled = everything.loc[everything["label_origin"] == "model"]
    fixes = model_labelled.head(5).assign(demand_type="processing_time")[["inquiry_id", "demand_type"]]
    corrected = CountingPredictor()
    third = write(daily, corrected, fixes)
    assert (corrected.texts, third.classified) == (0, 0)
    assert not third.rebuilt_whole and third.rebuilt == len(fixes)
    assert third.relabelled.changed == int((model_labelled.head(5)["demand_type"] != "processing_time").sum()) > 0
    pd.testing.assert_frame_equal(table(daily), fresh(fixes, name="fresh_corrected")[0])

    # a new model version labels everything again, once, and says so
    retrained = CountingPredictor()
    fourth = write(daily, retrained, fixes, version="v2")
    assert fourth.classified == retrained.texts == scratch_texts and fourth.reused == 0 and fourth.rebuilt_whole
    assert set(daily.read("select distinct model_version from inquiry_predictions")["model_version"]) == {"v2"}
    assert (fourth.relabelled.previous_versions, fourth.relabelled.changed) == (("v1",), 0)  # same fake model
    again = CountingPredictor()
    assert write(daily, again, fixes, version="v2").classified == again.texts == 0
    pd.testing.assert_frame_equal(table(daily), fresh(fixes, "v2", name="fresh_v2")[0])


def test_a_contact_gone_from_the_staged_rows_leaves_and_a_new_process_map_rebuilds_every_contact(
    generated, tmp_path, pseudonymiser
):
    from datetime import date

    from onodig.demand.table import write_inquiries
    from onodig.ingestion.load import load_window
    from onodig.warehouse import Warehouse

    landing, _truth = generated
    store = Warehouse(f"duckdb:///{tmp_path / 'gone.duckdb'}")
    for source in ("contacts", "eservice", "cases"):
        load_window(source, landing, store, pseudonymiser, date(2025, 1, 1), date(2027, 1, 1))
    write_inquiries(store, ProcessMap.default(), fake_predict, 0.6, 14)
    gone = store.read("select contact_id from landed_contacts order by contact_id limit 3")["contact_id"].tolist()
    store.execute(f"delete from landed_contacts where contact_id in ({', '.join(repr(g) for g in gone)})")

    after = write_inquiries(store, ProcessMap.default(), fake_predict, 0.6, 14)

    assert (after.rebuilt_whole, after.rebuilt) == (False, 3)
    keys = store.read("select input_hash from inquiry_inputs")["input_hash"]  # digests only, no personal data
    assert len(keys) == after.summary.rows and keys.str.fullmatch("[0-9a-f]{32}").all()
    left = set(store.read("select inquiry_id from inquiries")["inquiry_id"])
    assert not left & {f"contacts:{g}" for g in gone}
    assert (
        after.summary.rows
        == len(left)
        == store.scalar("select count(*) from landed_contacts") + store.scalar("select count(*) from landed_eservice")
    )
    (tmp_path / "processes.yaml").write_text(
        "processes:\n  kultur:\n    name: Kultur\n    queues: [Bibliotek]\n", encoding="utf-8"
    )

    def stops_half_way(texts):
        raise RuntimeError("the worker was killed")

    store.execute("update landed_contacts set row_hash = 'changed'")  # every contact's input changed
    with pytest.raises(RuntimeError):
        write_inquiries(store, ProcessMap.default(), stops_half_way, 0.6, 14)
    assert not store.has_table("inquiry_inputs")  # no keys that claim rows a half-written table may lack
    remapped = write_inquiries(store, ProcessMap.for_landing(tmp_path), fake_predict, 0.6, 14)
    assert remapped.rebuilt_whole
    assert set(store.read("select distinct process from inquiries where source = 'contacts'")["process"]) <= {
        "kultur",
        "unmapped",
    }
