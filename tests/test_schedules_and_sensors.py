"""The weekly schedule and the landing sensor, evaluated as Dagster would."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from pipelines.definitions import defs
from pipelines.jobs import ALL_JOB, INGEST_JOB
from pipelines.resources import LandingResource
from pipelines.schedules import WEEKLY_SCHEDULE, weekly_publication
from pipelines.sensors import new_landing_files


def test_weekly_schedule_runs_monday_six_stockholm_time():
    assert weekly_publication.execution_timezone == "Europe/Stockholm"
    assert weekly_publication.job_name == ALL_JOB
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    )
    requests = list(weekly_publication.evaluate_tick(context).run_requests)
    assert len(requests) == 1
    schedule = defs.resolve_schedule_def(WEEKLY_SCHEDULE)
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


def test_sensor_starts_ingestion_once_per_new_file(tmp_path):
    landing = LandingResource(path=str(tmp_path))
    (tmp_path / "contacts").mkdir()
    context = dg.build_sensor_context(resources={"landing": landing})
    assert isinstance(new_landing_files(context), dg.SkipReason)

    (tmp_path / "contacts" / "contacts_20261127.csv").write_text("contact_id;text\n", encoding="utf-8")
    first = new_landing_files(context)
    assert isinstance(first, dg.RunRequest) and first.run_key
    cursor = json.loads(context.cursor)
    assert list(cursor) == ["contacts/contacts_20261127.csv"]

    again = dg.build_sensor_context(resources={"landing": landing}, cursor=context.cursor)
    assert isinstance(new_landing_files(again), dg.SkipReason)

    (tmp_path / "eservice").mkdir()
    (tmp_path / "eservice" / "eservice_20261127.csv.gz").write_bytes(b"\x1f\x8b")
    second = new_landing_files(again)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key


def test_sensor_and_schedule_are_loaded_with_their_jobs():
    assert defs.resolve_sensor_def("new_landing_files").job_name == INGEST_JOB
    ingest_job = defs.resolve_job_def(INGEST_JOB)
    selected = {key.to_user_string() for key in ingest_job.asset_layer.selected_asset_keys}
    assert "ingest/landed_contacts" in selected and "marts/avoidable_demand_weekly" in selected
    assert "classifier/demand_classifier" not in selected  # new files do not retrain the model
