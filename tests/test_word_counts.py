"""Words counted once per window give what scikit-learn's vectorizers gave: the same TF-IDF matrix,
the same keyword counts, the same refusals; and the lean read of the kept words (strings, the
week's texts only) the same emerging topics as the full one."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from onodig.demand import topics, words
from onodig.demand.topics import WordCounts, emerging_topics, without
from onodig.warehouse.store import in_window
from tests.test_trends import SETTINGS, START, TOPIC_WEEK, dated, planted  # noqa: F401 (a fixture)

STOP = ["kärl", "töms"]


def some_words(n: int, seed: int) -> list[words.Words]:
    """Inquiries of Zipf-distributed words, a lemma with several surface forms, some stop words."""
    rng = np.random.default_rng(seed)
    lemmas = [f"ord{i}" for i in range(60)] + STOP
    out = []
    for _ in range(n):
        picked = rng.zipf(1.6, size=rng.integers(0, 12)) % len(lemmas)
        out.append([(lemmas[j], lemmas[j] + "en" * int(rng.integers(0, 2))) for j in picked])
    out.append([("ord1", "kärl")])  # a stop surface form under a kept lemma
    return out


def lemma_list(pairs: words.Words) -> list[str]:
    return [lemma for lemma, _ in pairs]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tfidf_columns_and_keyword_counts_are_scikit_learns(seed):
    given = some_words(300, seed)
    counts = WordCounts.of(given, STOP)
    filtered = without(given, STOP)
    vectorizer = TfidfVectorizer(analyzer=lemma_list, min_df=2, max_df=0.5, sublinear_tf=True).fit(filtered)
    df = np.bincount(counts.matrix.indices)
    assert (df > 150).any() and (df < 2).any()  # both ends are cut
    assert not set(STOP) & set(counts.lemmas)
    kept = counts.tfidf_columns(2, 0.5)
    names = vectorizer.get_feature_names_out().tolist()
    assert set(names) <= set(counts.lemmas) and counts.lemmas.tolist() == sorted(counts.lemmas)
    ours = TfidfTransformer(sublinear_tf=True).fit(kept).transform(kept[50:150])
    theirs = vectorizer.transform(filtered[50:150])
    assert ours.shape == theirs.shape
    assert (ours.indices == theirs.indices).all() and (ours.indptr == theirs.indptr).all()
    assert (ours.data == theirs.data).all()  # bit for bit: NMF is to find the same topics

    keywords = [[("ord1", "ord1en"), ("ord3", "ord3")], [], [("ord7", "ord7"), ("ord1", "ord1")]]
    vocabulary = ["ord1", "ord3", "ord7"]
    held = CountVectorizer(analyzer=lemma_list, vocabulary=vocabulary, binary=True).transform(filtered).toarray()
    expected = np.stack([held[:, [0, 1]].sum(axis=1), np.zeros(len(given), dtype=int), held[:, [0, 2]].sum(axis=1)])
    assert (counts.shared_keywords(keywords) == expected.T).all()


def test_no_columns_exactly_where_the_vectorizer_refuses():
    cases = {
        "no words": [[], []],
        "no word in two inquiries": [[("ord1", "ord1")], [("ord2", "ord2")], [("ord3", "ord3")]],
        "every word in all": [[("ord1", "ord1")]] * 4,
        "fewer inquiries than max_df allows": [[("ord1", "ord1")], [("ord1", "ord1")]],
        "only stop words": [[("kärl", "kärl")], [("ord1", "töms")]],
        "one inquiry": [[("ord1", "ord1")]],
    }
    for case, given in cases.items():
        with pytest.raises(ValueError):
            TfidfVectorizer(analyzer=lemma_list, min_df=2, max_df=0.5).fit(without(given, STOP))
        assert WordCounts.of(given, STOP).tfidf_columns(2, 0.5) is None, case


@pytest.mark.parametrize("chunk", [100_000, 7, 1])
def test_the_kept_strings_count_as_the_pairs_do_a_chunk_at_a_time_or_not(chunk, monkeypatch):
    monkeypatch.setattr(topics, "COUNT_ROWS", chunk)
    given = some_words(200, 7)
    lemmas, forms = words.encode(given)
    pairs, strings = WordCounts.of(given, STOP), WordCounts.of_strings(lemmas, forms, STOP)
    assert pairs.lemmas.tolist() == strings.lemmas.tolist()
    assert pairs.matrix.shape == strings.matrix.shape and (pairs.matrix != strings.matrix).nnz == 0


def test_a_window_cut_from_the_runs_counts_is_the_window_counted_alone():
    """emerging_topics counts a run's inquiries once and cuts each process-week's window from it:
    the TF-IDF columns and keyword counts must be those of the window counted on its own."""
    given = some_words(400, 11)
    window = np.sort(np.random.default_rng(0).choice(len(given), 150, replace=False))
    alone = WordCounts.of([given[i] for i in window], STOP)
    cut = WordCounts.of(given, STOP).rows(window)
    assert len(cut.lemmas) > len(alone.lemmas)  # the run holds words this window does not
    ours, theirs = cut.tfidf_columns(2, 0.5), alone.tfidf_columns(2, 0.5)
    assert ours.shape == theirs.shape and (ours != theirs).nnz == 0
    keywords = [[("ord1", "ord1"), ("ord3", "ord3")], [("ord7", "ord7")]]
    assert (cut.shared_keywords(keywords) == alone.shared_keywords(keywords)).all()


def test_the_lean_read_gives_the_same_topics_and_reads_only_the_weeks_texts(planted, warehouse):  # noqa: F811
    week = START + timedelta(weeks=TOPIC_WEEK)
    columns = ["inquiry_id", "occurred_at", "process", "demand_type", "text"]
    where = in_window("occurred_at", week - timedelta(weeks=SETTINGS.topics.trailing_weeks), week + timedelta(7))
    warehouse.replace("inquiries", planted["inquiries"])
    full = words.read_with_words(warehouse, columns, where)
    this_week = in_window("occurred_at", week, week + timedelta(7))
    lean = words.read_with_words(warehouse, columns, where, split=False, text_where=this_week)
    assert (lean.tokenised, lean.reused) == (0, len(full.frame))
    assert list(lean.frame.columns) == [*columns, "lemmas", "forms"]
    assert (lean.frame["lemmas"].tolist(), lean.frame["forms"].tolist()) == words.encode(full.frame["words"].tolist())
    in_week = (pd.to_datetime(lean.frame["occurred_at"]) >= pd.Timestamp(week)).to_numpy()
    assert lean.frame["text"].notna().to_numpy().tolist() == in_week.tolist()
    found = emerging_topics(lean.frame, [week], SETTINGS.topics)
    assert len(found) > 0
    pd.testing.assert_frame_equal(found, emerging_topics(full.frame, [week], SETTINGS.topics))
    expected = planted["topics"][planted["topics"]["week_start"] == week].reset_index(drop=True)
    pd.testing.assert_frame_equal(dated(found), expected)


def test_a_text_to_tokenise_is_read_even_outside_text_where(warehouse):
    from tests.test_words import TEXTS, given

    given(warehouse, TEXTS)
    read = words.read_with_words(warehouse, ["inquiry_id", "text"], split=False, text_where="false")
    assert read.tokenised == 3 and read.frame["text"].notna().all()
    again = words.read_with_words(warehouse, ["inquiry_id", "text"], split=False, text_where="false")
    assert again.tokenised == 0 and again.frame["text"].isna().all()
    assert again.frame["lemmas"].tolist() == read.frame["lemmas"].tolist()
