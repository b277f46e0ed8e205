"""What the Dagster UI shows: each week's figures on its own partition, readable pages, every table's
columns and rows, and partitions that start where the landing data starts."""

import base64
import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.ingestion import days as days_module
from onodig.ingestion.contract import SOURCES
from onodig.ingestion.first_day import earliest_landing_day
from onodig.ingestion.load import staged_table
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.jobs import PUBLISH_JOB
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.settings import DEFAULT_FIRST_DAY, resolve
from onodig.reports.texts import ROOT_CAUSE_NAMES
from onodig.warehouse import Warehouse
from tests.conftest import TEST_KEY

WEEKLY = dg.AssetKey(["marts", "avoidable_demand_weekly"])
CAUSES = dg.AssetKey(["marts", "root_causes_weekly"])
START = date(2026, 8, 31)  # the generator's first contact day, a Monday


@pytest.fixture(scope="module")
def pages(tmp_path_factory, model_dir):
    root = tmp_path_factory.mktemp("pages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("GX_ANALYTICS_ENABLED", "False")
        landing = root / "landing"
        write_landing(GeneratorConfig(weeks=3, per_week=150, seed=5, quirks=False), landing, root / "truth.csv")
        settings = resolve(landing=str(landing), data_dir=str(root / "data"), environ={})  # no ONODIG_FIRST_DAY
        shutil.copytree(model_dir, settings.model_dir)
        defs = build_definitions(settings)
        instance = dg.DagsterInstance.ephemeral()
        store = Warehouse(settings.warehouse_url)
        result = run_in_order(defs, instance, store, landing, settings.first_day)
        assert result.success
        yield {"settings": settings, "defs": defs, "instance": instance, "store": store, "result": result}


def partition_event(instance, key: dg.AssetKey, partition: str):
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
    ).records
    assert records, f"no materialization of {key.to_user_string()} for {partition}"
    return records[0].event_log_entry


def latest(instance, key: dg.AssetKey) -> dict:
    event = instance.get_latest_materialization_event(key)
    assert event is not None, key
    return event.asset_materialization.metadata


def test_each_week_of_one_run_carries_its_own_shares_per_process(pages):
    store, instance = pages["store"], pages["instance"]
    weekly = store.read_table("avoidable_demand_weekly")
    weekly["week_start"] = pd.to_datetime(weekly["week_start"]).dt.date
    weeks = sorted(weekly["week_start"].unique())
    assert len(weeks) >= 3
    events = {week: partition_event(instance, WEEKLY, week.isoformat()) for week in weeks}
    assert len({event.run_id for event in events.values()}) == 1  # one run over every week ...
    for week, event in events.items():  # ... and still each week's own numbers
        metadata = event.asset_materialization.metadata
        rows = weekly[weekly["week_start"] == week]
        for row in rows.itertuples():
            assert metadata[f"inquiries/{row.process}"].value == row.inquiries
            assert metadata[f"share/{row.process}"].value == pytest.approx(row.avoidable_share, abs=5e-5)
        assert metadata["inquiries/total"].value == rows["inquiries"].sum()
        assert metadata["share/total"].value == pytest.approx(
            rows["avoidable_inquiries"].sum() / rows["inquiries"].sum(), abs=5e-5
        )
        assert metadata["dagster/row_count"].value == len(rows)
    shares = [events[w].asset_materialization.metadata["share/total"].value for w in weeks]
    assert len(set(shares)) > 1  # not one run-wide value copied onto every week


def test_the_latest_weekly_page_has_a_chart_and_readable_tables(pages):
    metadata = latest(pages["instance"], WEEKLY)
    chart = metadata["trend_chart"].value
    assert chart.startswith("![") and "data:image/png;base64," in chart
    png = base64.b64decode(chart.split("base64,", 1)[1].rstrip(")"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    table = metadata["latest_week_by_process"].value
    processes = pages["store"].read("select process, name from process_settings")
    rows = [record.data for record in table.records]
    shown = {row["Process"] for row in rows}
    in_mart = set(pages["store"].read("select distinct process from avoidable_demand_weekly")["process"])
    assert shown == set(processes.set_index("process").loc[sorted(in_mart), "name"])
    for row in rows:
        assert row["Andel onödig"].endswith(" %") and "e+" not in row["Förfrågningar"]
    last = max(pd.to_datetime(pages["store"].read("select week_start from avoidable_demand_weekly")["week_start"]))
    assert metadata["latest_week"].value.startswith("v. ") and last.date().isoformat() in metadata["latest_week"].value
    mondays = [record.data["Måndag"] for record in metadata["share_by_week"].value.records]
    assert len(mondays) == len(set(mondays)) >= 3 and mondays[-1] == last.date().isoformat()  # dates, no 00:00:00
    for record in metadata["demand_mix_all_weeks"].value.records:  # summed counts read as counts, not 29,00
        assert all(value.replace(" ", "").isdigit() for name, value in record.data.items() if name != "process")
    assert not any(
        isinstance(value, dg.MarkdownMetadataValue) for name, value in metadata.items() if name != "trend_chart"
    )


def test_the_root_cause_page_names_every_cause_and_lever_in_swedish(pages):
    store = pages["store"]
    table = latest(pages["instance"], CAUSES)["root_causes_12_weeks"].value
    rows = [record.data for record in table.records]
    causes = store.read("select distinct process, demand_type, root_cause from root_causes_weekly")
    assert len(rows) == len(causes) > 3  # every cause of every process, not a top three
    swedish = set(ROOT_CAUSE_NAMES["sv"].values())
    assert {row["Orsak"] for row in rows} <= swedish
    assert not {row["Orsak"] for row in rows} & set(causes["root_cause"])  # no keys like case_delayed
    levers = set(store.read("select lever_name from root_cause_levers")["lever_name"]) | {
        ROOT_CAUSE_NAMES["sv"]["unknown"]
    }
    assert {row["Åtgärd"] for row in rows} <= levers


def test_every_table_asset_shows_its_columns_and_rows(pages):
    store, instance = pages["store"], pages["instance"]
    graph = pages["defs"].resolve_asset_graph()
    tables = set(store.read("select table_name from information_schema.tables")["table_name"])
    checked = []
    for key in graph.get_all_asset_keys():
        table = key.path[-1]
        if table not in tables:
            continue
        metadata = latest(instance, key)
        schema = metadata["dagster/column_schema"].value
        assert [column.name for column in schema.columns] == store.columns(table), key
        count = metadata["dagster/row_count"].value
        if graph.get(key).partitions_def is None or key.path[0] == "ingest":
            assert count == store.scalar(f'select count(*) from "{table}"'), key
        checked.append(table)
    assert {"landed_contacts", "ingest_manifest", "inquiries", "inquiry_predictions", "process_map"} <= set(checked)
    assert {"avoidable_demand_weekly", "int_root_causes", "stg_case_events", "classifier_confusion"} <= set(checked)


def test_the_partitions_start_at_the_mondays_of_the_landing_datas_first_week(pages):
    settings, graph = pages["settings"], pages["defs"].resolve_asset_graph()
    store = pages["store"]
    days = [
        pd.to_datetime(store.scalar(f"select min({source.day}) from {staged_table(name)}")).date()
        for name, source in SOURCES.items()
    ]
    first = min(days)
    assert settings.first_day == first - pd.Timedelta(days=first.weekday()) and settings.first_day <= START
    for key in (WEEKLY, dg.AssetKey(["ingest", "landed_contacts"])):
        assert graph.get(key).partitions_def.get_first_partition_key() == settings.first_day.isoformat()


def write_export(folder, name: str, header: str, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_the_first_day_is_the_earliest_export_row_unless_set(tmp_path):
    landing = tmp_path / "landing"
    header = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text"
    write_export(landing / "contacts", "a.csv", header, ["C1;phone;2026-03-12 09:00:00;;bygglov;60;;;fråga"])
    write_export(
        landing / "eservice",
        "b.csv",
        "submission_id;submitted_at;citizen_id;service;case_ref;text",
        ["S1;2026-03-05 10:00:00;;bygglov;;ansökan"],
    )
    assert resolve(landing=str(landing), environ={}).first_day == date(2026, 3, 2)  # Thursday 5th: its Monday
    explicit = resolve(landing=str(landing), environ={"ONODIG_FIRST_DAY": "2026-01-15"})
    assert explicit.first_day == date(2026, 1, 15)
    (tmp_path / "empty").mkdir()
    for nothing in (tmp_path / "empty", tmp_path / "not_there"):
        settings = resolve(landing=str(nothing), data_dir=str(tmp_path / "data"), environ={})
        assert settings.first_day == DEFAULT_FIRST_DAY
        weeks = build_definitions(settings).resolve_job_def(PUBLISH_JOB).partitions_def
        assert weeks.get_first_partition_key() == "2024-12-30"  # 2025-01-01's Monday


def test_files_the_manifest_knows_are_not_read_again(pages, monkeypatch):
    settings = pages["settings"]
    pages["store"].close()  # as the UI would find it: no run holding the DuckDB file

    def unread(path, source):
        raise AssertionError(f"{path} was read although the manifest knows it")

    monkeypatch.setattr(days_module, "file_days", unread)  # what days_of_files reads a file with
    for processes in (1, 2):
        assert earliest_landing_day(settings.landing, settings.warehouse_url, TEST_KEY, processes) == settings.first_day
