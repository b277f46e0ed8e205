"""The trend watch tests a week once the exports cover it, and finds its topics again only when what
they are found from changed: a daily run's second look at the same week keeps its rows."""

import dataclasses
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pytest

from onodig.assets import trends
from onodig.assets.partitions import Partitions
from onodig.assets.resources import LandingResource, WarehouseResource
from onodig.demand import topic_inputs, topics
from onodig.demand.topics import emerging_topics, weeks_of
from onodig.ingestion.contract import SOURCES
from onodig.ingestion.coverage import REQUIRED_SOURCES
from onodig.ingestion.load import staged_table
from tests.test_week_counts import SETTINGS, START, WEEK


@pytest.fixture
def world(topic_world) -> pd.DataFrame:
    return topic_world


def staged_up_to(store, last: date) -> None:
    """The required sources' staged days up to ``last``: what the week's coverage is judged by."""
    days = pd.date_range(START, last, freq="D")
    for source in REQUIRED_SOURCES:
        store.replace(staged_table(source), pd.DataFrame({SOURCES[source].day: days}))


def materialize_week(url: str, landing) -> dict:
    asset = next(a for a in trends.build(Partitions.starting(START)) if trends.TOPICS_KEY in a.keys)
    result = dg.materialize(
        [asset],
        resources={"warehouse": WarehouseResource(url=url), "landing": LandingResource(path=str(landing))},
        partition_key=WEEK.isoformat(),
    )
    assert result.success
    pages = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
    return pages[trends.TOPICS_KEY]


def week_rows(store) -> pd.DataFrame:
    frame = store.read(f"select * from {topics.TABLE}")
    return frame.sort_values(["process", "topic_id"], ignore_index=True)


def test_a_week_is_tested_once_covered_and_found_again_only_when_its_inquiries_change(world, tmp_path):
    url, landing = f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path / "landing"
    landing.mkdir()
    store = WarehouseResource(url=url).get()
    store.replace("inquiries", world)

    # the exports reach only the Wednesday of the week: it is not tested, and has no rows
    staged_up_to(store, WEEK + timedelta(days=2))
    waiting = materialize_week(url, landing)
    assert waiting["weeks_not_covered"].value == 1 and waiting["weeks_tested"].value == 0
    assert week_rows(store).empty

    # covered: tested, and the planted reason found as the watch finds it from the inquiries
    staged_up_to(store, WEEK + timedelta(days=6))
    first = materialize_week(url, landing)
    assert first["weeks_tested"].value == 1 and first["weeks_standing"].value == 0
    found = week_rows(store)
    expected = emerging_topics(world, [WEEK], SETTINGS)
    assert "va_avfall" in set(found["process"])
    assert sorted(found["topic_id"]) == sorted(expected["topic_id"])

    # the same inquiries: the week stands, its rows as they were, nothing tokenised
    again = materialize_week(url, landing)
    assert again["weeks_standing"].value == 1 and again["weeks_tested"].value == 0
    assert again["tokenised_this_run"].value == 0
    pd.testing.assert_frame_equal(week_rows(store), found)

    # an analyst's correction moves one of the topic's inquiries to another demand type: the week's
    # rows show the demand types, so it is tested again and the row says the new type
    topic = expected[expected["process"] == "va_avfall"].iloc[0]
    members = world[(world["process"] == "va_avfall") & (weeks_of(world["occurred_at"]) == WEEK)]
    member = members[members["text"].str.contains(topic["keywords"].split(", ")[0], case=False)].iloc[0]
    other = next(t for t in ("value_demand", "case_status") if t != member["demand_type"])
    corrected = world.copy()
    corrected.loc[corrected["inquiry_id"] == member["inquiry_id"], "demand_type"] = other
    store.replace("inquiries", corrected)
    changed = materialize_week(url, landing)
    assert changed["weeks_tested"].value == 1 and changed["weeks_standing"].value == 0
    now = week_rows(store)
    row = now[now["topic_id"] == topic["topic_id"]].iloc[0]
    assert other in row["demand_types"]
    assert (
        row["demand_types"]
        == emerging_topics(corrected, [WEEK], SETTINGS).set_index("topic_id").loc[topic["topic_id"], "demand_types"]
    )


def test_a_fingerprint_follows_every_week_of_the_window_and_the_settings(world, store_on_each_backend):
    store = store_on_each_backend
    store.replace("inquiries", world)
    prints = topic_inputs.fingerprints(store, [WEEK], SETTINGS, None)
    assert topic_inputs.fingerprints(store, [WEEK], SETTINGS, None) == prints

    # a text of the first week the world holds, a trailing week of WEEK's, changes: the fingerprint with it
    oldest = START
    assert WEEK - timedelta(weeks=SETTINGS.trailing_weeks) <= oldest
    changed = world.copy()
    at = changed.index[weeks_of(changed["occurred_at"]) == oldest][0]
    changed.loc[at, "text"] = changed.loc[at, "text"] + " Och soporna?"
    store.replace("inquiries", changed)
    assert topic_inputs.fingerprints(store, [WEEK], SETTINGS, None) != prints
    # nor does an audit that re-labels a trailing week's inquiry: the week's rows show its own types only
    relabelled = world.copy()
    at = relabelled.index[weeks_of(relabelled["occurred_at"]) == oldest][0]
    relabelled.loc[at, "demand_type"] = next(
        t for t in ("value_demand", "case_status") if t != world.loc[at, "demand_type"]
    )
    store.replace("inquiries", relabelled)
    assert topic_inputs.fingerprints(store, [WEEK], SETTINGS, None) == prints
    # a week after the window does not move it
    store.replace("inquiries", world)
    later = world.copy()
    at = later.index[weeks_of(later["occurred_at"]) == WEEK + timedelta(weeks=1)][0]
    later.loc[at, "text"] = "Något helt annat."
    store.replace("inquiries", later)
    assert topic_inputs.fingerprints(store, [WEEK], SETTINGS, None) == prints

    stricter = dataclasses.replace(SETTINGS, min_growth=SETTINGS.min_growth + 1)
    assert topic_inputs.fingerprints(store, [WEEK], stricter, None) != prints


def test_an_earlier_layout_of_the_table_is_made_again_and_every_week_tested(world, store_on_each_backend):
    store = store_on_each_backend
    store.replace("inquiries", world)
    store.replace(topics.TABLE, topics.empty())
    store.replace(topic_inputs.TABLE, pd.DataFrame({"week_start": [pd.Timestamp(WEEK)], "fingerprint": ["x"]}))
    prints = topic_inputs.fingerprints(store, [WEEK], SETTINGS, None)
    assert topic_inputs.standing(store, prints) == set()
    topic_inputs.replace_tested(store, topics.empty(), WEEK, WEEK + timedelta(weeks=1), set(), prints)
    assert store.columns(topic_inputs.TABLE) == topic_inputs.COLUMNS
    assert topic_inputs.standing(store, prints) == {WEEK}
