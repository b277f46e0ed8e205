"""A daily run classifies only what is new or changed, and its ``inquiries`` equal a fresh run's, row for row.

Each scenario runs the pipeline twice over one landing folder (a history, then what came later) and
once from scratch over the same folder, and compares ``inquiries`` sorted by ``inquiry_id``. The
``inquiries`` asset's metadata says how many inquiries the model classified on each run.
"""

import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from onodig.assets.demand import INQUIRIES_KEY
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.conftest import TEST_KEY

FIRST_DAY = date(2026, 1, 1)
TODAY = date(2026, 11, 27)
LAST_DAYS = ("20260919", "20260920")  # the generated three weeks end on Sunday 2026-09-20


class Pipeline:
    """One data folder over one landing folder, run the way ``onodig run`` does."""

    def __init__(self, root, landing, model_dir):
        settings = resolve(landing=str(landing), data_dir=str(root), environ={})
        shutil.copytree(model_dir, settings.model_dir)
        self.defs, self.store, self.landing = build_definitions(settings), Warehouse(settings.warehouse_url), landing
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self) -> dict:
        assert run_in_order(self.defs, self.instance, self.store, self.landing, FIRST_DAY, today=TODAY).success
        metadata = self.instance.get_latest_materialization_event(INQUIRIES_KEY).asset_materialization.metadata
        return {key: value.value for key, value in metadata.items()}

    def inquiries(self) -> pd.DataFrame:
        return self.store.read("select * from inquiries order by inquiry_id").reset_index(drop=True)

    def model_labelled(self) -> int:
        return int(
            self.store.scalar(
                "select count(*) from inquiries where label_origin <> 'behaviour' "
                "and label_origin <> 'empty_submission'"
            )
        )


def _fresh(pipeline: Pipeline) -> tuple[pd.DataFrame, dict]:
    metadata = pipeline.run()
    return pipeline.inquiries(), metadata


@pytest.fixture(scope="module")
def daily(tmp_path_factory, model_dir):
    """A history run, then the last two days' contacts and submissions arrive and the pipeline runs again."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("GX_ANALYTICS_ENABLED", "False")
        root = tmp_path_factory.mktemp("incremental")
        landing, held = root / "landing", root / "held_back"
        write_landing(GeneratorConfig(weeks=3, per_week=120, seed=11, quirks=False), landing, root / "truth.csv")
        held.mkdir()
        for source in ("contacts", "eservice"):
            for day in LAST_DAYS:
                for path in (landing / source).glob(f"{source}_{day}.csv*"):
                    shutil.move(path, held / path.name)
        assert {p.name.split("_")[0] for p in held.iterdir()} == {"contacts", "eservice"}
        pipeline = Pipeline(root / "daily", landing, model_dir)
        history = pipeline.run()
        history_rows = len(pipeline.inquiries())
        for path in held.iterdir():
            shutil.move(path, landing / path.name.split("_")[0] / path.name)
        day = pipeline.run()
        yield {
            "root": root,
            "landing": landing,
            "pipeline": pipeline,
            "history": history,
            "day": day,
            "history_rows": history_rows,
            "model_dir": model_dir,
            "mp": mp,
        }


def test_a_daily_file_is_classified_alone_and_equals_a_fresh_run(daily):
    pipeline, history, day = daily["pipeline"], daily["history"], daily["day"]
    everything = pipeline.inquiries()
    new = everything[pd.to_datetime(everything["occurred_at"]) >= pd.Timestamp("2026-09-19")]
    assert len(everything) - daily["history_rows"] == len(new) > 0
    model_new = int((~new["label_origin"].isin(["behaviour", "empty_submission"])).sum())
    assert (history["reused_predictions"], history["classified_this_run"]) == (0, pipeline.model_labelled() - model_new)
    assert day["classified_this_run"] == model_new > 0  # the new rows the model labels, nothing else
    assert day["reused_predictions"] == history["classified_this_run"]
    assert day["classified_this_run"] < history["classified_this_run"] / 4
    scratch, metadata = _fresh(Pipeline(daily["root"] / "fresh", daily["landing"], daily["model_dir"]))
    pd.testing.assert_frame_equal(everything, scratch)
    assert metadata["classified_this_run"] == history["classified_this_run"] + day["classified_this_run"]


def test_an_audit_file_changes_labels_without_classifying_and_equals_a_fresh_run(daily):
    pipeline = daily["pipeline"]
    before = pipeline.inquiries()
    audited = before[before["label_origin"] == "model"].head(6)
    other = audited["demand_type"].map(lambda t: "processing_time" if t != "processing_time" else "case_status")
    pd.DataFrame({"inquiry_id": audited["inquiry_id"], "demand_type": other}).to_csv(
        daily["landing"] / "audit.csv", sep=";", index=False
    )
    try:
        run = pipeline.run()
        assert (run["classified_this_run"], run["audited"], run["labels_changed"]) == (0, 6, 6)
        assert run["model_version"] == daily["day"]["model_version"]  # audits are never trained on
        scratch, _ = _fresh(Pipeline(daily["root"] / "fresh_audit", daily["landing"], daily["model_dir"]))
        pd.testing.assert_frame_equal(pipeline.inquiries(), scratch)
    finally:
        (daily["landing"] / "audit.csv").unlink()
    assert pipeline.run()["classified_this_run"] == 0  # and back, still without the model


def test_corrections_retrain_the_model_which_relabels_everything_once(daily):
    """Corrections join the training data, so they make a new model version: it labels every inquiry once."""
    pipeline = daily["pipeline"]
    before = pipeline.inquiries()
    corrected = before[before["label_origin"] == "model"].head(4)
    pd.DataFrame({"inquiry_id": corrected["inquiry_id"], "demand_type": "processing_time"}).to_csv(
        daily["landing"] / "corrections.csv", sep=";", index=False
    )
    try:
        retrained = pipeline.run()
        assert retrained["model_version"] != daily["day"]["model_version"]
        assert retrained["classified_this_run"] == pipeline.model_labelled() and retrained["reused_predictions"] == 0
        assert retrained["analyst_corrections"] == 4
        again = pipeline.run()
        assert (again["classified_this_run"], again["model_version"]) == (0, retrained["model_version"])
        # a fresh folder trains on corrections once it has their inquiries' texts: from its second run
        scratch = Pipeline(daily["root"] / "fresh_corrected", daily["landing"], daily["model_dir"])
        assert scratch.run()["model_version"] == daily["day"]["model_version"]
        assert scratch.run()["model_version"] == retrained["model_version"]
        pd.testing.assert_frame_equal(pipeline.inquiries(), scratch.inquiries())
    finally:
        (daily["landing"] / "corrections.csv").unlink()
