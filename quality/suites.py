"""Expectation suites per table, and running one over a DataFrame.

dagster-ge does not support GX 1.x or pandas 3, so the asset checks call :func:`validate` and turn
its summary into an ``AssetCheckResult``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations import expectations as gxe  # noqa: E402

from onodig.classifiers.taxonomy import DEMAND_TYPES  # noqa: E402
from onodig.ingestion.contract import CASE_EVENTS, CHANNELS  # noqa: E402
from onodig.privacy.shapes import RAW_EMAIL_SHAPE, RAW_PNR_SHAPE  # noqa: E402

logging.getLogger("great_expectations").setLevel(logging.ERROR)

# Shapes of raw personal data: none may survive into a staged table. The loader quarantines a
# row that still matches them after masking (privacy.shapes), so this check is the last line.
PNR_SHAPE = RAW_PNR_SHAPE
EMAIL_SHAPE = RAW_EMAIL_SHAPE
PSEUDONYM_SHAPE = r"^c_[0-9a-f]{20}$"


def _no_personal_data(column: str) -> list:
    return [
        gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=PNR_SHAPE),
        gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=EMAIL_SHAPE),
    ]


def suite_for(table: str, unique: bool = True) -> list:
    """``unique=False`` leaves out the uniqueness expectations: a chunk cannot judge those."""
    expectations = [e for e in _suite(table) if unique or not isinstance(e, gxe.ExpectColumnValuesToBeUnique)]
    return expectations


def unique_columns(table: str) -> list[str]:
    """The columns the suite expects unique: the database counts their repeats over the whole table."""
    return [e.column for e in _suite(table) if isinstance(e, gxe.ExpectColumnValuesToBeUnique)]


def _suite(table: str) -> list:
    """The expectations a table must meet; each names one property of the data."""
    pseudonym = gxe.ExpectColumnValuesToMatchRegex(column="citizen_key", regex=PSEUDONYM_SHAPE)
    suites = {
        "landed_contacts": [
            gxe.ExpectColumnValuesToNotBeNull(column="contact_id"),
            gxe.ExpectColumnValuesToBeUnique(column="contact_id"),
            gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=list(CHANNELS)),
            gxe.ExpectColumnValuesToNotBeNull(column="started_at"),
            gxe.ExpectColumnValuesToNotBeNull(column="text"),
            pseudonym,
            *_no_personal_data("text"),
        ],
        "landed_eservice": [
            gxe.ExpectColumnValuesToNotBeNull(column="submission_id"),
            gxe.ExpectColumnValuesToBeUnique(column="submission_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="submitted_at"),
            gxe.ExpectColumnValuesToNotBeNull(column="service"),
            pseudonym,
            *_no_personal_data("text"),
        ],
        "landed_cases": [
            gxe.ExpectColumnValuesToNotBeNull(column="case_ref"),
            gxe.ExpectColumnValuesToBeInSet(column="event", value_set=list(CASE_EVENTS)),
            gxe.ExpectColumnValuesToNotBeNull(column="event_at"),
            pseudonym,
        ],
        "landed_invoices": [
            gxe.ExpectColumnValuesToNotBeNull(column="invoice_ref"),
            gxe.ExpectColumnValuesToBeUnique(column="invoice_ref"),
            gxe.ExpectColumnValuesToNotBeNull(column="amount_sek"),
            gxe.ExpectColumnValuesToNotBeNull(column="due_date"),
            pseudonym,
        ],
        "inquiries": [
            gxe.ExpectColumnValuesToBeUnique(column="inquiry_id"),
            gxe.ExpectColumnValuesToBeInSet(column="demand_type", value_set=list(DEMAND_TYPES)),
            gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="process"),
            gxe.ExpectColumnValuesToNotBeNull(column="occurred_at"),
            pseudonym,
            # its text is the staged tables' text, which their suites scan for personal data already
        ],
    }
    return suites[table]


@dataclass
class Validation:
    success: bool
    rows: int
    results: list[dict]  # expectation, column, success, unexpected

    def markdown(self) -> str:
        lines = ["| expectation | column | ok | unexpected |", "|---|---|---|---|"]
        for r in self.results:
            lines.append(
                f"| {r['expectation']} | {r['column']} | {'yes' if r['success'] else '**no**'} | {r['unexpected']} |"
            )
        return "\n".join(lines)

    @property
    def failed(self) -> list[str]:
        return [f"{r['expectation']}({r['column']})" for r in self.results if not r["success"]]


def validate(table: str, frame: pd.DataFrame, unique: bool = True) -> Validation:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas(f"onodig_{table}")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=f"{table}_suite", expectations=suite_for(table, unique))
    outcome = batch.validate(suite)
    results = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column", ""),
            "success": bool(r.success),
            "unexpected": int(r.result.get("unexpected_count") or 0),
        }
        for r in outcome.results
    ]
    return Validation(success=bool(outcome.success), rows=len(frame), results=results)


def validate_in_chunks(table: str, chunks: Iterable[pd.DataFrame], duplicates: dict[str, int]) -> Validation:
    """The suite over a table read a chunk at a time, so memory stays bounded however large it is.

    Each expectation's unexpected rows are summed over the chunks; uniqueness, which no chunk can
    judge alone, comes in as ``duplicates`` (column: repeated values), counted by the database.
    """
    merged: dict[tuple[str, str], dict] = {}
    rows = 0
    for chunk in chunks:
        result = validate(table, chunk, unique=False)
        rows += result.rows
        for r in result.results:
            entry = merged.setdefault((r["expectation"], r["column"]), {**r, "success": True, "unexpected": 0})
            entry["success"] = entry["success"] and r["success"]
            entry["unexpected"] += r["unexpected"]
    for column, repeated in duplicates.items():
        merged[("expect_column_values_to_be_unique", column)] = {
            "expectation": "expect_column_values_to_be_unique",
            "column": column,
            "success": repeated == 0,
            "unexpected": int(repeated),
        }
    results = list(merged.values())
    return Validation(success=all(r["success"] for r in results), rows=rows, results=results)
