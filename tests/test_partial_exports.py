"""Exports that arrive one source at a time: every subset of the four sources loads and publishes what it can."""

import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from onodig.assets.ingest import ingest_key
from onodig.assets.resources import LandingResource, PseudonymResource, WarehouseResource
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.sensors import LANDING_SENSOR, LINK_SENSOR, PUBLISH_SENSOR
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.conftest import TEST_KEY

FIRST_DAY = date(2026, 1, 1)
TODAY = date(2026, 11, 27)
SOURCES = ("contacts", "eservice", "cases", "invoices")


@pytest.fixture(scope="module")
def full_landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("partial")
    write_landing(GeneratorConfig(weeks=2, per_week=150, seed=11, quirks=False), root / "landing", root / "truth.csv")
    return root / "landing", pd.read_csv(root / "truth.csv", dtype=str)


def delivered(full_landing, tmp_path, sources):
    landing, truth = full_landing
    partial = tmp_path / "landing"
    partial.mkdir()
    for source in sources:
        shutil.copytree(landing / source, partial / source)
    return partial, truth[truth["source"].isin(sources)]


def run(tmp_path, landing, model_dir, instance=None):
    settings = resolve(landing=str(landing), data_dir=str(tmp_path / "data"), environ={})
    if not settings.model_dir.exists():
        shutil.copytree(model_dir, settings.model_dir)
    instance = instance or dg.DagsterInstance.ephemeral()
    store = Warehouse(settings.warehouse_url)
    result = run_in_order(build_definitions(settings), instance, store, landing, FIRST_DAY, today=TODAY)
    return result, store, settings, instance


def materialization_metadata(result, key: dg.AssetKey) -> dict:
    events = [e for e in result.all_events if e.is_step_materialization and e.asset_key == key]
    return events[-1].event_specific_data.materialization.metadata


@pytest.mark.parametrize(
    "sources",
    [("contacts", "eservice"), ("contacts",), ("eservice",)],
    ids=["no_cases_no_invoices", "contacts", "eservice"],
)
def test_a_partial_delivery_publishes_every_inquiry_once(full_landing, tmp_path, model_dir, sources, monkeypatch):
    monkeypatch.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
    landing, truth = delivered(full_landing, tmp_path, sources)
    result, store, settings, _ = run(tmp_path, landing, model_dir)

    assert result.success and result.job_names == [INGEST_JOB, LINK_JOB, PUBLISH_JOB]
    inquiries = store.read("select inquiry_id from inquiries")
    assert inquiries["inquiry_id"].is_unique
    assert set(inquiries["inquiry_id"]) == set(truth["inquiry_id"])
    # the sources not delivered are empty tables, so linkage is empty rather than missing
    for source in set(SOURCES) - set(sources):
        assert store.scalar(f"select count(*) from landed_{source}") == 0
    assert store.scalar("select count(*) from int_case_links") == 0
    assert store.scalar("select count(*) from int_invoice_links") == 0
    cases = materialization_metadata(result, ingest_key("cases"))
    assert cases["status"].value.startswith("no case events delivered yet")
    assert materialization_metadata(result, ingest_key(sources[0]))["status"].value == "delivered"
    # each weekly report says which exports are missing
    pages = list(settings.outbox.glob("*/*.html"))
    assert pages
    page = pages[0].read_text(encoding="utf-8")
    assert "Exporter som inte har levererats än" in page and "ärendehändelserna" in page and "fakturorna" in page
    reports = [e for e in result.all_events if e.is_step_materialization and e.asset_key.path[0] == "reports"]
    assert "cases" in reports[-1].event_specific_data.materialization.metadata["exports_not_delivered"].value


def test_cases_and_invoices_delivered_later_fill_the_empty_tables(full_landing, tmp_path, model_dir, monkeypatch):
    monkeypatch.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
    landing, _ = delivered(full_landing, tmp_path, ("contacts", "eservice"))
    first, store, settings, instance = run(tmp_path, landing, model_dir)
    assert first.success

    # a first `onodig serve` on the same instance starts nothing: the manifest holds every file
    resources = {
        "landing": LandingResource(path=str(landing)),
        "warehouse": WarehouseResource(url=settings.warehouse_url),
        "pseudonym": PseudonymResource(key=TEST_KEY),
    }
    defs = build_definitions(settings)
    landing_sensor = defs.resolve_sensor_def(LANDING_SENSOR)
    assert isinstance(landing_sensor(dg.build_sensor_context(instance=instance, resources=resources)), dg.SkipReason)
    for name in (LINK_SENSOR, PUBLISH_SENSOR):
        tick = defs.resolve_sensor_def(name).evaluate_tick(
            dg.build_sensor_context(instance=instance, resources=resources, definitions=defs)
        )
        assert tick.run_requests == [], name

    for source in ("cases", "invoices"):
        shutil.copytree(full_landing[0] / source, landing / source)
    second, store, _, _ = run(tmp_path, landing, model_dir, instance)
    assert second.success
    assert store.scalar("select count(*) from landed_cases") > 0
    assert store.scalar("select count(*) from int_case_links") > 0
    assert store.scalar("select count(*) from int_invoice_links") > 0
    page = next(settings.outbox.glob("*/*.html")).read_text(encoding="utf-8")
    assert "Exporter som inte har levererats än" not in page
