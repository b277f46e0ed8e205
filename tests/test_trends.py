"""Emerging topics, demand alerts and named topics on generated worlds with planted events.

The worlds are built from the generator's landing files and its truth (masked texts, true demand
types), not through the classifier: what is tested is the trend watch, on small worlds shared by
the module.
"""

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller

from onodig.assets.resources import LandingResource, OutputsResource, SmtpResource, WarehouseResource
from onodig.demand.alerts import demand_alerts
from onodig.demand.topic_names import BadTopicNames, TopicNames, known_levers
from onodig.demand.topics import Tokeniser, emerging_topics, named_inquiries
from onodig.demand.trend_settings import BadTrendSettings, TrendSettings
from onodig.generator.landing import (
    GeneratorConfig,
    PlantedJump,
    PlantedTopic,
    load_phrases,
    write_landing,
)
from onodig.generator.truth import truth_world
from onodig.pipelines.cli import main
from onodig.pipelines.definitions import defs
from onodig.pipelines.sensors import ALERT_SENSOR
from onodig.reports import build_report
from onodig.reports.alerts_section import Trends
from onodig.reports.mail import plain_text
from onodig.warehouse import Warehouse
from onodig.warehouse.sql_models import run_upto
from tests import sql_given
from tests.servers import Mailbox, free_port
from tests.test_reports import three_weeks_of_bygglov

SETTINGS = TrendSettings.default()
START = date(2026, 8, 31)  # the generator's first Monday
TOPIC_WEEK, JUMP_WEEK = 5, 7


def dated(frame: pd.DataFrame) -> pd.DataFrame:
    """``week_start`` as dates, to compare with the generator's Mondays (the tables hold timestamps)."""
    assert str(frame["week_start"].dtype).startswith("datetime64")
    return frame.assign(week_start=frame["week_start"].dt.date)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> dict:
    config = GeneratorConfig(
        weeks=8,
        per_week=600,
        seed=3,
        quirks=False,
        planted_topics=(PlantedTopic("hamtschema", TOPIC_WEEK),),
        planted_jumps=(PlantedJump("forskola", "invoice_status", JUMP_WEEK),),
    )
    found = truth_world(tmp_path_factory.mktemp("planted"), config)
    twin = tmp_path_factory.mktemp("twin")  # the same world without the planted events
    write_landing(GeneratorConfig(weeks=8, per_week=600, seed=3, quirks=False), twin / "landing", twin / "truth.csv")
    unplanted = set(pd.read_csv(twin / "truth.csv", dtype=str)["inquiry_id"])
    inquiries = found["inquiries"]
    new = inquiries[~inquiries["inquiry_id"].isin(unplanted) & (inquiries["process"] == "va_avfall")]
    found["planted_texts"] = [" ".join(t.split()) for t in new["text"]]
    found["topics"] = dated(emerging_topics(found["inquiries"], found["weeks"], SETTINGS.topics))
    found["alerts"] = dated(demand_alerts(found["weekly"], found["weeks"], SETTINGS.alerts))
    return found


@pytest.fixture(scope="module")
def stable(tmp_path_factory) -> dict:
    return truth_world(tmp_path_factory.mktemp("stable"), GeneratorConfig(weeks=12, per_week=800, seed=5, quirks=False))


def planted_words() -> set[str]:
    """Every word of the planted topic's phrases."""
    topic = load_phrases()["planted_topics"]["hamtschema"]
    return {w.strip(".,?!:;()").lower() for t in topic["note"] + topic["message"] for w in t.split()}


def test_a_new_reason_in_one_process_is_found_in_both_its_weeks_with_its_own_words(planted):
    topics = planted["topics"]
    weeks = {START + timedelta(weeks=TOPIC_WEEK + i) for i in (0, 1)}
    ours = topics[(topics["process"] == "va_avfall") & topics["week_start"].isin(weeks)]
    assert set(ours["week_start"]) == weeks
    words = planted_words()
    planted_texts = planted["planted_texts"]
    assert len(planted_texts) == 40
    for row in ours.itertuples():
        keywords = row.keywords.split(", ")
        assert sum(k in words for k in keywords) >= len(keywords) - 1, row.keywords
        examples = row.examples.split("\n")
        assert 1 <= len(examples) <= SETTINGS.topics.examples
        # the examples are planted inquiries' masked texts
        assert all(any(t.startswith(e[:60]) for t in planted_texts) for e in examples), examples
        assert row.inquiries > row.previous_inquiries * SETTINGS.topics.min_growth
        assert "value_demand" in row.demand_types  # what the planted contacts are in the truth
    first, second = (ours[ours["week_start"] == week].iloc[0] for week in sorted(weeks))
    assert first["previous_inquiries"] < second["previous_inquiries"]  # the first week is the second's past


def test_keywords_are_readable_words_without_masks_or_stop_words(planted):
    words = [w for k in planted["topics"]["keywords"] for w in k.split(", ")]
    assert words and all(w.isalpha() and len(w) >= 3 for w in words)
    assert not {"och", "att", "inte", "pnr", "namn", "hej"} & set(words)


def test_other_emerging_topics_are_few(planted):
    topics = planted["topics"]
    others = topics[topics["process"] != "va_avfall"]
    process_weeks = len(planted["weekly"])
    assert len(others) <= 2, others[["process", "week_start", "keywords"]]
    assert process_weeks >= 60


def test_the_same_inquiries_give_the_same_topics(planted):
    weeks = [START + timedelta(weeks=TOPIC_WEEK)]
    shuffled = planted["inquiries"].sample(frac=1.0, random_state=1)
    again = dated(emerging_topics(shuffled, weeks, SETTINGS.topics))
    before = planted["topics"][planted["topics"]["week_start"].isin(weeks)].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), before)


def test_a_week_bigger_than_the_fit_cap_is_fitted_on_a_draw_and_still_finds_its_new_reason(planted, monkeypatch):
    """At a million inquiries a process-week is ten thousand texts: its topics are fitted on
    max_fit_inquiries of them (and as many earlier ones); a reason new that week is still found."""
    import onodig.demand.topics as topics_module

    fitted_rows = []

    class Recorded(topics_module.NMF):
        def fit_transform(self, X, y=None, W=None, H=None):
            fitted_rows.append(X.shape[0])
            return super().fit_transform(X, y, W, H)

    monkeypatch.setattr(topics_module, "NMF", Recorded)
    weeks = [START + timedelta(weeks=TOPIC_WEEK + i) for i in (0, 1)]
    inquiries = planted["inquiries"]
    in_week = topics_module.weeks_of(inquiries["occurred_at"])
    week_size = int(((inquiries["process"] == "va_avfall") & (in_week == weeks[0])).sum())
    cap = week_size * 4 // 5  # a fifth left out: the planted reason is a fifth of the week (20 of ~95)
    capped = dataclasses.replace(SETTINGS.topics, max_fit_inquiries=cap)
    found = dated(emerging_topics(inquiries, weeks, capped))
    assert fitted_rows and max(fitted_rows) <= 2 * cap  # the week's draw and as many earlier inquiries
    ours = found[found["process"] == "va_avfall"]
    assert set(ours["week_start"]) == set(weeks)
    words, texts = planted_words(), planted["planted_texts"]
    for row in ours.itertuples():
        keywords = row.keywords.split(", ")
        assert sum(k in words for k in keywords) >= len(keywords) - 1, row.keywords
        assert all(any(t.startswith(e[:60]) for t in texts) for e in row.examples.split("\n"))
    fitted_rows.clear()
    emerging_topics(inquiries, weeks, SETTINGS.topics)
    assert max(fitted_rows) > 2 * cap  # the built-in cap leaves a week this small whole


def test_a_planted_jump_alerts_with_direction_and_reason_and_little_else_does(planted):
    alerts = planted["alerts"]
    raised = alerts[alerts["alert"]]
    week = START + timedelta(weeks=JUMP_WEEK)
    jump = raised[(raised["process"] == "forskola") & (raised["week_start"] == week)]
    assert "invoice_status" in set(jump["demand_type"])
    row = jump[jump["demand_type"] == "invoice_status"].iloc[0]
    assert row["direction"] == "up" and row["observed"] > row["expected"]
    assert "Fakturastatus" in row["reason"] and "ökade" in row["reason"]
    assert row["p_value"] < row["threshold"] < SETTINGS.alerts.false_alarm_rate  # Bonferroni: the rate over the tests
    others = raised[~((raised["process"] == "forskola") & (raised["week_start"] == week))]
    assert len(others) <= 2, others[["process", "week_start", "demand_type", "reason"]]


def test_every_tested_week_lists_its_top_movers_in_order(planted):
    alerts = planted["alerts"]
    movers = alerts[alerts["mover_rank"].notna()]
    for _, week in movers.groupby("week_start"):
        ranks = sorted(week["mover_rank"].astype(int))
        assert ranks == list(range(1, SETTINGS.alerts.top_movers + 1))
        assert week.sort_values("mover_rank")["p_value"].is_monotonic_increasing


def test_a_stable_history_raises_almost_no_alerts_and_no_emerging_topics(stable):
    alerts = dated(demand_alerts(stable["weekly"], stable["weeks"], SETTINGS.alerts))
    tested_weeks = alerts["week_start"].nunique()
    process_weeks = len(stable["weekly"][stable["weekly"]["week_start"].isin(set(alerts["week_start"]))])
    assert tested_weeks >= 8 and process_weeks >= 60
    assert int(alerts["alert"].sum()) <= 1, alerts[alerts["alert"]]
    topics = emerging_topics(stable["inquiries"], stable["weeks"], SETTINGS.topics)
    assert len(topics) <= 1, topics[["process", "week_start", "keywords"]]


def test_a_stricter_false_alarm_rate_alerts_on_no_more(planted):
    strict = TrendSettings.from_documents([({"alerts": {"false_alarm_rate": 0.0001}}, "test")]).alerts
    fewer = demand_alerts(planted["weekly"], planted["weeks"], strict)
    assert fewer["alert"].sum() <= planted["alerts"]["alert"].sum()
    assert (fewer["threshold"] < planted["alerts"]["threshold"].max()).all()


TOPICS_YAML = {
    "topics": [
        {
            "name": "Nytt hämtschema",
            "keywords": ["hämtschemat", "tömningsschemat", "tömningsdagar"],
            "min_keywords": 1,
            "process": "va_avfall",
            "root_cause": "collection_schedule_not_communicated",
            "lever": "web_findability",
        }
    ]
}


def test_a_named_topic_is_counted_under_its_root_cause_in_root_causes_weekly(warehouse, tmp_path):
    (tmp_path / "topics.yaml").write_text(yaml.safe_dump(TOPICS_YAML, allow_unicode=True), encoding="utf-8")
    names = TopicNames.for_landing(tmp_path)
    rows = sql_given.inquiries(
        {
            "inquiry_id": "a",
            "occurred_at": "2026-10-13 09:00",
            "process": "va_avfall",
            "demand_type": "case_status",
            "text": "Har ni ändrat hämtschemat? Kärlet töms inte.",
        },
        {
            "inquiry_id": "b",
            "occurred_at": "2026-10-13 10:00",
            "process": "va_avfall",
            "demand_type": "case_status",
            "text": "Hur går det med mitt ärende?",
        },
        {
            "inquiry_id": "c",
            "occurred_at": "2026-10-13 11:00",
            "process": "bygglov",
            "demand_type": "case_status",
            "text": "Har ni ändrat hämtschemat?",
        },
    )
    named = named_inquiries(rows, names)
    assert list(named["inquiry_id"]) == ["a"]  # another process's inquiry is not this topic
    sql_given.given(warehouse, rows, named=named)
    run_upto("root_causes_weekly", warehouse)
    causes = warehouse.read("select * from root_causes_weekly where process = 'va_avfall'")
    topic = causes[causes["root_cause"] == "collection_schedule_not_communicated"].iloc[0]
    levers, _ = known_levers(tmp_path)
    assert (topic["topic"], topic["lever"], topic["inquiries"]) == ("Nytt hämtschema", "web_findability", 1)
    assert topic["lever_name"] == levers["web_findability"]["sv"]
    assert set(causes["root_cause"]) - {"collection_schedule_not_communicated"}  # b keeps its own cause


def test_an_emerging_topic_that_analysts_named_carries_the_name(planted):
    names = TopicNames.from_document(TOPICS_YAML, "test", known_levers(Path("/nonexistent"))[0])
    weeks = [START + timedelta(weeks=TOPIC_WEEK)]
    found = emerging_topics(planted["inquiries"], weeks, SETTINGS.topics, names)
    ours = found[found["process"] == "va_avfall"]
    assert list(ours["name"]) == ["Nytt hämtschema"]


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"topics": [{"name": "x", "keywords": ["a"], "root_cause": "r", "lever": "nope"}]}, "unknown lever"),
        ({"topics": [{"name": "x", "keywords": [], "root_cause": "r", "lever": "letter_wording"}]}, "keywords"),
        (
            {"topics": [{"name": "x", "keywords": ["a"], "root_cause": "case_delayed", "lever": "letter_wording"}]},
            "already has the lever",
        ),
        ({"topics": "x"}, "must be a list"),
    ],
)
def test_a_topics_yaml_that_cannot_work_is_one_line_naming_the_topic(doc, message):
    levers, builtin = known_levers(Path("/nonexistent"))
    with pytest.raises(BadTopicNames, match=message) as raised:
        TopicNames.from_document(doc, "topics.yaml", levers, builtin)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"alerts": {"false_alarm_rate": 5}}, "alerts.false_alarm_rate must be from"),
        ({"alerts": {"trailing_wekes": 5}}, "unknown setting alerts.trailing_wekes"),
        ({"topics": {"min_trailing_weeks": 9, "trailing_weeks": 4}}, "is more than"),
        ({"alarms": {}}, "unknown section"),
        ({"alerts": {"min_inquiries": "many"}}, "must be a int"),
    ],
)
def test_a_trends_yaml_that_cannot_work_is_one_line(doc, message):
    with pytest.raises(BadTrendSettings, match=message):
        TrendSettings.from_documents([(doc, "trends.yaml")])


def test_the_tokeniser_drops_masks_and_stop_words():
    words = Tokeniser(SETTINGS.topics.stop_words)(["Hej! Jag har inte fått något nytt hämtschema. [PNR] Mvh [NAMN]"])[0]
    surfaces = [surface for _, surface in words]
    assert "hämtschema" in surfaces
    assert not {"hej", "jag", "har", "inte", "mvh"} & set(surfaces)
    assert all(s.isalpha() for s in surfaces)


def test_the_report_shows_its_processs_alerts_and_topics_in_both_languages(planted):
    week = START + timedelta(weeks=JUMP_WEEK)
    trends = Trends(planted["alerts"], planted["topics"])
    weekly, causes, capacity = three_weeks_of_bygglov()
    for language, word in (("sv", "Fakturastatus"), ("en", "Invoice status")):
        section = trends.section("forskola", week, language)
        built = build_report("forskola", "Förskola", weekly, causes, capacity, language=language, sections=(section,))
        assert section.html in built.html and word in section.html
        assert word in plain_text(built)
    quiet = trends.section("bostadsanpassning", START + timedelta(weeks=1), "sv")
    assert "Inga larm" in quiet.html and quiet.text == ""
    # a week the exports do not cover yet is not tested: its report says so, not that nothing changed
    for language, waiting in (("sv", "prövas när exporterna täcker hela veckan"), ("en", "tested once the exports")):
        early = trends.section("forskola", week, language, covered=False)
        assert waiting in early.html and "Fakturastatus" not in early.html and "Invoice status" not in early.html
    topic_week = START + timedelta(weeks=TOPIC_WEEK)
    shown = trends.section("va_avfall", topic_week, "sv").html
    keywords = planted["topics"][planted["topics"]["week_start"] == topic_week]["keywords"]
    assert "Nya kontaktorsaker" in shown and "<q>" in shown and all(k in shown for k in keywords)


def test_the_alert_sensor_emails_each_alert_to_its_owners_once(planted, tmp_path):
    store = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    store.replace("demand_alerts", planted["alerts"])
    processes = yaml.safe_load((Path(__file__).parent.parent / "demand" / "default_processes.yaml").read_text("utf-8"))
    processes["processes"]["forskola"]["owners"] = ["forskolechef@kommun.example"]
    (tmp_path / "processes.yaml").write_text(yaml.safe_dump(processes, allow_unicode=True), encoding="utf-8")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        resources = {
            "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}"),
            "landing": LandingResource(path=str(tmp_path)),
            "smtp": SmtpResource(host="127.0.0.1", port=smtp.port, sender="onodig@kommun.example"),
            "outputs": OutputsResource(outbox=str(tmp_path / "outbox"), exports=str(tmp_path / "exports")),
        }
        sensor = defs.resolve_sensor_def(ALERT_SENSOR)
        context = dg.build_sensor_context(resources=resources)
        sensor(context)
        again = dg.build_sensor_context(resources=resources, cursor=context.cursor)
        sensor(again)
    finally:
        smtp.stop()
    owned = planted["alerts"][planted["alerts"]["alert"] & (planted["alerts"]["process"] == "forskola")]
    assert len(owned) >= 1
    assert len(mailbox.messages) == 1  # one e-mail for the process's new alerts, none on the next tick
    message = mailbox.messages[0]
    assert message["To"] == "forskolechef@kommun.example"
    assert "Fakturastatus" in message.get_content()
    assert set(owned["alert_id"]) <= set(yaml.safe_load(again.cursor))


def test_onodig_generate_plants_a_topic_and_a_jump(tmp_path):
    landing = tmp_path / "landing"
    common = ["generate", "--landing", str(landing), "--weeks", "4", "--per-week", "200", "--no-quirks"]
    assert main([*common, "--truth", str(tmp_path / "plain.csv")]) == 0
    assert (
        main(
            [
                *common,
                "--truth",
                str(tmp_path / "t.csv"),
                "--plant-topic",
                "boendezon",
                "--plant-jump",
                "forskola:case_status:3:4",
            ]
        )
        == 0
    )
    plain, planted_truth = (pd.read_csv(tmp_path / name, dtype=str) for name in ("plain.csv", "t.csv"))
    extra = planted_truth[~planted_truth["inquiry_id"].isin(plain["inquiry_id"])]
    assert (extra["process"] == "parkering").sum() == 40  # two weeks of 20
    jump = extra[extra["process"] == "forskola"]
    assert len(jump) > 0 and set(jump["demand_type"]) <= {"case_status"}
    assert main([*common, "--plant-topic", "nothing"]) == 2
    assert main([*common, "--plant-jump", "forskola:case_status:99"]) == 2


def test_a_window_written_twice_or_first_empty_gives_the_same_table(planted, warehouse):
    from onodig.demand.weekly_tables import replace_weeks

    found = demand_alerts(planted["weekly"], planted["weeks"], SETTINGS.alerts)
    first, end = START, START + timedelta(weeks=8)
    replace_weeks(warehouse, "demand_alerts", found.head(0), first, end)  # a first run with nothing to say
    replace_weeks(warehouse, "demand_alerts", found, first, end)
    once = warehouse.read("select * from demand_alerts order by alert_id")
    assert replace_weeks(warehouse, "demand_alerts", found, first, end) == len(found) == len(once)
    pd.testing.assert_frame_equal(warehouse.read("select * from demand_alerts order by alert_id"), once)
    later = found[pd.to_datetime(found["week_start"]).dt.date >= START + timedelta(weeks=7)]
    replace_weeks(warehouse, "demand_alerts", later, START + timedelta(weeks=7), end)
    assert len(warehouse.read("select * from demand_alerts")) == len(found)  # other weeks untouched


def test_kept_words_give_the_same_topics_and_named_inquiries_as_tokenising(planted, warehouse):
    from onodig.demand.words import read_with_words

    warehouse.replace("inquiries", planted["inquiries"])
    read = read_with_words(warehouse, ["inquiry_id", "occurred_at", "process", "demand_type", "text"])
    assert read.tokenised == len(planted["inquiries"])
    pd.testing.assert_frame_equal(
        dated(emerging_topics(read.frame, planted["weeks"], SETTINGS.topics)), planted["topics"]
    )
    names = TopicNames.from_document(TOPICS_YAML, "test", known_levers(Path("/nonexistent"))[0])
    named = named_inquiries(read.frame, names)
    assert len(named) > 0
    pd.testing.assert_frame_equal(named, named_inquiries(planted["inquiries"], names))


def test_a_landing_folders_stop_words_take_effect_on_kept_words(planted, warehouse, tmp_path):
    from onodig.demand.words import read_with_words

    weeks = [START + timedelta(weeks=TOPIC_WEEK)]
    ours = planted["topics"][
        (planted["topics"]["process"] == "va_avfall") & planted["topics"]["week_start"].isin(weeks)
    ]
    stop = ours.iloc[0]["keywords"].split(", ")[:3]  # the planted topic's own first keywords
    (tmp_path / "trends.yaml").write_text(
        yaml.safe_dump({"topics": {"stop_words": [*SETTINGS.topics.stop_words, *stop]}}, allow_unicode=True),
        encoding="utf-8",
    )
    settings = TrendSettings.for_landing(tmp_path).topics
    warehouse.replace("inquiries", planted["inquiries"])
    read = read_with_words(warehouse, ["inquiry_id", "occurred_at", "process", "demand_type", "text"])
    found = emerging_topics(read.frame, weeks, settings)
    pd.testing.assert_frame_equal(found, emerging_topics(planted["inquiries"], weeks, settings))
    keywords = {w for k in found["keywords"] for w in k.split(", ")}
    assert not set(stop) & keywords
