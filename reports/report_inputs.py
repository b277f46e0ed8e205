"""What each report in the outbox was written from, so that a run writes again only those that would change.

A report is a pure function of what ``build_report`` is given and of what ``decide`` reads beside
it: the process's marts and evidence, the trends section, the audit, the exports missing, the
week's coverage, the process's deliveries of that week, its recipients and whether SMTP is
configured, and the code of this package. ``report_inputs`` keeps one MD5 over
all of that per process and week, with the outcome it was written with. A run that finds the same
key, and the page, xlsx and CSV still in the outbox, has nothing to write or send: drawing the two
charts is most of a report's cost, and a daily run re-writes the week the reports are for although
little but its coverage can have changed. A report whose e-mail was due is always built again, so
a send that failed is tried once more.

Only digests are kept: the recipients' addresses and the texts go into the key, never into the table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from onodig.warehouse import Warehouse
from onodig.warehouse.fingerprints import source_digest
from onodig.warehouse.store import literal

TABLE = "report_inputs"
COLUMNS = ["process", "week_start", "input_hash", "outcome"]


def code_digest() -> str:
    """The reports package's source: a change to how a report is drawn or decided rewrites every report once."""
    return source_digest(Path(__file__).resolve().parent)


def _part(value) -> bytes:
    """Bytes that change whenever ``value`` does: frames by their columns, types and cell hashes."""
    if isinstance(value, pd.DataFrame):
        # the rows in any order (a table rebuilt by window holds them in another), and sums to 9
        # decimals: a sum taken in another order differs in its last bits, and no report shows them
        floats = value.select_dtypes("floating").columns
        rounded = value.assign(**{c: value[c].round(9) for c in floats}) if len(floats) else value
        cells = np.sort(pd.util.hash_pandas_object(rounded, index=False).to_numpy()).tobytes()
        return repr((list(value.columns), [str(t) for t in value.dtypes])).encode() + cells
    if isinstance(value, dict):
        return b"{" + b",".join(repr(k).encode() + b":" + _part(v) for k, v in sorted(value.items())) + b"}"
    if isinstance(value, list | tuple):
        return b"[" + b",".join(_part(v) for v in value) + b"]"
    return repr(value).encode()


def input_hash(code: str, **parts) -> str:
    """One MD5 over the code digest and every named part (frames, dicts, lists, scalars)."""
    digest = hashlib.md5(code.encode())
    for name in sorted(parts):
        digest.update(name.encode() + b"=" + _part(parts[name]) + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class Kept:
    """The key and outcome a process-week's report was last written with."""

    input_hash: str
    outcome: str


def read_kept(store: Warehouse, weeks: list[date]) -> dict[tuple[str, date], Kept]:
    if not store.has_table(TABLE) or not weeks:
        return {}
    listed = ", ".join(literal(str(week)) for week in weeks)
    frame = store.read(f"select * from {TABLE} where week_start in ({listed})")
    return {
        (str(row.process), date.fromisoformat(str(row.week_start))): Kept(str(row.input_hash), str(row.outcome))
        for row in frame.itertuples(index=False)
    }


def keep(store: Warehouse, written: list[dict]) -> None:
    """Record the keys of the reports just written, replacing what their process-weeks held."""
    if not written:
        return
    frame = pd.DataFrame(written, columns=COLUMNS).astype("string")
    store.create_like(TABLE, frame.iloc[:0])
    pairs = " or ".join(
        f"(process = {literal(p)} and week_start = {literal(w)})"
        for p, w in zip(frame["process"], frame["week_start"], strict=True)
    )
    store.swap_rows(TABLE, pairs, {TABLE: frame})
