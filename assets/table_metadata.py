"""What every table asset's page says about its table: the columns with their types, and the rows.

Dagster shows ``dagster/column_schema`` as the asset's columns and plots ``dagster/row_count``
across materializations. The warehouse describes its own columns (information_schema), so the
schema shown is the table as written, not a list kept by hand beside it.
"""

from __future__ import annotations

import dagster as dg

from onodig.warehouse import Warehouse

COLUMN_SCHEMA = "dagster/column_schema"
ROW_COUNT = "dagster/row_count"


def table_metadata(store: Warehouse, table: str, rows: int | None = None) -> dict[str, dg.MetadataValue]:
    """The table's column schema and row count (``rows`` if the caller counted them already)."""
    if not store.has_table(table):
        return {ROW_COUNT: dg.MetadataValue.int(0)}
    columns = [dg.TableColumn(name, kind) for name, kind in store.column_types(table)]
    count = rows if rows is not None else int(store.scalar(f'select count(*) from "{table}"'))
    return {
        COLUMN_SCHEMA: dg.MetadataValue.table_schema(dg.TableSchema(columns=columns)),
        ROW_COUNT: dg.MetadataValue.int(int(count)),
    }


def written_beside(store: Warehouse, tables: dict[dg.AssetKey, str]) -> list[dg.AssetMaterialization]:
    """Materializations of the tables an asset writes beside its own (declared as asset specs), so their
    pages show their columns and rows too."""
    return [
        dg.AssetMaterialization(asset_key=key, metadata=table_metadata(store, table)) for key, table in tables.items()
    ]
