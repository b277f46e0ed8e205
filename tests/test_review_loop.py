"""The analysts' review loop: corrections override labels and retrain the model on the next run."""

import shutil

import dagster as dg
import pandas as pd

from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.test_end_to_end import materialization_metadata


def test_corrections_override_labels_and_join_the_training_data(tmp_path, model_dir):
    landing = tmp_path / "landing"
    write_landing(GeneratorConfig(weeks=2, per_week=150, seed=9, quirks=False), landing, tmp_path / "truth.csv")
    settings = resolve(landing=str(landing), data_dir=str(tmp_path / "data"), environ={})
    shutil.copytree(model_dir, settings.model_dir)
    defs = build_definitions(settings)

    def run():
        store = Warehouse(settings.warehouse_url)
        return run_in_order(defs, dg.DagsterInstance.ephemeral(), store, landing, settings.first_day)

    first = run()
    assert first.success
    store = Warehouse(settings.warehouse_url)
    queue = pd.read_csv(settings.exports / "review_queue.csv", dtype=str, sep=";", encoding="utf-8-sig")
    assert len(queue) == store.scalar("select count(*) from inquiries where needs_review")
    picked = store.read(
        "select inquiry_id, demand_type from inquiries where source = 'contacts' order by inquiry_id limit 3"
    )
    flipped = picked.assign(
        demand_type=picked["demand_type"].map(lambda t: "value_demand" if t != "value_demand" else "case_status")
    )
    flipped.to_csv(landing / "corrections.csv", index=False)
    with (landing / "corrections.csv").open("a", encoding="utf-8") as handle:
        handle.write("contacts:C0000001,case_statsu\n")  # a typo: left out and counted, the run goes on
    before = materialization_metadata(first, "classifier", "demand_classifier")

    second = run()
    assert second.success
    after = materialization_metadata(second, "classifier", "demand_classifier")
    assert after["corrections_used"].value == 3 and after["trained_this_run"].value is True
    assert after["version"].value != before["version"].value
    assert materialization_metadata(second, "core", "inquiries")["corrections_ignored"].value == 1
    labels = store.read(
        "select inquiry_id, demand_type, label_origin, confidence, needs_review from inquiries"
    ).set_index("inquiry_id")
    for row in flipped.itertuples():
        assert labels.loc[row.inquiry_id, "demand_type"] == row.demand_type
        assert labels.loc[row.inquiry_id, "label_origin"] == "analyst"
        assert labels.loc[row.inquiry_id, "confidence"] == 1.0 and not labels.loc[row.inquiry_id, "needs_review"]
