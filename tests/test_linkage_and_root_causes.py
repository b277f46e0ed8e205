"""Every linkage and root-cause rule, through the SQL models, on small hand-made inputs."""

import pytest

from onodig.warehouse.sql_models import run_upto
from tests.sql_given import case_events, given, inquiries, invoices


def root_causes(warehouse, rows, events=None, bills=None):
    given(warehouse, rows, events, bills)
    run_upto("int_root_causes", warehouse)
    return warehouse.read("select * from int_root_causes").set_index("inquiry_id")


@pytest.mark.parametrize(
    "invoice,expected",
    [
        ({"issued_at": "2026-03-01 06:00", "paid_at": "2026-03-10 12:00"}, "paid_before_contact"),
        (
            {"issued_at": "2026-02-01 06:00", "paid_at": "2026-03-05 12:00", "reminder_at": "2026-03-12 07:00"},
            "reminder_after_payment",
        ),
        ({"issued_at": "2026-03-13 06:00"}, "invoice_hard_to_understand"),
        ({"issued_at": "2026-02-01 06:00", "reminder_at": "2026-03-12 07:00"}, "reminder_for_unpaid_invoice"),
        ({"issued_at": "2026-02-01 06:00"}, "unknown"),
    ],
)
def test_invoice_status_root_causes(warehouse, invoice, expected):
    rows = inquiries({"inquiry_id": "contacts:C1", "occurred_at": "2026-03-15 10:00", "demand_type": "invoice_status"})
    result = root_causes(warehouse, rows, bills=invoices({"invoice_ref": "7001", **invoice}))
    assert result.loc["contacts:C1", "root_cause"] == expected
    assert result.loc["contacts:C1", "linked_invoice_ref"] == "7001"


def test_invoice_links_by_reference_else_the_latest_before_the_contact(warehouse):
    rows = inquiries(
        {
            "inquiry_id": "contacts:REF",
            "occurred_at": "2026-03-15 10:00",
            "demand_type": "invoice_status",
            "invoice_ref": " 7001 ",
        },
        {"inquiry_id": "contacts:TIME", "occurred_at": "2026-03-15 10:00", "demand_type": "invoice_status"},
        {
            "inquiry_id": "contacts:OTHER",
            "occurred_at": "2026-03-15 10:00",
            "demand_type": "invoice_status",
            "citizen_key": "c_b",
        },
    )
    bills = invoices(
        {"invoice_ref": "7001", "issued_at": "2026-01-01 06:00"},
        {"invoice_ref": "7002", "issued_at": "2026-03-01 06:00"},
        {"invoice_ref": "7003", "issued_at": "2026-03-20 06:00"},  # after the contact
        {"invoice_ref": "7004", "issued_at": "2026-03-02 06:00", "invoice_type": "VA-avgift"},  # other process
    )
    result = root_causes(warehouse, rows, bills=bills)
    assert result.loc["contacts:REF", ["linked_invoice_ref", "invoice_link_method"]].tolist() == ["7001", "reference"]
    assert result.loc["contacts:TIME", ["linked_invoice_ref", "invoice_link_method"]].tolist() == [
        "7002",
        "citizen_process_time",
    ]
    assert result.loc["contacts:OTHER", "root_cause"] == "no_invoice_found"


def bygglov_cases():
    """Three decided cases that set bygglov's median time to decision at 40 days, and the open ones asked about."""
    past = [
        (f"OLD {i}", "Bygglov", "c_x", e, t)
        for i, d in enumerate((30, 40, 50))
        for e, t in (("opened", "2025-01-01 10:00"), ("decided", f"2025-{1 + d // 30:02d}-{1 + d % 30:02d} 10:00"))
    ]
    return past + [
        ("BYGG 1", "Bygglov", "c_a", "opened", "2026-03-01 10:00"),  # quiet since opening
        ("BYGG 2", "Bygglov", "c_b", "opened", "2026-01-01 10:00"),  # old: past the median
        ("BYGG 2", "Bygglov", "c_b", "completion_requested", "2026-01-10 10:00"),
        ("BYGG 3", "Bygglov", "c_c", "opened", "2026-03-01 10:00"),  # young, with a sign of life
        ("BYGG 3", "Bygglov", "c_c", "completion_requested", "2026-03-03 10:00"),
        ("BYGG 4", "Bygglov", "c_d", "opened", "2026-02-01 10:00"),  # decided already
        ("BYGG 4", "Bygglov", "c_d", "decided", "2026-03-10 10:00"),
        ("BYGG 5", "Bygglov", "c_e", "opened", "2026-01-01 10:00"),  # closed before the contact
        ("BYGG 5", "Bygglov", "c_e", "closed", "2026-02-01 10:00"),
    ]


def test_case_status_root_causes_and_case_links(warehouse):
    rows = inquiries(
        *[
            {
                "inquiry_id": f"contacts:{c}",
                "occurred_at": "2026-03-15 10:00",
                "demand_type": "case_status",
                "citizen_key": k,
            }
            for c, k in (("A", "c_a"), ("B", "c_b"), ("C", "c_c"), ("D", "c_d"), ("E", "c_e"))
        ]
    )
    result = root_causes(warehouse, rows, events=case_events(*bygglov_cases()))
    assert warehouse.scalar(
        "select median_days_to_decision from int_decision_times where process = 'bygglov'"
    ) == pytest.approx(40, abs=1)
    assert result["root_cause"].to_dict() == {
        "contacts:A": "no_acknowledgement",
        "contacts:B": "case_delayed",
        "contacts:C": "expected_time_not_communicated",
        "contacts:D": "decision_not_received",
        "contacts:E": "unknown",  # its only case was closed: nothing open to link to
    }
    assert result.loc["contacts:A", ["linked_case_ref", "case_link_method"]].tolist() == [
        "BYGG 1",
        "citizen_process_time",
    ]


def test_missing_information_root_causes(warehouse):
    events = case_events(
        ("BYGG 1", "Bygglov", "c_a", "opened", "2026-02-01 10:00"),
        ("BYGG 1", "Bygglov", "c_a", "completion_requested", "2026-03-10 10:00"),  # 5 days before
        ("BYGG 2", "Bygglov", "c_b", "opened", "2026-01-01 10:00"),
        ("BYGG 2", "Bygglov", "c_b", "completion_requested", "2026-01-10 10:00"),  # long ago
    )
    rows = inquiries(
        {
            "inquiry_id": "contacts:A",
            "occurred_at": "2026-03-15 10:00",
            "demand_type": "missing_information",
            "case_ref": "bygg 1",
        },
        {
            "inquiry_id": "contacts:B",
            "occurred_at": "2026-03-15 10:00",
            "demand_type": "missing_information",
            "citizen_key": "c_b",
        },
        {
            "inquiry_id": "contacts:C",
            "occurred_at": "2026-03-15 10:00",
            "demand_type": "missing_information",
            "citizen_key": "c_z",
        },
    )
    result = root_causes(warehouse, rows, events=events)
    assert result["root_cause"].to_dict() == {
        "contacts:A": "unclear_completion_letter",
        "contacts:B": "form_did_not_collect",
        "contacts:C": "unknown",
    }
    assert result.loc["contacts:A", "case_link_method"] == "reference"


def test_duplicates_point_at_what_they_repeat_and_processing_time_follows_configuration(warehouse):
    rows = inquiries(
        {"inquiry_id": "eservice:E1", "source": "eservice", "channel": "eservice", "occurred_at": "2026-03-01 10:00"},
        {"inquiry_id": "contacts:C1", "occurred_at": "2026-03-04 10:00", "demand_type": "duplicate_request"},
        {"inquiry_id": "contacts:C2", "occurred_at": "2026-06-04 10:00", "demand_type": "duplicate_request"},
        {
            "inquiry_id": "contacts:P1",
            "occurred_at": "2026-03-04 10:00",
            "demand_type": "processing_time",
            "citizen_key": None,
        },
        {
            "inquiry_id": "contacts:P2",
            "occurred_at": "2026-03-04 10:00",
            "demand_type": "processing_time",
            "process": "forskola",
            "citizen_key": None,
        },
    )
    result = root_causes(warehouse, rows)
    assert result.loc["contacts:C1", ["root_cause", "repeats_inquiry_id"]].tolist() == [
        "repeats_earlier_inquiry",
        "eservice:E1",
    ]
    assert result.loc["contacts:C2", "root_cause"] == "unknown"  # three months later: too far back
    assert result.loc["contacts:P1", "root_cause"] == "no_published_processing_time"
    assert result.loc["contacts:P2", "root_cause"] == "published_time_not_found"  # forskola publishes its times
    assert "eservice:E1" not in result.index  # value demand has no root cause


def test_root_causes_weekly_carries_levers_and_hours(warehouse):
    rows = inquiries(
        {
            "inquiry_id": "contacts:P1",
            "occurred_at": "2026-03-04 10:00",
            "demand_type": "processing_time",
            "handled_seconds": 1800,
        },
        {
            "inquiry_id": "contacts:P2",
            "occurred_at": "2026-03-05 10:00",
            "demand_type": "processing_time",
            "handled_seconds": None,
            "channel": "email",
        },
    )
    given(warehouse, rows)
    run_upto("root_causes_weekly", warehouse)
    row = warehouse.read("select * from root_causes_weekly").iloc[0]
    assert (row["root_cause"], row["lever"], row["inquiries"]) == (
        "no_published_processing_time",
        "published_processing_times",
        2,
    )
    assert row["hours"] == pytest.approx(0.5 + 260 / 3600)  # e-mail's default handling time where it is missing


def test_repeat_contacts_across_channels_within_the_window(warehouse):
    rows = inquiries(
        {"inquiry_id": "contacts:1", "occurred_at": "2026-03-02 10:00"},
        {"inquiry_id": "contacts:2", "occurred_at": "2026-03-04 10:00", "channel": "email"},  # repeat
        {"inquiry_id": "contacts:3", "occurred_at": "2026-03-05 10:00", "process": "forskola"},  # other process
        {"inquiry_id": "contacts:4", "occurred_at": "2026-03-20 10:00"},  # 16 days later: new
        {"inquiry_id": "contacts:5", "occurred_at": "2026-03-03 10:00", "citizen_key": None},  # anonymous
    )
    given(warehouse, rows)
    run_upto("repeat_contacts_weekly", warehouse)
    out = warehouse.read("select * from repeat_contacts_weekly where process = 'bygglov' order by week_start")
    assert out[["identified_inquiries", "repeat_inquiries"]].values.tolist() == [[2, 1], [1, 0]]
    assert out["repeat_rate"].tolist() == [0.5, 0.0]


def test_capacity_hours_fte_and_headroom(warehouse):
    rows = inquiries(
        {
            "inquiry_id": "contacts:1",
            "occurred_at": "2026-03-02 10:00",
            "demand_type": "case_status",
            "handled_seconds": 3600 * 20,
        },
        {"inquiry_id": "contacts:2", "occurred_at": "2026-03-03 10:00", "handled_seconds": 3600 * 20},
    )
    given(warehouse, rows)
    run_upto("capacity_weekly", warehouse)
    row = warehouse.read("select * from capacity_weekly").iloc[0]
    assert (row["hours"], row["avoidable_hours"], row["hours_case_status"]) == (40, 20, 20)
    assert row["fte"] == pytest.approx(40 * 52 / 1600)
    assert row["freed_hours_if_halved"] == 10
    assert row["growth_headroom_if_halved"] == pytest.approx(10 / 30)  # 30 hours of work left absorb a third more


def test_weekly_share_has_a_wilson_interval_and_a_corrected_estimate(warehouse):
    rows = inquiries(
        *[
            {
                "inquiry_id": f"contacts:{i}",
                "occurred_at": "2026-03-02 10:00",
                "demand_type": "case_status" if i < 4 else "value_demand",
            }
            for i in range(10)
        ]
    )
    # correction weights (true type, predicted type): a quarter of each predicted value-demand
    # inquiry is taken off the case_status estimate
    weights = [
        {"true_type": t, "predicted_type": p, "weight": w}
        for t, p, w in (
            ("case_status", "case_status", 1.0),
            ("value_demand", "value_demand", 1.25),
            ("case_status", "value_demand", -0.25),
        )
    ]
    import pandas as pd

    given(warehouse, rows, weights=pd.DataFrame(weights))
    run_upto("avoidable_demand_weekly", warehouse)
    row = warehouse.read("select * from avoidable_demand_weekly").iloc[0]
    assert row["avoidable_share"] == 0.4
    assert (row["avoidable_share_low"], row["avoidable_share_high"]) == (
        pytest.approx(0.1682, abs=1e-4),
        pytest.approx(0.6873, abs=1e-4),
    )
    assert row["corrected_avoidable_share"] == pytest.approx((4 * 1.0 - 6 * 0.25) / 10)
