"""The contract table ``inquiries``, written from the staged tables a chunk at a time.

Contacts are classified 100,000 at a time, so memory stays bounded however many there are;
e-service submissions are built at once, since a re-submission needs the citizen's earlier ones.
Each chunk is validated as it is written, so a bad chunk is named without reading the table back.
Only rows the model has not labelled yet under this model version are classified; the others reuse
the prediction kept in ``inquiry_predictions`` (:mod:`onodig.demand.predictions`), and everything
cheap (duplicates, corrections, audits) is redone over every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from onodig.demand import predictions
from onodig.demand.changes import Relabelled, compare_with_previous, keep_previous_labels
from onodig.demand.inquiries import InquirySummary, ModelWork, Predictor, contact_inquiries, eservice_inquiries
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
    """Replace ``inquiries`` with every staged contact and submission, each classified once per model version.

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
    cases = store.read(f"select case_ref, event, event_at from {staged_table('cases')}")
    staged = predictions.staged_with_predictions(staged_table("eservice"), "submission_id", "eservice", model_version)
    submissions = eservice_inquiries(
        store.read(staged),
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
    predictions.keep(store, work.take(), model_version)
    keep_previous_labels(store)
    store.replace(TABLE, submissions)
    add(submissions)
    contacts = predictions.staged_with_predictions(staged_table("contacts"), "contact_id", "contacts", model_version)
    for chunk in store.read_chunks(contacts, rows=chunk_rows):
        frame = contact_inquiries(chunk, processes, predict, review_threshold, corrections, audits, model_version, work)
        store.append_all({TABLE: frame, predictions.TABLE: predictions.frame(work.take(), model_version)})
        add(frame)
        log(f"inquiries: {written.summary.rows:,} written, {work.classified:,} classified by the model")
    repeated = store.scalar(f"select count(*) - count(distinct inquiry_id) from {TABLE}")
    if repeated:
        written.failed.add(f"inquiry_id unique across chunks ({repeated} repeated)")
    predictions.drop_other_versions(store, model_version)
    written.classified, written.reused = work.classified, work.reused
    written.relabelled = compare_with_previous(store)
    return written
