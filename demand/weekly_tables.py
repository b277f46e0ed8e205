"""Tables written a window of weeks at a time by Python, as the partitioned SQL marts are."""

from __future__ import annotations

from datetime import date

import pandas as pd

from onodig.warehouse import Warehouse
from onodig.warehouse.store import in_window


def replace_weeks(store: Warehouse, table: str, frame: pd.DataFrame, start: date, end: date) -> int:
    """Delete the rows whose ``week_start`` is in [start, end), then insert ``frame``'s: a window run
    twice gives the same table, and weeks outside it are not touched. Returns the table's rows."""
    if store.has_table(table):
        with store.connect() as conn:
            conn.exec_driver_sql(f'delete from "{table}" where {in_window("week_start", start, end)}')
    if store.has_table(table) and frame.empty:
        return int(store.scalar(f'select count(*) from "{table}"'))
    store.append(table, frame)  # the frame's own types: an empty one creates the table all the same
    return int(store.scalar(f'select count(*) from "{table}"'))
