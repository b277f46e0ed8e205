"""Compare the candidate models on the independent evaluation split and say which wins.

    python -m onodig.classifiers.compare [--out comparison.md]

Each candidate trains on the training split only and is scored on the evaluation split, which
other writers wrote; the config's ``model.kind`` should name the winner by macro-F1.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from onodig.classifiers.corpus import load_corpus
from onodig.classifiers.evaluate import calibration_error, evaluate
from onodig.classifiers.settings import load_config
from onodig.classifiers.training import train

# name: (model.kind, config overrides, description)
CANDIDATES = {
    "tfidf_linear": (
        "tfidf_linear",
        {"model": {"char_ngrams": [2, 5]}},
        "(a) TF-IDF over words, affixes and char n-grams, calibrated linear SVM",
    ),
    "tfidf_linear_words": (
        "tfidf_linear",
        {"model": {"char_ngrams": [0, 0]}},
        "(a') as (a) without char n-grams: words and affixes",
    ),
    "spacy_textcat": (
        "spacy_textcat",
        {},
        "(b) spaCy textcat (bag-of-words n-grams) on the same tokenizer and masking",
    ),
    "lemma_ensemble": (
        "lemma_ensemble",
        {"model": {"char_ngrams": [2, 5]}},
        "(c) (a) averaged with the same model over lookup lemmas",
    ),
}


def candidate_config(config: dict, name: str) -> dict:
    kind, overrides, _ = CANDIDATES[name]
    candidate = copy.deepcopy(config)
    candidate["model"]["kind"] = kind
    for section, values in overrides.items():
        candidate[section].update(values)
    return candidate


def in_use(config: dict) -> str:
    """The candidate that the config as it stands is."""
    for name in CANDIDATES:
        if candidate_config(config, name) == config:
            return name
    return "custom"


def macro_f1_difference(truth, a, b, rounds: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % paired-bootstrap interval for macro-F1(a) - macro-F1(b) on the same texts."""
    truth, a, b = np.asarray(truth), np.asarray(a), np.asarray(b)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        idx = rng.integers(0, len(truth), len(truth))
        diffs.append(f1_score(truth[idx], a[idx], average="macro") - f1_score(truth[idx], b[idx], average="macro"))
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def choose(rows: list[dict], truth: list[str]) -> str:
    """Best macro-F1; among models not significantly worse than it, the fastest."""
    best = max(rows, key=lambda r: r["macro_f1"])
    tied = []
    for r in rows:
        low, high = macro_f1_difference(truth, best["predicted"], r["predicted"])
        r["vs_best"] = (low, high)
        if r is best or low <= 0:
            tied.append(r)
    return max(tied, key=lambda r: r["texts_per_second"])["kind"]


def compare(config: dict) -> tuple[list[dict], list[str]]:
    corpus = load_corpus()
    held_out = corpus[corpus["split"] == "eval"]
    texts, truth = held_out["text"].tolist(), held_out["label"].tolist()
    rows = []
    for name, (_, _, description) in CANDIDATES.items():
        candidate = candidate_config(config, name)
        started = time.perf_counter()
        model = train(candidate, corpus)
        train_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = model.predict(texts * 5)
        speed = 5 * len(texts) / (time.perf_counter() - started)
        first = predicted.labels[: len(texts)]
        result = evaluate(truth, first)
        correct = [p == t for p, t in zip(first, truth, strict=True)]
        rows.append(
            {
                "kind": name,
                "description": description,
                "macro_f1": result.macro_f1,
                "accuracy": result.accuracy,
                "ece": calibration_error(predicted.confidence[: len(texts)], correct),
                "train_seconds": train_seconds,
                "texts_per_second": speed,
                "predicted": first,
            }
        )
    return rows, truth


def markdown(rows: list[dict], chosen: str) -> str:
    lines = [
        "| model | macro-F1 | best minus this, 95 % CI | accuracy | calibration error (ECE) | train s | texts/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: -r["macro_f1"]):
        mark = " **(in use)**" if r["kind"] == chosen else ""
        lines.append(
            f"| `{r['kind']}`{mark}: {r['description']} | {r['macro_f1']:.3f} "
            f"| {r['vs_best'][0]:+.3f} .. {r['vs_best'][1]:+.3f} | {r['accuracy']:.3f} | {r['ece']:.3f} "
            f"| {r['train_seconds']:.1f} | {r['texts_per_second']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = load_config()
    rows, truth = compare(config)
    chosen = choose(rows, truth)
    table = markdown(rows, in_use(config))
    print(table)
    print(
        f"\nchosen (best macro-F1 on the evaluation split, or the fastest not significantly below it): {chosen}; "
        f"config uses: {in_use(config)}"
    )
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
