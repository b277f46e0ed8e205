"""Training copies without the words the model leans on most (salient-word dropout).

The corpus's writers name the thing a text is about ("faktura", "redan", "komplettering");
real citizens often do not, and a TF-IDF model that learned the names falls to about half right
on their text. Each round fits a plain linear model, takes out of every training text the few
words that speak most for its own label, and adds that copy, with a lower weight, under the same
label: the next model must also learn what is left, the way a letter says it without the word.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC


def word_score(features: FeatureUnion, coef: np.ndarray, token: str) -> float:
    """How much ``token`` adds to one class's score: its word feature and its affixes together."""
    offset, score = 0, 0.0
    for name, vectorizer in features.transformer_list:
        vocabulary = vectorizer.vocabulary_
        if name == "words":
            index = vocabulary.get(token)
            score += coef[offset + index] if index is not None else 0.0
        elif name == "affixes":
            score += sum(coef[offset + vocabulary[a]] for a in vectorizer.analyzer(token) if a in vocabulary)
        offset += len(vocabulary)
    return float(score)


def without_salient(docs: list[str], labels: list[str], features: FeatureUnion, svc: LinearSVC, drop: int) -> list[str]:
    """Each normalised text without the ``drop`` words that count most for its own label."""
    classes = list(svc.classes_)
    cache: dict[tuple[int, str], float] = {}
    out = []
    for doc, label in zip(docs, labels, strict=True):
        row = classes.index(label)
        tokens = doc.split()
        scored = []
        for token in dict.fromkeys(tokens):
            key = (row, token)
            if key not in cache:
                cache[key] = word_score(features, svc.coef_[row], token)
            scored.append((cache[key], token))
        gone = {token for score, token in sorted(scored, reverse=True)[:drop] if score > 0}
        out.append(" ".join(t for t in tokens if t not in gone))
    return out


def augmented(
    docs: list[str], labels: list[str], features: FeatureUnion, svc: LinearSVC, settings: dict
) -> tuple[list[str], list[str], np.ndarray]:
    """The texts and ``settings["rounds"]`` rounds of copies, each without the last round's salient words.

    Each round fits a fresh clone of ``svc``, the classifier's own uncalibrated estimator, so the
    words found are the ones that model would lean on. ``features`` is refitted on every round;
    the caller fits it once more on what this returns.
    """
    drop, rounds, weight = int(settings["drop"]), int(settings["rounds"]), float(settings["weight"])
    all_docs, all_labels, weights = list(docs), list(labels), [1.0] * len(docs)
    current = list(docs)
    for _ in range(rounds):
        matrix = features.fit_transform(all_docs)
        fitted = clone(svc).fit(matrix, all_labels)
        current = without_salient(current, list(labels), features, fitted, drop)
        all_docs += current
        all_labels += list(labels)
        weights += [weight] * len(current)
    return all_docs, all_labels, np.asarray(weights)
