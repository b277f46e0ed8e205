"""Intermediate models rebuilt for the rows whose inputs changed, not whole.

A daily run adds a few thousand inquiries to a history of a million; rebuilding ``int_inquiries``,
``int_case_links`` and ``int_root_causes`` whole cost what the history holds. A model with an
``incremental:`` block in its ``.yml`` names its key, the table it reads only for the keys it
rebuilds (``restrict``), its keyed inputs (``sources``) and how a changed key of an input reaches
its own keys (``reach``: SQL over ``changed_<source>``, each changed key with the partition values
it had and has now, so a row that moved reaches its old neighbours too).

``model_inputs`` keeps, per model and input, a hash of each key's rows as they were when the model
was last built (DuckDB's ``hash`` of the columns the model's SQL names, or an MD5 of their text on
PostgreSQL; a key with many rows, such as a case's events, sums them), and one row per model for
what every row depends on: the model's SQL and the small tables it reads whole. A run compares
the inputs as they are with those, works out the keys to rebuild, and deletes and inserts their
rows with the model's own query restricted to them, in one transaction that records the new
hashes too. The whole table is built again when there is no record, the model's SQL or an
every-row table changed, or more than half the keys would be rebuilt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from onodig.warehouse.fingerprints import Inputs, named_columns, rows_hash
from onodig.warehouse.sql_models import SOURCE_DIALECT, Incremental, Source, SqlModel, driver_sql, run_model, transpile
from onodig.warehouse.store import Warehouse, literal

TABLE = "model_inputs"  # model, source, key, citizen_key, process, input_hash; source '' holds the every-row digest
EVERY_ROW = ""
SCRATCH = "_onodig_"  # + diff_/changed_/rebuild_ and the model's name: dropped by every build
PARTS = ("citizen_key", "process")  # kept with each key: a row that moved reaches its old neighbours too
WHOLE_ABOVE = 0.5  # a run that would rebuild more than this share of the keys builds the table whole


@dataclass(frozen=True)
class Built:
    """What a build did: the table's rows, the keys rebuilt (all of them when whole)."""

    rows: int
    rebuilt: int
    whole: bool


def ensure_table(store: Warehouse) -> None:
    if not store.has_table(TABLE):
        kind = "ubigint" if store.is_duckdb else "varchar"  # DuckDB's own hash, or an MD5's hex
        store.execute(
            f"create table {TABLE} (model varchar, source varchar, key varchar, citizen_key varchar, "
            f"process varchar, input_hash {kind})"
        )


def every_row_digest(model: SqlModel, store: Warehouse) -> str:
    """What every row depends on: the model's SQL, its incremental rules, and each table it reads
    whole (the columns it names), as :mod:`warehouse.fingerprints` sums them up for the marts."""
    spec = model.incremental
    keyed = {spec.restrict, *(s.table for s in spec.sources)}
    whole = Inputs(store)
    named = named_columns(model.sql)
    parts = [model.sql, repr(spec)]
    parts += [f"{t}={whole.whole(t, named)}" for t in model.depends_on if t not in keyed]
    return hashlib.md5("\n".join(parts).encode("utf-8")).hexdigest()


def _now_sql(model: SqlModel, source: Source, store: Warehouse) -> str:
    """Each key of the source with its partition values and the hash of its rows, as they are now."""
    held = store.columns(source.table)
    named = named_columns(model.sql)
    columns = [c for c in held if c in named] or held
    parts = [f'"{p}"' if p in held and not source.grouped else "cast(null as varchar)" for p in PARTS]
    key = f'cast("{source.key}" as varchar)'
    hashed = rows_hash(store, columns, source.grouped)
    select = f"{key} as key, {parts[0]} as citizen_key, {parts[1]} as process, {hashed} as h"
    group = f"group by {key}" if source.grouped else ""
    return f'select {select} from "{source.table}" where "{source.key}" is not null {group}'


def _was_sql(model: SqlModel, source: Source) -> str:
    """The same as recorded when the model was last built."""
    return (
        f"select key, citizen_key, process, input_hash as h from {TABLE} "
        f"where model = {literal(model.name)} and source = {literal(source.table)}"
    )


def _diff_sql(model: SqlModel, source: Source, store: Warehouse) -> str:
    """The keys whose rows are new, gone or changed, with their partition values before and now."""
    return (
        "select coalesce(n.key, w.key) as key, n.key is not null as held, n.h as h, "
        "n.citizen_key as citizen_key, n.process as process, "
        "w.citizen_key as citizen_key_was, w.process as process_was "
        f"from ({_now_sql(model, source, store)}) as n full join ({_was_sql(model, source)}) as w on w.key = n.key "
        "where n.key is null or w.key is null or n.h <> w.h"
    )


def _scratch(kind: str, model: SqlModel, source: str = "") -> str:
    return f"{SCRATCH}{kind}_{model.name}" + (f"__{source}" if source else "")


def _drop_scratch(store: Warehouse, model: SqlModel) -> None:
    names = [_scratch("rebuild", model)]
    for source in model.incremental.sources:
        names += [_scratch("diff", model, source.table), _scratch("changed", model, source.table)]
    with store.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f"drop table if exists {name}")


def _digest_value(store: Warehouse, digest: str) -> str:
    """SQL for the every-row digest as ``input_hash`` holds it: a number on DuckDB, the MD5 itself elsewhere."""
    return f"hash({literal(digest)})" if store.is_duckdb else literal(digest)


def _built_from(store: Warehouse, model: SqlModel, digest: str) -> bool:
    """Whether the model was last built from the same SQL, rules and every-row tables."""
    return bool(
        store.scalar(
            f"select count(*) from {TABLE} where model = {literal(model.name)} and source = {literal(EVERY_ROW)} "
            f"and input_hash = {_digest_value(store, digest)}"
        )
    )


def restricted(sql: str, table: str, key: str, keys: str) -> str:
    """The model's query reading ``table`` only for the rows whose ``key`` is in table ``keys``."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    for node in list(tree.find_all(exp.Table)):
        if node.name == table:
            only = (
                exp.select("*")
                .from_(exp.to_table(table))
                .where(exp.column(key).isin(exp.select(key).from_(exp.to_table(keys))))
            )
            node.replace(only.subquery(node.alias_or_name))
    return tree.sql(dialect=SOURCE_DIALECT)


def _reach_sql(spec: Incremental, model: SqlModel) -> str:
    """``reach`` with each ``changed_<source>`` read from this build's scratch table."""
    tree = sqlglot.parse_one(spec.reach, read=SOURCE_DIALECT)
    for node in list(tree.find_all(exp.Table)):
        if node.name.startswith("changed_"):
            node.set("this", exp.to_identifier(_scratch("changed", model, node.name.removeprefix("changed_"))))
    return tree.sql(dialect=SOURCE_DIALECT)


def build(model: SqlModel, store: Warehouse) -> Built:
    """Bring the model's table up to date with its inputs: the keys whose inputs changed, or whole."""
    spec = model.incremental
    ensure_table(store)
    digest = every_row_digest(model, store)
    _drop_scratch(store, model)
    try:
        if not store.has_table(model.name) or not _built_from(store, model, digest):
            return _whole(model, store, digest)
        with store.connect() as conn:
            for source in spec.sources:
                diff, changed = _scratch("diff", model, source.table), _scratch("changed", model, source.table)
                conn.exec_driver_sql(driver_sql(f"create table {diff} as {_diff_sql(model, source, store)}", store))
                conn.exec_driver_sql(
                    f"create table {changed} as select key, citizen_key_was as citizen_key, process_was as process "
                    f"from {diff} union all select key, citizen_key, process from {diff} where held"
                )
            reach = transpile(_reach_sql(spec, model), store.dialect)
            conn.exec_driver_sql(
                driver_sql(
                    f"create table {_scratch('rebuild', model)} as select distinct {spec.key} "
                    f"from ({reach}) as reached where {spec.key} is not null",
                    store,
                )
            )
        rebuilt = int(store.scalar(f"select count(*) from {_scratch('rebuild', model)}"))
        if rebuilt > WHOLE_ABOVE * max(int(store.scalar(f'select count(*) from "{spec.restrict}"')), 1):
            return _whole(model, store, digest)
        _rebuild(model, store, rebuilt)
        return Built(int(store.scalar(f'select count(*) from "{model.name}"')), rebuilt, whole=False)
    finally:
        _drop_scratch(store, model)


def _rebuild(model: SqlModel, store: Warehouse, rebuilt: int) -> None:
    """The reached keys' rows deleted and inserted, and the changed keys' hashes recorded, at once."""
    spec, name, rebuild = model.incremental, literal(model.name), _scratch("rebuild", model)
    select = transpile(restricted(model.sql, spec.restrict, spec.key, rebuild), store.dialect)
    columns = ", ".join(f'"{c}"' for c in store.columns(model.name))
    with store.connect() as conn:
        if rebuilt:
            table = f'"{model.name}"'
            conn.exec_driver_sql(f'delete from {table} where "{spec.key}" in (select {spec.key} from {rebuild})')
            conn.exec_driver_sql(
                driver_sql(f"insert into {table} ({columns}) select {columns} from ({select}) as rebuilt", store)
            )
        for source in spec.sources:
            diff, src = _scratch("diff", model, source.table), literal(source.table)
            conn.exec_driver_sql(
                f"delete from {TABLE} where model = {name} and source = {src} and key in (select key from {diff})"
            )
            conn.exec_driver_sql(
                f"insert into {TABLE} select {name}, {src}, key, citizen_key, process, h from {diff} where held"
            )


def _whole(model: SqlModel, store: Warehouse, digest: str) -> Built:
    """The whole table built again, and every input's hashes recorded with it."""
    name = literal(model.name)
    store.execute(f"delete from {TABLE} where model = {name}")  # a build that stops half-way leaves no claim
    rows = run_model(model, store)
    with store.connect() as conn:
        for source in model.incremental.sources:
            now = _now_sql(model, source, store)
            conn.exec_driver_sql(
                driver_sql(
                    f"insert into {TABLE} select {name}, {literal(source.table)}, key, citizen_key, process, h "
                    f"from ({now}) as now",
                    store,
                )
            )
        conn.exec_driver_sql(
            f"insert into {TABLE} values ({name}, {literal(EVERY_ROW)}, '', null, null, {_digest_value(store, digest)})"
        )
    return Built(rows, rows, whole=True)  # one row per key: each model's grain is its key
