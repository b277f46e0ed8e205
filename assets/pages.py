"""The marts' pages in the Dagster UI: per-week figures on each weekly partition, and on the latest
materialization a chart and readable tables (built in :mod:`reports.asset_pages`)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from onodig.assets.table_metadata import ROW_COUNT
from onodig.reports.asset_pages import (
    formatted,
    latest_week,
    partition_figures,
    process_table,
    root_cause_table,
    share_by_week_table,
    trend_chart,
)
from onodig.warehouse import Warehouse
from onodig.warehouse.sql_models import SqlModel
from onodig.warehouse.store import in_window

WEEKLY = "avoidable_demand_weekly"
CAUSES = "root_causes_weekly"


def table_value(rows: list[dict[str, str]]) -> dg.TableMetadataValue:
    """Rows of text as a table the UI shows in place (markdown over 1,000 characters is a link)."""
    columns = list(rows[0]) if rows else ["(no rows)"]
    return dg.MetadataValue.table(
        records=[dg.TableRecord(row) for row in rows],
        schema=dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in columns]),
    )


def summary_table(frame: pd.DataFrame, language: str) -> dg.TableMetadataValue:
    """A ``summaries:`` query of a model's ``.yml``, formatted for reading."""
    return table_value(formatted(frame, language))


def process_names(store: Warehouse) -> dict[str, str]:
    """Processes by their display name from processes.yaml (config table process_settings)."""
    if not store.has_table("process_settings"):
        return {}
    frame = store.read("select process, name from process_settings")
    return {str(p): str(n) for p, n in zip(frame["process"], frame["name"], strict=True) if n and str(n) != "nan"}


def partition_metadata(store: Warehouse, model: SqlModel, partition_keys: Sequence[str]) -> dict[str, dict]:
    """Metadata for each weekly partition of the run: its own row count, and for the weekly mart
    each process's share and inquiries that week (``share/<process>``, ``inquiries/<process>``)."""
    if not partition_keys:
        return {}
    weeks = [date.fromisoformat(key[:10]) for key in partition_keys]
    where = in_window(model.partition_by, min(weeks), max(weeks) + timedelta(days=7))
    frame = store.read(f'select * from "{model.name}" where {where}')
    days = pd.to_datetime(frame[model.partition_by]).dt.date if len(frame) else pd.Series(dtype=object)
    counts = days.value_counts().to_dict()
    figures = partition_figures(frame) if model.name == WEEKLY else {}
    out = {}
    for key, week in zip(partition_keys, weeks, strict=True):
        values: dict = {ROW_COUNT: dg.MetadataValue.int(int(counts.get(week, 0)))}
        for name, value in figures.get(week, {}).items():
            values[name] = dg.MetadataValue.int(value) if isinstance(value, int) else dg.MetadataValue.float(value)
        out[key] = values
    return out


def _png(image: bytes, alt: str) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(image).decode()})")


def weekly_page(store: Warehouse, language: str) -> dict:
    weekly = store.read_table(WEEKLY)
    names = process_names(store)
    return {
        "trend_chart": _png(trend_chart(weekly, names, language), "avoidable share per process, 12 weeks"),
        "latest_week": latest_week(weekly, language),
        "latest_week_by_process": table_value(process_table(weekly, names, language)),
        "share_by_week": table_value(share_by_week_table(weekly, names, language)),
    }


def causes_page(store: Warehouse, language: str) -> dict:
    causes = store.read_table(CAUSES)
    return {"root_causes_12_weeks": table_value(root_cause_table(causes, process_names(store), language))}


# Marts whose page shows more than their ``summaries:`` queries, by model name
PAGES: dict[str, Callable[[Warehouse, str], dict]] = {WEEKLY: weekly_page, CAUSES: causes_page}
