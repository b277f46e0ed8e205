"""What a run changed in ``inquiries``: analysts' files applied and ignored, and labels that moved.

Retraining never rewrites history silently. Before ``inquiries`` is replaced, its labels are kept
per ``inquiry_id`` with the model version that gave them (:func:`keep_previous_labels`); after, the
same inquiries are compared (:func:`compare_with_previous`): how many changed label, how many of
those the model itself re-labelled under a new version, and which process-weeks' avoidable share
moved by more than a percentage point. The comparison is SQL on the warehouse, so it costs no
memory however many inquiries there are; its result is one row in ``label_changes``, which the
asset page and the ``onodig run`` summary show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from onodig.demand.corrections import Corrections
from onodig.warehouse import Warehouse

PREVIOUS = "inquiries_previous_labels"  # a scratch table, dropped once compared
CHANGES = "label_changes"
MOVED_PP = 1.0  # a process-week whose avoidable share moved by more than this is named


@dataclass(frozen=True)
class FileOutcome:
    """One analyst file on this run: lines applied to an inquiry, lines left out, and why."""

    applied: int = 0
    ignored: int = 0
    unknown_ids: int = 0
    unknown_types: dict[str, int] = field(default_factory=dict)
    not_model_labelled: int = 0  # audit lines for inquiries a rule or an analyst's correction labelled
    unreadable: str = ""

    def text(self) -> str:
        parts = [f"{self.applied} applied, {self.ignored} ignored"]
        reasons = []
        if self.unknown_ids:
            reasons.append(f"{self.unknown_ids} unknown id(s)")
        if self.unknown_types:
            reasons.append("unknown type(s) " + ", ".join(f"{k!r} x{v}" for k, v in sorted(self.unknown_types.items())))
        if self.not_model_labelled:
            reasons.append(f"{self.not_model_labelled} not labelled by the model")
        if self.unreadable:
            reasons.append(f"unreadable: {self.unreadable}")
        return parts[0] + (f" ({'; '.join(reasons)})" if reasons else "")


def file_outcome(store: Warehouse, read: Corrections, origin: str) -> FileOutcome:
    """How one analyst file's lines fared in the ``inquiries`` just written: applied where the row's
    ``label_origin`` is ``origin``; unknown ids and rows labelled otherwise are ignored and counted."""
    ids = read.labels["inquiry_id"].tolist()
    found = store.read_where_in("inquiries", ["inquiry_id", "label_origin"], "inquiry_id", ids)
    applied = int((found["label_origin"] == origin).sum())
    unknown = len(set(ids) - set(found["inquiry_id"]))
    other = len(found) - applied
    return FileOutcome(
        applied=applied,
        ignored=read.ignored + unknown + other,
        unknown_ids=unknown,
        unknown_types=dict(read.unknown_types),
        not_model_labelled=other,
        unreadable=read.unreadable,
    )


@dataclass(frozen=True)
class MovedWeek:
    process: str
    week_start: str
    before: float
    after: float

    @property
    def points(self) -> float:
        return 100 * (self.after - self.before)

    def text(self) -> str:
        return f"{self.process} {self.week_start} {self.before:.1%}→{self.after:.1%} ({self.points:+.1f} pp)"


@dataclass(frozen=True)
class Relabelled:
    """The same inquiries before and after this run."""

    compared: int = 0  # inquiries in both the previous and the new table
    changed: int = 0  # whose label differs, for any reason (model, audit, correction)
    by_new_model: int = 0  # of those, labelled by the model both times, by different versions
    previous_versions: tuple[str, ...] = ()
    moved: tuple[MovedWeek, ...] = ()

    def text(self) -> str:
        if not self.compared:
            return "no earlier inquiries to compare with"
        line = f"{self.changed:,} of {self.compared:,} earlier inquiries changed label"
        if self.by_new_model:
            line += f" ({self.by_new_model:,} re-labelled by a new model version)"
        if self.moved:
            line += f"; {len(self.moved)} process-week(s) moved by more than {MOVED_PP:g} pp: "
            line += ", ".join(week.text() for week in self.moved[:10]) + (" …" if len(self.moved) > 10 else "")
        else:
            line += f"; no process-week moved by more than {MOVED_PP:g} pp"
        return line


def keep_previous_labels(store: Warehouse) -> bool:
    """Copy the current labels aside before ``inquiries`` is replaced; False when there are none."""
    store.execute(f"drop table if exists {PREVIOUS}")
    if not store.has_table("inquiries"):
        return False
    version = "model_version" if "model_version" in store.columns("inquiries") else "cast('' as varchar)"
    store.execute(
        f"create table {PREVIOUS} as select inquiry_id, demand_type, avoidable, label_origin, "
        f"{version} as model_version from inquiries"
    )
    return True


def compare_with_previous(store: Warehouse, moved_pp: float = MOVED_PP) -> Relabelled:
    """The new ``inquiries`` against the labels kept aside, which are then dropped."""
    if not store.has_table(PREVIOUS):
        return Relabelled()
    week = "cast(date_trunc('week', cur.occurred_at) as date)"
    weekly = store.read(
        f"""
        select
            cur.process,
            {week} as week_start,
            count(*) as compared,
            sum(case when cur.demand_type <> prev.demand_type then 1 else 0 end) as changed,
            sum(case when cur.demand_type <> prev.demand_type and cur.label_origin = 'model'
                and prev.label_origin = 'model' and cur.model_version <> prev.model_version then 1 else 0 end)
                as by_new_model,
            avg(case when prev.avoidable then 1.0 else 0.0 end) as share_before,
            avg(case when cur.avoidable then 1.0 else 0.0 end) as share_after
        from inquiries as cur
        inner join {PREVIOUS} as prev on prev.inquiry_id = cur.inquiry_id
        group by cur.process, {week}
        order by cur.process, {week}
        """
    )
    versions = store.read(
        f"select distinct prev.model_version from {PREVIOUS} as prev where prev.label_origin = 'model' "
        "order by prev.model_version"
    )["model_version"]
    store.execute(f"drop table if exists {PREVIOUS}")
    moved = tuple(
        MovedWeek(
            str(row.process), str(pd.Timestamp(row.week_start).date()), float(row.share_before), float(row.share_after)
        )
        for row in weekly.itertuples()
        if abs(float(row.share_after) - float(row.share_before)) * 100 > moved_pp
    )
    return Relabelled(
        compared=int(weekly["compared"].sum()),
        changed=int(weekly["changed"].sum()),
        by_new_model=int(weekly["by_new_model"].sum()),
        previous_versions=tuple(str(v) for v in versions if v is not None),
        moved=moved,
    )


@dataclass(frozen=True)
class RunChanges:
    """Everything :data:`CHANGES` holds about one run of ``inquiries``."""

    model_version: str
    corrections: FileOutcome
    audits: FileOutcome
    relabelled: Relabelled

    def line(self) -> str:
        return (
            f"Analysts' files: corrections.csv {self.corrections.text()}; audit.csv {self.audits.text()}. "
            f"Labels: {self.relabelled.text()}."
        )

    def frame(self) -> pd.DataFrame:
        r = self.relabelled
        return pd.DataFrame(
            [
                {
                    "model_version": self.model_version,
                    "previous_model_versions": ", ".join(r.previous_versions),
                    "corrections_applied": self.corrections.applied,
                    "corrections_ignored": self.corrections.ignored,
                    "audits_applied": self.audits.applied,
                    "audits_ignored": self.audits.ignored,
                    "compared": r.compared,
                    "labels_changed": r.changed,
                    "relabelled_by_new_model": r.by_new_model,
                    "moved_process_weeks": len(r.moved),
                    "moved": "; ".join(week.text() for week in r.moved),
                    "summary": self.line(),
                }
            ]
        )


def write_changes(store: Warehouse, changes: RunChanges) -> None:
    store.replace(CHANGES, changes.frame())


def summary_line(store: Warehouse) -> str:
    """The line ``onodig run`` prints about analysts' files and re-labelled history."""
    if not store.has_table(CHANGES):
        return ""
    return str(store.scalar(f"select summary from {CHANGES}") or "")
