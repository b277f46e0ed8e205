"""What each week of a mart was built from, so that a run rebuilds only the weeks whose inputs changed.

A weekly mart reads rows of its own week (tables with a ``week_start`` column: ``int_inquiries``,
``int_root_causes``) and small tables that hold for every week (rule parameters, levers, the
classifier's correction). Whatever looks across weeks (the citizen's previous inquiry, the cases a
case-status inquiry is compared with) is worked out per inquiry in the intermediate models, so a
late file changes the rows of the weeks it touches and no others; a change to an every-week table
or to the mart's SQL touches every week, as it should.

A week's fingerprint is an MD5 over the mart's SQL, the rows of that week in each per-week input
and the whole of each every-week input (the columns the mart names). A week's rows are summed up
by an MD5 over their sorted row MD5s, or on DuckDB, by its own hash of the sum of each row's
hash and their count (:func:`rows_hash`): the same rows give the same figure in any order, on
every run. Building a window records the fingerprints it was built
from in ``mart_inputs``; the run plan compares them with the tables as they are now
(:func:`stale_weeks`). The comparison reads whole intermediate tables once, in the database; it
never re-runs a mart. Plain SQL (``md5``, ``string_agg ... order by``, ``||``) through sqlglot,
but for DuckDB's ``hash`` over a week's rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import sqlglot
from sqlglot import exp

from onodig.warehouse.sql_models import SOURCE_DIALECT, SqlModel, discover, transpile
from onodig.warehouse.store import Warehouse, in_window

TABLE = "mart_inputs"
WEEK = "week_start"
NULL = "\u2205"  # a null column in a row's text: not the empty string


def _row_text(columns: Iterable[str]) -> str:
    parts = [f"coalesce(cast(\"{c}\" as varchar), '{NULL}')" for c in columns]
    return " || '|' || ".join(parts) if parts else "''"


def rows_hash(store: Warehouse, columns: list[str], grouped: bool = False) -> str:
    """SQL for a hash of a row's ``columns``, or with ``grouped`` of a group's rows in any order.

    On DuckDB its own ``hash`` of the columns themselves (a group's: of the sum of its rows' and
    their count), a number; a daily run's MD5 over every row's text was 1.7 s of its 40 at a
    million inquiries, this 0.07. Elsewhere an MD5 of the row's text (a group's: of its rows'
    MD5s, sorted).
    """
    if store.is_duckdb:
        quoted = ", ".join(f'"{c}"' for c in columns)
        return f"hash(sum(cast(hash({quoted}) as hugeint)), count(*))" if grouped else f"hash({quoted})"
    text = _row_text(columns)
    return f"md5(string_agg(md5({text}), ',' order by md5({text})))" if grouped else f"md5({text})"


def source_digest(folder: Path) -> str:
    """An MD5 of a package folder's Python source: what kept work is keyed on, so that a change to
    the code that made it makes it again, once."""
    digest = hashlib.md5()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _digest(*parts: str) -> str:
    return hashlib.md5("\n".join(parts).encode("utf-8")).hexdigest()


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


class Inputs:
    """The fingerprints of the tables the marts read, each table read once however many marts read it."""

    def __init__(self, store: Warehouse, window: tuple[date, date] | None = None):
        self.store, self.window = store, window
        self._weekly: dict[str, dict[date, str]] = {}
        self._whole: dict[tuple[str, tuple[str, ...]], str] = {}

    def is_weekly(self, table: str) -> bool:
        return WEEK in self.store.columns(table)

    def weekly(self, table: str) -> dict[date, str]:
        if table not in self._weekly:
            where = f"where {in_window(WEEK, *self.window)}" if self.window else ""
            rows = rows_hash(self.store, self.store.columns(table), grouped=True)
            sql = (
                f'select {WEEK} as week, cast({rows} as varchar) as fingerprint from "{table}" {where} group by {WEEK}'
            )
            frame = self.store.read(sql if self.store.is_duckdb else transpile(sql, self.store.dialect))
            self._weekly[table] = {
                _as_date(w): str(f) for w, f in zip(frame["week"], frame["fingerprint"], strict=True)
            }
        return self._weekly[table]

    def whole(self, table: str, named: set[str]) -> str:
        """An every-week table's fingerprint over the columns the mart names (all of them if it names none)."""
        columns = [c for c in self.store.columns(table) if c in named] or self.store.columns(table)
        key = (table, tuple(columns))
        if key not in self._whole:
            row = _row_text(columns)
            sql = (
                "select coalesce(md5(string_agg(row_hash, ',' order by row_hash)), '') "
                f'from (select md5({row}) as row_hash from "{table}") as hashed'
            )
            self._whole[key] = str(self.store.scalar(transpile(sql, self.store.dialect)))
        return self._whole[key]

    def of(self, model: SqlModel) -> dict[date, str]:
        """Each week's fingerprint of what ``model`` is built from: the weeks its per-week inputs hold."""
        weekly = [t for t in model.depends_on if self.is_weekly(t)]
        named = named_columns(model.sql)
        every_week = _digest(model.sql, *(f"{t}={self.whole(t, named)}" for t in model.depends_on if t not in weekly))
        weeks = sorted(set().union(*(self.weekly(t) for t in weekly))) if weekly else []
        return {week: _digest(every_week, *(f"{t}={self.weekly(t).get(week, '')}" for t in weekly)) for week in weeks}


@cache
def named_columns(sql: str) -> frozenset[str]:
    """The column names a query names anywhere: what it can read of an every-week table.

    The marts read every-week tables through ``select * from table`` and then name the columns
    they use, so a column added for another reader (``classifier_correction.audited``) does not
    make every week stale. Parsed once per query and process: an incremental model asks for each
    of its inputs on every build.
    """
    return frozenset(column.name for column in sqlglot.parse_one(sql, read=SOURCE_DIALECT).find_all(exp.Column))


def ensure_table(store: Warehouse) -> None:
    store.create_like(
        TABLE,
        pd.DataFrame(
            {
                "model": pd.Series(dtype="string"),
                WEEK: pd.Series(dtype="datetime64[us]"),
                "fingerprint": pd.Series(dtype="string"),
            }
        ),
    )


def record_window(model: SqlModel, store: Warehouse, start: date, end: date) -> int:
    """Keep the fingerprints of the weeks in [start, end) that ``model`` was just built from; returns how many."""
    ensure_table(store)
    now = Inputs(store, (start, end)).of(model)
    frame = pd.DataFrame(
        {
            "model": pd.Series([model.name] * len(now), dtype="string"),
            WEEK: pd.to_datetime(pd.Series(list(now), dtype="object")).astype("datetime64[us]"),
            "fingerprint": pd.Series(list(now.values()), dtype="string"),
        }
    )
    name = model.name.replace("'", "''")
    with store.connect() as conn:
        conn.exec_driver_sql(f"delete from {TABLE} where model = '{name}' and {in_window(WEEK, start, end)}")
    store.append(TABLE, frame)
    return len(frame)


def recorded(store: Warehouse) -> dict[str, dict[date, str]]:
    if not store.has_table(TABLE):
        return {}
    frame = store.read_table(TABLE)
    out: dict[str, dict[date, str]] = {}
    for model, week, fingerprint in zip(frame["model"], frame[WEEK], frame["fingerprint"], strict=True):
        out.setdefault(str(model), {})[_as_date(week)] = str(fingerprint)
    return out


def stale_weeks(store: Warehouse, models: list[SqlModel] | None = None) -> list[date]:
    """The weeks some weekly mart must be rebuilt for: its inputs are not what it was built from.

    A week that was built and has no input rows any more is stale too (its rows must go), and so
    is every week of a mart whose table is missing.
    """
    weekly_marts = [m for m in (models or discover()) if m.partition_by == WEEK]
    inputs, built, stale = Inputs(store), recorded(store), set()
    for model in weekly_marts:
        if not all(store.has_table(t) for t in model.depends_on):
            continue  # nothing to build it from yet
        now, then = inputs.of(model), built.get(model.name, {})
        if not store.has_table(model.name):
            then = {}
        stale |= {week for week in set(now) | set(then) if now.get(week) != then.get(week)}
    return sorted(stale)
