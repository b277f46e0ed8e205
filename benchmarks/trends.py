"""How long the trend watch takes per run, and what it finds, on a generated world with planted events.

    .venv/bin/python benchmarks/trends.py [--weeks 12] [--per-week 1500] [--seed 7]

``emerging_topics`` tokenises and clusters every process-week with its trailing weeks, so its cost
grows with weeks times inquiries; ``demand_alerts`` reads only the weekly mart. The world is the
demo's size by default, with ``hamtschema`` planted in the two weeks before the last and a
tripled ``invoice_status`` in forskola in the last week, read from the landing files with the
true labels (no classifier), so that the figures are the trend watch's own.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from onodig.demand.alerts import demand_alerts
from onodig.demand.topics import emerging_topics
from onodig.demand.trend_settings import TrendSettings
from onodig.generator.landing import GeneratorConfig, PlantedJump, PlantedTopic
from onodig.generator.truth import truth_world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-week", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="onodig-trends-"))
    config = GeneratorConfig(
        weeks=args.weeks,
        per_week=args.per_week,
        seed=args.seed,
        quirks=False,
        planted_topics=(PlantedTopic("hamtschema", args.weeks - 3),),
        planted_jumps=(PlantedJump("forskola", "invoice_status", args.weeks - 1),),
    )
    world = truth_world(root, config)
    inquiries, weekly, weeks = world["inquiries"], world["weekly"], world["weeks"]
    settings = TrendSettings.default()

    started = time.perf_counter()
    topics = emerging_topics(inquiries, weeks, settings.topics)
    topic_seconds = time.perf_counter() - started
    started = time.perf_counter()
    alerts = demand_alerts(weekly, weeks, settings.alerts)
    alert_seconds = time.perf_counter() - started
    raised = alerts[alerts["alert"]]
    print(
        json.dumps(
            {
                "contacts": len(inquiries),
                "process_weeks": len(weekly),
                "emerging_topics_seconds": round(topic_seconds, 1),
                "demand_alerts_seconds": round(alert_seconds, 2),
                "emerging": [
                    f"{r.process} {r.week_start:%Y-%m-%d}: {r.keywords} ({r.inquiries} vs {r.previous_inquiries:g})"
                    for r in topics.itertuples()
                ],
                "alerts": [
                    f"{r.process} {r.week_start:%Y-%m-%d} {r.demand_type or 'share'}" for r in raised.itertuples()
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
