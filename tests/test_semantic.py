"""The semantic half of the classifier: e5 embeddings (bundled, offline), the cascade, the robustness proxy."""

import numpy as np
import pandas as pd
import pytest

from onodig.classifiers.embeddings import DIM, E5Embedder
from onodig.classifiers.model import Cascade
from onodig.classifiers.robustness import telling_words, without
from onodig.classifiers.settings import load_config
from onodig.classifiers.taxonomy import DEMAND_TYPES


@pytest.fixture(scope="module")
def embedder():
    return E5Embedder()


def test_embeddings_put_a_paraphrase_nearer_than_another_topic(embedder):
    vectors = embedder.embed(
        [
            "Har ni fått min ansökan om bygglov?",
            "Jag undrar om min bygglovsansökan har kommit fram till er.",
            "Gatlampan på Storgatan är trasig sedan i måndags.",
        ]
    )
    assert vectors.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_embeddings_are_cached_by_text_so_training_embeds_the_corpus_once(tmp_path, monkeypatch):
    cached = E5Embedder(tmp_path)
    calls = []
    monkeypatch.setattr(cached, "_embed", lambda texts: calls.append(list(texts)) or np.ones((len(texts), DIM)))
    first = cached.embed(["a text", "another text"])
    again = E5Embedder(tmp_path)
    monkeypatch.setattr(again, "_embed", lambda texts: calls.append(list(texts)) or np.zeros((len(texts), DIM)))
    second = again.embed(["another text", "a third text", "a text"])
    assert calls == [["a text", "another text"], ["a third text"]]  # only the new text is embedded
    assert np.array_equal(second[[0, 2]], first[[1, 0]]) and not second[1].any()


def test_the_cascade_embeds_only_what_the_fast_model_is_unsure_of(monkeypatch):
    config = load_config()
    cascade = Cascade(config)
    sure = np.eye(len(DEMAND_TYPES))[[0, 5]] * 0.94 + 0.01
    unsure = np.full((1, len(DEMAND_TYPES)), 1 / len(DEMAND_TYPES))
    monkeypatch.setattr(cascade.fast, "predict_proba", lambda texts, masked=False: np.vstack([sure, unsure]))
    sent = []

    def semantic(texts, masked=False):
        sent.extend(texts)
        return np.eye(len(DEMAND_TYPES))[[2]]

    monkeypatch.setattr(cascade.semantic, "predict_proba", semantic)
    proba = cascade.predict_proba(["sure one", "sure two", "hard one"])
    assert sent == ["hard one"] and cascade.last_share_embedded == pytest.approx(1 / 3)
    assert proba[2].argmax() == 2 and proba[0].argmax() == 0  # the blend decides the unsure text only
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_telling_words_are_taken_out_and_the_rest_is_kept():
    train = pd.DataFrame(
        {
            "text": [
                "fakturan är fel",
                "min faktura igen",
                "fakturan kom",
                "lampan är trasig",
                "trasig gunga",
                "lampan",
            ]
            * 3,
            "label": (["invoice_status"] * 3 + ["value_demand"] * 3) * 3,
        }
    )
    words = telling_words(train, k=3)
    assert "fakturan" in words
    assert without(["Fakturan kom i går"], frozenset({"fakturan"})) == [" kom i går"]
