"""SQL models: dependencies from the SQL, dbt-style unit tests with given rows and expected rows."""

import pandas as pd
import pytest

from onodig.warehouse.sql_models import (
    discover,
    failing_rows_query,
    referenced_tables,
    run_model,
    run_upto,
    transpile,
)
from tests.sql_given import given, inquiries


def test_dependencies_are_parsed_from_sql_not_listed():
    sql = "with inquiries as (select * from inquiries), x as (select * from inquiries join cases using (case_ref)) select * from x"
    assert referenced_tables(sql) == ("cases", "inquiries")
    weekly = {m.name: m for m in discover()}["avoidable_demand_weekly"]
    assert weekly.depends_on == ("classifier_correction", "int_inquiries")  # rows of its own week only
    assert weekly.grain == ("process", "week_start")


def test_weekly_sql_transpiles_for_postgres():
    models = {m.name: m for m in discover()}
    assert "DOUBLE PRECISION" in transpile(models["avoidable_demand_weekly"].sql, "postgresql")
    assert "DATE_TRUNC('WEEK'" in transpile(models["int_inquiries"].sql, "postgresql")  # where the week is set


def test_avoidable_demand_weekly_groups_by_process_and_iso_week(warehouse):
    rows = inquiries(
        {"inquiry_id": "contacts:1", "occurred_at": "2026-03-02 08:00", "demand_type": "case_status"},  # Monday
        {"inquiry_id": "contacts:2", "occurred_at": "2026-03-08 23:59", "needs_review": True},  # Sunday, same week
        {"inquiry_id": "contacts:3", "occurred_at": "2026-03-09 00:01", "demand_type": "invoice_status"},  # next Monday
        {
            "inquiry_id": "eservice:4",
            "occurred_at": "2026-03-04 12:00",
            "process": "forskola",
            "demand_type": "duplicate_request",
            "label_origin": "behaviour",
        },
    )
    given(warehouse, rows)
    weekly = {m.name: m for m in discover()}["avoidable_demand_weekly"]
    assert run_upto(weekly.name, warehouse)[-1] == weekly.name  # after int_inquiries, which it reads
    assert warehouse.scalar("select count(*) from avoidable_demand_weekly") == 3
    out = warehouse.read("select * from avoidable_demand_weekly order by process, week_start")
    out["week_start"] = pd.to_datetime(out["week_start"]).dt.date
    expected = pd.DataFrame(
        {
            "process": ["bygglov", "bygglov", "forskola"],
            "week_start": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-02"]).date,
            "inquiries": [2, 1, 1],
            "avoidable_inquiries": [1, 1, 1],
            "avoidable_share": [0.5, 1.0, 1.0],
            "n_invoice_status": [0, 1, 0],
            "n_case_status": [1, 0, 0],
            "n_duplicate_request": [0, 0, 1],
            "n_value_demand": [1, 0, 0],
            "needs_review": [1, 0, 0],
        }
    )
    assert out["avoidable_share"].tolist() == pytest.approx(expected.pop("avoidable_share").tolist())
    for column in expected.columns:
        assert out[column].tolist() == expected[column].tolist(), column
    assert {f"n_{k}" for k in ["missing_information", "processing_time"]} <= set(out.columns)
    for test in weekly.tests:
        assert warehouse.scalar(failing_rows_query(weekly, test)) == 0, test.name


def test_a_misspelt_yml_test_is_an_error_not_a_silent_skip(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "m.sql").write_text("select 1 as x", encoding="utf-8")
    (tmp_path / "marts" / "m.yml").write_text("columns:\n  - name: x\n    tests: [uniqe]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown test 'uniqe'"):
        discover(tmp_path)


def test_a_weekly_window_is_replaced_and_the_other_weeks_are_left_alone(warehouse, tmp_path):
    from dataclasses import replace
    from datetime import date

    from onodig.warehouse.sql_models import run_model_window

    given(
        warehouse,
        inquiries(
            {"inquiry_id": "contacts:1", "occurred_at": "2026-03-02 08:00"},
            {"inquiry_id": "contacts:2", "occurred_at": "2026-03-10 08:00"},
        ),
    )
    models = {m.name: m for m in discover()}
    weekly = models["avoidable_demand_weekly"]
    run_model(models["int_inquiries"], warehouse)  # the rows the mart reads
    assert weekly.partition_by == "week_start"
    second_week = (date(2026, 3, 9), date(2026, 3, 16))
    assert run_model_window(weekly, warehouse, *second_week) == (1, 1, False)  # only its own week
    assert run_model_window(weekly, warehouse, date(2026, 3, 2), date(2026, 3, 9)) == (1, 2, False)
    first = warehouse.read("select * from avoidable_demand_weekly order by week_start")
    assert run_model_window(weekly, warehouse, *second_week)[:2] == (1, 2)  # twice: the same rows
    pd.testing.assert_frame_equal(first, warehouse.read("select * from avoidable_demand_weekly order by week_start"))
    # a late inquiry in each week; only the second week is rebuilt, so only it counts its late one
    for late, like in (("contacts:8", "contacts:1"), ("contacts:9", "contacts:2")):
        warehouse.execute(
            f"insert into inquiries select * replace ('{late}' as inquiry_id) from inquiries where inquiry_id = '{like}'"
        )
    run_model(models["int_inquiries"], warehouse)
    run_model_window(weekly, warehouse, *second_week)
    counts = warehouse.read("select week_start, inquiries from avoidable_demand_weekly order by week_start")
    assert counts["inquiries"].tolist() == [1, 2]
    fewer = replace(weekly, sql=f"select process, week_start, inquiries from ({weekly.sql}) as w")
    assert run_model_window(fewer, warehouse, *second_week) == (1, 1, True)  # columns changed: created again
