"""A generated world read back with its true labels: what the trend watch sees, without a classifier.

The trend tests and ``benchmarks/trends.py`` judge topics and alerts on the generator's own
labels, so that a miss is the trend watch's and not the classifier's.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.demand.topics import weeks_of
from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.privacy import mask_texts


def truth_world(root: Path, config: GeneratorConfig) -> dict:
    """Write the landing folder under ``root``; return the masked contact texts with their true
    labels (``inquiries``), the weekly counts per process and type (``weekly``) and the ``weeks``."""
    write_landing(config, root / "landing", root / "truth.csv")
    truth = pd.read_csv(root / "truth.csv", dtype=str)
    truth = truth[truth["expect"] == "inquiry"]
    rows = []
    for path in sorted((root / "landing" / "contacts").glob("contacts_*.csv*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle, delimiter=";"))
    contacts = pd.DataFrame(rows)
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
    return {"inquiries": inquiries, "weekly": weekly, "weeks": sorted(weekly["week_start"].unique())}
