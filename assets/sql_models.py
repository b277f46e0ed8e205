"""Every ``dbt_like_sql/<layer>/<model>.sql`` as an asset keyed ``[layer, model]``.

Dependencies come from the SQL (sqlglot), the ``.yml`` tests become asset checks. Tables that
Python assets write are found by their key's last part, so nothing here lists models by hand.
"""

from collections.abc import Iterable

import dagster as dg

from onodig.assets.pages import PAGES, partition_metadata, summary_table
from onodig.assets.partitions import Partitions, window_dates
from onodig.assets.resources import OutputsResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata, written_beside
from onodig.warehouse import fingerprints, increments
from onodig.warehouse.sql_models import (
    SqlModel,
    discover,
    failing_rows_query,
    grain_query,
    run_model,
    run_model_window,
    transpile,
)

GRAIN_CHECK = "grain_is_unique"
MART_INPUTS_KEY = dg.AssetKey(["marts", fingerprints.TABLE])
MODEL_INPUTS_KEY = dg.AssetKey(["intermediate", increments.TABLE])
# Who answers for a layer's tables: the data team for what cleans and links, the contact-centre
# analysts for the marts they publish (README, "What it publishes"). Python assets name theirs where they are built.
LAYER_OWNERS = {"staging": ["team:data"], "intermediate": ["team:data"], "marts": ["team:kundcenter"]}


def _check_specs(model: SqlModel, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(test.name, asset=key, description=f"{test.test} on {test.column}") for test in model.tests
    ]
    if model.grain:
        specs.append(
            dg.AssetCheckSpec(
                GRAIN_CHECK, asset=key, blocking=True, description=f"one row per {', '.join(model.grain)}"
            )
        )
    return specs


def build_sql_asset(
    model: SqlModel, tables: dict[str, dg.AssetKey], weekly: dg.PartitionsDefinition | None = None
) -> dg.AssetsDefinition:
    key = dg.AssetKey([model.layer, model.name])
    if model.partition_by and weekly is None:
        raise ValueError(
            f"{model.path.name} is partitioned by {model.partition_by}, but no weekly partitions were given"
        )
    missing = [t for t in model.depends_on if t not in tables]
    if missing:
        raise ValueError(f"{model.path.name} reads {missing}, which no asset writes")

    @dg.multi_asset(
        name=f"{model.layer}__{model.name}",
        specs=[
            dg.AssetSpec(
                key,
                deps=[tables[t] for t in model.depends_on],
                group_name=model.layer,
                description=model.description or f"SQL model {model.path.name}",
                kinds={"sql"},
                owners=LAYER_OWNERS[model.layer],
                metadata={"sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"), "grain": ", ".join(model.grain)},
            )
        ],
        check_specs=_check_specs(model, key),
        partitions_def=weekly if model.partition_by else None,
        backfill_policy=dg.BackfillPolicy.single_run() if model.partition_by else None,
    )
    def _run(context: dg.AssetExecutionContext, warehouse: WarehouseResource, outputs: OutputsResource):
        store = warehouse.get()
        if model.partition_by:
            start, end = window_dates(context)
            window_rows, rows, recreated = run_model_window(model, store, start, end)
            fingerprints.record_window(model, store, start, end)  # what these weeks were built from
            context.log.info(f"{model.layer}.{model.name}: {window_rows:,} rows for {start}..{end}, {rows:,} in all")
            if recreated:
                context.log.warning(
                    f"{model.name}: its columns changed, so the table was created again with these weeks only; "
                    "backfill the other weeks (onodig run does all of them)"
                )
            metadata = {
                "rows": dg.MetadataValue.int(rows),
                "rows_in_these_weeks": dg.MetadataValue.int(window_rows),
                "weeks": f"{start} to {end} (exclusive)",
                **table_metadata(store, model.name, rows),
            }
            # each week's own figures on its own partition's materialization, so that a run over
            # many weeks still gives each week's point in the partition plots
            for partition_key, values in partition_metadata(store, model, context.partition_keys).items():
                context.add_asset_metadata(values, asset_key=key, partition_key=partition_key)
        elif model.incremental:
            built = increments.build(model, store)
            rows = built.rows
            by = model.incremental.key
            done = "built whole" if built.whole else f"rebuilt for {built.rebuilt:,} {by} values, the rest kept"
            context.log.info(f"{model.layer}.{model.name}: {rows:,} rows, {done}")
            metadata = {
                "rows": dg.MetadataValue.int(rows),
                "rebuilt_keys": dg.MetadataValue.int(built.rebuilt),
                "rebuilt_whole": built.whole,
                **table_metadata(store, model.name, rows),
            }
        else:
            rows = run_model(model, store)
            context.log.info(f"{model.layer}.{model.name}: {rows:,} rows")
            metadata = {"rows": dg.MetadataValue.int(rows), **table_metadata(store, model.name, rows)}
        for title, query in model.summaries:
            metadata[title] = summary_table(store.read(transpile(query, store.dialect)), outputs.language)
        if model.name in PAGES:
            page_metadata = PAGES[model.name](store, outputs.language)
            if model.partition_by and context.partition_keys:
                # the chart and tables once, on the run's last week: the latest materialization the page shows
                context.add_asset_metadata(page_metadata, asset_key=key, partition_key=context.partition_keys[-1])
            else:
                metadata.update(page_metadata)
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        if model.partition_by:  # mart_inputs, written beside: its page shows its columns and rows too
            yield from written_beside(store, {MART_INPUTS_KEY: fingerprints.TABLE})
        if model.incremental:
            yield from written_beside(store, {MODEL_INPUTS_KEY: increments.TABLE})
        for test in model.tests:
            failures = int(store.scalar(failing_rows_query(model, test)))
            yield dg.AssetCheckResult(
                asset_key=key, check_name=test.name, passed=failures == 0, metadata={"failing_rows": failures}
            )
        if model.grain:
            dupes = int(store.scalar(grain_query(model)))
            yield dg.AssetCheckResult(
                asset_key=key, check_name=GRAIN_CHECK, passed=dupes == 0, metadata={"duplicate_keys": dupes}
            )

    return _run


def build(partitions: Partitions, upstream: Iterable[dg.AssetKey]) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    """The SQL models, reading the tables the other asset modules write (``upstream``)."""
    models = discover()
    assets = build_sql_assets(upstream, partitions.weeks, models)
    return [*assets, mart_inputs_spec(models), model_inputs_spec(models)]


def mart_inputs_spec(models: list[SqlModel]) -> dg.AssetSpec:
    """``mart_inputs``: written by each weekly mart as it builds a window, read by the run plan."""
    return _written_beside_spec(
        MART_INPUTS_KEY,
        [m for m in models if m.partition_by],
        "Per weekly mart and week, a fingerprint of the rows and tables that week was built from, so "
        "that a run rebuilds only the weeks whose inputs changed (onodig run plans with it).",
    )


def model_inputs_spec(models: list[SqlModel]) -> dg.AssetSpec:
    """``model_inputs``: written by each incremental intermediate model as it builds."""
    return _written_beside_spec(
        MODEL_INPUTS_KEY,
        [m for m in models if m.incremental],
        "Per incremental intermediate model and input, a hash of each key's rows as the model was last "
        "built from them, so that a run rebuilds only the inquiries whose inputs changed.",
    )


def _written_beside_spec(key: dg.AssetKey, writers: list[SqlModel], description: str) -> dg.AssetSpec:
    """A table the ``writers`` write beside their own, in their layer's group."""
    layer = key.path[0]
    return dg.AssetSpec(
        key,
        deps=[dg.AssetKey([m.layer, m.name]) for m in writers],
        group_name=layer,
        kinds={"table"},
        owners=LAYER_OWNERS[layer],
        description=description,
    )


def build_sql_assets(
    upstream: Iterable[dg.AssetKey],
    weekly: dg.PartitionsDefinition | None = None,
    models: list[SqlModel] | None = None,
) -> list[dg.AssetsDefinition]:
    models = discover() if models is None else models
    tables = {key.path[-1]: key for key in upstream}
    tables.update({m.name: dg.AssetKey([m.layer, m.name]) for m in models})
    return [build_sql_asset(model, tables, weekly) for model in models]
