"""The trend watch's word counts per process-week, kept: a completed week's are the same every day.

A daily run tests the current week's topics against six trailing weeks. Reading and counting those
weeks' words again every morning was most of what the trend watch cost at a million inquiries
(about 5 of 10 s), for counts that had not changed. ``topic_week_counts`` keeps each process-week's
counts (``topics.WeekCounts``: its inquiry ids and a sparse inquiries x lemmas matrix, trends.yaml's
stop words dropped), with a hash of the week's inquiries (their ids and masked texts) and a key of
what else the counts depend on (the tokeniser and the stop words). A trailing week whose hash and
key still match is taken from here; any other is read and counted, and kept for the next run. The
few trailing inquiries the topics are fitted on get their words from ``inquiry_words``; the
topics are the same as from a full read (``tests/test_week_counts.py``).

A week's counts are one text column (a compressed NumPy archive, base64), so the table is the
same plain SQL on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import scipy.sparse as sp

from onodig.demand import topics, words
from onodig.demand.topic_names import TopicNames
from onodig.demand.topics import WeekCounts, WordCounts, WordsOf
from onodig.demand.trend_settings import TopicSettings
from onodig.warehouse import Warehouse
from onodig.warehouse.fingerprints import rows_hash
from onodig.warehouse.store import in_window, literal

TABLE = "topic_week_counts"
COLUMNS = ["process", "week_start", "words_key", "input_hash", "counts"]
SCRATCH = "_onodig_fitted_ids_"  # + a name of the call's own: the ids words_reader reads
WATCH_WEEKS = 4  # weeks tested per read: what a first run holds in memory at once
COUNTS_FORMAT = "1"  # raise when WeekCounts or its encoding changes: every week is counted again, once

Key = tuple[str, date]  # (process, Monday of the week)


def words_key(stop_words: Iterable[str]) -> str:
    """What a week's counts depend on besides its inquiries: the tokeniser and trends.yaml's stop words."""
    stop = " ".join(sorted({w.lower() for w in stop_words}))
    text = f"counts {COUNTS_FORMAT}\n{words.tokeniser_version()}\n{stop}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def input_hashes(store: Warehouse, start: date, end: date) -> dict[Key, str]:
    """A hash of each process-week's inquiries (ids and masked texts) in [start, end): equal hashes,
    equal words (and another ``inquiry_words`` tokeniser shows in the key, not here)."""
    week = "cast(date_trunc('week', occurred_at) as date)"
    frame = store.read(
        f"""
        select process, {week} as week_start, {rows_hash(store, ["inquiry_id", "text"], grouped=True)} as input_hash
        from inquiries where {in_window("occurred_at", start, end)}
        group by process, {week}
        """
    )
    weeks = pd.to_datetime(frame["week_start"]).dt.date
    return {(str(p), w): str(h) for p, w, h in zip(frame["process"], weeks, frame["input_hash"], strict=True)}


def encode(week: WeekCounts) -> str:
    m = week.counts.matrix
    buffer = io.BytesIO()
    np.savez(
        buffer,
        ids=_joined(week.inquiry_ids),
        lemmas=_joined(week.counts.lemmas),
        indptr=m.indptr.astype(np.int64),
        indices=m.indices.astype(np.int32),
        data=m.data.astype(np.uint32),  # counts of a lemma in a text
        columns=np.array([len(week.counts.lemmas)], dtype=np.int64),
    )
    return base64.b64encode(zlib.compress(buffer.getvalue(), 1)).decode("ascii")


def decode(text: str) -> WeekCounts:
    held = np.load(io.BytesIO(zlib.decompress(base64.b64decode(text))), allow_pickle=False)
    ids, lemmas = _split(held["ids"]), _split(held["lemmas"])
    matrix = sp.csr_matrix(
        (held["data"].astype(np.float64), held["indices"], held["indptr"]), shape=(len(ids), int(held["columns"][0]))
    )
    return WeekCounts(ids, WordCounts(lemmas, matrix))


def _joined(strings: np.ndarray) -> np.ndarray:
    """Strings as one UTF-8 buffer, a newline between (ids and lemmas hold none): no pickle, no
    fixed-width unicode at four bytes a character."""
    return np.frombuffer("\n".join(strings.tolist()).encode("utf-8"), dtype=np.uint8)


def _split(buffer: np.ndarray) -> np.ndarray:
    text = buffer.tobytes().decode("utf-8")
    return np.array(text.split("\n") if text else [], dtype=object)


def ensure_table(store: Warehouse) -> None:
    store.create_like(
        TABLE,
        pd.DataFrame(
            {
                "process": pd.Series(dtype="string"),
                "week_start": pd.Series(dtype="datetime64[us]"),
                "words_key": pd.Series(dtype="string"),
                "input_hash": pd.Series(dtype="string"),
                "counts": pd.Series(dtype="string"),
            }
        ),
    )


def read_kept(store: Warehouse, hashes: Mapping[Key, str], key: str, start: date, end: date) -> dict[Key, WeekCounts]:
    """The kept counts of the process-weeks in [start, end) whose inquiries are as they were counted."""
    ensure_table(store)
    frame = store.read(
        f"select process, week_start, input_hash, counts from {TABLE} "
        f"where words_key = {literal(key)} and {in_window('week_start', start, end)}"
    )
    weeks = pd.to_datetime(frame["week_start"]).dt.date
    out = {}
    for process, week, held, counts in zip(frame["process"], weeks, frame["input_hash"], frame["counts"], strict=True):
        if hashes.get((str(process), week)) == str(held):
            out[(str(process), week)] = decode(counts)
    return out


def not_kept(kept: Iterable[Key]) -> str:
    """SQL on ``inquiries`` for the rows of none of these process-weeks (``true`` for none)."""
    weeks = [
        f"(process = {literal(process)} and {in_window('occurred_at', week, week + timedelta(weeks=1))})"
        for process, week in sorted(kept)
    ]
    return f"not ({' or '.join(weeks)})" if weeks else "true"


def keep(store: Warehouse, counted: Mapping[Key, WeekCounts], hashes: Mapping[Key, str], key: str) -> int:
    """Keep the counts just made of the weeks whose hash is known, in place of their earlier ones;
    counts of another key (a tokeniser or stop words since changed) go. Returns the weeks kept."""
    ensure_table(store)
    held = sorted(k for k in counted if k in hashes)
    frame = pd.DataFrame(
        {
            "process": pd.Series([p for p, _ in held], dtype="string"),
            "week_start": pd.Series(pd.to_datetime([w for _, w in held]), dtype="datetime64[us]"),
            "words_key": pd.Series([key] * len(held), dtype="string"),
            "input_hash": pd.Series([hashes[k] for k in held], dtype="string"),
            "counts": pd.Series([encode(counted[k]) for k in held], dtype="string"),
        }
    )
    replaced = [f"(process = {literal(p)} and week_start = date '{w.isoformat()}')" for p, w in held]
    where = f"words_key <> {literal(key)}" + (f" or {' or '.join(replaced)}" if replaced else "")
    store.swap_rows(TABLE, where, {TABLE: frame})
    return len(held)


def words_reader(store: Warehouse) -> WordsOf:
    """Reads the kept words of some inquiries (tokenising any that have none yet)."""

    def words_of(ids: list[str]) -> pd.DataFrame:
        # a table of the ids, not an IN list: 24,000 literals took DuckDB 0.6 s to read, the join 0.2
        scratch = SCRATCH + uuid.uuid4().hex[:12]  # two steps reading at once (PostgreSQL) each have their own
        store.replace(scratch, pd.DataFrame({"inquiry_id": pd.Series(ids, dtype="string")}))
        try:
            read = words.read_with_words(
                store,
                ["inquiry_id", "text"],
                f"inquiry_id in (select inquiry_id from {scratch})",
                split=False,
                text_where="false",
                tidy=False,
            )
        finally:
            store.execute(f"drop table if exists {scratch}")
        return read.frame[["inquiry_id", "lemmas", "forms"]]

    return words_of


@dataclass(frozen=True)
class Watched:
    """What ``emerging_topics`` found, what it read, and how many trailing weeks it did not."""

    topics: pd.DataFrame
    tokenised: int  # inquiries whose words were made now, not read from words.TABLE
    reused: int
    weeks_read: frozenset[date]  # the weeks whose inquiries were read
    kept: int  # trailing process-weeks taken from TABLE
    counted: int  # process-weeks counted and kept for the next run


def watch(
    store: Warehouse, weeks: list[date], settings: TopicSettings, names: TopicNames | None, batch: int = WATCH_WEEKS
) -> Watched:
    """The emerging topics of ``weeks`` (Mondays, in a row), ``batch`` weeks at a time.

    A first run tests every week of the history: read at once, a million inquiries' texts and
    words were the run's peak memory. Each batch keeps its weeks' counts, so the next batch finds
    its trailing weeks kept and reads only its own; the topics are those of one read, since a
    week's test (and its Bonferroni split) sees only that week and its trailing weeks.
    """
    weeks, step = sorted(weeks), max(batch, 1)
    parts = [_watch(store, weeks[at : at + step], settings, names) for at in range(0, len(weeks), step)]
    found = [p.topics for p in parts if not p.topics.empty]
    return Watched(
        pd.concat(found, ignore_index=True) if found else parts[0].topics,
        sum(p.tokenised for p in parts),
        sum(p.reused for p in parts),
        frozenset().union(*(p.weeks_read for p in parts)),
        sum(p.kept for p in parts),
        sum(p.counted for p in parts),
    )


def _watch(store: Warehouse, weeks: list[date], settings: TopicSettings, names: TopicNames | None) -> Watched:
    """One batch of :func:`watch`: the weeks' own inquiries and the trailing weeks' whose counts are
    not kept are read, then the counts kept."""
    start, end = weeks[0], weeks[-1] + timedelta(weeks=1)
    earliest = start - timedelta(weeks=settings.trailing_weeks)
    key = words_key(settings.stop_words)
    hashes = input_hashes(store, earliest, end)
    kept = read_kept(store, hashes, key, earliest, start)
    read = words.read_with_words(
        store,
        ["inquiry_id", "occurred_at", "process", "demand_type", "text"],
        f"{in_window('occurred_at', earliest, end)} and {not_kept(kept)}",
        split=False,  # counted from the kept strings: a pair per word costs more than the counting
        text_where=in_window("occurred_at", start, end),  # the examples are these weeks' own
    )
    found = topics.find_emerging(read.frame, weeks, settings, names, kept=kept, words_of=words_reader(store))
    return Watched(
        found.topics,
        read.tokenised,
        read.reused,
        frozenset(topics.weeks_of(read.frame["occurred_at"])),
        len(kept),
        keep(store, found.counted, hashes, key),
    )
