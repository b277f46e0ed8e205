"""A first run's texts classified by a worker per core get the labels one process gives them."""

import numpy as np

from onodig.classifiers import pooled
from onodig.classifiers.pooled import PooledPredictor
from onodig.generator.landing import sample_texts


def test_workers_give_the_labels_and_confidences_one_process_gives(trained):
    texts = [text for text, _label in sample_texts(600, seed=4)]
    alone = trained.predict(texts, masked=True)
    with PooledPredictor(trained, processes=2, masked=True, min_texts=100) as predict:
        pooled_run = predict(texts)
        assert predict.pooled_texts == len(texts)
        small = predict(texts[:50])  # under min_texts: predicted in this process
        assert predict.pooled_texts == len(texts)
    assert pooled_run.labels == alone.labels and pooled_run.second == alone.second
    assert np.array_equal(pooled_run.proba, alone.proba)  # each text's figures are its own, whatever its batch
    assert small.labels == alone.labels[:50]
    assert len(set(alone.labels)) >= 4  # the texts span the taxonomy, not one easy type


def test_one_process_or_a_small_batch_starts_no_workers(trained, monkeypatch):
    def no_pool(*_args, **_kwargs):
        raise AssertionError("no worker should start")

    monkeypatch.setattr(pooled, "ProcessPoolExecutor", no_pool)
    texts = [text for text, _label in sample_texts(40, seed=5)]
    with PooledPredictor(trained, processes=1, masked=True, min_texts=10) as predict:
        assert predict(texts).labels == trained.predict(texts, masked=True).labels
    with PooledPredictor(trained, processes=2, masked=True, min_texts=100) as predict:
        assert predict(texts).labels == trained.predict(texts, masked=True).labels
        assert predict.pooled_texts == 0
