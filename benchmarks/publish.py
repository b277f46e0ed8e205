"""What the archive costs: publishing every week's report per process, as ``onodig run`` does.

    .venv/bin/python benchmarks/publish.py [--weeks 12] [--processes 6]

Writes marts of made-up figures and staged rows up to the last Sunday into a DuckDB file, then
times :func:`reports.publish.publish_reports` over every week (no SMTP), and prints the reports
written, the seconds and the reports per second, and which week would be e-mailed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.demand.processes import ProcessMap
from onodig.reports.publish import publish_reports
from onodig.warehouse import Warehouse

FIRST = date(2026, 8, 31)


def marts(weeks: int, processes: list[str], seed: int = 3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, capacity = [], []
    for process in processes:
        for n in range(weeks):
            counts = rng.integers(10, 120, size=len(DEMAND_TYPES))
            row = {"process": process, "week_start": FIRST + timedelta(weeks=n), "needs_review": 0}
            row |= {f"n_{key}": int(c) for key, c in zip(DEMAND_TYPES, counts, strict=True)}
            row["inquiries"] = int(counts.sum())
            row["avoidable_inquiries"] = int(counts[:5].sum())
            rows.append(row)
            hours = row["inquiries"] * 0.1
            capacity.append(
                {"process": process, "week_start": row["week_start"], "hours": hours, "avoidable_hours": hours / 2}
            )
    weekly = pd.DataFrame(rows).assign(corrected_avoidable_share=0.4)
    n, p = weekly["inquiries"].astype(float), weekly["avoidable_inquiries"] / weekly["inquiries"]
    half = 1.96 * np.sqrt(p * (1 - p) / n)
    weekly = weekly.assign(avoidable_share=p, avoidable_share_low=p - half, avoidable_share_high=p + half)
    causes = pd.DataFrame(
        columns=["process", "week_start", "demand_type", "root_cause", "lever_name", "inquiries", "hours"]
    )
    return {"avoidable_demand_weekly": weekly, "root_causes_weekly": causes, "capacity_weekly": pd.DataFrame(capacity)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--processes", type=int, default=6)
    args = parser.parse_args()
    processes = ProcessMap.default()
    keys = sorted(processes.names)[: args.processes]
    with tempfile.TemporaryDirectory() as folder:
        store = Warehouse(f"duckdb:///{Path(folder) / 'w.duckdb'}")
        for name, frame in marts(args.weeks, keys).items():
            store.replace(name, frame)
        last_sunday = FIRST + timedelta(weeks=args.weeks, days=-1)
        for table, column in (("landed_contacts", "started_at"), ("landed_eservice", "submitted_at")):
            store.replace(table, pd.DataFrame({column: pd.to_datetime([f"{FIRST} 09:00", f"{last_sunday} 12:00"])}))
        started = time.perf_counter()
        done = publish_reports(store, processes, Path(folder) / "outbox", "sv")
        seconds = time.perf_counter() - started
    print(f"{len(done.written)} reports ({args.weeks} weeks x {len(keys)} processes) in {seconds:.1f} s,")
    print(f"{len(done.written) / seconds:.1f} reports/s; e-mailed week: {done.week_start}")


if __name__ == "__main__":
    main()
