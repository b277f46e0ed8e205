"""The trend watch's kept word counts: a daily run that takes its trailing weeks from
``topic_week_counts`` finds the same topics as one that reads and counts them again, and a week
whose inquiries or stop words changed is counted again."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import yaml

from onodig.demand import week_counts
from onodig.demand.topics import WeekCounts, WordCounts, emerging_topics, weeks_of
from onodig.demand.trend_settings import TrendSettings
from tests.conftest import TOPIC_START_WEEK

SETTINGS = TrendSettings.default().topics
START = date(2026, 8, 31)  # the generator's first Monday
TOPIC_WEEK = TOPIC_START_WEEK
WEEK = START + timedelta(weeks=TOPIC_WEEK)


@pytest.fixture
def world(topic_world) -> pd.DataFrame:
    return topic_world


def _weeks_before(week: date) -> set[date]:
    return {week - timedelta(weeks=n) for n in range(1, SETTINGS.trailing_weeks + 1)}


def test_a_weeks_counts_come_back_as_they_were_kept():
    words = [[("hämta", "hämtas"), ("sopa", "sopor"), ("hämta", "hämtade")], [], [("räkning", "räkningen")]]
    counts = WordCounts.of(words)
    week = WeekCounts(np.array(["contacts:C2", "contacts:C3", "eservice:E1"], dtype=object), counts)
    back = week_counts.decode(week_counts.encode(week))
    assert back.inquiry_ids.tolist() == week.inquiry_ids.tolist()
    assert back.counts.lemmas.tolist() == ["hämta", "räkning", "sopa"]
    assert back.counts.matrix.toarray().tolist() == [[2.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    empty = week_counts.decode(week_counts.encode(WeekCounts(np.array(["x"], dtype=object), WordCounts.of([[]]))))
    assert empty.counts.matrix.shape == (1, 0) and empty.inquiry_ids.tolist() == ["x"]


def test_weeks_counted_apart_and_stacked_equal_counting_them_together():
    first = [[("a", "a"), ("b", "b")], [("c", "c")]]
    second = [[("b", "b"), ("d", "d"), ("d", "d")]]
    stacked = WordCounts.stacked([WordCounts.of(first), WordCounts.of(second)])
    together = WordCounts.of(first + second)
    assert stacked.lemmas.tolist() == together.lemmas.tolist()
    assert (stacked.matrix != together.matrix).nnz == 0


def test_kept_trailing_weeks_give_the_same_topics_as_reading_them_again(world, store_on_each_backend, tmp_path):
    store = store_on_each_backend
    store.replace("inquiries", world)
    weeks = sorted(set(weeks_of(world["occurred_at"])))
    history = week_counts.watch(store, weeks, SETTINGS, None, batch=len(weeks))  # a first run, in one read
    processes = world["process"].nunique()
    assert history.kept == 0 and history.counted == len(weeks) * processes

    daily = week_counts.watch(store, [WEEK], SETTINGS, None)
    expected = emerging_topics(world, [WEEK], SETTINGS)
    assert "va_avfall" in set(expected["process"])  # the planted reason: the comparison has topics to compare
    pd.testing.assert_frame_equal(daily.topics, expected)
    trailing = _weeks_before(WEEK) & set(weeks)
    assert daily.kept == len(trailing) * processes  # none of them read again
    assert daily.weeks_read == {WEEK}
    assert daily.counted == processes

    # a text of a trailing week changes: that process-week alone is read and counted again
    changed = world.copy()
    before = WEEK - timedelta(weeks=2)
    at = changed.index[(changed["process"] == "va_avfall") & (weeks_of(changed["occurred_at"]) == before)][0]
    changed.loc[at, "text"] = "Hämtschemat för sopkärlen har inte kommit, när hämtas soporna egentligen?"
    store.replace("inquiries", changed)
    again = week_counts.watch(store, [WEEK], SETTINGS, None)
    assert again.kept == daily.kept - 1 and again.counted == processes + 1
    pd.testing.assert_frame_equal(again.topics, emerging_topics(changed, [WEEK], SETTINGS))

    # other stop words: every week counted again, and they take effect
    stop = expected[expected["process"] == "va_avfall"].iloc[0]["keywords"].split(", ")[:2]
    (tmp_path / "trends.yaml").write_text(
        yaml.safe_dump({"topics": {"stop_words": [*SETTINGS.stop_words, *stop]}}, allow_unicode=True),
        encoding="utf-8",
    )
    stricter = TrendSettings.for_landing(tmp_path).topics
    other = week_counts.watch(store, [WEEK], stricter, None)
    assert other.kept == 0
    pd.testing.assert_frame_equal(other.topics, emerging_topics(changed, [WEEK], stricter))
    held = store.read(f"select distinct words_key from {week_counts.TABLE}")["words_key"].tolist()
    assert held == [week_counts.words_key(stricter.stop_words)]  # the counts of the old key are gone


def test_a_first_run_tested_a_few_weeks_at_a_time_finds_what_one_read_finds(world, warehouse):
    store = warehouse
    store.replace("inquiries", world)
    weeks = sorted(set(weeks_of(world["occurred_at"])))
    assert len(weeks) > 4  # three batches or more, the later ones' trailing weeks in the earlier ones
    batched = week_counts.watch(store, weeks, SETTINGS, None, batch=2)
    expected = emerging_topics(world, weeks, SETTINGS)
    assert not expected.empty
    pd.testing.assert_frame_equal(batched.topics, expected)
    processes = world["process"].nunique()
    assert batched.counted == len(weeks) * processes  # each week counted once, by its own batch
    assert batched.kept > 0  # the later batches took their trailing weeks from the earlier ones
    assert batched.tokenised == len(world) and batched.reused == 0
    assert batched.weeks_read == set(weeks)
