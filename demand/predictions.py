"""The model's predictions kept per inquiry, row fingerprint and model version: each classified once.

Classifying is what a run of ``inquiries`` costs; everything else (behavioural duplicates, case
decisions, corrections, audits, the review flag) is cheap and is redone over every staged row on
every run, so a duplicate still sees every earlier submission in its window and a corrections or
audit file never needs the model. The model's label, confidence and second type are kept in
``inquiry_predictions`` keyed by (``inquiry_id``, ``row_hash``, ``model_version``); a staged row
whose key is there is not classified again. A new row, a row whose content changed (a new
``row_hash``) or a new model version has no key yet, so it is classified, once: a new model
version re-labels everything once, on purpose, and ``label_changes`` says so. Once a run has
stored the current version's predictions, other versions' are dropped, so the table holds one
model's work. Plain SQL (``||``, ``cast(... as varchar)``, a left join): DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import pandas as pd

from onodig.warehouse import Warehouse
from onodig.warehouse.store import literal

TABLE = "inquiry_predictions"
COLUMNS = ["inquiry_id", "row_hash", "model_version", "demand_type", "confidence", "second_type"]


def ensure_table(store: Warehouse) -> None:
    """An empty ``inquiry_predictions`` unless it is there already."""
    empty = pd.DataFrame({c: pd.Series(dtype="float64" if c == "confidence" else "string") for c in COLUMNS})
    store.create_like(TABLE, empty)


def staged_with_predictions(
    staged: str, id_column: str, source: str, model_version: str, only: str | None = None
) -> str:
    """SQL for the staged rows, each with the prediction kept for its key (nulls where there is none);
    ``only``: SQL for the inquiry ids to read, when not all of them."""
    where = f"where '{source}:' || cast(s.{id_column} as varchar) in ({only})" if only else ""
    return f"""
        select s.*, p.demand_type as stored_type, p.confidence as stored_confidence, p.second_type as stored_second
        from {staged} as s
        left join {TABLE} as p
            on p.inquiry_id = '{source}:' || cast(s.{id_column} as varchar)
            and p.row_hash = s.row_hash
            and p.model_version = {literal(model_version)}
        {where}
        order by s.{id_column}
    """


def frame(made: pd.DataFrame | None, model_version: str) -> pd.DataFrame:
    """The rows to store for predictions made under ``model_version`` (none when ``made`` is None)."""
    if made is None:
        made = pd.DataFrame(columns=[c for c in COLUMNS if c != "model_version"])
    out = made.assign(model_version=model_version)[COLUMNS]
    out = out.astype({c: "string" for c in COLUMNS if c != "confidence"})
    return out.astype({"confidence": "float64"})


def keep(store: Warehouse, made: pd.DataFrame | None, model_version: str) -> int:
    """Store the predictions made this run under ``model_version``."""
    return store.append(TABLE, frame(made, model_version))


def drop_other_versions(store: Warehouse, model_version: str) -> None:
    """Only the model in use's predictions are worth keeping."""
    store.execute(f"delete from {TABLE} where model_version <> {literal(model_version)}")
