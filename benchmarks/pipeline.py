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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import spacy

from onodig.generator.landing import GeneratorConfig, write_landing

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


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (parse workers too), from /proc."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in family) / 2**20


def run(landing: Path, data: Path) -> tuple[float, float]:
    """``onodig run`` as its own process; returns seconds and the peak memory of its process tree."""
    env = dict(os.environ, ONODIG_PSEUDONYM_KEY=os.environ.get("ONODIG_PSEUDONYM_KEY", "benchmark-key"))
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "onodig"), "run", "--landing", str(landing), "--data", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"onodig run failed with exit code {process.returncode}")
    return seconds, peak


def stage_times(data: Path) -> list[tuple[str, float]]:
    code = (
        "import dagster as dg\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    for r in i.get_runs():\n"  # onodig run: ingest_days, classify_and_link, publish_weeks
        "        for s in i.get_run_step_stats(r.run_id):\n"
        "            print(f'{r.job_name}: {s.step_key}\\t{s.end_time - s.start_time:.2f}')\n"
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
    print(
        "| inquiries | generate s | floor s | onodig run s | run / floor | peak memory MB (all processes) | inquiries/s |"
    )
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
            print(f"  {step:70s} {seconds:7.1f}")


if __name__ == "__main__":
    main()
