"""Each inquiry is tokenised once: kept words are read back, a changed text is tokenised again, a gone
inquiry's words are dropped, and a landing folder's own stop words still take effect."""

from datetime import date

import dagster as dg
import pandas as pd
import pytest
import yaml

from onodig.assets import trends
from onodig.assets.demand import WORDS_KEY
from onodig.assets.partitions import Partitions
from onodig.assets.resources import LandingResource, WarehouseResource
from onodig.demand import words
from onodig.demand.topics import Tokeniser, without
from onodig.demand.trend_settings import TrendSettings
from onodig.generator.landing import load_phrases
from onodig.privacy.masking import NAME, PHONE, PNR
from tests import sql_given
from tests.test_trends import TOPICS_YAML

COLUMNS = ["inquiry_id", "occurred_at", "process", "text"]
TEXTS = {
    "a": f"Har ni ändrat hämtschemat? Kärlet töms inte. Mvh {NAME}",
    "b": "Hur går det med mitt ärende om bygglovet?",
    "c": f"Jag har inte fått någon faktura för barnomsorgen, ring mig på {PHONE}. {PNR}",
}


@pytest.fixture(scope="module")
def tokeniser() -> Tokeniser:
    return Tokeniser()


class Counting:
    """The built-in tokeniser, remembering every text it was given."""

    def __init__(self, tokeniser: Tokeniser):
        self.tokeniser, self.texts = tokeniser, []

    def __call__(self, texts: list[str]) -> list[words.Words]:
        self.texts += texts
        return self.tokeniser(texts)


def given(warehouse, texts: dict[str, str]) -> None:
    rows = [
        {"inquiry_id": key, "occurred_at": f"2026-10-{12 + i:02d} 09:00", "text": text}
        for i, (key, text) in enumerate(sorted(texts.items()))
    ]
    warehouse.replace("inquiries", sql_given.inquiries(*rows))


def kept(warehouse) -> pd.DataFrame:
    return warehouse.read(f"select * from {words.TABLE} order by inquiry_id")


def test_a_second_read_tokenises_nothing_and_gives_the_same_words(warehouse, tokeniser):
    given(warehouse, TEXTS)
    counting = Counting(tokeniser)
    first = words.read_with_words(warehouse, COLUMNS, tokenise=counting)
    assert (first.tokenised, first.reused) == (3, 0)
    assert sorted(counting.texts) == sorted(TEXTS.values())
    assert list(first.frame["inquiry_id"]) == ["a", "b", "c"]
    assert first.frame["words"].tolist() == tokeniser([TEXTS[k] for k in "abc"])
    assert list(first.frame.columns) == [*COLUMNS, "words"]

    counting.texts.clear()
    second = words.read_with_words(warehouse, COLUMNS, tokenise=counting)
    assert (second.tokenised, second.reused, counting.texts) == (0, 3, [])
    pd.testing.assert_frame_equal(second.frame, first.frame)
    assert len(kept(warehouse)) == 3


def test_a_changed_text_is_tokenised_again_and_a_gone_inquirys_words_are_dropped(warehouse, tokeniser):
    given(warehouse, TEXTS)
    words.read_with_words(warehouse, COLUMNS, tokenise=tokeniser)
    changed = "Var hittar jag det nya hämtschemat för sophämtningen?"
    given(warehouse, {"a": TEXTS["a"], "b": changed})
    counting = Counting(tokeniser)
    read = words.read_with_words(warehouse, COLUMNS, tokenise=counting)
    assert (read.tokenised, counting.texts) == (1, [changed])
    assert read.frame.set_index("inquiry_id")["words"]["b"] == tokeniser([changed])[0]
    table = kept(warehouse)
    assert list(table["inquiry_id"]) == ["a", "b"]  # c is gone, and b has one row: its new text's
    assert "sophämtningen" in table.set_index("inquiry_id")["forms"]["b"].split()


def test_a_window_tokenises_its_own_rows_and_a_later_read_only_the_rest(warehouse, tokeniser):
    given(warehouse, TEXTS)
    counting = Counting(tokeniser)
    window = words.read_with_words(warehouse, COLUMNS, "occurred_at >= timestamp '2026-10-13 00:00:00'", counting)
    assert list(window.frame["inquiry_id"]) == ["b", "c"] and window.tokenised == 2
    counting.texts.clear()
    everything = words.read_with_words(warehouse, COLUMNS, tokenise=counting)
    assert (everything.tokenised, everything.reused, counting.texts) == (1, 2, [TEXTS["a"]])


def test_kept_words_hold_no_masks_digits_or_addresses(warehouse, tokeniser):
    given(warehouse, TEXTS)
    words.read_with_words(warehouse, COLUMNS, tokenise=tokeniser)
    table = kept(warehouse)
    every = [w for column in ("lemmas", "forms") for text in table[column] for w in text.split()]
    assert every and all(w.isalpha() for w in every)
    masks = {w.strip("[]").lower() for w in (NAME, PHONE, PNR)}
    assert not (masks | {"har", "inte", "jag"}) & set(every)  # masks and built-in stop words
    assert "mvh" in every  # trends.yaml's stop words are dropped when read: a landing folder may change them


def test_a_landing_folders_own_stop_words_still_take_effect(tmp_path, tokeniser):
    phrases = load_phrases()
    texts = sorted({t for topic in phrases["planted_topics"].values() for t in topic["note"] + topic["message"]})
    texts += list(TEXTS.values())
    assert len(texts) > 10
    stored = tokeniser(texts)
    lemmas = {lemma for w in stored for lemma, _ in w}
    surfaces = {surface for w in stored for _, surface in w}
    by_lemma = sorted(lemmas - surfaces)[0]  # only ever a lemma: the lemma rule must drop it
    by_surface = sorted(surfaces - lemmas)[0]  # only ever a surface form
    (tmp_path / "trends.yaml").write_text(
        yaml.safe_dump({"topics": {"stop_words": [by_lemma.upper(), by_surface]}}, allow_unicode=True),
        encoding="utf-8",
    )
    settings = TrendSettings.for_landing(tmp_path).topics
    filtered = without(stored, settings.stop_words)
    assert filtered == Tokeniser(settings.stop_words)(texts)
    left = {word for w in filtered for pair in w for word in pair}
    assert not {by_lemma, by_surface} & left
    assert {by_lemma, by_surface} <= {word for w in stored for pair in w for word in pair}


def test_words_kept_twice_by_two_steps_at_once_still_give_each_inquiry_once(warehouse, tokeniser):
    given(warehouse, TEXTS)
    first = words.read_with_words(warehouse, COLUMNS, tokenise=tokeniser)
    warehouse.append(words.TABLE, kept(warehouse))  # what two parallel steps on PostgreSQL may leave
    again = words.read_with_words(warehouse, COLUMNS, tokenise=tokeniser)
    assert again.tokenised == 0
    pd.testing.assert_frame_equal(again.frame, first.frame)


def test_inquiry_topics_tokenises_on_its_first_run_only_and_shows_the_kept_words(tmp_path):
    landing, url = tmp_path / "landing", f"duckdb:///{tmp_path / 'w.duckdb'}"
    landing.mkdir()
    (landing / "topics.yaml").write_text(yaml.safe_dump(TOPICS_YAML, allow_unicode=True), encoding="utf-8")
    store = WarehouseResource(url=url).get()
    texts = {**TEXTS, "d": "Hej, när kommer det nya hämtschemat?"}
    rows = [
        {"inquiry_id": k, "occurred_at": "2026-10-13 09:00", "process": "va_avfall", "text": t}
        for k, t in texts.items()
    ]
    store.replace("inquiries", sql_given.inquiries(*rows))
    store.close()
    inquiry_topics = trends.build(Partitions.starting(date(2026, 10, 12)))[0]
    resources = {"warehouse": WarehouseResource(url=url), "landing": LandingResource(path=str(landing))}
    tokenised = []
    for _ in range(2):
        result = dg.materialize([inquiry_topics], resources=resources)
        assert result.success
        pages = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
        tokenised.append(pages[trends.NAMED_KEY]["tokenised_this_run"].value)
        assert pages[WORDS_KEY]["dagster/row_count"].value == len(texts)
    assert tokenised == [len(texts), 0]
    store = WarehouseResource(url=url).get()
    assert sorted(store.read("select inquiry_id from inquiry_topics")["inquiry_id"]) == ["a", "d"]


def test_a_first_read_tokenises_a_chunk_at_a_time_and_keeps_the_same_words(warehouse, tokeniser, monkeypatch, tmp_path):
    from onodig.warehouse import Warehouse

    given(warehouse, TEXTS)
    whole = words.read_with_words(warehouse, COLUMNS, tokenise=tokeniser).frame
    chunked_store = Warehouse(f"duckdb:///{tmp_path / 'chunked.duckdb'}")
    given(chunked_store, TEXTS)
    calls = []

    def one_text_at_a_time(texts):
        calls.append(len(texts))
        return tokeniser(texts)

    monkeypatch.setattr(words, "TOKENISE_ROWS", 1)  # three texts: three chunks, each kept as it is made
    chunked = words.read_with_words(chunked_store, COLUMNS, tokenise=one_text_at_a_time)
    assert calls == [1, 1, 1] and chunked.tokenised == 3
    pd.testing.assert_frame_equal(chunked.frame, whole)
    assert kept(chunked_store).drop(columns=["tokeniser"]).equals(kept(warehouse).drop(columns=["tokeniser"]))
