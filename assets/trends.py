"""What changed this week: emerging contact reasons, demand alerts and the topics analysts named.

``emerging_topics`` and ``demand_alerts`` are weekly partitions like the marts they sit beside;
the alerts also show as a WARN check on ``avoidable_demand_weekly``, so that a week that departs
from its baseline is marked on the mart everyone reads. ``inquiry_topics`` is rebuilt with the
inquiries: the named topics of topics.yaml are counted in ``root_causes_weekly``.
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from onodig.assets.coverage import COVERAGE_KEY
from onodig.assets.demand import INQUIRIES_KEY, WORDS_KEY
from onodig.assets.partitions import Partitions, window_dates
from onodig.assets.resources import LandingResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata, written_beside
from onodig.demand import alerts, topic_inputs, topics, week_counts, words
from onodig.demand.weekly_tables import replace_weeks
from onodig.ingestion.coverage import export_coverage, stockholm_today
from onodig.warehouse.store import in_window

TOPICS_KEY = dg.AssetKey(["trends", topics.TABLE])
ALERTS_KEY = dg.AssetKey(["trends", alerts.TABLE])
NAMED_KEY = dg.AssetKey(["core", topics.NAMED_TABLE])
COUNTS_KEY = dg.AssetKey(["trends", week_counts.TABLE])
INPUTS_KEY = dg.AssetKey(["trends", topic_inputs.TABLE])
WEEKLY_KEY = dg.AssetKey(["marts", "avoidable_demand_weekly"])
ALERTS_CHECK = "no_demand_alerts"
PREVIEW_ROWS = 20


def _mondays(start, end) -> list:
    weeks, week = [], start - timedelta(days=start.weekday())
    while week < end:
        weeks.append(week)
        week += timedelta(weeks=1)
    return weeks


def _markdown(frame: pd.DataFrame, columns: list[str]) -> str:
    if frame.empty:
        return "(none)"
    shown = frame[columns].head(PREVIEW_ROWS).astype(str)
    return shown.apply(lambda c: c.str.replace("|", "/").str.replace("\n", " / ")).to_markdown(index=False)


def _log_words(context: dg.AssetExecutionContext, store, tokenised: int, reused: int) -> None:
    """How many inquiries had to be tokenised, and the kept words' own page."""
    context.log.info(f"{tokenised:,} inquiries tokenised, {reused:,} read from {words.TABLE}")
    for event in written_beside(store, {WORDS_KEY: words.TABLE}):
        context.log_event(event)


def covered_weeks(store) -> set:
    """The Mondays of the weeks the exports cover, as the reports judge it: today, not at link time."""
    coverage = export_coverage(store, stockholm_today())
    return set(coverage.loc[coverage["week_covered"].astype(bool), "week_start"])


def alerts_in(store, start, end) -> pd.DataFrame:
    """The alerts (not the mere movers) of the weeks in [start, end)."""
    if not store.has_table(alerts.TABLE):
        return pd.DataFrame(columns=alerts.COLUMNS)
    return store.read(
        f"select * from {alerts.TABLE} where alert and {in_window('week_start', start, end)} "
        "order by week_start, process, demand_type"
    )


def build(partitions: Partitions) -> list:
    weekly = dict(partitions_def=partitions.weeks, backfill_policy=dg.BackfillPolicy.single_run())

    @dg.asset(
        key=NAMED_KEY,
        group_name="core",
        kinds={"pandas"},
        owners=["team:data"],
        deps=[INQUIRIES_KEY],
        description="One row per inquiry that a topic analysts named in the landing folder's topics.yaml matches "
        "(it holds min_keywords of the topic's keywords): the topic's name, root cause and lever. "
        "root_causes_weekly counts these inquiries under that root cause. Empty without a topics.yaml.",
    )
    def inquiry_topics(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        names = landing.topic_names()
        store = warehouse.get()
        read = words.read_with_words(store, ["inquiry_id", "process", "text"]) if names.topics else None
        frame = topics.named_inquiries(read.frame if read else pd.DataFrame(), names)
        store.replace(topics.NAMED_TABLE, frame)
        if read:
            _log_words(context, store, read.tokenised, read.reused)
        counts = frame["topic"].value_counts() if len(frame) else pd.Series(dtype=int)
        return dg.MaterializeResult(
            metadata={
                **table_metadata(store, topics.NAMED_TABLE, len(frame)),
                "rows": dg.MetadataValue.int(len(frame)),
                "source": names.origin,
                "named_topics": dg.MetadataValue.int(len(names.topics)),
                "tokenised_this_run": dg.MetadataValue.int(read.tokenised if read else 0),
                "inquiries_per_topic": dg.MetadataValue.json({str(k): int(v) for k, v in counts.items()}),
            }
        )

    @dg.asset(
        key=TOPICS_KEY,
        group_name="trends",
        kinds={"pandas"},
        owners=["team:kundcenter"],
        deps=[INQUIRIES_KEY],
        description="Emerging contact reasons (contract table `emerging_topics`), one row per process, week and "
        "topic: topics of the week's inquiries (NMF over TF-IDF of their masked, lemmatised words) whose volume "
        "the trailing weeks do not explain (Poisson test, Bonferroni over the week's topics; trends.yaml), with "
        "keywords, earlier volume, growth, masked examples and the demand types they got.",
        **weekly,
    )
    def emerging_topics(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        settings, names = landing.trends(), landing.topic_names()
        start, end = window_dates(context)
        store = warehouse.get()
        # a week the exports do not cover yet is tested once it is, as the alerts are: its counts are short
        covered, mondays = covered_weeks(store), _mondays(start, end)
        weeks = [w for w in mondays if w in covered]
        prints = topic_inputs.fingerprints(store, weeks, settings.topics, names)
        standing = topic_inputs.standing(store, prints)
        tested = [w for w in weeks if w not in standing]
        watched = week_counts.watch(store, tested, settings.topics, names) if tested else None
        found = watched.topics if watched else topics.empty()
        if watched:
            _log_words(context, store, watched.tokenised, watched.reused)
        total = topic_inputs.replace_tested(store, found, start, end, standing, {w: prints[w] for w in tested})
        context.log.info(
            f"emerging_topics: {len(found)} emerging topic(s) in {len(tested)} week(s) tested of {start}..{end}; "
            f"{len(standing)} week(s) stand as found before, {len(mondays) - len(weeks)} not covered yet"
            + (
                f"; {watched.kept} trailing process-week(s) from {week_counts.TABLE}, {watched.counted} counted and kept"
                if watched
                else ""
            )
        )
        beside = {INPUTS_KEY: topic_inputs.TABLE} | ({COUNTS_KEY: week_counts.TABLE} if watched else {})
        for event in written_beside(store, beside):
            context.log_event(event)
        shown = store.read(
            f"select * from {topics.TABLE} where {in_window('week_start', start, end)} "
            "order by week_start, process, p_value, topic_id"
        )
        return dg.MaterializeResult(
            metadata={
                **table_metadata(store, topics.TABLE, total),
                "rows": dg.MetadataValue.int(total),
                "emerging_in_these_weeks": dg.MetadataValue.int(len(shown)),
                "weeks_tested": dg.MetadataValue.int(len(tested)),
                "weeks_standing": dg.MetadataValue.int(len(standing)),
                "weeks_not_covered": dg.MetadataValue.int(len(mondays) - len(weeks)),
                "tokenised_this_run": dg.MetadataValue.int(watched.tokenised if watched else 0),
                "trailing_weeks_kept": dg.MetadataValue.int(watched.kept if watched else 0),
                "weeks_counted": dg.MetadataValue.int(watched.counted if watched else 0),
                "weeks": f"{start} to {end} (exclusive)",
                "settings": settings.origin,
                "emerging": dg.MetadataValue.md(
                    _markdown(shown, ["process", "week_start", "keywords", "inquiries", "previous_inquiries", "growth"])
                ),
            }
        )

    @dg.asset(
        key=ALERTS_KEY,
        group_name="trends",
        kinds={"pandas"},
        owners=["team:kundcenter"],
        deps=[WEEKLY_KEY, COVERAGE_KEY],
        description="Demand alerts and top movers (contract table `demand_alerts`): process-weeks whose avoidable "
        "share (binomial test) or one demand type's count (Poisson rate test) departs from the process's own "
        "trailing weeks beyond chance, the false-alarm rate of trends.yaml divided over the week's tests "
        "(Bonferroni), and each week's most surprising departures.",
        **weekly,
    )
    def demand_alerts(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        settings = landing.trends()
        start, end = window_dates(context)
        store = warehouse.get()
        earliest = start - timedelta(weeks=settings.alerts.trailing_weeks)
        weekly_rows = store.read(
            f"select * from avoidable_demand_weekly where {in_window('week_start', earliest, end)}"
        )
        # a week the exports do not cover yet (its Sunday not reached, or still running) is tested once it is:
        # its counts are short, and every type would "fall" to the few rows that came early
        covered = covered_weeks(store)
        found = alerts.demand_alerts(weekly_rows, [w for w in _mondays(start, end) if w in covered], settings.alerts)
        total = replace_weeks(store, alerts.TABLE, found, start, end)
        raised = found[found["alert"].astype(bool)] if len(found) else found
        context.log.info(f"demand_alerts: {len(raised)} alert(s) in {start}..{end}")
        return dg.MaterializeResult(
            metadata={
                **table_metadata(store, alerts.TABLE, total),
                "rows": dg.MetadataValue.int(total),
                "alerts_in_these_weeks": dg.MetadataValue.int(len(raised)),
                "weeks": f"{start} to {end} (exclusive)",
                "settings": settings.origin,
                "alerts": dg.MetadataValue.md(_markdown(raised, ["process", "week_start", "demand_type", "reason"])),
                "top_movers": dg.MetadataValue.md(
                    _markdown(
                        found[found["mover_rank"].notna()].sort_values(["week_start", "mover_rank"])
                        if len(found)
                        else found,
                        ["week_start", "mover_rank", "process", "demand_type", "observed", "expected", "p_value"],
                    )
                ),
            }
        )

    @dg.asset_check(
        asset=WEEKLY_KEY,
        name=ALERTS_CHECK,
        additional_deps=[ALERTS_KEY],
        description="WARN when a process-week departs from its own baseline beyond chance (demand_alerts): the "
        "figures are right, but something happened that the process owner should look at.",
    )
    def no_demand_alerts(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        window = context.op_execution_context.partition_time_window
        raised = alerts_in(warehouse.get(), window.start.date(), window.end.date())
        return dg.AssetCheckResult(
            passed=raised.empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "alerts": dg.MetadataValue.int(len(raised)),
                "which": dg.MetadataValue.md(_markdown(raised, ["process", "week_start", "demand_type", "reason"])),
            },
        )

    counts = dg.AssetSpec(
        COUNTS_KEY,
        deps=[INQUIRIES_KEY],
        group_name="trends",
        kinds={"table"},
        owners=["team:data"],
        description="Each process-week's words as the trend watch counts them (inquiry ids and a sparse count per "
        "lemma, trends.yaml's stop words dropped), with a hash of the week's inquiries and a key of the tokeniser "
        "and stop words, written by trends/emerging_topics: a daily run takes its trailing weeks' counts from here "
        "instead of reading and counting their words again; a week whose inquiries or stop words changed is counted "
        "again.",
    )
    inputs = dg.AssetSpec(
        INPUTS_KEY,
        deps=[INQUIRIES_KEY],
        group_name="trends",
        kinds={"table"},
        owners=["team:data"],
        description="A fingerprint per week the trend watch tested (its own and its trailing weeks' inquiries, the "
        "trend settings, the named topics, the tokeniser and the code), written by trends/emerging_topics with the "
        "week's rows: a week whose fingerprint still matches keeps its emerging topics instead of being tested again.",
    )
    return [inquiry_topics, emerging_topics, demand_alerts, no_demand_alerts, counts, inputs]
