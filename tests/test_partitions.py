"""Partitions: days load and weeks publish idempotently, a 12-week backfill is right, late files re-open weeks."""

import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.ingestion.days import new_days_by_source
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB
from onodig.pipelines.orchestration import data_weeks, run_in_order
from onodig.pipelines.plan import Window, plan_days, publish_stale
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse, fingerprints
from onodig.warehouse.sql_models import discover
from tests.conftest import TEST_KEY

FIRST_DAY = date(2026, 1, 1)
TODAY = date(2026, 11, 27)
LATE_FILE = "contacts_20260930.csv"  # a Wednesday in the fifth of the twelve weeks
MARTS = {m.name: list(m.grain) for m in discover() if m.partition_by}


def marts(store: Warehouse) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, grain in MARTS.items():
        frame = store.read_table(name)
        frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
        frames[name] = frame.sort_values(grain, ignore_index=True)
    return frames


def assert_same(left: dict, right: dict, weeks=None) -> None:
    for name in MARTS:
        a, b = left[name], right[name]
        if weeks is not None:
            a, b = (f[f["week_start"].isin(weeks)].reset_index(drop=True) for f in (a, b))
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, obj=name)


def pipeline(root, landing, model_dir):
    settings = resolve(landing=str(landing), data_dir=str(root), environ={})
    shutil.copytree(model_dir, settings.model_dir)
    return build_definitions(settings), Warehouse(settings.warehouse_url)


@pytest.fixture(scope="module")
def twelve_weeks(tmp_path_factory, model_dir):
    with pytest.MonkeyPatch.context() as mp:  # the tests' own key, before the per-test fixture sets it
        mp.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("GX_ANALYTICS_ENABLED", "False")
        return full_run(tmp_path_factory.mktemp("partitions"), model_dir)


def full_run(root, model_dir):
    landing = root / "landing"
    write_landing(GeneratorConfig(weeks=12, per_week=150, seed=21, quirks=False), landing, root / "truth.csv")
    defs, store = pipeline(root / "full", landing, model_dir)
    instance = dg.DagsterInstance.ephemeral()
    result = run_in_order(defs, instance, store, landing, FIRST_DAY, today=TODAY)
    assert result.success and result.job_names == [INGEST_JOB, LINK_JOB, PUBLISH_JOB]
    return {"root": root, "landing": landing, "defs": defs, "store": store, "instance": instance}


def test_the_run_covers_twelve_weeks_as_weekly_partitions(twelve_weeks):
    weeks = data_weeks(twelve_weeks["store"])
    assert (weeks.first, weeks.last) == (date(2026, 8, 31), date(2026, 11, 16))
    instance = twelve_weeks["instance"]
    published = instance.get_materialized_partitions(dg.AssetKey(["marts", "avoidable_demand_weekly"]))
    assert sorted(published) == [d.isoformat() for d in pd.date_range("2026-08-31", periods=12, freq="7D").date]
    loaded = instance.get_materialized_partitions(dg.AssetKey(["ingest", "landed_contacts"]))
    assert {"2026-08-31", "2026-11-22"} <= loaded


def test_a_twelve_week_backfill_in_one_run_equals_twelve_weekly_runs(twelve_weeks):
    store, defs = twelve_weeks["store"], twelve_weeks["defs"]
    backfilled = marts(store)
    assert {len(f["week_start"].unique()) for f in backfilled.values()} == {12}
    for name in MARTS:
        store.execute(f"drop table {name}")
    job = defs.resolve_job_def(PUBLISH_JOB)
    for week in sorted(backfilled["avoidable_demand_weekly"]["week_start"].unique()):
        assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=week.isoformat()).success
    assert_same(backfilled, marts(store))
    # and a week run again changes nothing, in it or in the others
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2026-10-05").success
    assert_same(backfilled, marts(store))


def test_a_day_loaded_again_changes_nothing(twelve_weeks):
    store, defs = twelve_weeks["store"], twelve_weeks["defs"]
    before = store.read("select * from landed_contacts order by contact_id")
    tags = Window(date(2026, 9, 29), date(2026, 10, 1)).tags()
    assert (
        defs.resolve_job_def(INGEST_JOB).execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=tags).success
    )
    after = store.read("select * from landed_contacts order by contact_id")
    pd.testing.assert_frame_equal(before, after)


def test_a_late_file_lands_in_its_day_and_reopens_its_week_and_the_later_ones(twelve_weeks, model_dir):
    root, landing = twelve_weeks["root"], twelve_weeks["landing"]
    partial = root / "partial_landing"
    shutil.copytree(landing, partial)
    held_back = partial / "contacts" / LATE_FILE
    late_rows = held_back.read_text(encoding="utf-8")
    held_back.unlink()
    defs, store = pipeline(root / "late", partial, model_dir)
    instance = dg.DagsterInstance.ephemeral()
    assert run_in_order(defs, instance, store, partial, FIRST_DAY, today=TODAY).success
    before = marts(store)

    (partial / "contacts" / "contacts_20261120_late.csv").write_text(late_rows, encoding="utf-8")
    plan = plan_days(new_days_by_source(partial, store), FIRST_DAY, TODAY)
    assert plan.window == Window(date(2026, 9, 30), date(2026, 9, 30))
    # what the sensors do: load the day, link again, rebuild the weeks it re-opens
    assert defs.resolve_job_def(INGEST_JOB).execute_in_process(instance=instance, tags=plan.window.tags()).success
    assert defs.resolve_job_def(LINK_JOB).execute_in_process(instance=instance).success
    stale = fingerprints.stale_weeks(store)  # the week of the late day and those that look back at it
    assert stale and stale[0] == date(2026, 9, 28) and stale[-1] <= data_weeks(store).last
    for run in publish_stale(stale):
        assert defs.resolve_job_def(PUBLISH_JOB).execute_in_process(instance=instance, tags=run.tags).success

    after, fresh = marts(store), marts(twelve_weeks["store"])
    assert_same(after, fresh)  # as if the file had come on time
    earlier = [date(2026, 8, 31), date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)]
    assert_same(before, after, weeks=earlier)  # the weeks before it were not touched
    late_week = after["avoidable_demand_weekly"]["week_start"] == date(2026, 9, 28)
    grew = after["avoidable_demand_weekly"].loc[late_week, "inquiries"].sum()
    assert grew > before["avoidable_demand_weekly"].loc[late_week, "inquiries"].sum()
