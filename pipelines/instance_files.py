"""Dagster's SQLite files, each held open by one idle connection while ``onodig run`` runs.

Dagster's SQLite storage opens and closes a connection for every event it writes (a step's start,
output, materialization, each asset check), and SQLite checkpoints a file's write-ahead log into it
and deletes the log whenever the last connection to that file closes: about four syncs to disk and
two deleted files per connection, where the commit needs one sync. A daily run opens some 1,250,
and that bookkeeping was about a tenth of it. With one more connection to each file open
until the run is over, closing Dagster's connection is only a close; SQLite still checkpoints on
its own as the log grows, and closing the held connection at the end checkpoints and removes the
log as before. The held connection only reads the schema, at each of Dagster's connections, and
writes nothing: the files, their content and their locking stay Dagster's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.pool import Pool


@contextmanager
def held_open(home: Path) -> Iterator[dict[Path, sqlite3.Connection]]:
    """Within the block, each SQLite file under ``home`` that a SQLAlchemy engine connects to gets
    one connection of its own, closed when the block ends; returns them by file."""
    home = Path(home).resolve()
    held: dict[Path, sqlite3.Connection] = {}

    def hold(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        for _seq, _name, file in dbapi_connection.execute("pragma database_list").fetchall():
            path = Path(file).resolve() if file else None
            if path is None or not path.is_relative_to(home):
                continue
            if path not in held:
                held[path] = sqlite3.connect(path, timeout=30, check_same_thread=False)
            # a read joins the write-ahead log; a file new to Dagster gets its log after this first
            # connection, so the held one reads again at each connection, a few microseconds
            held[path].execute("select count(*) from sqlite_master").fetchall()

    event.listen(Pool, "connect", hold)
    try:
        yield held
    finally:
        event.remove(Pool, "connect", hold)
        for keeper in held.values():
            keeper.close()
