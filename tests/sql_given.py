"""Given rows for the SQL models' unit tests: base tables with only the columns a test cares about."""

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.demand.processes import ProcessMap
from onodig.demand.rules import RootCauseRules, process_tables
from onodig.demand.topics import NAMED_COLUMNS

INQUIRY_DEFAULTS = {
    "source": "contacts",
    "channel": "phone",
    "process": "bygglov",
    "demand_type": "value_demand",
    "label_origin": "model",
    "citizen_key": "c_a",
    "case_ref": None,
    "invoice_ref": None,
    "handled_seconds": 360,
    "needs_review": False,
}


def inquiries(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame([{**INQUIRY_DEFAULTS, **row} for row in rows])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame["avoidable"] = frame["demand_type"] != "value_demand"
    frame["handled_seconds"] = frame["handled_seconds"].astype("Int64")
    return frame


def case_events(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["case_ref", "case_type", "citizen_key", "event", "event_at"])
    frame["event_at"] = pd.to_datetime(frame["event_at"])
    return frame


def invoices(*rows: dict) -> pd.DataFrame:
    columns = [
        "invoice_ref",
        "citizen_key",
        "invoice_type",
        "issued_at",
        "due_date",
        "amount_sek",
        "paid_at",
        "reminder_at",
    ]
    defaults = {
        "citizen_key": "c_a",
        "invoice_type": "Bygglovsavgift",
        "amount_sek": 1000.0,
        "paid_at": None,
        "reminder_at": None,
        "due_date": None,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=columns)
    for column in ("issued_at", "paid_at", "reminder_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def given(
    warehouse,
    inquiry_rows: pd.DataFrame,
    events: pd.DataFrame | None = None,
    bills: pd.DataFrame | None = None,
    rules: RootCauseRules | None = None,
    weights: pd.DataFrame | None = None,
    named: pd.DataFrame | None = None,
) -> None:
    rules = rules or RootCauseRules.default()
    weights = identity_weights() if weights is None else weights
    # what the weights were estimated from, and half the width of its accuracy's interval: none here
    weights = weights.assign(
        **{k: weights.get(k, v) for k, v in {"basis": "evaluation", "accuracy_margin": 0.0}.items()}
    )
    mapping, settings = process_tables(ProcessMap.default(), rules)
    tables = {
        "inquiries": inquiry_rows,
        "landed_cases": events if events is not None else case_events(),
        "landed_invoices": bills if bills is not None else invoices(),
        "process_map": mapping,
        "process_settings": settings,
        "root_cause_levers": rules.levers_table(),
        "rule_parameters": rules.parameters_table(),
        "handling_defaults": rules.handling_table(),
        "classifier_correction": weights,
        # inquiries of topics named in topics.yaml: none unless a test names some
        "inquiry_topics": named
        if named is not None
        else pd.DataFrame({c: pd.Series(dtype="string") for c in NAMED_COLUMNS}),
    }
    for name, frame in tables.items():
        warehouse.replace(name, frame)


def identity_weights() -> pd.DataFrame:
    return pd.DataFrame(
        [{"true_type": t, "predicted_type": p, "weight": float(t == p)} for t in DEMAND_TYPES for p in DEMAND_TYPES]
    )
