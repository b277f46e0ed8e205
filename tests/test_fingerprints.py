"""A week is stale when what its marts were built from changed, and only then: on DuckDB and PostgreSQL."""

from datetime import date

import pandas as pd
import pytest

from onodig.warehouse import Warehouse
from onodig.warehouse.fingerprints import Inputs, record_window, stale_weeks
from onodig.warehouse.sql_models import discover, run_model_window, run_upto
from tests.sql_given import given, inquiries

FIRST, SECOND, AFTER = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)


@pytest.fixture
def store(store_on_each_backend):
    return store_on_each_backend


def weekly_marts():
    return [m for m in discover() if m.partition_by]


def build(store: Warehouse, start: date, end: date) -> None:
    """The intermediate tables again, then the weekly marts' window, as onodig run does."""
    run_upto("int_root_causes", store)
    for mart in weekly_marts():
        run_model_window(mart, store, start, end)
        record_window(mart, store, start, end)


def test_only_the_weeks_whose_inputs_changed_are_stale(store):
    rows = inquiries(
        {"inquiry_id": "contacts:1", "occurred_at": "2026-03-02 08:00", "demand_type": "case_status"},
        {"inquiry_id": "contacts:2", "occurred_at": "2026-03-10 08:00", "demand_type": "invoice_status"},
        {"inquiry_id": "contacts:3", "occurred_at": "2026-03-11 08:00"},
    )
    given(store, rows)
    assert stale_weeks(store) == []  # no intermediate tables: nothing to build marts from
    run_upto("int_root_causes", store)
    assert stale_weeks(store) == [FIRST, SECOND]  # no mart built yet
    build(store, FIRST, AFTER)
    assert stale_weeks(store) == []

    # an inquiry of the second week re-labelled (an audit, say): that week, not the first
    store.execute("update inquiries set demand_type = 'case_status' where inquiry_id = 'contacts:3'")
    run_upto("int_root_causes", store)
    assert stale_weeks(store) == [SECOND]
    build(store, SECOND, AFTER)
    assert stale_weeks(store) == []

    # a column of an every-week table that no mart reads changes nothing; a weight moves every week
    store.execute("alter table classifier_correction add column audited integer")
    store.execute("update classifier_correction set audited = 6")
    assert stale_weeks(store) == []
    store.execute("update classifier_correction set weight = weight * 0.5 where true_type = predicted_type")
    assert stale_weeks(store) == [FIRST, SECOND]


def test_a_week_that_lost_its_rows_is_stale_and_its_rows_go(store):
    given(
        store,
        inquiries(
            {"inquiry_id": "contacts:1", "occurred_at": "2026-03-02 08:00"},
            {"inquiry_id": "contacts:2", "occurred_at": "2026-03-10 08:00"},
        ),
    )
    build(store, FIRST, AFTER)
    store.execute("delete from inquiries where inquiry_id = 'contacts:2'")
    run_upto("int_root_causes", store)
    assert stale_weeks(store) == [SECOND]
    build(store, SECOND, AFTER)
    assert stale_weeks(store) == []
    assert store.scalar("select count(*) from avoidable_demand_weekly where week_start >= date '2026-03-09'") == 0


def test_a_weeks_fingerprint_is_its_rows_in_any_order_and_changes_when_two_rows_trade_a_value(store):
    """What a week's rows are summed up by (DuckDB's hash, PostgreSQL's MD5): order-free, value-exact."""

    def fingerprint(rows: list[tuple]) -> str:
        frame = pd.DataFrame(rows, columns=["inquiry_id", "hours", "root_cause"])
        store.replace("weekly_rows", frame.assign(week_start=pd.Timestamp(FIRST)))
        return Inputs(store).weekly("weekly_rows")[FIRST]

    rows = [("contacts:1", 0.5, "case_delayed"), ("contacts:2", 1.0, None), ("contacts:3", 0.5, "case_delayed")]
    first = fingerprint(rows)
    assert fingerprint(list(reversed(rows))) == first
    assert fingerprint([("contacts:1", 1.0, "case_delayed"), ("contacts:2", 0.5, None), rows[2]]) != first
    assert fingerprint([rows[0], ("contacts:2", 1.0, ""), rows[2]]) != first  # an empty string is not a null
    assert fingerprint([*rows, rows[2]]) != first  # a row twice is not the row once
