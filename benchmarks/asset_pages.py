"""What the asset pages cost: deriving the first partition from the landing data, and the UI's load.

    .venv/bin/python benchmarks/asset_pages.py [--weeks 12] [--per-week 1500] [--seed 21] [--png out.png]

Generates a landing folder and prints how long the first day takes to work out and the
definitions take to build (what ``onodig serve`` does on each load) before any run, when every
file is scanned, and after a run, when the manifest knows the files; then how long the weekly
mart's page (chart and tables) takes to build. ``--png`` writes the page's chart to look at.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from onodig.assets.pages import PAGES, WEEKLY
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.cli import run_pipeline
from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse


def load(root: Path) -> tuple[float, float, object]:
    """Seconds to the first day, seconds to the definitions, and the first day."""
    settings = resolve(landing=str(root / "landing"), data_dir=str(root / "data"))
    started = time.perf_counter()
    first = settings.first_day
    derived = time.perf_counter() - started
    build_definitions(settings)
    return derived, time.perf_counter() - started, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-week", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--png", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("ONODIG_PSEUDONYM_KEY", "benchmark-key")
    os.environ.pop("ONODIG_FIRST_DAY", None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counts = write_landing(
            GeneratorConfig(weeks=args.weeks, per_week=args.per_week, seed=args.seed), root / "landing", root / "t.csv"
        )
        files = sum(1 for _ in (root / "landing").rglob("*.csv*"))
        cold = load(root)
        settings = resolve(landing=str(root / "landing"), data_dir=str(root / "data"))
        with open(os.devnull, "w") as quiet:
            assert run_pipeline(settings, stream=quiet), "the pipeline failed"
        warm = load(root)
        with Warehouse(settings.warehouse_url) as store:
            started = time.perf_counter()
            page = PAGES[WEEKLY](store, "sv")
            page_seconds = time.perf_counter() - started
    print(f"{counts['inquiries']:,} inquiries over {args.weeks} weeks in {files} landing files")
    print(
        f"before any run (every file scanned): first day {cold[2]} in {cold[0]:.2f} s, definitions in {cold[1]:.2f} s"
    )
    print(
        f"after a run (the manifest knows them): first day {warm[2]} in {warm[0]:.2f} s, definitions in {warm[1]:.2f} s"
    )
    print(f"the weekly mart's page (chart and two tables): {page_seconds:.2f} s")
    if args.png:
        import base64

        args.png.write_bytes(base64.b64decode(page["trend_chart"].value.split("base64,", 1)[1].rstrip(")")))


if __name__ == "__main__":
    main()
