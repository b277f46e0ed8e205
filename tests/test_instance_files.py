"""Dagster's SQLite files held open for a run: each write skips the checkpoint, nothing is lost."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from onodig.pipelines.instance_files import held_open


def _write(path, value: int, wal: bool = False) -> None:
    """One event as Dagster's SQLite storage writes it: an engine and a connection of its own."""
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as conn, conn.begin():
        if wal:
            conn.exec_driver_sql("pragma journal_mode=wal")
        conn.exec_driver_sql("create table if not exists events (value integer)")
        conn.exec_driver_sql(f"insert into events values ({value})")
    engine.dispose()


def _values(path) -> list[int]:
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as conn:
        values = [row[0] for row in conn.exec_driver_sql("select value from events order by value")]
    engine.dispose()
    return values


def test_a_file_new_to_the_run_keeps_its_log_until_the_run_ends(tmp_path):
    shard = tmp_path / "home" / "runs" / "run-1.db"
    shard.parent.mkdir(parents=True)
    log = shard.with_name(shard.name + "-wal")
    with held_open(tmp_path / "home") as held:
        _write(shard, 1, wal=True)  # the first connection makes the file and switches it to the log
        _write(shard, 2)
        assert log.is_file(), "closing the writer's connection checkpointed and removed the log"
        _write(shard, 3)
        assert list(held) == [shard.resolve()]
    assert not log.is_file(), "the held connection's close checkpoints the log into the file"
    assert _values(shard) == [1, 2, 3]


def test_without_it_every_close_checkpoints(tmp_path):
    """What the held connection saves: the same writes, each ending in a checkpoint."""
    shard = tmp_path / "run.db"
    _write(shard, 1, wal=True)
    _write(shard, 2)
    assert not shard.with_name(shard.name + "-wal").is_file()
    assert _values(shard) == [1, 2]


def test_files_outside_the_home_and_other_databases_are_left_alone(tmp_path):
    inside, outside = tmp_path / "home" / "index.db", tmp_path / "elsewhere.db"
    inside.parent.mkdir()
    memory = sa.create_engine("sqlite://", poolclass=NullPool)
    with held_open(tmp_path / "home") as held:
        _write(outside, 1, wal=True)
        _write(inside, 1, wal=True)
        with memory.connect() as conn:
            assert conn.exec_driver_sql("select 1").scalar() == 1
        assert list(held) == [inside.resolve()]
    _write(outside, 2)  # the listener is gone once the block ends
    assert list(held) == [inside.resolve()]
    assert _values(outside) == [1, 2] and _values(inside) == [1]
