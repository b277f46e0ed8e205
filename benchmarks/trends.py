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

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.demand.alerts import demand_alerts
from onodig.demand.topics import emerging_topics, weeks_of
from onodig.demand.trend_settings import TrendSettings
from onodig.generator.landing import GeneratorConfig, PlantedJump, PlantedTopic, write_landing
from onodig.privacy import mask_texts


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
    write_landing(config, root / "landing", root / "truth.csv")
    truth = pd.read_csv(root / "truth.csv", dtype=str)
    truth = truth[truth["expect"] == "inquiry"]
    contacts = pd.concat(
        pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
        for path in sorted((root / "landing" / "contacts").glob("*.csv"))
    )
    contacts["inquiry_id"] = "contacts:" + contacts["contact_id"]
    inquiries = contacts[["inquiry_id", "text"]].merge(truth, on="inquiry_id")
    inquiries["text"] = mask_texts(inquiries["text"].tolist())
    inquiries["occurred_at"] = pd.to_datetime(inquiries["occurred_at"])
    truth["week_start"] = weeks_of(truth["occurred_at"])
    weekly = (
        pd.crosstab([truth["process"], truth["week_start"]], truth["demand_type"])
        .reindex(columns=DEMAND_TYPES, fill_value=0)
        .add_prefix("n_")
        .reset_index()
    )
    weekly["inquiries"] = weekly.filter(like="n_").sum(axis=1)
    weekly["avoidable_inquiries"] = weekly["inquiries"] - weekly["n_value_demand"]
    weeks = sorted(weekly["week_start"].unique())
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
