"""The demand classifier: spaCy-normalised text, TF-IDF n-grams, a calibrated linear model.

Calibrated confidence matters because it decides what goes to the analysts' review queue and
how the published shares are corrected for the model's known errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from classifiers.taxonomy import DEMAND_TYPES
from classifiers.text import TextProcessor


def _split(text: str) -> list[str]:
    return text.split()


class Affixes:
    """Token prefixes and suffixes: sub-word signal (stems, inflections) far cheaper than char n-grams."""

    def __init__(self, prefix: int, suffix: int):
        self.prefix, self.suffix = prefix, suffix

    def __call__(self, text: str) -> list[str]:
        out = []
        for token in text.split():
            if len(token) > self.prefix + 1:
                out.append("<" + token[: self.prefix])
            if len(token) > self.suffix + 1:
                out.append(token[-self.suffix :] + ">")
        return out


def build_features(config: dict) -> FeatureUnion:
    model = config["model"]
    parts = [
        (
            "words",
            TfidfVectorizer(
                analyzer=_split, ngram_range=(1, 1), min_df=model["min_df"], sublinear_tf=model["sublinear_tf"]
            ),
        )
    ]
    lo, hi = model["word_ngrams"]
    if hi > 1:
        parts[0] = (
            "words",
            TfidfVectorizer(
                tokenizer=_split,
                token_pattern=None,
                lowercase=False,
                ngram_range=(lo, hi),
                min_df=model["min_df"],
                sublinear_tf=model["sublinear_tf"],
            ),
        )
    clo, chi = model["char_ngrams"]
    if chi > 0:
        parts.append(
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(clo, chi),
                    min_df=model["min_df"],
                    sublinear_tf=model["sublinear_tf"],
                    lowercase=False,
                    dtype=np.float32,
                ),
            )
        )
    prefix, suffix = config["text"].get("affixes") or [0, 0]
    if prefix or suffix:
        parts.append(
            ("affixes", TfidfVectorizer(analyzer=Affixes(prefix, suffix), min_df=model["min_df"], sublinear_tf=True))
        )
    return FeatureUnion(parts)


@dataclass
class Prediction:
    labels: list[str]
    confidence: np.ndarray
    second: list[str]
    proba: np.ndarray


class DemandClassifier:
    """Fit on raw texts and labels; predicts one of the six keys with a calibrated confidence."""

    def __init__(self, config: dict):
        self.config = config
        self.labels = list(DEMAND_TYPES)
        self.features = build_features(config)
        self.model = CalibratedClassifierCV(
            LinearSVC(
                C=config["model"]["C"], class_weight=config["model"]["class_weight"], random_state=config["seed"]
            ),
            method=config["calibration"]["method"],
            cv=config["calibration"]["folds"],
        )
        self._processor: TextProcessor | None = None

    @property
    def processor(self) -> TextProcessor:
        if self._processor is None:
            self._processor = TextProcessor(self.config["text"]["fold_diacritics"], self.config["text"]["use_lemmas"])
        return self._processor

    def __getstate__(self):  # the spaCy pipeline is rebuilt on load, not pickled
        state = dict(self.__dict__)
        state["_processor"] = None
        return state

    def fit(self, texts: list[str], labels: list[str]) -> DemandClassifier:
        normalised = self.processor.transform(texts)
        matrix = self.features.fit_transform(normalised)
        self.model.fit(matrix, labels)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        matrix = self.features.transform(self.processor.transform(texts))
        proba = self.model.predict_proba(matrix)
        order = [list(self.model.classes_).index(label) for label in self.labels]
        return proba[:, order]

    def predict(self, texts: list[str]) -> Prediction:
        proba = self.predict_proba(texts)
        ranked = np.argsort(-proba, axis=1)
        labels = [self.labels[i] for i in ranked[:, 0]]
        second = [self.labels[i] for i in ranked[:, 1]]
        return Prediction(
            labels=labels, confidence=proba[np.arange(len(proba)), ranked[:, 0]], second=second, proba=proba
        )
