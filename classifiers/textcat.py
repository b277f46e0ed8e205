"""spaCy's own text classifier, on the same blank Swedish pipeline and masking component.

Kept as a contender in :mod:`classifiers.compare`; the config chooses which model is used.
"""

from __future__ import annotations

import random

import numpy as np
import spacy
from spacy.training import Example
from spacy.util import minibatch

from onodig.classifiers.model import TextClassifier
from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.classifiers.text import capped, fold


class SpacyTextcat(TextClassifier):
    def __init__(self, config: dict):
        self.config = config
        self.labels = list(DEMAND_TYPES)
        self.nlp = None

    def _build(self):
        settings = self.config["spacy_textcat"]
        nlp = spacy.blank("sv")
        nlp.add_pipe("mask_personal_data")
        model = {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": True,
            "ngram_size": settings["ngram_size"],
            "no_output_layer": False,
            "length": settings["length"],
        }
        textcat = nlp.add_pipe("textcat", config={"model": model})
        for label in self.labels:
            textcat.add_label(label)
        return nlp

    def _doc(self, text: str):
        # the same diacritic folding as the TF-IDF model, so "ärende" and "arende" are one feature
        return self.nlp.make_doc(fold(capped(text)))

    def fit(self, texts: list[str], labels: list[str]) -> SpacyTextcat:
        settings = self.config["spacy_textcat"]
        self.nlp = self._build()
        rng = random.Random(self.config["seed"])
        examples = [
            Example.from_dict(self._doc(t), {"cats": {k: float(k == y) for k in self.labels}})
            for t, y in zip(texts, labels, strict=True)
        ]
        optimizer = self.nlp.initialize(lambda: examples)
        for _ in range(settings["epochs"]):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=settings["batch_size"]):
                self.nlp.update(batch, sgd=optimizer, drop=settings["dropout"])
        return self

    def predict_proba(self, texts: list[str], masked: bool = False) -> np.ndarray:
        docs = self.nlp.pipe(fold(capped(t)) for t in texts)
        return np.array([[doc.cats[k] for k in self.labels] for doc in docs])
