"""The contract table ``inquiries``, written from the staged tables.

A daily run rebuilds only the inquiries whose inputs changed (:mod:`onodig.demand.inquiry_inputs`):
new and re-delivered rows, a new correction or audit label, a submission whose previous one or
whose previous case's decisions changed; the rest of the table stays as it is. When every
inquiry must be built (the first run, a new model version, another process map), the table is
written whole, contacts 100,000 at a time so memory stays bounded, submissions at once (a
re-submission needs the citizen's earlier ones). What is built is validated as it is written,
so a bad chunk is named without reading the table back. Only rows the model has not labelled yet under this model
version are classified; the others reuse the prediction kept in ``inquiry_predictions``
(:mod:`onodig.demand.predictions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from onodig.demand import inquiry_inputs, predictions
from onodig.demand.changes import Relabelled, compare_with_previous, keep_previous_labels
from onodig.demand.inquiries import (
    InquirySummary,
    ModelWork,
    Predictor,
    contact_inquiries,
    counted,
    eservice_inquiries,
)
from onodig.demand.processes import ProcessMap
from onodig.ingestion.load import staged_table
from onodig.quality.suites import validate
from onodig.warehouse import Warehouse

TABLE = "inquiries"
CHUNK_ROWS = 100_000  # contacts classified at a time
NEEDED = ("contacts", "eservice", "cases")


class NothingStaged(RuntimeError):
    """The staged tables the inquiries are built from are not there yet."""


@dataclass
class Written:
    """What was written, and which expectations failed on any chunk of it."""

    summary: InquirySummary = field(default_factory=InquirySummary)
    failed: set[str] = field(default_factory=set)
    relabelled: Relabelled = field(default_factory=Relabelled)  # the same inquiries against the previous table
    classified: int = 0  # inquiries the model labelled this run
    reused: int = 0  # inquiries whose model label was kept from an earlier run (same row, same model version)
    rebuilt_whole: bool = True  # every inquiry built again (first run, or inputs of every row changed)
    rebuilt: int = 0  # inquiries built again: new, changed or gone (all of them when whole)


def _decisions(staged_eservice: str, only: str | None) -> str:
    """SQL for the case decisions that can end a re-submission's window: those of the cases of the
    submissions read (``only``: SQL for their ids; None for all). A daily run read every one of a
    million inquiries' case events for a few dozen submissions."""
    sql = f"select case_ref, event, event_at from {staged_table('cases')} where event = 'decided'"
    if only is None:
        return sql
    read = f"select case_ref from {staged_eservice} where 'eservice:' || cast(submission_id as varchar) in ({only})"
    return f"{sql} and case_ref in ({read})"


def write_inquiries(
    store: Warehouse,
    processes: ProcessMap,
    predict: Predictor,
    review_threshold: float,
    duplicate_window_days: int,
    corrections: pd.DataFrame | None = None,
    chunk_rows: int = CHUNK_ROWS,
    log: Callable[[str], None] = lambda _message: None,
    audits: pd.DataFrame | None = None,
    model_version: str = "",
) -> Written:
    """Make ``inquiries`` hold every staged contact and submission, each classified once per model version:
    those whose inputs changed are built, or the whole table when most changed.

    The previous table's labels are kept aside first and compared after, so a new model version
    that re-labels history says so (``Written.relabelled``). ``Written.classified`` and
    ``Written.reused`` count the model's labels made now and kept from earlier runs.
    """
    missing = [source for source in NEEDED if not store.has_table(staged_table(source))]
    if missing:
        raise NothingStaged(f"Nothing ingested yet for {', '.join(missing)}: run the ingest assets first.")
    written = Written()

    def add(frame: pd.DataFrame) -> None:
        written.summary.add(frame)
        written.failed.update(validate(TABLE, frame, unique=False).failed)

    predictions.ensure_table(store)
    work = ModelWork()
    staged_contacts, staged_eservice = staged_table("contacts"), staged_table("eservice")
    every_row = inquiry_inputs.every_row_key(processes, review_threshold, model_version, duplicate_window_days)
    staged_count = inquiry_inputs.now(
        store, {source: staged_table(source) for source in NEEDED}, every_row, corrections, audits
    )
    plan = inquiry_inputs.to_build(store, staged_count)
    written.rebuilt_whole, written.rebuilt = plan.whole, plan.changed + plan.gone
    only = None if plan.whole else inquiry_inputs.submissions_to_read(staged_eservice)
    cases = store.read(_decisions(staged_eservice, only))
    submissions = predictions.staged_with_predictions(staged_eservice, "submission_id", "eservice", model_version, only)
    built = eservice_inquiries(
        store.read(submissions),
        cases,
        processes,
        predict,
        duplicate_window_days,
        review_threshold,
        corrections,
        audits,
        model_version,
        work,
    )
    keep_previous_labels(store)
    contacts = predictions.staged_with_predictions(
        staged_contacts, "contact_id", "contacts", model_version, only=None if plan.whole else plan.ids
    )
    if plan.whole:
        predictions.keep(store, work.take(), model_version)
        store.replace(TABLE, built)
        add(built)
        for chunk in store.read_chunks(contacts, rows=chunk_rows):
            frame = contact_inquiries(
                chunk, processes, predict, review_threshold, corrections, audits, model_version, work
            )
            store.append_all({TABLE: frame, predictions.TABLE: predictions.frame(work.take(), model_version)})
            add(frame)
            log(f"inquiries: {written.summary.rows:,} written, {work.classified:,} classified by the model")
    else:
        # the submissions and contacts whose inputs changed, swapped in one transaction; the other
        # submissions read with them (the citizen's others of the same service) are as they were
        dirty = set(store.read(plan.ids)["inquiry_id"])
        changed = built[built["inquiry_id"].isin(dirty)]
        frame = contact_inquiries(
            store.read(contacts), processes, predict, review_threshold, corrections, audits, model_version, work
        )
        rows = pd.concat([changed, frame], ignore_index=True)
        written.failed.update(validate(TABLE, rows, unique=False).failed)
        store.swap_rows(
            TABLE,
            f"inquiry_id in ({plan.ids})",
            {TABLE: rows},
            {predictions.TABLE: predictions.frame(work.take(), model_version)},  # every label made is worth keeping
        )
        written.summary = InquirySummary.from_counts(counted(store.read))
        # the model's labels in the table that were not made now were kept from earlier runs (a rule's
        # label, an empty submission or a re-submission, never came from the model; corrected, it counts)
        by_model = written.summary.rows - sum(written.summary.by_origin[o] for o in ("empty_submission", "behaviour"))
        work.reused = by_model - work.classified
        log(
            f"inquiries: {plan.changed:,} new or changed and {plan.gone:,} gone rebuilt; "
            f"{work.classified:,} classified by the model"
        )
    repeated = store.scalar(f"select count(*) - count(distinct inquiry_id) from {TABLE}")
    if repeated:
        written.failed.add(f"inquiry_id unique across chunks ({repeated} repeated)")
    predictions.drop_other_versions(store, model_version)
    inquiry_inputs.record(store)
    written.classified, written.reused = work.classified, work.reused
    written.relabelled = compare_with_previous(store)
    return written
