"""The weekly schedule and the landing sensor, evaluated as Dagster would."""

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from onodig.assets.resources import LandingResource, PseudonymResource, WarehouseResource
from onodig.pipelines.definitions import build_definitions, defs
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB
from onodig.pipelines.plan import DAYS_TAG, RANGE_END, RANGE_START, SOURCES_TAG
from onodig.pipelines.schedules import WEEKLY_SCHEDULE
from onodig.pipelines.sensors import LANDING_SENSOR, LINK_SENSOR, PARTITIONS_KEY, PUBLISH_SENSOR
from onodig.pipelines.settings import resolve

HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"


def test_weekly_schedule_runs_monday_six_stockholm_time_for_the_week_just_ended():
    schedule = defs.resolve_schedule_def(WEEKLY_SCHEDULE)
    assert schedule.execution_timezone == "Europe/Stockholm"
    assert schedule.job_name == PUBLISH_JOB
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    )
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert len(requests) == 1
    assert (requests[0].tags[RANGE_START], requests[0].tags[RANGE_END]) == ("2026-11-23", "2026-11-23")
    assert schedule.cron_schedule == "0 6 * * 1"
    # across the switch to summer time (29 March 2026) it stays 06:00 in Stockholm
    ticks = cron_string_iterator(
        dt.datetime(2026, 3, 20, tzinfo=ZoneInfo("Europe/Stockholm")).timestamp(),
        schedule.cron_schedule,
        "Europe/Stockholm",
    )
    first, second = next(ticks), next(ticks)
    assert [(t.weekday(), t.hour, t.minute) for t in (first, second)] == [(0, 6, 0), (0, 6, 0)]
    assert (first.utcoffset().total_seconds(), second.utcoffset().total_seconds()) == (3600, 7200)


def sensor_resources(tmp_path) -> dict:
    return {
        "landing": LandingResource(path=str(tmp_path)),
        "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}"),
        "pseudonym": PseudonymResource(key="sensor-test-key"),
    }


def test_landing_sensor_loads_the_days_new_files_hold_once_per_file(tmp_path):
    sensor = defs.resolve_sensor_def(LANDING_SENSOR)
    resources = sensor_resources(tmp_path)
    (tmp_path / "contacts").mkdir()
    context = dg.build_sensor_context(resources=resources)
    assert isinstance(sensor(context), dg.SkipReason)

    rows = "C1;phone;2026-11-02 09:00;;Bygglov;60;;;Fråga\nC2;phone;2026-10-30 16:00;;Bygglov;60;;;Fråga\n"
    (tmp_path / "contacts" / "contacts_20261102.csv").write_text(HEADER + rows, encoding="utf-8")
    first = sensor(context)
    assert isinstance(first, dg.RunRequest) and first.run_key
    assert (first.tags[RANGE_START], first.tags[RANGE_END]) == ("2026-10-30", "2026-11-02")  # a late row too
    assert first.tags[DAYS_TAG] == "2026-10-30..2026-11-02"
    # the sensor's process has let go of the DuckDB file: the run it starts, another process, can write
    write = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('create table run_writes (x int)')"
    assert subprocess.run([sys.executable, "-c", write, str(tmp_path / "w.duckdb")], timeout=60).returncode == 0
    assert [name for name in json.loads(context.cursor) if name != PARTITIONS_KEY] == ["contacts/contacts_20261102.csv"]

    again = dg.build_sensor_context(resources=resources, cursor=context.cursor)
    assert isinstance(sensor(again), dg.SkipReason)

    (tmp_path / "eservice").mkdir()
    (tmp_path / "eservice" / "eservice_20261127.csv.gz").write_bytes(b"\x1f\x8b")  # unreadable: no days
    second = sensor(again)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key
    # nothing has loaded the contacts yet, so their days are asked for again; the broken file adds none
    assert (second.tags[RANGE_START], second.tags[RANGE_END]) == ("2026-10-30", "2026-11-02")


def test_a_new_file_without_readable_days_still_starts_a_load_that_quarantines_it(tmp_path):
    sensor = defs.resolve_sensor_def(LANDING_SENSOR)
    resources = sensor_resources(tmp_path)
    (tmp_path / "eservice").mkdir()
    (tmp_path / "eservice" / "eservice_20261127.csv.gz").write_bytes(b"\x1f\x8b")
    request = sensor(dg.build_sensor_context(resources=resources))
    last_day = defs.resolve_job_def(INGEST_JOB).partitions_def.get_last_partition_key()
    assert request.tags[RANGE_START] == request.tags[RANGE_END] == last_day  # today's partition


def test_known_files_days_that_no_load_covered_start_a_load_when_the_partitions_move(tmp_path, pseudonymiser):
    from datetime import date

    from onodig.ingestion.load import load_window
    from onodig.warehouse import Warehouse

    sensor = defs.resolve_sensor_def(LANDING_SENSOR)
    resources = sensor_resources(tmp_path)
    (tmp_path / "contacts").mkdir()
    rows = "C1;phone;2026-11-02 09:00;;Bygglov;60;;;Fråga\nC2;phone;2026-10-30 16:00;;Bygglov;60;;;Fråga\n"
    (tmp_path / "contacts" / "contacts_20261102.csv").write_text(HEADER + rows, encoding="utf-8")
    with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as store:  # only 2 November was a partition then
        load_window("contacts", tmp_path, store, pseudonymiser, date(2026, 11, 2), date(2026, 11, 3))
    context = dg.build_sensor_context(resources=resources)
    assert sensor(context).tags[DAYS_TAG] == "2026-10-30..2026-10-30"  # the day the file still waits for
    assert isinstance(sensor(dg.build_sensor_context(resources=resources, cursor=context.cursor)), dg.SkipReason)
    stale = {**json.loads(context.cursor), PARTITIONS_KEY: ["2026-01-01", "2026-11-01"]}  # yesterday's tick
    again = sensor(dg.build_sensor_context(resources=resources, cursor=json.dumps(stale)))
    assert isinstance(again, dg.RunRequest) and again.tags[DAYS_TAG] == "2026-10-30..2026-10-30"


def _finished_run(instance, job_name, tags, settings):
    """A real, successful run of a job, as the run-status sensors see it."""
    definitions = build_definitions(settings)
    result = definitions.resolve_job_def(job_name).execute_in_process(instance=instance, tags=tags)
    assert result.success
    return instance.get_run_by_id(result.run_id), result.get_run_success_event()


def test_each_job_success_starts_the_next_with_the_weeks_whose_marts_are_stale(tmp_path):
    from datetime import date

    from onodig.warehouse import Warehouse
    from onodig.warehouse.fingerprints import record_window
    from onodig.warehouse.sql_models import discover, run_model_window, run_upto
    from tests.sql_given import given, inquiries

    (tmp_path / "landing").mkdir()
    settings = resolve(landing=str(tmp_path / "landing"), data_dir=str(tmp_path / "data"), environ={})
    instance = dg.DagsterInstance.ephemeral()
    days = {
        RANGE_START: "2026-10-21",
        RANGE_END: "2026-10-22",
        DAYS_TAG: "2026-10-21..2026-10-22",
        SOURCES_TAG: "cases,contacts",
    }
    run, event = _finished_run(instance, INGEST_JOB, days, settings)
    store = Warehouse(settings.warehouse_url)  # after the load of an empty landing folder: its tables exist
    given(
        store,
        inquiries(
            {"inquiry_id": "contacts:1", "occurred_at": "2026-10-06 10:00", "demand_type": "case_status"},
            {"inquiry_id": "contacts:2", "occurred_at": "2026-10-21 09:00", "demand_type": "invoice_status"},
            {"inquiry_id": "contacts:3", "occurred_at": "2026-11-04 09:00"},
            {"inquiry_id": "contacts:4", "occurred_at": "2026-11-18 09:00"},
        ),
    )
    run_upto("int_root_causes", store)
    for mart in (m for m in discover() if m.partition_by):  # every week built once, as after a first run
        run_model_window(mart, store, date(2026, 10, 5), date(2026, 11, 23))
        record_window(mart, store, date(2026, 10, 5), date(2026, 11, 23))

    link = defs.resolve_sensor_def(LINK_SENSOR)
    request = link(dg.build_run_status_sensor_context(LINK_SENSOR, event, instance, run))
    assert request.tags[DAYS_TAG] == "2026-10-21..2026-10-22" and request.tags[SOURCES_TAG] == "cases,contacts"

    publish = defs.resolve_sensor_def(PUBLISH_SENSOR)

    def publishes():
        linked = dg.DagsterRun(job_name=LINK_JOB, run_id=run.run_id, tags=request.tags)
        resources = {"warehouse": WarehouseResource(url=settings.warehouse_url)}
        out = publish(dg.build_run_status_sensor_context(PUBLISH_SENSOR, event, instance, linked, resources=resources))
        out = out if isinstance(out, list) else [out]
        return [
            (r.tags[RANGE_START], r.tags[RANGE_END], bool(r.asset_selection))
            for r in out
            if isinstance(r, dg.RunRequest)
        ]

    # nothing changed since the marts were built: the reports of the latest week only (the exports cover none)
    assert publishes() == [("2026-11-16", "2026-11-16", True)]
    # the linked rows of two weeks apart changed (a late file, an audit): those weeks, each its own run,
    # not every week from the first changed one on, nor every week because case events came with them
    store.execute("update inquiries set demand_type = 'case_status' where inquiry_id in ('contacts:2', 'contacts:4')")
    run_upto("int_root_causes", store)
    assert publishes() == [("2026-10-19", "2026-10-19", False), ("2026-11-16", "2026-11-16", False)]
