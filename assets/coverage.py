"""Which weeks the contact and e-service exports cover: the weeks a report may be final for and e-mailed."""

import dagster as dg

from onodig.assets.ingest import ingest_key
from onodig.assets.partitions import Partitions
from onodig.assets.resources import WarehouseResource
from onodig.assets.table_metadata import table_metadata
from onodig.ingestion.coverage import REQUIRED_SOURCES, TABLE, export_coverage, latest_covered_week, stockholm_today

COVERAGE_KEY = dg.AssetKey(["core", TABLE])
ROWS_IN_COVERED_WEEKS = "every_covered_week_has_rows"


@dg.asset(
    key=COVERAGE_KEY,
    group_name="core",
    kinds={"pandas"},
    owners=["team:data"],
    deps=[ingest_key(source) for source in REQUIRED_SOURCES],
    check_specs=[
        dg.AssetCheckSpec(
            ROWS_IN_COVERED_WEEKS,
            asset=COVERAGE_KEY,
            description="Each required export holds rows in every week counted as covered: a week of contacts or "
            "e-service submissions missing in the middle of the exports would otherwise pass as a quiet week.",
        )
    ],
    description="One row per required source (contacts, eservice) and ISO week: the last day with rows in the "
    "week, the export's last day, whether the week is still in progress (its Sunday is today or later in Stockholm) "
    "and whether the source covers it (its export reaches the Sunday). A week every required source covers is "
    "final: only the newest such week is e-mailed; the others' reports say preliminär and why.",
)
def export_coverage_table(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    store = warehouse.get()
    frame = export_coverage(store, stockholm_today())
    store.replace(TABLE, frame)
    latest = latest_covered_week(frame)
    weeks = frame.drop_duplicates("week_start")
    context.log.info(f"{TABLE}: latest covered week {latest or 'none'}, {int((~weeks['week_covered']).sum())} not")
    yield dg.MaterializeResult(
        metadata={
            **table_metadata(store, TABLE, len(frame)),
            "rows": dg.MetadataValue.int(len(frame)),
            "latest_covered_week": str(latest or "none"),
            "weeks_not_covered": ", ".join(str(w) for w in weeks.loc[~weeks["week_covered"], "week_start"]) or "none",
            "export_last_day": dg.MetadataValue.md(
                "\n".join(
                    f"- {source}: {day}" for source, day in frame.groupby("source")["export_last_day"].max().items()
                )
                or "(no rows)"
            ),
        }
    )
    empty = frame[frame["covered"] & frame["last_day_in_week"].isna()]
    yield dg.AssetCheckResult(
        check_name=ROWS_IN_COVERED_WEEKS,
        passed=empty.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"weeks_without_rows": ", ".join(f"{r.source} {r.week_start}" for r in empty.itertuples()) or "none"},
    )


def build(partitions: Partitions) -> list[dg.AssetsDefinition]:
    return [export_coverage_table]
