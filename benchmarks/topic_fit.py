"""What fitting a big process-week's topics on a draw costs and finds: ``max_fit_inquiries``.

    .venv/bin/python benchmarks/topic_fit.py [--per-week 40000] [--planted 100] [--cap 0 --cap 2000 ...]

At a million inquiries over 12 weeks a process-week holds about ten thousand texts, and the NMF
of every process-week was most of a full run. This generates a world of ``--per-week`` contacts a
week for 8 weeks with ``--planted`` contacts a week of a new reason in va_avfall in weeks 5 and 6
(read with the true labels, no classifier), tokenises it once, then finds the emerging topics of
those two weeks with each cap (0: none, every inquiry of the week fitted). Prints one row per cap:
seconds, in how many of the two weeks the planted reason was found (a va_avfall topic whose
keywords are the planted phrases' words, all but one), its largest count, and the other topics
called emerging.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from onodig.demand.topics import Tokeniser, emerging_topics
from onodig.demand.trend_settings import TrendSettings
from onodig.generator.landing import GeneratorConfig, PlantedTopic, load_phrases
from onodig.generator.truth import truth_world

WEEKS, TOPIC_WEEK = 8, 5


def planted_words() -> set[str]:
    topic = load_phrases()["planted_topics"]["hamtschema"]
    return {w.strip(".,?!:;()").lower() for t in topic["note"] + topic["message"] for w in t.split()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-week", type=int, default=40_000)
    parser.add_argument("--planted", type=int, default=100, help="planted contacts a week in va_avfall")
    parser.add_argument("--cap", type=int, action="append", help="max_fit_inquiries (0: none); default 0, 2000")
    args = parser.parse_args()
    caps = args.cap or [0, 2000]
    config = GeneratorConfig(
        weeks=WEEKS,
        per_week=args.per_week,
        seed=11,
        quirks=False,
        planted_topics=(PlantedTopic("hamtschema", TOPIC_WEEK, per_week=args.planted),),
    )
    started = time.perf_counter()
    world = truth_world(Path(tempfile.mkdtemp(prefix="onodig-topic-fit-")), config)
    inquiries = world["inquiries"].copy()
    inquiries["words"] = Tokeniser()(inquiries["text"].fillna("").tolist())  # once, as the kept words are
    weeks = world["weeks"][TOPIC_WEEK : TOPIC_WEEK + 2]
    own = inquiries[inquiries["process"] == "va_avfall"]
    print(
        f"{len(inquiries):,} contacts, about {len(own) // WEEKS:,} a week in va_avfall, "
        f"generated and tokenised in {time.perf_counter() - started:.0f} s"
    )
    words = planted_words()
    print("| max_fit_inquiries | seconds | weeks found (of 2) | planted topic's count | other emerging |")
    print("|---|---|---|---|---|")
    settings = TrendSettings.default().topics
    for cap in caps:
        chosen = dataclasses.replace(settings, max_fit_inquiries=cap or 10**9)
        started = time.perf_counter()
        found = emerging_topics(inquiries, weeks, chosen)
        seconds = time.perf_counter() - started
        keywords = found["keywords"].str.split(", ")
        planted = (found["process"] == "va_avfall") & keywords.map(lambda k: sum(w in words for w in k) >= len(k) - 1)
        hits = found[planted]
        print(
            f"| {cap or 'none'} | {seconds:.1f} | {hits['week_start'].nunique()} "
            f"| {int(hits['inquiries'].max()) if len(hits) else 0} | {int((~planted).sum())} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
