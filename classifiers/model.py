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

from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.classifiers.text import TextProcessor


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

    @classmethod
    def from_proba(cls, proba: np.ndarray, labels: list[str]) -> Prediction:
        if len(proba) == 0:
            return cls([], np.zeros(0), [], proba)
        ranked = np.argsort(-proba, axis=1)
        return cls(
            labels=[labels[i] for i in ranked[:, 0]],
            confidence=proba[np.arange(len(proba)), ranked[:, 0]],
            second=[labels[i] for i in ranked[:, 1]],
            proba=proba,
        )


class TextClassifier:
    """What every demand model offers: fit on texts and labels, probabilities over the six keys."""

    labels: list[str]

    def fit(self, texts: list[str], labels: list[str]) -> TextClassifier:
        raise NotImplementedError

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: list[str], masked: bool = False) -> Prediction:
        """``masked=True`` says the texts were masked already (staged inquiry text)."""
        return Prediction.from_proba(self.predict_proba(texts, masked=masked), self.labels)


class DemandClassifier(TextClassifier):
    """TF-IDF over words, affixes and character n-grams; a linear SVM with Platt-calibrated scores."""

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
        dropout = self.config["model"].get("salient_dropout") or {}
        if not int(dropout.get("rounds", 0)):
            self.model.fit(self.features.fit_transform(normalised), labels)
            return self
        from onodig.classifiers.augment import augmented

        docs, labels, weights = augmented(normalised, list(labels), self.features, self.model.estimator, dropout)
        self.model.fit(self.features.fit_transform(docs), labels, sample_weight=weights)
        return self

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        matrix = self.features.transform(self.processor.transform(texts, masked=masked))
        proba = self.model.predict_proba(matrix)
        order = [list(self.model.classes_).index(label) for label in self.labels]
        return proba[:, order]


class LemmaEnsemble(TextClassifier):
    """The surface-form model and a lemma-form model, their calibrated probabilities averaged.

    The lookup lemmatizer has no part of speech ("har" becomes "hare"), so lemmas alone lose
    signal; next to the surface forms they can still add recall on unseen inflections.
    """

    def __init__(self, config: dict):
        lemma_config = {**config, "text": {**config["text"], "use_lemmas": True}}
        self.members = [DemandClassifier(config), DemandClassifier(lemma_config)]
        self.labels = list(DEMAND_TYPES)

    def fit(self, texts: list[str], labels: list[str]) -> LemmaEnsemble:
        for member in self.members:
            member.fit(texts, labels)
        return self

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        return np.mean([member.predict_proba(texts, masked=masked) for member in self.members], axis=0)


class SemanticClassifier(TextClassifier):
    """multilingual-e5-small sentence embeddings and a logistic regression over them.

    Reads meaning rather than words, so paraphrases without the municipality's vocabulary land
    near their type; slower than TF-IDF by two orders of magnitude, so on the bulk path it only
    sees what :class:`Cascade` sends it.
    """

    def __init__(self, config: dict, cache_dir=None):
        from sklearn.linear_model import LogisticRegression

        from onodig.classifiers.embeddings import E5Embedder

        semantic = config["semantic"]
        self.labels = list(DEMAND_TYPES)
        self.embedder = E5Embedder(cache_dir)
        self.model = LogisticRegression(C=semantic["C"], class_weight="balanced", max_iter=3000)

    def _vectors(self, texts: list[str], masked: bool) -> np.ndarray:
        from onodig.privacy import mask_texts

        return self.embedder.embed(texts if masked else list(mask_texts(texts)))

    def fit(self, texts: list[str], labels: list[str]) -> SemanticClassifier:
        self.model.fit(self._vectors(texts, masked=False), labels)
        self.embedder.cache_dir = None  # the cache serves training; predictions are not kept
        return self

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        proba = self.model.predict_proba(self._vectors(texts, masked))
        order = [list(self.model.classes_).index(label) for label in self.labels]
        return proba[:, order]


class Cascade(TextClassifier):
    """TF-IDF for every text; the texts it is unsure of are also embedded, and get the average of
    both models' probabilities.

    ``cascade_below: 1.0`` blends every text (the plain ensemble); lower values keep the bulk
    path at TF-IDF speed, since most contact-centre notes are ones TF-IDF is sure of.
    """

    def __init__(self, config: dict, cache_dir=None):
        self.labels = list(DEMAND_TYPES)
        self.fast = DemandClassifier(config)
        self.semantic = SemanticClassifier(config, cache_dir)
        self.weight = float(config["semantic"]["weight"])
        self.below = float(config["semantic"]["cascade_below"])
        self.last_share_embedded = 0.0

    def fit(self, texts: list[str], labels: list[str]) -> Cascade:
        self.fast.fit(texts, labels)
        self.semantic.fit(texts, labels)
        return self

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        proba = self.fast.predict_proba(texts, masked=masked)
        unsure = np.flatnonzero(proba.max(axis=1) < self.below) if len(proba) else np.zeros(0, dtype=int)
        self.last_share_embedded = len(unsure) / max(len(texts), 1)
        if len(unsure):
            semantic = self.semantic.predict_proba([texts[i] for i in unsure], masked=masked)
            proba[unsure] = (1 - self.weight) * proba[unsure] + self.weight * semantic
        return proba


def build_model(config: dict, cache_dir=None) -> TextClassifier:
    """The untrained model that the config's ``model.kind`` names (``cache_dir`` keeps embeddings)."""
    kind = config["model"]["kind"]
    if kind == "tfidf_linear":
        return DemandClassifier(config)
    if kind == "lemma_ensemble":
        return LemmaEnsemble(config)
    if kind == "e5_linear":
        return SemanticClassifier(config, cache_dir)
    if kind == "cascade":
        return Cascade(config, cache_dir)
    if kind == "spacy_textcat":
        from onodig.classifiers.textcat import SpacyTextcat

        return SpacyTextcat(config)
    raise ValueError(f"unknown model kind {kind!r} in the classifier config")
