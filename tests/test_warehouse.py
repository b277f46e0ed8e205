"""The warehouse's own behaviour: transactions, chunked reads, column typing."""

import datetime as dt

import pandas as pd
import pytest


def test_chunked_reads_give_back_every_row_once(warehouse):
    frame = pd.DataFrame({"id": range(10_000), "text": [f"t{i}" for i in range(10_000)]})
    warehouse.replace("rows", frame)
    chunks = list(warehouse.read_chunks("select * from rows order by id", rows=4096))
    assert len(chunks) == 3 and max(len(c) for c in chunks) <= 4096
    assert pd.concat(chunks)["id"].tolist() == list(range(10_000))


def test_append_all_lands_everything_or_nothing(warehouse):
    warehouse.replace("a", pd.DataFrame({"x": [1]}))
    warehouse.replace("b", pd.DataFrame({"y": [1]}))
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        warehouse.append_all({"a": pd.DataFrame({"x": [2]}), "b": pd.DataFrame({"y": ["not a number"]})})
    assert warehouse.scalar("select count(*) from a") == 1  # the first append was rolled back


def test_empty_columns_and_dates_keep_usable_types(warehouse):
    warehouse.replace("t", pd.DataFrame({"reason": [None, None], "due": [dt.date(2026, 3, 31), None]}))
    warehouse.append("t", pd.DataFrame({"reason": ["later text"], "due": [dt.date(2026, 4, 30)]}))
    assert warehouse.scalar("select count(*) from t where reason = 'later text'") == 1
