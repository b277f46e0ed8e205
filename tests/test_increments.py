"""The incremental intermediate models rebuild only the inquiries their changed inputs reach, and
their tables then hold what their queries give over the inputs as they are: on DuckDB and PostgreSQL."""

import pandas as pd
import pytest

from onodig.warehouse import Warehouse, increments
from onodig.warehouse.sql_models import discover, run_model, run_upto, transpile
from tests.sql_given import case_events, given, inquiries, invoices

INCREMENTAL = ("int_inquiries", "int_case_links", "int_root_causes")
MODELS = {m.name: m for m in discover()}


@pytest.fixture
def store(store_on_each_backend):
    return store_on_each_backend


def history():
    """Eight citizens, two processes, cases and invoices to link to: enough that a change is a small
    share (more than half the inquiries rebuilt would build the table whole)."""
    rows, events = [], []
    for n, citizen in enumerate(f"c_{letter}" for letter in "abcdefgh"):
        events += [(f"BYGG {n}", "Bygglov", citizen, "opened", f"2026-02-0{1 + n % 5} 10:00")]
        if n % 2:
            events += [(f"BYGG {n}", "Bygglov", citizen, "decided", f"2026-03-{10 + n:02d} 10:00")]
        for day, demand_type in ((3, "case_status"), (9, "missing_information"), (16, "duplicate_request")):
            rows.append(
                {
                    "inquiry_id": f"contacts:{n}-{day}",
                    "occurred_at": f"2026-03-{day + n % 3:02d} 09:00",
                    "demand_type": demand_type,
                    "citizen_key": citizen,
                }
            )
        rows += [
            {
                "inquiry_id": f"contacts:{n}-bill{day}",
                "occurred_at": f"2026-03-{day} 09:00",
                "demand_type": "invoice_status",
                "process": "va_avfall",
                "citizen_key": citizen,
            }
            for day in (20, 24, 27, 30)
        ]
    bills = invoices(
        *[
            {"invoice_ref": f"F{n}", "citizen_key": f"c_{c}", "invoice_type": "VA-avgift", "issued_at": "2026-03-01"}
            for n, c in enumerate("abcd")
        ]
    )
    return inquiries(*rows), case_events(*events), bills


def build(store: Warehouse) -> dict[str, increments.Built]:
    """The intermediate models in order, as the assets run them, with what each incremental one did."""
    run_upto("int_decision_times", store)
    run_upto("int_invoices", store)
    done = {"int_inquiries": increments.build(MODELS["int_inquiries"], store)}
    run_model(MODELS["int_invoice_links"], store)  # built whole: 0.2 s at a million inquiries, as finding its changes
    done |= {name: increments.build(MODELS[name], store) for name in ("int_case_links", "int_root_causes")}
    return done


def rows(store: Warehouse, sql: str) -> pd.DataFrame:
    frame = store.read(sql)
    return frame.sort_values(list(frame.columns), ignore_index=True)


def assert_as_if_built_whole(store: Warehouse) -> None:
    for name in INCREMENTAL:
        kept = rows(store, f'select * from "{name}"')
        fresh = rows(store, transpile(MODELS[name].sql, store.dialect))
        pd.testing.assert_frame_equal(kept, fresh[list(kept.columns)], check_dtype=False, obj=name)


def test_each_change_rebuilds_what_it_reaches_and_the_tables_equal_a_whole_build(store):
    frame, events, bills = history()
    given(store, frame, events, bills)
    first = build(store)
    assert all(built.whole for built in first.values())
    assert build(store) == {name: increments.Built(first[name].rows, 0, whole=False) for name in INCREMENTAL}

    # a new inquiry between two of c_a's: its own row and c_a's other bygglov inquiries (their
    # previous inquiry), no one else's
    later = pd.concat(
        [frame, inquiries({"inquiry_id": "contacts:new", "occurred_at": "2026-03-05 09:00", "citizen_key": "c_a"})]
    )
    store.replace("inquiries", later)
    done = build(store)
    assert done["int_inquiries"] == increments.Built(len(later), 4, whole=False)
    assert_as_if_built_whole(store)

    # an inquiry moves to another process: its old and its new neighbours
    store.execute("update inquiries set process = 'forskola' where inquiry_id = 'contacts:1-9'")
    assert build(store)["int_inquiries"].rebuilt == 3  # itself and c_b's two other bygglov ones
    assert_as_if_built_whole(store)

    # a case closes: the inquiries its citizen made in its process are linked again
    closed = pd.concat([events, case_events(("BYGG 2", "Bygglov", "c_c", "closed", "2026-03-08 10:00"))])
    store.replace("landed_cases", closed)
    done = build(store)
    assert done["int_inquiries"].rebuilt == 0 and 0 < done["int_case_links"].rebuilt <= 3
    assert not done["int_root_causes"].whole
    assert_as_if_built_whole(store)

    # a new decision moves bygglov's median time to decision: its inquiries' root causes, no other process's
    decided = pd.concat([closed, case_events(("BYGG 0", "Bygglov", "c_a", "decided", "2026-05-30 10:00"))])
    store.replace("landed_cases", decided)
    done = build(store)
    reached = int(store.scalar("select count(*) from inquiries where process = 'bygglov'"))
    assert done["int_root_causes"].rebuilt == reached < store.scalar("select count(*) from inquiries")
    assert_as_if_built_whole(store)

    # an invoice paid, an inquiry gone
    store.execute("update landed_invoices set paid_at = timestamp '2026-03-10 00:00:00' where invoice_ref = 'F1'")
    store.execute("delete from inquiries where inquiry_id = 'contacts:3-16'")
    done = build(store)
    assert 0 < done["int_root_causes"].rebuilt < 10 and not done["int_root_causes"].whole
    assert_as_if_built_whole(store)
    assert store.scalar("select count(*) from int_inquiries where inquiry_id = 'contacts:3-16'") == 0


def test_a_changed_rule_or_most_rows_changed_builds_the_table_whole(store):
    frame, events, bills = history()
    given(store, frame, events, bills)
    build(store)
    store.execute("update rule_parameters set invoice_fresh_days = invoice_fresh_days + 1")
    done = build(store)
    assert done["int_root_causes"].whole and not done["int_inquiries"].whole
    store.execute("update inquiries set demand_type = 'case_status'")
    done = build(store)
    assert done["int_inquiries"].whole and done["int_root_causes"].whole
    assert_as_if_built_whole(store)
    assert store.scalar("select count(*) from information_schema.tables where table_name like '\\_onodig\\_%'") == 0
