"""What a daily delivery costs next to a full run: a history of N inquiries, then one day of contacts.

    .venv/bin/python benchmarks/daily.py [--n 200000] [--n 1000000] [--day-contacts 3000] [--keep DIR]
        [--reuse] [--no-full] [--generate-only]

For each N it generates a landing folder of about N inquiries over 12 weeks (as
``benchmarks/pipeline.py`` does), runs ``onodig run`` over it, then adds one day of contacts (the
day after the history, generated apart and given ids of their own) and runs ``onodig run`` again:
the daily run. The full run is ``onodig run`` from scratch over the same landing folder, history and
day. Each run is its own process. Prints one table row per N; the targets (issue 12) are a ratio
of at most 0.10 at 200,000 and a daily run under 30 s at 1,000,000.

With ``--keep DIR --reuse`` what was generated and run earlier in DIR is used again (the landing
folder, and the history's run when it is there): the daily run starts from a copy of the
history's data folder, so a change can be measured without generating and running a million
inquiries again. ``--generate-only`` only generates; ``--no-full`` leaves the full run out (the
1M target is absolute).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import WEEKS, run  # noqa: E402  (the same generation and run as the pipeline benchmark)

from onodig.generator.landing import GeneratorConfig, write_landing  # noqa: E402

SIZES = (200_000, 1_000_000)
DAY_SEED = 97


def one_day_of_contacts(history: GeneratorConfig, contacts: int, work: Path) -> pd.DataFrame:
    """``contacts`` contacts of the day after the history ends, with ids the history does not use."""
    day = history.start + timedelta(weeks=history.weeks)
    config = GeneratorConfig(weeks=1, per_week=contacts * 10, seed=DAY_SEED, start=day, quirks=False)
    write_landing(config, work / "landing", work / "truth.csv")
    path = work / "landing" / "contacts" / f"contacts_{day:%Y%m%d}.csv"
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    if len(frame) < contacts:
        raise SystemExit(f"the generated day holds {len(frame):,} contacts, fewer than {contacts:,}")
    frame = frame.head(contacts).copy()
    frame["contact_id"] = "D" + frame["contact_id"]
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description="onodig run: one day on a history against a full run")
    parser.add_argument("--n", type=int, action="append", help="history inquiries (repeatable); default both targets")
    parser.add_argument("--day-contacts", type=int, default=3000, help="contacts in the daily delivery")
    parser.add_argument("--keep", type=Path, help="keep the generated folders here instead of a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse the history generated and run earlier")
    parser.add_argument("--no-full", action="store_true", help="leave the full run out")
    parser.add_argument("--generate-only", action="store_true", help="with --keep: generate the folders, run nothing")
    args = parser.parse_args()
    sizes = args.n or list(SIZES)
    print(
        "| history inquiries | day's contacts | history run s | history peak MB | daily run s | full run s "
        "| daily / full |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for n in sizes:
            root = base / f"daily_n{n}"
            config = GeneratorConfig(weeks=WEEKS, per_week=max(1, n // WEEKS), seed=5)
            name = f"contacts_{config.start + timedelta(weeks=config.weeks):%Y%m%d}.csv"
            generated = args.reuse and (root / "counts.json").is_file() and (root / "day.csv").is_file()
            if not generated:
                shutil.rmtree(root, ignore_errors=True)
                counts = write_landing(config, root / "landing", root / "truth.csv")
                one_day_of_contacts(config, args.day_contacts, root / "day").to_csv(
                    root / "day.csv", sep=";", index=False
                )
                (root / "counts.json").write_text(json.dumps(counts))
            counts = json.loads((root / "counts.json").read_text())
            day = pd.read_csv(root / "day.csv", sep=";", dtype=str, keep_default_na=False)
            if args.generate_only:
                print(f"| {counts['inquiries']:,} | {len(day):,} | generated in {root} | | | | |", flush=True)
                continue
            history_s, history_mb = float("nan"), float("nan")
            if not (generated and (root / "history" / "onodig.duckdb").is_file()):
                shutil.rmtree(root / "history", ignore_errors=True)
                history_s, history_mb = run(root / "landing", root / "history")
            day.to_csv(root / "landing" / "contacts" / name, sep=";", index=False)
            try:
                shutil.rmtree(root / "daily", ignore_errors=True)
                shutil.copytree(root / "history", root / "daily")
                daily_s, _ = run(root / "landing", root / "daily")
                full_s = float("nan")
                if not args.no_full:
                    shutil.rmtree(root / "full", ignore_errors=True)
                    full_s, _ = run(root / "landing", root / "full")
            finally:
                (root / "landing" / "contacts" / name).unlink()  # the history's landing folder, as it was run
            print(
                f"| {counts['inquiries']:,} | {len(day):,} | {history_s:.1f} | {history_mb:,.0f} | {daily_s:.1f} | {full_s:.1f} "
                f"| {daily_s / full_s:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
