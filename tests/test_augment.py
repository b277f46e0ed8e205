"""Salient-word dropout: the copies lose the words the model leans on, and nothing else."""

from sklearn.svm import LinearSVC

from onodig.classifiers.augment import augmented, without_salient, word_score
from onodig.classifiers.model import build_features
from onodig.classifiers.settings import load_config

DOCS = [
    "fakturan ar redan betald men jag fick en paminnelse",
    "min faktura ar betald varfor kommer paminnelse",
    "hur gar det med mitt bygglov jag sokte i mars",
    "vad hander med mitt arende om bygglov",
    "jag vill boka en tid for vigsel",
    "jag vill boka lokal till var forening",
]
LABELS = ["invoice_status", "invoice_status", "case_status", "case_status", "value_demand", "value_demand"]


def settings(**overrides):
    config = load_config()
    config["model"] = {**config["model"], "min_df": 1, **overrides}
    return config


def test_each_copy_loses_its_own_labels_most_salient_words_and_keeps_the_rest():
    config = settings()
    svc = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
    docs, labels, weights = augmented(
        DOCS, LABELS, build_features(config), svc, {"drop": 1, "rounds": 1, "weight": 0.5}
    )
    assert docs[: len(DOCS)] == DOCS and labels == LABELS * 2
    assert list(weights) == [1.0] * len(DOCS) + [0.5] * len(DOCS)
    for original, copy in zip(DOCS, docs[len(DOCS) :], strict=True):
        gone = set(original.split()) - set(copy.split())
        assert len(gone) == 1  # one word, every time it occurs, and only that word
        assert [t for t in original.split() if t not in gone] == copy.split()


def test_the_word_taken_out_is_one_that_speaks_for_the_texts_label():
    features = build_features(settings())
    svc = LinearSVC(C=0.5, class_weight="balanced", random_state=0).fit(features.fit_transform(DOCS), LABELS)
    copies = without_salient(DOCS, LABELS, features, svc, drop=2)
    invoice_gone = set(DOCS[0].split()) - set(copies[0].split())
    assert invoice_gone & {"fakturan", "betald", "paminnelse", "redan"}
    bygglov_gone = set(DOCS[2].split()) - set(copies[2].split())
    assert "bygglov" in bygglov_gone or bygglov_gone & {"gar", "det", "sokte"}
    for doc, copy, label in zip(DOCS, copies, LABELS, strict=True):  # the best for its label, and for it
        coef = svc.coef_[list(svc.classes_).index(label)]
        kept = {word_score(features, coef, t) for t in copy.split()}
        for word in set(doc.split()) - set(copy.split()):
            assert word_score(features, coef, word) > 0 and word_score(features, coef, word) >= max(kept, default=0)


def test_a_model_with_dropout_trains_and_reads_the_held_out_split():
    from onodig.classifiers.corpus import load_corpus
    from onodig.classifiers.evaluate import evaluate
    from onodig.classifiers.model import DemandClassifier

    corpus = load_corpus()
    train = corpus[corpus["split"] == "train"].groupby("label").head(120)
    held_out = corpus[corpus["split"] == "eval"]
    config = load_config()
    config["model"] = {**config["model"], "salient_dropout": {"drop": 3, "rounds": 2, "weight": 0.5}}
    model = DemandClassifier(config).fit(train["text"].tolist(), train["label"].tolist())
    proba = model.predict_proba(held_out["text"].tolist())
    assert proba.shape == (len(held_out), 6) and abs(proba.sum(axis=1) - 1).max() < 1e-6
    assert evaluate(held_out["label"].tolist(), model.predict(held_out["text"].tolist()).labels).macro_f1 > 0.7
