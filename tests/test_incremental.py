"""A daily run classifies only what is new or changed, rebuilds only the weeks it changed, and its
warehouse equals a fresh run's, row for row.

Each scenario runs the pipeline twice over one landing folder (a history, then what came later: a
day of contacts and submissions, a late case-events file, an audit file, a corrections file) and
once from scratch over the same folder, and compares every table both warehouses hold but the
run history. The ``inquiries`` asset's metadata says how many inquiries the model classified on
each run; the run's ``Done`` which weeks it rebuilt.
"""

import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from onodig.assets.demand import INQUIRIES_KEY
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.orchestration import Done, run_in_order
from onodig.pipelines.plan import Window
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.conftest import TEST_KEY

FIRST_DAY = date(2026, 1, 1)
TODAY = date(2026, 11, 27)
LAST_DAYS = ("20260919", "20260920")  # the generated three weeks end on Sunday 2026-09-20
LATE_CASES = "cases_20260902"  # a Wednesday of the first week: its case events arrive after the daily run
# Tables that say how the warehouse got here rather than what it holds: a fresh run has another history.
# report_inputs is one: it records what each outbox page was written from, and a week not published
# again keeps the page (its audit note, say) it was written with.
RUN_HISTORY = {"ingest_manifest", "ingest_windows", "label_changes", "report_deliveries", "report_inputs"}
WEEKLY_INPUTS = ("int_inquiries", "int_root_causes")  # the per-week rows the weekly marts are built from


class Pipeline:
    """One data folder over one landing folder, run the way ``onodig run`` does."""

    def __init__(self, root, landing, model_dir):
        settings = resolve(landing=str(landing), data_dir=str(root), environ={})
        shutil.copytree(model_dir, settings.model_dir)
        self.defs, self.store, self.landing = build_definitions(settings), Warehouse(settings.warehouse_url), landing
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self) -> dict:
        self.done = Done()
        assert run_in_order(
            self.defs, self.instance, self.store, self.landing, FIRST_DAY, today=TODAY, done=self.done
        ).success
        metadata = self.instance.get_latest_materialization_event(INQUIRIES_KEY).asset_materialization.metadata
        return {key: value.value for key, value in metadata.items()}

    def intermediate(self, name: str) -> dict:
        """What the intermediate model's last build said: the keys it rebuilt, and whether whole."""
        event = self.instance.get_latest_materialization_event(dg.AssetKey(["intermediate", name]))
        return {key: value.value for key, value in event.asset_materialization.metadata.items()}

    def inquiries(self) -> pd.DataFrame:
        return self.store.read("select * from inquiries order by inquiry_id").reset_index(drop=True)

    def model_labelled(self) -> int:
        return int(
            self.store.scalar(
                "select count(*) from inquiries where label_origin <> 'behaviour' "
                "and label_origin <> 'empty_submission'"
            )
        )


def tables(store: Warehouse) -> set[str]:
    names = store.read(
        "select table_name from information_schema.tables where table_schema not in ('information_schema', 'pg_catalog')"
    )["table_name"]
    return set(names) - RUN_HISTORY


def rows(store: Warehouse, table: str) -> pd.DataFrame:
    """A table's rows in an order of their own, whatever order they were written in."""
    frame = store.read_table(table)
    order = frame.apply(lambda row: "|".join(map(str, row)), axis=1).sort_values(kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def assert_same_warehouse(incremental: Warehouse, fresh: Warehouse) -> None:
    """Every contract table, intermediate table and mart, row for row (floats to 1e-9: sums in another order)."""
    held = tables(fresh)
    assert tables(incremental) == held
    assert {"inquiries", "avoidable_demand_weekly", "root_causes_weekly", "int_root_causes", "mart_inputs"} <= held
    differ = {}
    for table in sorted(held):
        try:
            pd.testing.assert_frame_equal(rows(incremental, table), rows(fresh, table), rtol=1e-9, obj=table)
        except AssertionError as exc:
            differ[table] = str(exc)
    assert not differ, "\n\n".join(differ.values())  # every table that differs, not only the first


def weeks_whose_rows_differ(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> set[date]:
    """The weeks whose per-week mart inputs differ, found by comparing rows: what a run must rebuild."""
    weeks = set()
    for table in WEEKLY_INPUTS:
        old, new = (frame.apply(lambda row: "|".join(map(str, row)), axis=1) for frame in (before[table], after[table]))
        changed = set(old) ^ set(new)
        for frame, text in ((before[table], old), (after[table], new)):
            weeks |= set(pd.to_datetime(frame.loc[text.isin(changed), "week_start"]).dt.date)
    return weeks


def weekly_inputs(pipeline: Pipeline) -> dict[str, pd.DataFrame]:
    return {table: rows(pipeline.store, table) for table in WEEKLY_INPUTS}


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
        late = root / "late"
        late.mkdir()
        for path in (landing / "cases").glob(f"{LATE_CASES}.csv*"):
            shutil.move(path, late / path.name)
        assert len(list(late.iterdir())) == 1
        pipeline = Pipeline(root / "daily", landing, model_dir)
        history = pipeline.run()
        history_rows = len(pipeline.inquiries())
        history_weeks = list(pipeline.done.weeks)
        for path in held.iterdir():
            shutil.move(path, landing / path.name.split("_")[0] / path.name)
        before = weekly_inputs(pipeline)
        day = pipeline.run()
        yield {
            "root": root,
            "landing": landing,
            "pipeline": pipeline,
            "history": history,
            "day": day,
            "history_rows": history_rows,
            "history_weeks": history_weeks,
            "day_weeks": list(pipeline.done.weeks),
            "day_changed": weeks_whose_rows_differ(before, weekly_inputs(pipeline)),
            "late": late,
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
    # the new rows are built (and the earlier submissions whose previous case got a decision), not the history
    assert history["rebuilt_whole"] and not day["rebuilt_whole"]
    assert len(new) <= day["inquiries_rebuilt"] < daily["history_rows"] / 2
    # and only the intermediate rows they reach: the inquiries rebuilt and their citizens' others
    for name in ("int_inquiries", "int_case_links", "int_root_causes"):
        built = pipeline.intermediate(name)
        assert not built["rebuilt_whole"] and 0 < built["rebuilt_keys"] < daily["history_rows"] / 2, name
    assert day["inquiries_rebuilt"] <= pipeline.intermediate("int_inquiries")["rebuilt_keys"]
    fresh = Pipeline(daily["root"] / "fresh", daily["landing"], daily["model_dir"])
    scratch, metadata = _fresh(fresh)
    pd.testing.assert_frame_equal(everything, scratch)
    assert metadata["classified_this_run"] == history["classified_this_run"] + day["classified_this_run"]
    assert_same_warehouse(pipeline.store, fresh.store)


def test_a_daily_file_rebuilds_only_its_own_week(daily):
    """Saturday and Sunday of the last week: that week is rebuilt, the two before it are not."""
    assert daily["history_weeks"] == [date(2026, 8, 31), date(2026, 9, 7), date(2026, 9, 14)]
    assert daily["day_weeks"] == sorted(daily["day_changed"]) == [date(2026, 9, 14)]


def test_a_late_case_events_file_rebuilds_the_weeks_it_changes_and_equals_a_fresh_run(daily):
    """Case events of a day in the first week, delivered after the daily run: the weeks rebuilt are
    the weeks whose inquiries' links and evidence changed, found here by comparing rows."""
    pipeline = daily["pipeline"]
    before = weekly_inputs(pipeline)
    for path in daily["late"].iterdir():
        shutil.move(path, daily["landing"] / "cases" / path.name)
    run = pipeline.run()
    assert run["classified_this_run"] == 0
    assert pipeline.intermediate("int_inquiries")["rebuilt_keys"] == 0  # no inquiry changed, only cases
    changed = weeks_whose_rows_differ(before, weekly_inputs(pipeline))
    assert changed, "the late file changed no inquiry's evidence: pick another day"
    assert pipeline.done.weeks == sorted(changed)
    assert pipeline.done.days == Window(date(2026, 9, 2), date(2026, 9, 2))
    fresh = Pipeline(daily["root"] / "fresh_late", daily["landing"], daily["model_dir"])
    fresh.run()
    assert_same_warehouse(pipeline.store, fresh.store)


def test_an_audit_file_changes_labels_without_classifying_and_equals_a_fresh_run(daily):
    pipeline = daily["pipeline"]
    before = pipeline.inquiries()
    audited = before[before["label_origin"] == "model"].head(6)
    other = audited["demand_type"].map(lambda t: "processing_time" if t != "processing_time" else "case_status")
    pd.DataFrame({"inquiry_id": audited["inquiry_id"], "demand_type": other}).to_csv(
        daily["landing"] / "audit.csv", sep=";", index=False
    )
    weeks = set(pd.to_datetime(audited["occurred_at"]).dt.to_period("W-SUN").dt.start_time.dt.date)
    try:
        run = pipeline.run()
        assert (run["classified_this_run"], run["audited"], run["labels_changed"]) == (0, 6, 6)
        assert run["model_version"] == daily["day"]["model_version"]  # audits are never trained on
        assert set(pipeline.done.weeks) <= weeks  # the audited inquiries' weeks, no others
        fresh = Pipeline(daily["root"] / "fresh_audit", daily["landing"], daily["model_dir"])
        scratch, _ = _fresh(fresh)
        pd.testing.assert_frame_equal(pipeline.inquiries(), scratch)
        assert_same_warehouse(pipeline.store, fresh.store)
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
        assert pipeline.done.weeks == daily["history_weeks"]  # a new model re-labels every week
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
        assert_same_warehouse(pipeline.store, scratch.store)
    finally:
        (daily["landing"] / "corrections.csv").unlink()
