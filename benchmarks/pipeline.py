"""How ``onodig run`` scales: time per stage and in all, peak memory, next to the floor.

    .venv/bin/python benchmarks/pipeline.py --n 250000 [--n 1000000 ...] [--keep DIR]

For each N it generates a landing folder of about N inquiries over 12 weeks, then runs
``onodig run`` as a separate process. The floor is what any pipeline over the same exports pays:
reading every CSV with pandas and running spaCy's Swedish tokenizer over every text. Prints one
table row per N, and the stage times of the largest run.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import spacy

from generator.landing import GeneratorConfig, write_landing

ROOT = Path(__file__).resolve().parent.parent
WEEKS = 12


def read_any(path: Path) -> pd.DataFrame | None:
    data = path.read_bytes()
    try:
        data = gzip.decompress(data) if path.suffix == ".gz" else data
    except (EOFError, OSError):
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sep = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, on_bad_lines="skip")


def floor(landing: Path) -> float:
    started = time.perf_counter()
    tokenizer = spacy.blank("sv").tokenizer
    for path in sorted(landing.glob("*/*.csv*")):
        frame = read_any(path)
        if frame is not None and "text" in frame:
            for _ in tokenizer.pipe(frame["text"].tolist(), batch_size=2000):
                pass
    return time.perf_counter() - started


def run(landing: Path, data: Path) -> tuple[float, float]:
    env = dict(os.environ, ONODIG_PSEUDONYM_KEY=os.environ.get("ONODIG_PSEUDONYM_KEY", "benchmark-key"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "onodig"), "run", "--landing", str(landing), "--data", str(data)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def stage_times(data: Path) -> list[tuple[str, float]]:
    code = (
        "import dagster as dg\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    r = i.get_runs(limit=1)[0]\n"
        "    for s in i.get_run_step_stats(r.run_id): print(f'{s.step_key}\\t{s.end_time - s.start_time:.2f}')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, DAGSTER_HOME=str(data / "dagster_home")),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("\t") for line in out.strip().splitlines()]
    return sorted(((k, float(v)) for k, v in rows), key=lambda r: -r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description="onodig run at scale, next to the floor")
    parser.add_argument("--n", type=int, action="append", help="inquiries (repeatable); default 250000")
    parser.add_argument("--keep", type=Path, help="keep the generated folders here instead of a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse a landing folder generated earlier")
    args = parser.parse_args()
    sizes = args.n or [250_000]
    print("| inquiries | generate s | floor s | onodig run s | run / floor | peak memory MB | inquiries/s |")
    print("|---|---|---|---|---|---|---|")
    last_data = None
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for n in sizes:
            root = base / f"n{n}"
            started = time.perf_counter()
            if args.reuse and (root / "truth.csv").is_file():
                truth = pd.read_csv(root / "truth.csv", usecols=["expect"])
                counts = {"inquiries": int((truth["expect"] == "inquiry").sum())}
                shutil.rmtree(root / "data", ignore_errors=True)
            else:
                config = GeneratorConfig(weeks=WEEKS, per_week=max(1, n // WEEKS), seed=5)
                counts = write_landing(config, root / "landing", root / "truth.csv")
            generate_s = time.perf_counter() - started
            floor_s = floor(root / "landing")
            run_s, peak_mb = run(root / "landing", root / "data")
            print(
                f"| {counts['inquiries']:,} | {generate_s:.0f} | {floor_s:.1f} | {run_s:.1f} | {run_s / floor_s:.2f}x "
                f"| {peak_mb:,.0f} | {counts['inquiries'] / run_s:,.0f} |",
                flush=True,
            )
            last_data = root / "data"
        print("\nstages of the largest run (seconds):")
        for step, seconds in stage_times(last_data)[:12]:
            print(f"  {step:55s} {seconds:7.1f}")


if __name__ == "__main__":
    main()
