"""The plan: which days to load for the files that landed, and which weeks they re-open."""

from datetime import date

from onodig.ingestion.load import load_window
from onodig.pipelines.orchestration import DayPlan, Window, plan_days, reopened_weeks

HEADER = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"
FIRST, TODAY = date(2026, 1, 1), date(2026, 11, 27)


def contacts_file(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{cid};phone;{at};;Bygglov;60;;;Fråga om ärendet\n" for cid, at in rows)
    (folder / name).write_text(HEADER + body, encoding="utf-8")


def test_a_warehouse_that_has_loaded_nothing_loads_the_days_the_files_hold(tmp_path, warehouse):
    assert plan_days(tmp_path, warehouse, FIRST, TODAY) == DayPlan(None)  # and nothing when nothing landed
    contacts_file(tmp_path / "contacts", "a.csv", [("C1", "2026-03-02 10:00"), ("C2", "2026-02-27T23:30:00Z")])
    assert plan_days(tmp_path, warehouse, FIRST, TODAY).window == Window(date(2026, 2, 28), date(2026, 3, 2))


def test_after_a_load_only_the_days_of_new_files_and_those_outside_the_partitions_are_counted(
    tmp_path, warehouse, pseudonymiser
):
    contacts_file(tmp_path / "contacts", "a.csv", [("C1", "2026-03-02 10:00")])
    load_window("contacts", tmp_path, warehouse, pseudonymiser, FIRST, date(2026, 11, 28))
    assert plan_days(tmp_path, warehouse, FIRST, TODAY) == DayPlan(None)
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
    plan = plan_days(tmp_path, warehouse, FIRST, TODAY)
    assert plan == DayPlan(Window(date(2026, 2, 27), date(2026, 3, 4)), before_first_day=1, after_today=1)


def test_weeks_reopen_from_the_first_changed_week_or_all_of_them():
    weeks = Window(date(2026, 8, 31), date(2026, 11, 16))
    changed = Window(date(2026, 9, 30), date(2026, 10, 2))
    assert reopened_weeks(changed, weeks, {"contacts", "invoices"}) == Window(date(2026, 9, 28), date(2026, 11, 16))
    assert reopened_weeks(changed, weeks, {"cases"}) == weeks
    assert reopened_weeks(None, weeks, None) == weeks
    assert reopened_weeks(Window(date(2026, 12, 1), date(2026, 12, 1)), weeks, {"contacts"}) is None
    assert reopened_weeks(changed, None, {"contacts"}) is None


def test_the_days_of_a_run_come_from_the_sensor_a_backfill_or_one_partition():
    from onodig.pipelines.orchestration import DAYS_TAG, PARTITION_TAG, RANGE_END, RANGE_START, days_of_run

    assert days_of_run({DAYS_TAG: "2026-03-02..2026-03-04"}) == Window(date(2026, 3, 2), date(2026, 3, 4))
    assert days_of_run({RANGE_START: "2026-03-02", RANGE_END: "2026-03-09"}) == Window(
        date(2026, 3, 2), date(2026, 3, 9)
    )
    assert days_of_run({PARTITION_TAG: "2026-03-05"}) == Window(date(2026, 3, 5), date(2026, 3, 5))
    assert days_of_run({}) is None  # a manual run: the weeks after it are all re-opened
