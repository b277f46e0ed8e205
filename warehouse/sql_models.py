"""SQL models in ``dbt_like_sql/``: one table per ``.sql`` file, with a ``.yml`` beside it.

Dependencies are read from the SQL itself with sqlglot, so there is no list to keep in step with
the files. Models are written in portable SQL (DuckDB's dialect) and transpiled by sqlglot for the
warehouse they run on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from onodig.warehouse.store import Warehouse, in_window

# package data: a directory wherever pip put the package (wheels are installed unzipped)
SQL_ROOT = Path(str(resources.files("onodig.dbt_like_sql")))
SOURCE_DIALECT = "duckdb"


@dataclass(frozen=True)
class ColumnTest:
    column: str
    test: str  # not_null | unique | accepted_values | between
    values: tuple = ()

    @property
    def name(self) -> str:
        return f"{self.column}_{self.test}"


@dataclass(frozen=True)
class Source:
    """A keyed input of an incremental model (:mod:`warehouse.increments`)."""

    table: str
    key: str
    grouped: bool = False  # many rows per key (a case's events): their hashes are summed


@dataclass(frozen=True)
class Incremental:
    """How a model is rebuilt for the keys whose inputs changed (the ``incremental:`` block of its .yml)."""

    key: str  # the model's key: its rows are deleted and inserted by it
    restrict: str  # the table the model's query reads only for the keys rebuilt
    sources: tuple[Source, ...]
    reach: str  # SQL: the model's keys that changed_<source> (key, citizen_key, process) reach


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    depends_on: tuple[str, ...]
    description: str = ""
    grain: tuple[str, ...] = ()
    tests: tuple[ColumnTest, ...] = field(default=())
    summaries: tuple[tuple[str, str], ...] = ()  # (title, query) shown on the asset's page
    partition_by: str = ""  # a date column: the table is built a window of weeks at a time
    incremental: Incremental | None = None  # rebuilt for the keys whose inputs changed


@lru_cache(maxsize=256)
def referenced_tables(sql: str) -> tuple[str, ...]:
    """Tables a query reads, without its own CTE names.

    ``with inquiries as (select * from inquiries)`` reads the table: a name inside the CTE of the
    same name cannot refer to that CTE. Kept per query text: parsing every model was half a second
    of each ``onodig run``, which reads the models four times (the plan, the definitions, the runs).
    """
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        enclosing = table.find_ancestor(exp.CTE)
        if table.name not in ctes or (enclosing is not None and enclosing.alias_or_name == table.name):
            tables.add(table.name)
    return tuple(sorted(tables))


def _tests(spec: dict) -> tuple[ColumnTest, ...]:
    tests = []
    for column in spec.get("columns", []) or []:
        for test in column.get("tests", []) or []:
            if isinstance(test, str):
                if test not in ("not_null", "unique"):
                    raise ValueError(f"unknown test {test!r} on column {column['name']}")
                tests.append(ColumnTest(column["name"], test))
            elif "accepted_values" in test:
                tests.append(ColumnTest(column["name"], "accepted_values", tuple(test["accepted_values"]["values"])))
            elif "between" in test:
                tests.append(ColumnTest(column["name"], "between", (test["between"]["min"], test["between"]["max"])))
            else:
                raise ValueError(f"unknown test {test!r} on column {column['name']}")
    return tuple(tests)


def _incremental(spec: dict | None) -> Incremental | None:
    if not spec:
        return None
    sources = tuple(
        Source(str(s["table"]), str(s["key"]), bool(s.get("grouped", False))) for s in spec.get("sources") or []
    )
    return Incremental(str(spec["key"]), str(spec["restrict"]), sources, str(spec["reach"]).strip())


def discover(root: Path = SQL_ROOT) -> list[SqlModel]:
    models = []
    for path in sorted(root.glob("*/*.sql")):
        sql = path.read_text(encoding="utf-8")
        spec_path = path.with_suffix(".yml")
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) if spec_path.is_file() else {}
        models.append(
            SqlModel(
                name=path.stem,
                layer=path.parent.name,
                path=path,
                sql=sql,
                depends_on=referenced_tables(sql),
                description=(spec.get("description") or "").strip(),
                grain=tuple(spec.get("grain") or ()),
                tests=_tests(spec),
                summaries=tuple((str(k), str(v)) for k, v in (spec.get("summaries") or {}).items()),
                partition_by=str(spec.get("partition_by") or ""),
                incremental=_incremental(spec.get("incremental")),
            )
        )
    return models


def transpile(sql: str, dialect: str) -> str:
    if dialect == SOURCE_DIALECT:
        return sql
    target = "postgres" if dialect == "postgresql" else dialect
    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=target)[0]


def driver_sql(sql: str, warehouse: Warehouse) -> str:
    """SQL for ``exec_driver_sql``: drivers with %-style parameters need a literal % doubled."""
    return sql if warehouse.is_duckdb else sql.replace("%", "%%")


def run_model(model: SqlModel, warehouse: Warehouse) -> int:
    """Rebuild the model's table from its query in one transaction; returns its row count."""
    select = driver_sql(transpile(model.sql, warehouse.dialect), warehouse)
    with warehouse.connect() as conn:
        conn.exec_driver_sql(f'drop table if exists "{model.name}"')
        conn.exec_driver_sql(f'create table "{model.name}" as {select}')
        return int(conn.exec_driver_sql(f'select count(*) from "{model.name}"').scalar())


def run_model_window(model: SqlModel, warehouse: Warehouse, start: date, end: date) -> tuple[int, int, bool]:
    """Rebuild the rows of a partitioned model whose ``partition_by`` falls in [start, end).

    Delete the window, then insert the model's rows for it, in one transaction: a window run twice
    gives the same table, and the weeks outside it are not touched. The table is created from the
    query's shape on first use, and again if the model's columns have changed, which the caller
    must report: the other weeks then need a backfill. Returns (rows in the window, rows in the
    table, whether the table was created again).
    """
    column = model.partition_by
    select = transpile(model.sql, warehouse.dialect)
    bounds = in_window(column, start, end)
    windowed = driver_sql(f"select * from ({select}) as model_rows where {bounds}", warehouse)
    table = f'"{model.name}"'
    with warehouse.connect() as conn:
        shape = list(conn.exec_driver_sql(f"select * from ({windowed}) as shape limit 0").keys())
    exists = warehouse.has_table(model.name)
    recreated = exists and warehouse.columns(model.name) != shape
    with warehouse.connect() as conn:
        if recreated:
            conn.exec_driver_sql(f"drop table {table}")
        if recreated or not exists:
            conn.exec_driver_sql(f"create table {table} as select * from ({windowed}) as shape limit 0")
        conn.exec_driver_sql(f"delete from {table} where {bounds}")
        conn.exec_driver_sql(f"insert into {table} {windowed}")
        window_rows = int(conn.exec_driver_sql(f"select count(*) from {table} where {bounds}").scalar())
        total = int(conn.exec_driver_sql(f"select count(*) from {table}").scalar())
    return window_rows, total, recreated


def failing_rows_query(model: SqlModel, test: ColumnTest) -> str:
    """A query counting the rows that fail the test."""
    table, column = f'"{model.name}"', f'"{test.column}"'
    if test.test == "not_null":
        return f"select count(*) from {table} where {column} is null"
    if test.test == "unique":
        return repeated_keys_query(model.name, [test.column])
    if test.test == "accepted_values":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in test.values)
        return f"select count(*) from {table} where {column} not in ({values})"
    if test.test == "between":
        low, high = test.values
        return f"select count(*) from {table} where {column} < {low} or {column} > {high}"
    raise ValueError(f"unknown test {test.test!r} in {model.path.name}")


def repeated_keys_query(table: str, columns: list[str]) -> str:
    """A query counting the key values that occur on more than one row."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return f'select count(*) from (select {cols} from "{table}" group by {cols} having count(*) > 1) d'


def grain_query(model: SqlModel) -> str:
    return repeated_keys_query(model.name, list(model.grain))


def run_upto(target: str, warehouse: Warehouse, models: list[SqlModel] | None = None) -> list[str]:
    """Run ``target`` and every SQL model it depends on, in dependency order (for tests and backfills)."""
    from graphlib import TopologicalSorter

    by_name = {m.name: m for m in (models or discover())}
    needed, todo = set(), [target]
    while todo:
        name = todo.pop()
        if name in by_name and name not in needed:
            needed.add(name)
            todo.extend(by_name[name].depends_on)
    order = TopologicalSorter({n: [d for d in by_name[n].depends_on if d in needed] for n in needed}).static_order()
    from onodig.warehouse import increments  # it builds on this module

    ran = []
    for name in order:
        model = by_name[name]
        if model.incremental:
            increments.build(model, warehouse)
        else:
            run_model(model, warehouse)
        ran.append(name)
    return ran
