"""What each row of ``inquiries`` was built from, so that a daily run rebuilds only the new ones.

A contact's inquiry depends on its staged row, the analyst's correction and audit label for it,
and things that hold for every row: the model version, the process map, the review threshold, the
duplicate window and the code that builds it. A submission depends on the same, and also on what
makes it a re-submission: the citizen's previous submission of the same service (its row) and the
decisions of that submission's case. ``inquiry_inputs`` keeps, per inquiry, an MD5 over all of
these (``input_hash``). A run works the keys out again in SQL (:func:`now`) and rebuilds the
inquiries whose key is new or changed and drops those whose staged row is gone; a change to
anything every row depends on changes every key, so it rebuilds everything, as it should.

Plain SQL (``md5``, ``||``, ``coalesce``, left joins): DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from onodig.demand import inquiries as inquiry_rules
from onodig.demand.processes import ProcessMap
from onodig.warehouse import Warehouse
from onodig.warehouse.store import literal

TABLE = "inquiry_inputs"
NOW = "_onodig_inquiry_inputs_now"  # scratch tables, dropped by every run
DIRTY = "_onodig_inquiries_to_build"
_LABELS = {"corrections": "_onodig_correction_labels", "audits": "_onodig_audit_labels"}
# a run that would rebuild more than this share of the inquiries rebuilds the table whole instead
WHOLE_ABOVE = 0.5


def every_row_key(processes: ProcessMap, review_threshold: float, model_version: str, window_days: int) -> str:
    """An MD5 over what every inquiry depends on besides its own rows and labels."""
    code = b"".join(Path(module.__file__).read_bytes() for module in (inquiry_rules,))
    parts = [
        hashlib.md5(code).hexdigest(),
        model_version,
        repr(sorted(processes.names.items())),
        repr(sorted((field, sorted(values.items())) for field, values in processes.lookups.items())),
        repr(float(review_threshold)),
        repr(int(window_days)),
    ]
    return hashlib.md5("\n".join(parts).encode("utf-8")).hexdigest()


def _labels(store: Warehouse, name: str, labels: pd.DataFrame | None) -> None:
    frame = labels[["inquiry_id", "demand_type"]] if labels is not None and len(labels) else None
    if frame is None:
        frame = pd.DataFrame({"inquiry_id": pd.Series(dtype="string"), "demand_type": pd.Series(dtype="string")})
    store.replace(name, frame.astype("string"))


def now(
    store: Warehouse,
    staged: dict[str, str],
    every_row: str,
    corrections: pd.DataFrame | None,
    audits: pd.DataFrame | None,
) -> int:
    """Work out every staged inquiry's key into the scratch table :data:`NOW`; returns how many.

    ``staged``: the staged table of ``contacts``, ``eservice`` and ``cases``.
    """
    _labels(store, _LABELS["corrections"], corrections)
    _labels(store, _LABELS["audits"], audits)
    store.execute(f"drop table if exists {NOW}")
    labels = f"""
        left join {_LABELS["corrections"]} as c on c.inquiry_id = keyed.inquiry_id
        left join {_LABELS["audits"]} as a on a.inquiry_id = keyed.inquiry_id
    """
    key = (
        f"md5({literal(every_row)} || '|' || keyed.own || '|' || coalesce(c.demand_type, '') "
        "|| '|' || coalesce(a.demand_type, ''))"
    )
    store.execute(
        f"""
        create table {NOW} as
        with contacts as (
            select 'contacts:' || cast(s.contact_id as varchar) as inquiry_id,
                coalesce(cast(s.row_hash as varchar), '') as own
            from {staged["contacts"]} as s
        ),
        decisions as (
            select case_ref, string_agg(cast(event_at as varchar), ',' order by event_at) as decided
            from {staged["cases"]} where event = 'decided' group by case_ref
        ),
        ordered as (
            select s.submission_id, s.row_hash,
                lag(s.row_hash) over (
                    partition by s.citizen_key, s.service order by s.submitted_at, s.submission_id
                ) as previous_hash,
                lag(s.case_ref) over (
                    partition by s.citizen_key, s.service order by s.submitted_at, s.submission_id
                ) as previous_case
            from {staged["eservice"]} as s
        ),
        submissions as (
            select 'eservice:' || cast(o.submission_id as varchar) as inquiry_id,
                coalesce(cast(o.row_hash as varchar), '') || '|' || coalesce(cast(o.previous_hash as varchar), '')
                    || '|' || coalesce(d.decided, '') as own
            from ordered as o
            left join decisions as d on d.case_ref = o.previous_case
        ),
        keyed as (
            select inquiry_id, own from contacts
            union all
            select inquiry_id, own from submissions
        )
        select keyed.inquiry_id, {key} as input_hash
        from keyed
        {labels}
        """
    )
    for name in _LABELS.values():
        store.execute(f"drop table if exists {name}")
    return int(store.scalar(f"select count(*) from {NOW}"))


def submissions_to_read(staged: str) -> str:
    """SQL for the ids of the submissions to build again: the changed ones and every other submission
    of the same citizen and service, which tell whether a changed one is a re-submission."""
    inquiry_id = "'eservice:' || cast({alias}.submission_id as varchar)"
    return f"""
        select {inquiry_id.format(alias="e")} from {staged} as e
        where {inquiry_id.format(alias="e")} in (select inquiry_id from {DIRTY})
            or exists (
                select 1 from {staged} as d
                where {inquiry_id.format(alias="d")} in (select inquiry_id from {DIRTY})
                    and d.citizen_key = e.citizen_key and d.service = e.service
            )
    """


@dataclass(frozen=True)
class ToBuild:
    """The inquiries a run rebuilds: all of them, or those whose key is new or changed and those gone."""

    whole: bool
    changed: int = 0  # staged rows whose inquiry is new or built from other inputs
    gone: int = 0  # inquiries whose staged row is no longer there

    @property
    def ids(self) -> str:
        """SQL for the ids of the inquiries to delete and build again (the scratch table :data:`DIRTY`)."""
        return f"select inquiry_id from {DIRTY}"


def to_build(store: Warehouse, staged_count: int) -> ToBuild:
    """Compare the keys of :data:`NOW` with the recorded ones; the ids to rebuild go to :data:`DIRTY`."""
    store.execute(f"drop table if exists {DIRTY}")
    if not store.has_table(TABLE) or not store.has_table("inquiries"):
        _forget(store)
        return ToBuild(whole=True, changed=staged_count)
    store.execute(
        f"""
        create table {DIRTY} as
        select n.inquiry_id from {NOW} as n
        left join {TABLE} as r on r.inquiry_id = n.inquiry_id and r.input_hash = n.input_hash
        where r.inquiry_id is null
        """
    )
    changed = int(store.scalar(f"select count(*) from {DIRTY}"))
    gone = int(
        store.scalar(
            f"select count(*) from {TABLE} as r left join {NOW} as n on n.inquiry_id = r.inquiry_id "
            "where n.inquiry_id is null"
        )
    )
    if changed > WHOLE_ABOVE * max(staged_count, 1):
        store.execute(f"drop table if exists {DIRTY}")
        _forget(store)
        return ToBuild(whole=True, changed=changed, gone=gone)
    store.execute(
        f"insert into {DIRTY} select r.inquiry_id from {TABLE} as r "
        f"left join {NOW} as n on n.inquiry_id = r.inquiry_id where n.inquiry_id is null"
    )
    return ToBuild(whole=False, changed=changed, gone=gone)


def _forget(store: Warehouse) -> None:
    """Before the table is written whole: a run that stops half-way must not leave keys behind that
    claim rows the table no longer holds, so the next run builds it whole too."""
    store.execute(f"drop table if exists {TABLE}")


def record(store: Warehouse) -> None:
    """The keys just built from become the recorded ones: only after ``inquiries`` is written."""
    with store.connect() as conn:
        conn.exec_driver_sql(f"drop table if exists {TABLE}")
        conn.exec_driver_sql(f"alter table {NOW} rename to {TABLE}")
        conn.exec_driver_sql(f"drop table if exists {DIRTY}")
