"""What keeping each inquiry's words saves emerging_topics: one week, tokenising inside as before,
then through ``inquiry_words`` with the table empty and full, and full read as the asset reads it
(the kept strings, the week's texts only; issue 12, the daily run's cost).

    .venv/bin/python benchmarks/topic_words.py --data /tmp/bench/copy [--week 2026-11-23]

``--data`` is a folder as ``benchmarks/daily.py --keep`` leaves it (``landing/`` and
``daily/onodig.duckdb``); use a copy: its ``inquiry_words`` is dropped and written again. Prints
seconds for each of the four and how many inquiries were tokenised; the four results must be equal.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from onodig.demand import topics, words
from onodig.demand.trend_settings import TrendSettings
from onodig.warehouse import Warehouse
from onodig.warehouse.store import in_window

COLUMNS = ["inquiry_id", "occurred_at", "process", "demand_type", "text"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--week", type=date.fromisoformat, default=date(2026, 11, 23))
    args = parser.parse_args()
    store = Warehouse(f"duckdb:///{args.data / 'daily' / 'onodig.duckdb'}")
    settings = TrendSettings.for_landing(args.data / "landing").topics
    start = args.week - timedelta(days=args.week.weekday())
    # the window the asset reads for one week
    where = in_window("occurred_at", start - timedelta(weeks=settings.trailing_weeks, days=7), start + timedelta(7))

    began = time.perf_counter()
    rows = store.read(f"select {', '.join(COLUMNS)} from inquiries where {where}")
    before = topics.emerging_topics(rows, [start], settings)
    print(f"tokenising inside: {time.perf_counter() - began:.2f} s, {len(rows):,} inquiries read")

    store.execute(f"drop table if exists {words.TABLE}")
    lean = dict(split=False, text_where=in_window("occurred_at", start, start + timedelta(7)))
    for label, how in (("inquiry_words empty", {}), ("inquiry_words full", {}), ("full, as the asset reads", lean)):
        began = time.perf_counter()
        read = words.read_with_words(store, COLUMNS, where, **how)
        reading = time.perf_counter() - began
        found = topics.emerging_topics(read.frame, [start], settings)
        total = time.perf_counter() - began
        print(
            f"{label}: {total:.2f} s (read_with_words {reading:.2f} s, {read.tokenised:,} tokenised, "
            f"{read.reused:,} reused; topics {total - reading:.2f} s)"
        )
        pd.testing.assert_frame_equal(found, before)
    print(f"{len(before)} emerging topic(s), the same all four times")


if __name__ == "__main__":
    main()
