"""The trained classifier, its artefact versioning, evaluation and the model choice rule."""

import numpy as np
import pandas as pd

from onodig.classifiers.compare import choose
from onodig.classifiers.corpus import EVAL_SPLITS, corrections_as_training, load_corpus
from onodig.classifiers.evaluate import calibration_error, correction_weights, evaluate, value_demand_kept
from onodig.classifiers.settings import load_config
from onodig.classifiers.taxonomy import DEMAND_TYPES
from onodig.classifiers.training import load_or_train, model_version
from onodig.demand.corrections import read_corrections


def test_corpus_meets_the_contract():
    corpus = load_corpus()
    train = corpus[corpus["split"] == "train"]
    assert len(corpus) >= 4000
    assert set(corpus["label"]) == set(DEMAND_TYPES)
    for label in DEMAND_TYPES[:5]:
        assert (corpus["label"] == label).sum() >= 500, label
    assert set(corpus["channel"]) >= {"phone", "email", "chat", "visit", "eservice"}
    # every evaluation split was written by other writers than the training split
    for split in EVAL_SPLITS:
        held_out = corpus[corpus["split"] == split]
        assert not set(train["writer"]) & set(held_out["writer"]), split
        assert not set(train["text"].str.strip().str.lower()) & set(held_out["text"].str.strip().str.lower()), split
    # the short questions hold every type, so that being short is no clue to value demand
    assert set(corpus.loc[corpus["split"] == "eval_short", "label"]) == set(DEMAND_TYPES)


def test_predicts_one_of_six_keys_with_probabilities(trained):
    texts = ["Varför fick jag en påminnelse, jag betalade den 28:e", "Får man elda trädgårdsavfall i april?", ""]
    predicted = trained.predict(texts)
    assert set(predicted.labels) <= set(DEMAND_TYPES) and len(predicted.labels) == 3
    assert np.allclose(predicted.proba.sum(axis=1), 1.0)
    assert ((predicted.confidence > 0) & (predicted.confidence <= 1)).all()
    assert predicted.labels[:2] == ["invoice_status", "value_demand"]
    assert all(a != b for a, b in zip(predicted.labels, predicted.second, strict=True))


def test_the_taxonomy_hard_cases(trained):
    cases = {
        "När får jag beslut på min ansökan om bygglov?": "case_status",
        "Hur lång tid brukar det ta att få bygglov?": "processing_time",
        "Jag har redan skickat in intyget, har ni fått det?": "duplicate_request",
        "Kan jag få fakturan som e-faktura i stället?": "value_demand",
        "Jag fick ett brev om komplettering men förstår inte vad som saknas": "missing_information",
    }
    assert trained.predict(list(cases)).labels == list(cases.values())


def test_artefacts_are_versioned_and_reused(model_dir):
    config = load_config()
    again = load_or_train(model_dir, config, log=lambda _m: None)
    assert not again.trained_now and again.path.name == f"demand_classifier-{model_version(config)}.joblib"
    changed = {**config, "model": {**config["model"], "C": config["model"]["C"] * 2}}
    assert model_version(changed) != model_version(config)
    extra = pd.DataFrame({"text": ["x"], "label": ["value_demand"]})
    assert model_version(config, extra=extra) != model_version(config)


def test_corrections_join_masked_inquiry_text(tmp_path):
    (tmp_path / "corrections.csv").write_text(
        "inquiry_id,demand_type\ncontacts:C1,case_status\ncontacts:C2,not_a_type\neservice:E1,value_demand\n"
        "contacts:C1,invoice_status\n",
        encoding="utf-8",
    )
    read = read_corrections(tmp_path / "corrections.csv")
    assert read.ignored == 1  # the unknown type, left out rather than stopping the run
    corrections = read.labels
    inquiries = pd.DataFrame(
        {"inquiry_id": ["contacts:C1", "contacts:C2", "eservice:E1"], "text": ["Har ni fått betalningen?", "x", None]}
    )
    rows = corrections_as_training(corrections, inquiries)
    assert rows.to_dict("records") == [{"text": "Har ni fått betalningen?", "label": "invoice_status"}]


def test_evaluation_scores_and_confusion():
    truth = ["case_status", "case_status", "value_demand", "invoice_status"]
    result = evaluate(truth, ["case_status", "value_demand", "value_demand", "invoice_status"])
    assert result.confusion.loc["case_status", "value_demand"] == 1
    assert result.per_class.set_index("label").loc["case_status", "recall"] == 0.5
    assert result.value_kept == 1.0  # the one value question read as one
    assert evaluate(["value_demand", "value_demand"], ["value_demand", "case_status"]).value_kept == 0.5
    assert np.allclose(result.confusion_rates().sum(axis=1), 1.0)
    assert "| `case_status` |" in result.markdown()


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    assert calibration_error([1.0, 1.0, 0.0], [True, True, False]) == 0.0
    assert abs(calibration_error([0.9] * 10, [True] * 5 + [False] * 5) - 0.4) < 1e-9


def test_value_demand_kept_on_a_real_world_style_file(trained, tmp_path):
    path = tmp_path / "faq.csv"
    pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "text": ["Får man elda i trädgården?", "Vad kostar ett bygglov?", "Har ni fått min betalning?"],
            "label": ["value_demand", "value_demand", "invoice_status"],
        }
    ).to_csv(path, index=False)
    share, n = value_demand_kept(trained.predict, path)
    assert n == 2 and share == 1.0


def test_choice_rule_prefers_the_faster_model_when_scores_are_indistinguishable():
    truth = ["a", "b"] * 200
    perfect = list(truth)
    one_off = list(truth)
    one_off[0] = "b"

    def row(kind, score, speed, predicted, in_genre=0.99, value_kept=1.0):
        return {
            "kind": kind,
            "macro_f1_without_words": score,
            "macro_f1_in_genre": in_genre,
            "value_kept_short": value_kept,
            "texts_per_second": speed,
            "predicted": predicted,
        }

    rows = [
        row("slow", 1.0, 10, perfect),
        row("fast", 0.997, 100, one_off),
        row("bad", 0.5, 1000, ["a"] * 400),
    ]
    assert choose(rows, truth) == "fast"
    # too slow for the bulk path, or below the in-genre floor: not chosen however well it reads meaning
    assert choose([row("semantic", 1.0, 50, perfect), row("bad", 0.5, 1000, ["a"] * 400)], truth, 100) == "bad"
    assert (
        choose([row("forgetful", 1.0, 100, perfect, 0.9), row("bad", 0.5, 100, ["a"] * 400)], truth, 0, 0.95) == "bad"
    )
    # one that hears avoidable demand in short ordinary questions is not chosen either
    suspicious = row("suspicious", 1.0, 100, perfect, value_kept=0.9)
    assert choose([suspicious, row("bad", 0.5, 100, ["a"] * 400)], truth, 0, 0.95, 0.95) == "bad"
    assert choose([suspicious, row("bad", 0.5, 100, ["a"] * 400)], truth, 0, 0.95, 0.85) == "suspicious"


def test_correction_weights_recover_true_counts_from_predicted_counts():
    labels = list(DEMAND_TYPES)
    rng = np.random.default_rng(1)
    confusion = pd.DataFrame(np.diag([80] * 6) + rng.integers(0, 8, (6, 6)), index=labels, columns=labels)
    rates = confusion.to_numpy() / confusion.to_numpy().sum(axis=1, keepdims=True)
    true_counts = np.array([30, 50, 10, 20, 15, 200], dtype=float)
    predicted_counts = rates.T @ true_counts
    weights = correction_weights(confusion).pivot(index="true_type", columns="predicted_type", values="weight")
    recovered = weights.loc[labels, labels].to_numpy() @ predicted_counts
    assert np.allclose(recovered, true_counts)


def test_the_evaluation_key_follows_the_real_data_files_content_not_its_modification_time(tmp_path):
    import os

    from onodig.assets.classify import evaluation_key

    path = tmp_path / "swefaq_questions.csv"
    path.write_text("question;label\nHur söker jag bygglov?;value_demand\n", encoding="utf-8")
    key = evaluation_key("v1", str(path))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a checkout or a copy: the same bytes, a new time
    assert evaluation_key("v1", str(path)) == key
    path.write_text("question;label\nHur söker jag förskola?;value_demand\n", encoding="utf-8")
    assert evaluation_key("v1", str(path)) != key
    assert evaluation_key("v2", str(path)) != evaluation_key("v1", str(path))
