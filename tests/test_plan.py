"""The run plan: which days to load for the files that landed, which weeks they re-open, which tags carry it."""

from datetime import date

from onodig.ingestion import days as days_module
from onodig.ingestion.days import new_days_by_source, observed_days
from onodig.ingestion.first_day import earliest_landing_day
from onodig.ingestion.load import load_window
from onodig.pipelines import plan
from onodig.pipelines.plan import (
    DAYS_TAG,
    INGEST_JOB,
    LINK_JOB,
    PARTITION_TAG,
    PUBLISH_JOB,
    RANGE_END,
    RANGE_START,
    SOURCES_TAG,
    DayPlan,
    Window,
    days_of_run,
    plan_days,
)

HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"
FIRST, TODAY = date(2026, 1, 1), date(2026, 11, 27)


def contacts_file(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{cid};phone;{at};;Bygglov;60;;;Fråga om ärendet\n" for cid, at in rows)
    (folder / name).write_text(HEADER + body, encoding="utf-8")


def test_a_warehouse_that_has_loaded_nothing_loads_the_days_the_files_hold(tmp_path, warehouse):
    assert plan_days(new_days_by_source(tmp_path, warehouse), FIRST, TODAY) == DayPlan(
        None
    )  # and nothing when nothing landed
    contacts_file(tmp_path / "contacts", "a.csv", [("C1", "2026-03-02 10:00"), ("C2", "2026-02-27T23:30:00Z")])
    assert plan_days(new_days_by_source(tmp_path, warehouse), FIRST, TODAY).window == Window(
        date(2026, 2, 28), date(2026, 3, 2)
    )


def test_after_a_load_only_the_days_of_new_files_and_those_outside_the_partitions_are_counted(
    tmp_path, warehouse, pseudonymiser
):
    contacts_file(tmp_path / "contacts", "a.csv", [("C1", "2026-03-02 10:00")])
    load_window("contacts", tmp_path, warehouse, pseudonymiser, FIRST, date(2026, 11, 28))
    assert plan_days(new_days_by_source(tmp_path, warehouse), FIRST, TODAY) == DayPlan(None)
    contacts_file(
        tmp_path / "contacts",
        "b.csv",
        [
            ("C2", "2026-03-04 10:00"),
            ("C3", "2026-02-27 08:00"),
            ("C4", "2025-12-30 09:00"),
            ("C5", "2027-01-02 09:00"),
        ],
    )
    days = plan_days(new_days_by_source(tmp_path, warehouse), FIRST, TODAY)
    assert days == DayPlan(Window(date(2026, 2, 27), date(2026, 3, 4)), 1, 1, ("contacts",))


def test_many_new_files_read_by_workers_give_the_days_one_process_gives(tmp_path, warehouse, monkeypatch):
    """A first run reads every file's day column before loading: with a worker per core at a
    million inquiries. The workers must find what one process finds, unreadable files included."""
    for day in range(1, 13):
        contacts_file(tmp_path / "contacts", f"c{day:02}.csv", [(f"C{day}", f"2026-03-{day:02} 10:00")])
    (tmp_path / "contacts" / "broken.csv").write_bytes(b"\x00\x01\x02" * 400)  # binary: no days, quarantined
    contacts_file(tmp_path / "eservice", "e.csv", [])  # a source of its own, and an empty file
    contacts_file(tmp_path / "cases", "k.csv", [("K1", "2026-04-01T08:00:00+02:00")])
    monkeypatch.setattr(days_module, "POOL_BYTES", 0)  # these files are small: workers only when told
    one = observed_days(tmp_path, warehouse, processes=1)
    assert one == observed_days(tmp_path, warehouse, processes=2)
    assert one[0]["contacts"] == {date(2026, 3, day) for day in range(1, 13)}
    assert set(one[0]) == {"contacts", "eservice", "cases"} and one[0]["eservice"] == set()
    # the first day a first run starts from is read from the same files, by workers too
    earliest = earliest_landing_day(tmp_path, processes=2)
    assert earliest == earliest_landing_day(tmp_path, processes=1) == date(2026, 2, 23)  # the Monday of March 1


def test_the_days_of_a_run_come_from_the_sensor_a_backfill_or_one_partition():
    assert days_of_run({DAYS_TAG: "2026-03-02..2026-03-04"}) == Window(date(2026, 3, 2), date(2026, 3, 4))
    assert days_of_run({RANGE_START: "2026-03-02", RANGE_END: "2026-03-09"}) == Window(
        date(2026, 3, 2), date(2026, 3, 9)
    )
    assert days_of_run({PARTITION_TAG: "2026-03-05"}) == Window(date(2026, 3, 5), date(2026, 3, 5))
    assert days_of_run({}) is None  # a manual run: the weeks after it are all re-opened


def test_a_file_without_a_readable_day_still_loads_today_so_that_it_is_quarantined():
    assert plan_days({"contacts": set()}, FIRST, TODAY).window == Window(TODAY, TODAY)


def test_the_chain_carries_the_loaded_days_and_sources_to_the_weeks_it_reopens():
    load = plan.load_run(plan_days({"contacts": {date(2026, 10, 1)}}, FIRST, TODAY), run_key="k", new_files=1)
    assert (load.job, load.window, load.run_key) == (INGEST_JOB, Window(date(2026, 10, 1), date(2026, 10, 1)), "k")
    assert load.tags[RANGE_START] == load.tags[RANGE_END] == "2026-10-01"
    link = plan.link_run(load.tags)
    assert (link.job, link.window) == (LINK_JOB, None)
    assert link.tags == {DAYS_TAG: "2026-10-01..2026-10-01", SOURCES_TAG: "contacts"}
    assert plan.load_run(plan_days({}, FIRST, TODAY)) is None  # no new files: no load


def test_the_schedule_publishes_the_week_that_just_ended():
    run = plan.scheduled_run(date(2026, 11, 30))
    assert (run.job, run.window, run.run_key) == (
        PUBLISH_JOB,
        Window(date(2026, 11, 23), date(2026, 11, 23)),
        "week-2026-11-23",
    )


def test_stale_weeks_are_published_in_stretches_and_the_report_week_always():
    weeks = [date(2026, 9, 7), date(2026, 8, 31), date(2026, 10, 5), date(2026, 9, 14)]
    assert plan.week_windows(weeks) == [
        Window(date(2026, 8, 31), date(2026, 9, 14)),
        Window(date(2026, 10, 5), date(2026, 10, 5)),
    ]
    data = Window(date(2026, 8, 31), date(2026, 10, 12))
    runs = plan.publish_stale(weeks, data, report_week=date(2026, 10, 5))
    assert [(r.job, r.window, r.selection) for r in runs] == [
        (PUBLISH_JOB, Window(date(2026, 8, 31), date(2026, 9, 14)), ""),
        (PUBLISH_JOB, Window(date(2026, 10, 5), date(2026, 10, 5)), ""),  # the report week is rebuilt anyway
    ]
    assert runs[0].tags == {RANGE_START: "2026-08-31", RANGE_END: "2026-09-14"}
    # the week the reports are for, not stale: its reports alone
    other = plan.publish_stale(weeks, data, report_week=date(2026, 9, 28))
    assert [(r.window, r.selection) for r in other][-1] == (Window(date(2026, 9, 28), date(2026, 9, 28)), "reports")
    # nothing stale, no covered week: the latest week's reports; no inquiries: nothing at all
    only = plan.publish_stale([], data)
    assert [(r.window, r.selection) for r in only] == [(Window(date(2026, 10, 12), date(2026, 10, 12)), "reports")]
    assert plan.publish_stale([], None) == []


def test_new_inquiries_change_their_week_and_the_look_back_after_them_never_past_the_data():
    days = Window(date(2026, 9, 19), date(2026, 9, 20))  # a Saturday and a Sunday
    assert plan.weeks_after_days(days, 30, Window(date(2026, 8, 31), date(2026, 9, 14))) == [date(2026, 9, 14)]
    assert plan.weeks_after_days(days, 7, Window(date(2026, 8, 31), date(2026, 10, 26))) == [
        date(2026, 9, 14),
        date(2026, 9, 21),
    ]
    assert plan.weeks_after_days(days, 30, None) == [date(2026, 9, 14)]
