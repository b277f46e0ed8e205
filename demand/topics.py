"""Emerging contact reasons: topics of a process's week that its trailing weeks do not explain.

Per process and week, the week's inquiries are split into topics with NMF over TF-IDF of their
masked, lemmatised words (stop words and masks dropped); the trailing weeks' inquiries are then
projected onto the same topics, which gives each topic's earlier weekly volume. A topic is
*emerging* when its volume this week is improbable under a Poisson distribution with the trailing
mean (never less than a floor, so a brand-new topic is compared with a small number rather than
zero), Bonferroni-corrected for every topic tested that week, and it is big and grown enough to
act on. Keywords come from class-based TF-IDF over the week's topics, shown in the form the texts
use most. Everything is sorted and seeded: the same inquiries give the same topics.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import poisson
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer
from spacy.lang.sv.stop_words import STOP_WORDS
from threadpoolctl import threadpool_limits

from onodig.classifiers.text import capped, lemma_lookup, make_nlp
from onodig.demand.topic_names import TopicNames
from onodig.demand.trend_settings import TopicSettings
from onodig.privacy import mask_text

TABLE = "emerging_topics"
NAMED_TABLE = "inquiry_topics"
COLUMNS = [
    "process",
    "week_start",
    "topic_id",
    "keywords",
    "name",
    "inquiries",
    "previous_inquiries",
    "previous_weeks",
    "expected",
    "growth",
    "p_value",
    "threshold",
    "demand_types",
    "examples",
]
# the table's types whether or not a week has topics: an empty first window must not make them text
DTYPES = {
    "process": "string",
    "week_start": "datetime64[us]",
    "topic_id": "string",
    "keywords": "string",
    "name": "string",
    "inquiries": "int64",
    "previous_inquiries": "float64",
    "previous_weeks": "int64",
    "expected": "float64",
    "growth": "float64",
    "p_value": "float64",
    "threshold": "float64",
    "demand_types": "string",
    "examples": "string",
}
NAMED_COLUMNS = ["inquiry_id", "process", "topic", "root_cause", "lever", "lever_name", "lever_name_en"]
EXAMPLE_CHARS = 240
COUNT_ROWS = 100_000  # inquiries whose words are split and counted at a time
_SPACE = re.compile(r"\s+")

Words = list[tuple[str, str]]  # (lemma, surface form), both lower-case
WordsOf = Callable[[list[str]], pd.DataFrame]  # inquiry ids -> their kept inquiry_id, lemmas, forms


class Tokeniser:
    """Content words of masked texts: lemmas to cluster on, with the surface forms to show."""

    def __init__(self, stop_words: Iterable[str] = ()):
        self.nlp = make_nlp()
        self.table = lemma_lookup()
        # inquiries come in English too: its stop words are no topic either
        self.stop = set(STOP_WORDS) | set(ENGLISH_STOP_WORDS) | {w.lower() for w in stop_words}

    def __call__(self, texts: Iterable[str | None]) -> list[Words]:
        out = []
        # the texts were masked at ingestion: placeholders are tokens of their own and dropped here
        for doc in self.nlp.pipe((capped(t) for t in texts), batch_size=2000, disable=["mask_personal_data"]):
            words = []
            for token in doc:
                surface = token.lower_
                if len(surface) < 3 or not surface.isalpha() or surface in self.stop:
                    continue
                lemma = self.table.get(surface, surface).lower()
                if lemma not in self.stop:
                    words.append((lemma, surface))
            out.append(words)
        return out


@dataclass(frozen=True)
class TopicCandidate:
    """One topic of one process-week, tested; ``emerging`` is decided once the week's tests are counted."""

    row: dict
    p_value: float


def without(words: Iterable[Words], stop_words: Iterable[str]) -> list[Words]:
    """Words a tokeniser with the built-in stop words gave, less ``stop_words``: the same words as
    ``Tokeniser(stop_words)`` gives (it drops a word whose surface form or lemma is a stop word)."""
    stop = {w.lower() for w in stop_words}
    if not stop:
        return list(words)
    return [[pair for pair in w if pair[0] not in stop and pair[1] not in stop] for w in words]


def paired(lemmas: pd.Series, forms: pd.Series) -> list[Words]:
    """Words from the kept space-separated lemma and surface-form strings (``words.encode``)."""
    # plain lists: iterating a pandas string column costs more than the splitting
    pairs = zip(lemmas.tolist(), forms.tolist(), strict=True)
    return [list(zip(lemma.split(), form.split(), strict=True)) for lemma, form in pairs]


def weeks_of(occurred_at: pd.Series) -> pd.Series:
    """The Monday of each timestamp's ISO week, as a date (``date_trunc('week', ...)`` in the SQL)."""
    stamps = pd.to_datetime(occurred_at)
    return (stamps - pd.to_timedelta(stamps.dt.weekday, unit="D")).dt.date


@dataclass(frozen=True)
class _Window:
    """A process-week's inquiries and its trailing weeks', and those the topics are fitted on."""

    current: pd.DataFrame
    trailing: pd.DataFrame
    previous_weeks: int
    now: np.ndarray  # positions in current
    drawn: np.ndarray  # positions in trailing


def _window(docs: pd.DataFrame, week: date, settings: TopicSettings) -> _Window | None:
    """None when the week has too few inquiries or trailing weeks to test."""
    # emerging_topics hands them over sorted: sorting 130,000 string ids again per process-week
    # was a fifth of a million-inquiry run's trend watch
    ordered = docs["inquiry_id"].is_monotonic_increasing
    docs = docs.reset_index(drop=True) if ordered else docs.sort_values("inquiry_id", ignore_index=True)
    first = week - timedelta(weeks=settings.trailing_weeks)
    current = docs[docs["week_start"] == week].reset_index(drop=True)
    trailing = docs[(docs["week_start"] >= first) & (docs["week_start"] < week)].reset_index(drop=True)
    previous_weeks = int(trailing["week_start"].nunique())
    if previous_weeks < settings.min_trailing_weeks or len(current) < 2 * settings.docs_per_topic:
        return None
    # Topics are fitted on the week and as many inquiries of the weeks before, drawn evenly: a topic
    # cut to fit the week alone would look bigger in it than before (the winner's curse), one fitted
    # on all earlier weeks would drown a reason that is new this week.
    # A week of more than max_fit_inquiries is fitted on that many of its inquiries, drawn evenly:
    # its topics keep their shares, and the NMF stops costing more as the week grows. A topic's
    # volume is still counted over every inquiry of the week (topics_of_week).
    now = np.arange(len(current))
    if len(current) > settings.max_fit_inquiries:
        rng = np.random.default_rng(settings.random_state)
        now = np.sort(rng.choice(len(current), settings.max_fit_inquiries, replace=False))
    sample = trailing.sample(n=min(len(now), len(trailing)), random_state=settings.random_state)
    drawn = trailing.index.get_indexer(sample.sort_values("inquiry_id").index)
    return _Window(current, trailing, previous_weeks, now, drawn)


def topics_of_week(
    docs: pd.DataFrame,
    week: date,
    settings: TopicSettings,
    counts: WordCounts | None = None,
    words_of: WordsOf | None = None,
) -> list[TopicCandidate]:
    """The topics of one process's ``week`` with their earlier volume and Poisson p-value.

    ``docs``: the process's inquiries (``inquiry_id``, ``week_start``, ``demand_type``, ``text``,
    ``words`` or the kept ``lemmas`` and ``forms`` strings) in the week and the trailing weeks, any
    order; trends.yaml's stop words are dropped from their words here if they are still there.
    Only the week's rows need a ``text``: the examples are theirs. ``counts``, when given, are
    every doc's words counted once (``counted``), found by the docs' ``count_row``: a run over
    many weeks then splits and counts each inquiry once rather than once per window it is in.
    A trailing row may come without its words (its week's counts were kept, ``WeekCounts``): the
    few of those the topics are fitted on get theirs from ``words_of``.
    """
    return _topics_of_cut(_window(docs, week, settings), week, settings, counts, words_of)


def _topics_of_cut(
    cut: _Window | None, week: date, settings: TopicSettings, counts: WordCounts | None, words_of: WordsOf | None
) -> list[TopicCandidate]:
    """``topics_of_week`` of a week already cut from its docs."""
    if cut is None:
        return []
    current, trailing, now = cut.current, cut.trailing, cut.now
    window = pd.concat([current, trailing], ignore_index=True)
    strings = "words" not in window.columns
    counts = counted(window, settings) if counts is None else counts.rows(window["count_row"].to_numpy())
    x_window = counts.tfidf_columns(min_df=2, max_df=0.5)
    if x_window is None:  # no word in two inquiries
        return []
    tfidf = TfidfTransformer(sublinear_tf=True).fit(x_window)
    fitted = np.concatenate([now, len(current) + cut.drawn])
    x_fit = tfidf.transform(x_window[fitted])
    # only the words the fitted inquiries hold: a small week over long trailing weeks has thousands
    # of columns it never uses, and NMF's cost grows with every column (keywords come from the words)
    x_fit = x_fit[:, np.unique(x_fit.indices)]
    k = min(settings.max_topics, max(2, len(fitted) // settings.docs_per_topic), x_fit.shape[1])
    nmf = NMF(n_components=k, init="nndsvd", random_state=settings.random_state, max_iter=500)
    # One BLAS thread: a process-week's matrix is small, and with a thread per core the NMF's
    # randomized SVD spends more time waiting on threads than computing (2.9 s against 1.6 s
    # for one week at 200,000 inquiries, the same topics).
    with threadpool_limits(limits=1):
        weights = nmf.fit_transform(x_fit)
    fitted_words = without(_words_of_rows(window.iloc[fitted], strings, words_of), settings.stop_words)
    keywords = class_keywords(fitted_words, _assigned(weights), k, settings.match_keywords)
    # A topic is cut to fit this week's texts, so counting the earlier weeks by the model would
    # find it smaller there than it was (the winner's curse). Both weeks are counted by one rule
    # instead, the one topics.yaml uses: an inquiry holds enough of the topic's keywords.
    shared = counts.shared_keywords(keywords)
    shared_now, shared_before = shared[: len(current)], shared[len(current) :]
    # the examples are the fitted inquiries that weigh most in the topic, then any others by id
    weight_now = np.full((len(current), k), -np.inf)
    weight_now[now] = weights[: len(now)]
    out = []
    for topic in range(k):
        if not keywords[topic]:
            continue
        need = min(settings.min_shared_keywords, len({lemma for lemma, _ in keywords[topic]}))
        members = np.flatnonzero(shared_now[:, topic] >= need)
        if len(members) < 2:
            continue
        count = len(members)
        earlier = int((shared_before[:, topic] >= need).sum())
        mean = earlier / cut.previous_weeks
        expected = max(mean, settings.baseline_floor)
        p_value = float(poisson.sf(count - 1, expected))
        shown = [surface for _, surface in keywords[topic][: settings.keywords]]
        chosen = current.iloc[members]
        order = np.lexsort((chosen["inquiry_id"].to_numpy(), -weight_now[members, topic]))
        examples = [_example(t) for t in chosen["text"].iloc[order[: settings.examples]]]
        types = Counter(chosen["demand_type"])
        row = {
            "week_start": week,
            "topic_id": "t" + hashlib.sha256(" ".join(sorted(shown[:3])).encode()).hexdigest()[:10],
            "keywords": ", ".join(shown),
            "inquiries": count,
            "previous_inquiries": round(mean, 3),
            "previous_weeks": cut.previous_weeks,
            "expected": round(expected, 3),
            "growth": round(count / expected, 3),
            "p_value": p_value,
            "demand_types": ", ".join(f"{t} {n}" for t, n in sorted(types.items(), key=lambda i: (-i[1], i[0]))),
            "examples": "\n".join(examples),
            "match_words": {word for pair in keywords[topic] for word in pair},
        }
        out.append(TopicCandidate(row, p_value))
    return out


def _words_of_rows(rows: pd.DataFrame, strings: bool, words_of: WordsOf | None) -> list[Words]:
    """The words of these rows as pairs (only these need them): their own, or for a row of a
    week whose counts were kept, what ``words_of`` reads for it."""
    own = rows["lemmas" if strings else "words"].notna().to_numpy()
    have = rows[own]
    out: list[Words] = [[] for _ in range(len(rows))]
    mine = paired(have["lemmas"], have["forms"]) if strings else have["words"].tolist()
    for at, words in zip(np.flatnonzero(own), mine, strict=True):
        out[at] = words
    if not own.all():
        if words_of is None:
            raise ValueError("rows without their words need a words_of to read them")
        ids = rows["inquiry_id"][~own]
        read = words_of(ids.tolist()).set_index("inquiry_id").reindex(ids)
        for at, words in zip(np.flatnonzero(~own), paired(read["lemmas"], read["forms"]), strict=True):
            out[at] = words
    return out


def counted(docs: pd.DataFrame, settings: TopicSettings) -> WordCounts:
    """The words of ``docs`` (kept strings or pairs) counted, less trends.yaml's stop words."""
    if "words" not in docs.columns:
        return WordCounts.of_strings(docs["lemmas"].tolist(), docs["forms"].tolist(), settings.stop_words)
    return WordCounts.of(docs["words"].tolist(), settings.stop_words)


@dataclass(frozen=True)
class WordCounts:
    """How often each lemma occurs in each inquiry of a window or a run (inquiries x lemmas, lemmas sorted).

    Counted once from the words, not by a vectorizer per use: scikit-learn's would call a Python
    analyzer per inquiry for the TF-IDF fit, its transform and each keyword count (6 of the 12 s
    one week cost at a million inquiries). The TF-IDF columns are those ``TfidfVectorizer`` keeps.
    """

    lemmas: np.ndarray  # object array, sorted as Python sorts strings (the vectorizer's order)
    matrix: sp.csr_matrix  # float64 counts, canonical (sorted indices, no duplicates)

    @classmethod
    def of(cls, words: list[Words], stop_words: Iterable[str] = ()) -> WordCounts:
        """Counts of ``words`` less the pairs whose lemma or surface form is one of ``stop_words``."""
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        pairs = list(chain.from_iterable(words))
        chunk = (lengths, [lemma for lemma, _ in pairs], [surface for _, surface in pairs])
        return cls._counted(len(words), [chunk], stop_words)

    @classmethod
    def of_strings(cls, lemmas: list[str], forms: list[str], stop_words: Iterable[str] = ()) -> WordCounts:
        """The same from the kept space-separated strings (``words.read_with_words(split=False)``),
        without making a pair per word: splitting a chunk's strings in one go is what makes this
        cheap, and ``COUNT_ROWS`` inquiries at a time keeps a million inquiries' words, a string
        each, from being gigabytes at once."""

        def chunks():
            for first in range(0, len(lemmas), COUNT_ROWS):
                some, shown = lemmas[first : first + COUNT_ROWS], forms[first : first + COUNT_ROWS]
                lengths = np.fromiter((s.count(" ") + 1 if s else 0 for s in some), dtype=np.int64, count=len(some))
                yield lengths, " ".join(some).split(), " ".join(shown).split()

        return cls._counted(len(lemmas), chunks(), stop_words)

    @classmethod
    def _counted(cls, n_docs: int, chunks: Iterable[tuple[np.ndarray, list[str], list[str]]], stop_words):
        stop = {w.lower() for w in stop_words}
        vocabulary: dict[str, int] = {}  # lemma -> code, in the order first met
        all_rows, all_codes, first = [], [], 0
        for lengths, lemmas, surfaces in chunks:
            rows = np.repeat(np.arange(first, first + len(lengths)), lengths)
            first += len(lengths)
            codes, uniques = pd.factorize(np.array(lemmas, dtype=object))
            if stop and len(lemmas):  # tested once per distinct word, not per pair
                surface_codes, forms = pd.factorize(np.array(surfaces, dtype=object))
                keep = ~_among(uniques, stop)[codes] & ~_among(forms, stop)[surface_codes]
                rows, codes = rows[keep], codes[keep]
            known = np.fromiter((vocabulary.setdefault(u, len(vocabulary)) for u in uniques), np.int64, len(uniques))
            all_rows.append(rows)
            all_codes.append(known[codes])
        rows = np.concatenate(all_rows) if all_rows else np.zeros(0, dtype=np.int64)
        codes = np.concatenate(all_codes) if all_codes else np.zeros(0, dtype=np.int64)
        used = np.flatnonzero(np.bincount(codes, minlength=len(vocabulary)))  # a lemma only stop pairs had is none
        names = np.array(list(vocabulary), dtype=object)[used]
        order = np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)
        column = np.empty(len(vocabulary), dtype=np.int64)
        column[used[order]] = np.arange(len(order))
        matrix = sp.csr_matrix(
            (np.ones(len(rows)), (rows, column[codes])), shape=(n_docs, len(order)), dtype=np.float64
        )
        matrix.sum_duplicates()
        return cls(names[order], matrix)

    @classmethod
    def stacked(cls, parts: list[WordCounts]) -> WordCounts:
        """The rows of each part in turn, over all their lemmas: what counting them together gives."""
        lemmas = np.array(sorted(set(chain.from_iterable(p.lemmas.tolist() for p in parts))), dtype=object)
        blocks = []
        for part in parts:
            column = np.searchsorted(lemmas, part.lemmas) if len(part.lemmas) else np.zeros(0, dtype=np.int64)
            m = part.matrix  # columns map in order: the indices stay sorted
            blocks.append(sp.csr_matrix((m.data, column[m.indices], m.indptr), shape=(m.shape[0], len(lemmas))))
        matrix = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, 0))
        return cls(lemmas, matrix.astype(np.float64))

    def rows(self, positions: np.ndarray) -> WordCounts:
        """The counts of these inquiries (positions in this matrix), over the same lemmas."""
        return WordCounts(self.lemmas, self.matrix[positions])

    def compact(self) -> WordCounts:
        """The same counts over only the lemmas these inquiries hold."""
        used = np.unique(self.matrix.indices)
        return WordCounts(self.lemmas[used], self.matrix[:, used])

    def tfidf_columns(self, min_df: int, max_df: float) -> sp.csr_matrix | None:
        """The counts of the lemmas in ``min_df`` inquiries or more and at most ``max_df`` of them,
        as ``TfidfVectorizer(min_df=min_df, max_df=max_df)`` keeps them; None where it would raise."""
        n_doc = self.matrix.shape[0]
        if not len(self.lemmas) or max_df * n_doc < min_df:
            return None
        df = np.bincount(self.matrix.indices, minlength=len(self.lemmas))
        kept = np.flatnonzero((df <= max_df * n_doc) & (df >= min_df))
        if not len(kept):
            return None
        x = self.matrix[:, kept]
        x.sort_indices()
        return x

    def shared_keywords(self, keywords: list[list[tuple[str, str]]]) -> np.ndarray:
        """How many of each topic's keyword lemmas each inquiry holds (inquiries x topics): one
        sparse product instead of a set intersection per inquiry and topic."""
        vocabulary = sorted({lemma for topic in keywords for lemma, _ in topic})
        if not vocabulary:
            return np.zeros((self.matrix.shape[0], len(keywords)), dtype=np.int64)
        column = {lemma: j for j, lemma in enumerate(vocabulary)}
        topics = np.zeros((len(vocabulary), len(keywords)), dtype=np.int64)
        for t, topic in enumerate(keywords):
            topics[[column[lemma] for lemma in {lemma for lemma, _ in topic}], t] = 1
        held = self.matrix[:, np.searchsorted(self.lemmas, np.array(vocabulary, dtype=object))].astype(np.int64)
        held.data[:] = 1
        return np.asarray(held @ topics)


@dataclass(frozen=True)
class WeekCounts:
    """One process-week's inquiries (ids sorted) and their words counted, less trends.yaml's stop
    words: a completed week's counts are the same every day, so a daily run keeps them
    (``week_counts``) instead of reading and counting six trailing weeks' words again."""

    inquiry_ids: np.ndarray  # object array of str, sorted
    counts: WordCounts


@dataclass(frozen=True)
class Found:
    """The emerging topics, and the words of each process-week read this call, counted."""

    topics: pd.DataFrame
    counted: dict[tuple[str, date], WeekCounts]


def _among(words: np.ndarray, stop: set[str]) -> np.ndarray:
    return np.fromiter((w in stop for w in words), dtype=bool, count=len(words))


def _assigned(weights: np.ndarray) -> np.ndarray:
    """Each inquiry's topic: its heaviest one, or -1 when it shares no word with any."""
    if not len(weights):
        return np.zeros(0, dtype=int)
    best = weights.argmax(axis=1)
    best[weights.max(axis=1) <= 1e-9] = -1
    return best


def class_keywords(words: list[Words], topic_of: np.ndarray, k: int, n: int) -> list[list[tuple[str, str]]]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): a word's frequency in a topic, weighted by how
    rare it is over all topics; each lemma with the surface form the topic's texts use most."""
    classes = [[lemma for i in np.flatnonzero(topic_of == t) for lemma, _ in words[i]] for t in range(k)]
    if not any(classes):
        return [[] for _ in range(k)]
    counts = CountVectorizer(analyzer=lambda doc: doc).fit(classes)
    tf = counts.transform(classes).toarray().astype(float)
    totals = tf.sum(axis=1, keepdims=True)
    frequency = tf.sum(axis=0)
    average = totals.mean()
    scores = np.divide(tf, totals, out=np.zeros_like(tf), where=totals > 0) * np.log(1 + average / frequency)
    vocabulary = counts.get_feature_names_out()
    out = []
    for t in range(k):
        forms = Counter(pair for i in np.flatnonzero(topic_of == t) for pair in words[i])
        ranked = sorted(np.flatnonzero(scores[t] > 0), key=lambda j: (-scores[t, j], vocabulary[j]))[:n]
        out.append([(vocabulary[j], _shown(vocabulary[j], forms)) for j in ranked])
    return out


def _shown(lemma: str, forms: Counter) -> str:
    candidates = [(count, surface) for (word, surface), count in forms.items() if word == lemma]
    return min(candidates, key=lambda c: (-c[0], c[1]))[1] if candidates else lemma


def _example(text: str | None) -> str:
    shown = _SPACE.sub(" ", mask_text(text or "") or "").strip()
    return shown if len(shown) <= EXAMPLE_CHARS else shown[: EXAMPLE_CHARS - 1].rstrip() + "…"


def emerging_topics(
    inquiries: pd.DataFrame,
    weeks: Iterable[date],
    settings: TopicSettings,
    names: TopicNames | None = None,
    tokenise: Callable[[list[str]], list[Words]] | None = None,
) -> pd.DataFrame:
    """The emerging topics of every process in ``weeks`` (Mondays): :func:`find_emerging`'s topics."""
    return find_emerging(inquiries, weeks, settings, names, tokenise).topics


def find_emerging(
    inquiries: pd.DataFrame,
    weeks: Iterable[date],
    settings: TopicSettings,
    names: TopicNames | None = None,
    tokenise: Callable[[list[str]], list[Words]] | None = None,
    kept: Mapping[tuple[str, date], WeekCounts] | None = None,
    words_of: WordsOf | None = None,
) -> Found:
    """The emerging topics of every process in ``weeks`` (Mondays), one row per process, week and topic.

    ``inquiries``: ``inquiry_id``, ``occurred_at``, ``process``, ``demand_type`` and masked ``text``
    of (at least) those weeks and their trailing weeks (the trailing weeks' ``text`` may be missing
    when they have words), and their ``words`` or ``lemmas`` and ``forms`` if they were kept
    (``words.read_with_words``: built-in stop words dropped; trends.yaml's are dropped here), else
    they are tokenised with ``tokenise``. A trailing process-week before the first of ``weeks``
    may instead be in ``kept``, its words counted on an earlier run (``Found.counted``), and
    missing from ``inquiries``; ``words_of`` then reads the words of the few of its inquiries the
    topics are fitted on. Either way the topics are the same. The false-alarm rate is split over
    all topics tested in a week (Bonferroni), so a quiet history raises about ``false_alarm_rate``
    emerging topics a week in all, whatever the number of processes.
    """
    weeks = sorted(set(weeks))
    if inquiries.empty or not weeks:
        return Found(empty(), {})
    kept_columns = next((c for c in (["words"], ["lemmas", "forms"]) if set(c) <= set(inquiries.columns)), [])
    docs = inquiries[["inquiry_id", "occurred_at", "process", "demand_type", "text", *kept_columns]].copy()
    docs["week_start"] = weeks_of(docs["occurred_at"])
    first = weeks[0] - timedelta(weeks=settings.trailing_weeks)
    docs = docs[docs["week_start"] >= first]
    docs = docs[docs["week_start"] <= weeks[-1]].sort_values("inquiry_id", ignore_index=True)
    if not kept_columns:
        docs["words"] = (tokenise or Tokeniser(settings.stop_words))(docs["text"].fillna("").tolist())
    by_process = list(docs.groupby("process", sort=True))
    read = set(zip(docs["process"], docs["week_start"], strict=True))
    usable = {
        key: week_counts for key, week_counts in (kept or {}).items() if first <= key[1] < weeks[0] and key not in read
    }
    prepared, counted_now = [], {}
    for process, own in by_process:
        own_kept = {week: counts for (p, week), counts in usable.items() if p == process}
        docs_counts, counted_weeks = with_kept(own, settings, own_kept)
        prepared.append(docs_counts)
        counted_now.update({(process, week): counts for week, counts in counted_weeks.items()})
    cuts = [{week: _window(d, week, settings) for week in weeks} for d, _ in prepared]
    if usable and words_of is not None:
        words_of = _prefetched(words_of, cuts)
    found = [
        [_topics_of_cut(own_cuts[week], week, settings, counts, words_of) for week in weeks]
        for (_, counts), own_cuts in zip(prepared, cuts, strict=True)
    ]
    rows = []
    for at in range(len(weeks)):
        pairs = zip(by_process, found, strict=True)
        tested = [(process, candidate) for (process, _), each in pairs for candidate in each[at]]
        threshold = settings.false_alarm_rate / max(len(tested), 1)
        for process, candidate in tested:
            row = candidate.row
            if (
                candidate.p_value < threshold
                and row["inquiries"] >= settings.min_inquiries
                and row["growth"] >= settings.min_growth
            ):
                name = _name(row.pop("match_words"), process, names)
                rows.append({"process": process, **row, "threshold": threshold, "name": name})
    if not rows:
        return Found(empty(), counted_now)
    frame = _unique_ids(pd.DataFrame(rows)[COLUMNS])
    frame = frame.sort_values(["week_start", "process", "p_value", "topic_id"], ignore_index=True)
    return Found(_typed(frame), counted_now)


def with_kept(
    own: pd.DataFrame, settings: TopicSettings, kept: Mapping[date, WeekCounts] | None = None
) -> tuple[tuple[pd.DataFrame, WordCounts], dict[date, WeekCounts]]:
    """One process's docs with a ``count_row`` into their words counted, the ``kept`` weeks' rows
    among them (sorted by id, without words), and each week of ``own`` counted on its own.

    Its words are counted once: an inquiry is in the window of up to trailing_weeks + 1 weeks,
    and each week's window is cut from these counts.
    """
    own = own.reset_index(drop=True)
    counts = counted(own, settings)
    ids = own["inquiry_id"].to_numpy(dtype=object)
    by_week = own.groupby("week_start", sort=True).indices
    weekly = {week: WeekCounts(ids[rows], counts.rows(rows).compact()) for week, rows in by_week.items()}
    if kept:
        earlier = pd.DataFrame(
            {
                "inquiry_id": np.concatenate([k.inquiry_ids for k in kept.values()]),
                "week_start": np.repeat(list(kept), [len(k.inquiry_ids) for k in kept.values()]),
            }
        )
        counts = WordCounts.stacked([counts, *(k.counts for k in kept.values())])
        own = pd.concat([own, earlier], ignore_index=True)
    own["count_row"] = np.arange(len(own))
    if kept:
        own = own.sort_values("inquiry_id", ignore_index=True)
    return (own, counts), weekly


def _prefetched(words_of: WordsOf, cuts: list[dict[date, _Window | None]]) -> WordsOf:
    """``words_of`` read once for every kept row any week's topics are fitted on: a read per
    process cost 0.2 s each at a million inquiries, whatever its few thousand rows."""
    wanted: set[str] = set()
    for cut in (c for own in cuts for c in own.values() if c is not None):
        fitted = cut.trailing.iloc[cut.drawn]
        column = "words" if "words" in fitted.columns else "lemmas"
        wanted.update(fitted.loc[fitted[column].isna(), "inquiry_id"])
    read = words_of(sorted(wanted)).drop_duplicates("inquiry_id").set_index("inquiry_id") if wanted else None

    def lookup(ids: list[str]) -> pd.DataFrame:
        found = (
            read.reindex(ids) if read is not None else pd.DataFrame(index=pd.Index(ids), columns=["lemmas", "forms"])
        )
        rest = found.index[found["lemmas"].isna()].tolist()
        found = found.rename_axis("inquiry_id").reset_index()
        return pd.concat([found.dropna(subset=["lemmas"]), words_of(rest)], ignore_index=True) if rest else found

    return lookup


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(DTYPES)


def empty() -> pd.DataFrame:
    """No emerging topics, in the table's columns and types."""
    return _typed(pd.DataFrame(columns=COLUMNS))


def _unique_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Two topics of one process-week with the same three first keywords get ``-2``, ``-3``..."""
    repeat = frame.groupby(["process", "week_start", "topic_id"]).cumcount()
    frame["topic_id"] = frame["topic_id"].where(repeat == 0, frame["topic_id"] + "-" + (repeat + 1).astype(str))
    return frame


def _name(words: set[str], process: str, names: TopicNames | None) -> str:
    """The name analysts gave a topic whose keywords (all it is matched with) hold theirs."""
    if names is None or not names.topics:
        return ""
    match = names.first_match(words, process)
    return match.name if match else ""


def named_inquiries(
    inquiries: pd.DataFrame, names: TopicNames, tokenise: Callable[[list[str]], list[Words]] | None = None
) -> pd.DataFrame:
    """Each inquiry that a topic of ``topics.yaml`` matches, with the topic's name, root cause and lever.

    The inquiries' kept ``words`` (``words.read_with_words``) are used if they have them.
    """
    if not names.topics or inquiries.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in NAMED_COLUMNS})
    frame = inquiries.sort_values("inquiry_id", ignore_index=True)
    if "words" in frame.columns:
        tokens = frame["words"].tolist()
    else:
        tokens = (tokenise or Tokeniser())(frame["text"].fillna("").tolist())
    rows = []
    for inquiry_id, process, words in zip(frame["inquiry_id"], frame["process"], tokens, strict=True):
        topic = names.first_match({w for pair in words for w in pair}, process)
        if topic is not None:
            lever = names.levers[topic.lever]
            rows.append(
                {
                    "inquiry_id": inquiry_id,
                    "process": process,
                    "topic": topic.name,
                    "root_cause": topic.root_cause,
                    "lever": topic.lever,
                    "lever_name": lever.get("sv", topic.lever),
                    "lever_name_en": lever.get("en", topic.lever),
                }
            )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in NAMED_COLUMNS})
    return pd.DataFrame(rows, columns=NAMED_COLUMNS)
