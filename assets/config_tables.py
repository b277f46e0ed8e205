"""Configuration the SQL models join to: the process map, root-cause rules, levers, defaults."""

import dagster as dg

from onodig.assets.partitions import Partitions
from onodig.assets.resources import LandingResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata
from onodig.demand.rules import RootCauseRules, process_tables

CONFIG_TABLES = {
    "process_map": "Which process each queue, e-service, case type and invoice type belongs to (processes.yaml).",
    "process_settings": "One row per process: its display name and whether it publishes expected processing times.",
    "root_cause_levers": "Every root cause with the avoidable demand type it explains and the lever that prevents it.",
    "rule_parameters": "Thresholds of the root-cause and repeat-contact rules, and hours per FTE-year (one row).",
    "handling_defaults": "Default handling seconds per channel, used where a contact has no handling time.",
}


@dg.multi_asset(
    name="config_tables",
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["config", table]), group_name="config", description=text, kinds={"yaml"}, owners=["team:data"]
        )
        for table, text in CONFIG_TABLES.items()
    ],
)
def config_tables(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    store = warehouse.get()
    rules = RootCauseRules.for_landing(landing.root)
    processes = landing.processes()
    mapping, settings = process_tables(processes, rules)
    frames = {
        "process_map": mapping,
        "process_settings": settings,
        "root_cause_levers": rules.levers_table(),
        "rule_parameters": rules.parameters_table(),
        "handling_defaults": rules.handling_table(),
    }
    for table, frame in frames.items():
        store.replace(table, frame)
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["config", table]),
            metadata={
                "rows": dg.MetadataValue.int(len(frame)),
                "source": processes.origin if "process" in table else rules.origin,
                "preview": dg.MetadataValue.md(frame.head(20).to_markdown(index=False)),
                **table_metadata(store, table, len(frame)),
            },
        )


def build(partitions: Partitions) -> list[dg.AssetsDefinition]:
    return [config_tables]
