"""A classifier's predictions made by a worker per core when a batch is big (a first run, a new model).

Classifying is spaCy, TF-IDF and a linear model over each text on its own: at a million inquiries
it was a minute of one core while the other waited. Each worker gets the classifier once (pickled
without its spaCy pipeline, which it builds again) and a share of each batch; a text's
probabilities do not depend on the others in its batch, so the labels are those of one process.
A small batch, a daily delivery's, is predicted here: starting workers costs seconds.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from onodig.classifiers.model import Prediction, TextClassifier
from onodig.workers import worker_pool

POOL_TEXTS = 20_000  # a batch of fewer texts is predicted in this process
PIECES_PER_WORKER = 4  # a batch is cut finer than one piece a worker, so that none waits long on another

_worker_classifier: TextClassifier | None = None  # the classifier a worker process was given, once


def _start_worker(classifier: TextClassifier) -> None:
    global _worker_classifier
    _worker_classifier = classifier


def _proba_in_worker(texts: list[str], masked: bool) -> np.ndarray:
    assert _worker_classifier is not None, "a worker predicts only after _start_worker"
    return _worker_classifier.predict_proba(texts, masked=masked)


class PooledPredictor:
    """``classifier.predict(texts, masked=masked)``, by up to ``processes`` workers for a big batch.

    Use it as a context manager: the workers start with the first big batch and stop on exit.
    """

    def __init__(self, classifier: TextClassifier, processes: int, masked: bool = False, min_texts: int = POOL_TEXTS):
        self.classifier, self.processes, self.masked, self.min_texts = classifier, processes, masked, min_texts
        self._pool: ProcessPoolExecutor | None = None
        self.pooled_texts = 0  # how many texts the workers predicted: the inquiries page shows it

    def __call__(self, texts: list[str]) -> Prediction:
        if self.processes <= 1 or len(texts) < self.min_texts:
            return self.classifier.predict(texts, masked=self.masked)
        if self._pool is None:
            self._pool = worker_pool(
                self.processes, "onodig.classifiers.pooled", initializer=_start_worker, initargs=(self.classifier,)
            )
        size = -(-len(texts) // (self.processes * PIECES_PER_WORKER))
        pieces = [texts[first : first + size] for first in range(0, len(texts), size)]
        probas = list(self._pool.map(_proba_in_worker, pieces, [self.masked] * len(pieces)))
        self.pooled_texts += len(texts)
        return Prediction.from_proba(np.concatenate(probas), self.classifier.labels)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> PooledPredictor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
