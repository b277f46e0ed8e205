"""Reading and writing whole frames through SQLAlchemy, with each database's bulk path.

DuckDB gets the frame registered and copied with one ``INSERT ... SELECT`` (about 100x faster
than ``to_sql`` at a million rows); other databases fall back to batched inserts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DUCKDB_MEMORY_LIMIT = "2GB"  # override with ?memory_limit=4GB in the warehouse URL


class BadWarehouseUrl(ValueError):
    pass


def in_window(column: str, start: date, end: date) -> str:
    """SQL for ``start <= column < end`` on a timestamp or date column, the same in DuckDB and PostgreSQL."""
    return f"{column} >= timestamp '{start.isoformat()} 00:00:00' and {column} < timestamp '{end.isoformat()} 00:00:00'"


def literal(value: str) -> str:
    """A string as an SQL literal (quotes doubled), the same in DuckDB and PostgreSQL."""
    return "'" + str(value).replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_types(frame: pd.DataFrame) -> dict:
    """Column types for databases that take their DDL from pandas: dates as DATE, not text."""
    types = {}
    for column in frame.columns:
        values = frame[column].dropna()
        if frame[column].dtype == object and len(values) and isinstance(values.iloc[0], date):
            types[column] = sa.Date()
    return types


def _copy_text(frame: pd.DataFrame) -> str:
    """The frame as CSV for PostgreSQL's COPY, with NULL spelled \\N so empty strings stay strings."""
    return frame.to_csv(index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give all-empty object columns a text type: DuckDB would otherwise create a NULL-typed column."""
    empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype({c: "string" for c in empty}) if empty else frame


def _from_frame(conn: sa.Connection, frame: pd.DataFrame, sql: str) -> None:
    """DuckDB's bulk path: the frame registered as ``_onodig_frame`` for one statement."""
    raw = conn.connection.driver_connection
    raw.register("_onodig_frame", _typed(frame))
    try:
        raw.execute(sql)
    finally:
        raw.unregister("_onodig_frame")


class Warehouse:
    # The DuckDB files this process opened (their URLs): what ``checkpoint_opened`` writes out
    # before the ``onodig`` command leaves without the interpreter's teardown. Bookkeeping of the
    # process, not configuration: each Warehouse still gets its URL from a resource or a setting.
    opened_files: set[str] = set()

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise BadWarehouseUrl(
                "not a SQLAlchemy URL (e.g. duckdb:///data/onodig.duckdb)"
            ) from exc  # no URL: it may hold a password
        if parsed.get_backend_name() == "duckdb" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            Warehouse.opened_files.add(url)
        connect_args = {}
        if parsed.get_backend_name() == "duckdb" and "memory_limit" not in parsed.query:
            # DuckDB caches up to 80 % of RAM by default inside our process; cap it and let it spill
            connect_args = {"config": {"memory_limit": DUCKDB_MEMORY_LIMIT}}
        try:
            self.engine = sa.create_engine(parsed, connect_args=connect_args)
        except (NoSuchModuleError, ArgumentError) as exc:
            raise BadWarehouseUrl(f"no SQLAlchemy driver for {parsed.drivername!r}: {exc}") from exc
        self.dialect = self.engine.dialect.name

    def close(self) -> None:
        """Let go of pooled connections: a DuckDB file stays locked by this process while one is open,
        so a long-lived process (a sensor's code server) must close before a run can write."""
        self.engine.dispose()

    @classmethod
    def checkpoint_opened(cls) -> None:
        """Write each DuckDB file this process opened out of its write-ahead log, as closing the last
        connection does: a process that ends without the interpreter's teardown loses nothing and
        leaves the next run no log to replay."""
        for url in sorted(cls.opened_files):
            if not Path(make_url(url).database).is_file():
                continue  # removed since (a test's temporary folder)
            try:
                with cls(url) as store:
                    store.execute("checkpoint")
            except sa.exc.DBAPIError:
                # another process holds the file (the command's own error said so): its write-ahead
                # log is durable, and the next open replays it; the exit code stays the command's
                continue

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def _copy(self, conn: sa.Connection, name: str, frame: pd.DataFrame) -> None:
        """PostgreSQL's bulk path: one COPY FROM STDIN (psycopg 3) instead of row inserts."""
        columns = ", ".join(_quote(c) for c in frame.columns)
        sql = f"copy {_quote(name)} ({columns}) from stdin with (format csv, null '\\N')"
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(sql) as copy:
            copy.write(_copy_text(frame))

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    # information_schema rather than SQLAlchemy's inspector: duckdb-engine's introspection
    # borrows PostgreSQL's catalog queries, which DuckDB cannot answer under SQLAlchemy 2.1. On DuckDB
    # its own catalog functions, on the driver's connection: they answer in half the time, and a daily
    # run asks some three hundred times.
    def has_table(self, name: str) -> bool:
        if self.is_duckdb:
            return bool(self._duckdb_rows("select count(*) from duckdb_tables() where table_name = ?", name)[0][0])
        return bool(self.scalar("select count(*) from information_schema.tables where table_name = :t", {"t": name}))

    def columns(self, name: str) -> list[str]:
        return [column for column, _kind in self.column_types(name)]

    def column_types(self, name: str) -> list[tuple[str, str]]:
        """Each column's name and the database's own name for its type, in table order."""
        if self.is_duckdb:
            rows = self._duckdb_rows(
                "select column_name, data_type from duckdb_columns() where table_name = ? order by column_index", name
            )
        else:
            frame = self.read(
                "select column_name, data_type from information_schema.columns where table_name = :t "
                "order by ordinal_position",
                {"t": name},
            )
            rows = zip(frame["column_name"], frame["data_type"], strict=True)
        return [(str(column), str(kind).lower()) for column, kind in rows]

    def _duckdb_rows(self, sql: str, *params) -> list[tuple]:
        with self.connect() as conn:
            return conn.connection.driver_connection.execute(sql, list(params)).fetchall()

    def read(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        with self.connect() as conn:
            if self.is_duckdb and not params:
                return conn.connection.driver_connection.execute(sql).df()
            return pd.read_sql_query(sa.text(sql), conn, params=params)

    def read_chunks(self, sql: str, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """A query's result a chunk at a time, so memory stays bounded however large the table."""
        with self.connect() as conn:
            if self.is_duckdb:
                result = conn.connection.driver_connection.execute(sql)
                while True:
                    chunk = result.fetch_df_chunk(max(1, rows // 2048))
                    if chunk.empty:
                        return
                    yield chunk
            else:
                yield from pd.read_sql_query(sa.text(sql), conn, chunksize=rows)

    def read_table(self, name: str) -> pd.DataFrame:
        return self.read(f"select * from {_quote(name)}")

    def execute(self, sql: str, params: dict | None = None) -> None:
        with self.connect() as conn:
            conn.execute(sa.text(sql), params or {})

    def scalar(self, sql: str, params: dict | None = None):
        with self.connect() as conn:
            return conn.execute(sa.text(sql), params or {}).scalar()

    def _create(self, conn: sa.Connection, name: str, frame: pd.DataFrame) -> None:
        """An empty table whose column types come from the whole frame (a date column stays DATE)."""
        if self.is_duckdb:
            _from_frame(conn, frame, f"create table {_quote(name)} as select * from _onodig_frame limit 0")
        else:
            frame.head(0).to_sql(name, conn, index=False, dtype=_sql_types(frame))

    def _insert(self, conn: sa.Connection, name: str, frame: pd.DataFrame) -> None:
        """Each database's bulk path: DuckDB reads the frame in place, PostgreSQL takes a COPY."""
        if frame.empty:
            return
        if self.is_duckdb:
            _from_frame(conn, frame, f"insert into {_quote(name)} by name select * from _onodig_frame")
        elif self.is_postgres:
            self._copy(conn, name, frame)
        else:
            frame.to_sql(name, conn, if_exists="append", index=False, method="multi", chunksize=5000)

    def create_like(self, name: str, frame: pd.DataFrame) -> None:
        """An empty table with ``frame``'s columns and their types, unless the table is there already."""
        with self.connect() as conn:
            if not self.has_table(name):
                self._create(conn, name, frame)

    def replace(self, name: str, frame: pd.DataFrame) -> int:
        """Swap the table's content for ``frame`` in one transaction."""
        with self.connect() as conn:
            conn.exec_driver_sql(f"drop table if exists {_quote(name)}")
            self._create(conn, name, frame)
            self._insert(conn, name, frame)
        return len(frame)

    def append(self, name: str, frame: pd.DataFrame) -> int:
        return self.append_all({name: frame})[name]

    def append_all(self, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
        """Append to several tables in one transaction: all of it lands, or none of it."""
        with self.connect() as conn:
            for name, frame in frames.items():
                if not self.has_table(name):
                    self._create(conn, name, frame)
                else:
                    existing = set(self.columns(name))
                    for column in frame.columns:
                        if column not in existing:
                            conn.exec_driver_sql(f"alter table {_quote(name)} add column {_quote(column)} varchar")
                self._insert(conn, name, frame)
        return {name: len(frame) for name, frame in frames.items()}

    def swap_rows(
        self, name: str, where: str, frames: dict[str, pd.DataFrame], appended: dict[str, pd.DataFrame] | None = None
    ) -> None:
        """Delete the rows of ``name`` that ``where`` (SQL) picks and insert ``frames`` (and append
        ``appended`` to other tables) in one transaction: a reader sees the table before or after."""
        self.swap({name: where}, {**frames, **(appended or {})})

    def swap(self, deletes: dict[str, str], inserts: dict[str, pd.DataFrame]) -> None:
        """Delete the rows each table's SQL condition picks, then insert the frames, in one transaction."""
        with self.connect() as conn:
            for table, where in deletes.items():
                conn.exec_driver_sql(f"delete from {_quote(table)} where {where}")
            for table, frame in inserts.items():
                self._insert(conn, table, frame)

    def read_where_in(self, name: str, columns: list[str], key: str, values: Sequence) -> pd.DataFrame:
        """The rows whose ``key`` is one of ``values``: a few rows of a large table, not all of it."""
        if not len(values) or not self.has_table(name):
            return pd.DataFrame(columns=columns)
        table = sa.table(name, *(sa.column(c) for c in dict.fromkeys([*columns, key])))
        query = sa.select(*(table.c[c] for c in columns)).where(table.c[key].in_(list(values)))
        with self.connect() as conn:
            return pd.read_sql_query(query, conn)
