"""One row per inquiry: every valid contact and e-service submission, labelled once.

Contacts are labelled by their text. E-service submissions are labelled by behaviour first
(taxonomy.md): a re-submission of the same service by the same citizen inside the window, with
no decision in between, is ``duplicate_request`` whatever it says; an empty one is the
application itself, ``value_demand``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from onodig.classifiers.taxonomy import AVOIDABLE, DEMAND_TYPES
from onodig.demand.processes import UNMAPPED, ProcessMap

INQUIRY_COLUMNS = [
    "inquiry_id",
    "source",
    "source_id",
    "occurred_at",
    "channel",
    "process",
    "queue_or_service",
    "demand_type",
    "avoidable",
    "confidence",
    "second_type",
    "needs_review",
    "label_origin",
    "model_version",
    "citizen_key",
    "case_ref",
    "invoice_ref",
    "handled_seconds",
    "text",
]


@dataclass(frozen=True)
class Predicted:
    labels: list[str]
    confidence: np.ndarray
    second: list[str]


Predictor = Callable[[list[str]], Predicted]

# A staged frame may carry the prediction stored for its row (same row_hash, same model version)
# in these columns: those rows are not classified again (see demand/predictions.py).
STORED = {"stored_type": "demand_type", "stored_confidence": "confidence", "stored_second": "second_type"}


@dataclass
class ModelWork:
    """The model's labels a build needed: how many were classified now, how many reused, and the new ones."""

    classified: int = 0
    reused: int = 0
    made: list[pd.DataFrame] = field(default_factory=list)  # inquiry_id, row_hash and the new prediction

    def take(self) -> pd.DataFrame | None:
        """The new predictions since the last take, once."""
        if not self.made:
            return None
        frame = pd.concat(self.made, ignore_index=True)
        self.made = []
        return frame


def model_labels(
    rows: pd.DataFrame, inquiry_ids: pd.Series, predict: Predictor, made: ModelWork | None = None
) -> Predicted:
    """The model's label for each of ``rows``: the stored one where the row has it, else ``predict``'s.

    The predictions made here (not the reused ones) go to ``made``, keyed by inquiry and row
    fingerprint, so the caller can keep them for the next run.
    """
    n = len(rows)
    if not n:
        return Predicted([], np.array([], dtype=float), [])
    stored = rows["stored_type"].notna().to_numpy() if "stored_type" in rows else np.zeros(n, dtype=bool)
    labels = np.empty(n, dtype=object)
    confidence = np.zeros(n, dtype=float)
    second = np.empty(n, dtype=object)
    if stored.any():
        labels[stored] = rows.loc[stored, "stored_type"].to_numpy(dtype=object)
        confidence[stored] = pd.to_numeric(rows.loc[stored, "stored_confidence"]).to_numpy(dtype=float)
        second[stored] = (
            rows.loc[stored, "stored_second"]
            .astype(object)
            .where(rows.loc[stored, "stored_second"].notna(), None)
            .to_numpy(dtype=object)
        )
    fresh = ~stored
    if made is not None:
        made.classified += int(fresh.sum())
        made.reused += int(stored.sum())
    if fresh.any():
        predicted = predict(rows.loc[fresh, "text"].fillna("").tolist())
        labels[fresh] = np.asarray(predicted.labels, dtype=object)
        confidence[fresh] = np.asarray(predicted.confidence, dtype=float)
        second[fresh] = np.asarray(predicted.second, dtype=object)
        if made is not None and "row_hash" in rows:
            made.made.append(
                pd.DataFrame(
                    {
                        "inquiry_id": np.asarray(inquiry_ids, dtype=object)[fresh],
                        "row_hash": rows.loc[fresh, "row_hash"].astype(str).to_numpy(dtype=object),
                        "demand_type": labels[fresh],
                        "confidence": confidence[fresh],
                        "second_type": second[fresh],
                    }
                )
            )
    return Predicted(labels.tolist(), confidence, second.tolist())


def behavioural_duplicates(eservice: pd.DataFrame, cases: pd.DataFrame, window_days: int) -> pd.Series:
    """True where a submission repeats the same citizen's same service within the window, undecided."""
    if eservice.empty:
        return pd.Series(False, index=eservice.index)
    subs = eservice[["submission_id", "citizen_key", "service", "submitted_at", "case_ref"]].copy()
    subs["_row"] = np.arange(len(subs))
    known = subs[subs["citizen_key"].notna()].sort_values(["citizen_key", "service", "submitted_at", "submission_id"])
    grouped = known.groupby(["citizen_key", "service"], sort=False)
    known["prev_at"] = grouped["submitted_at"].shift()
    known["prev_case"] = grouped["case_ref"].shift()
    window = pd.Timedelta(days=window_days)
    candidate = known[known["prev_at"].notna() & (known["submitted_at"] - known["prev_at"] <= window)]

    decided_between = pd.Series(False, index=candidate.index)
    if not candidate.empty and not cases.empty:
        decisions = cases.loc[cases["event"] == "decided", ["case_ref", "event_at"]]
        pairs = candidate.reset_index().merge(decisions, left_on="prev_case", right_on="case_ref", how="inner")
        hit = pairs[(pairs["event_at"] > pairs["prev_at"]) & (pairs["event_at"] <= pairs["submitted_at"])]
        decided_between = candidate.index.isin(hit["index"])
    duplicate_rows = candidate.loc[~np.asarray(decided_between, dtype=bool), "_row"]
    flags = np.zeros(len(subs), dtype=bool)
    flags[duplicate_rows.to_numpy()] = True
    return pd.Series(flags, index=eservice.index)


def _contacts_frame(
    contacts: pd.DataFrame, processes: ProcessMap, predict: Predictor, made: ModelWork | None = None
) -> pd.DataFrame:
    ids = "contacts:" + contacts["contact_id"].astype(str)
    predicted = model_labels(contacts, ids, predict, made)
    return pd.DataFrame(
        {
            "inquiry_id": ids,
            "source": "contacts",
            "source_id": contacts["contact_id"].astype(str),
            "occurred_at": contacts["started_at"],
            "channel": contacts["channel"],
            "process": processes.map("queue", contacts["queue"]),
            "queue_or_service": contacts["queue"],
            "demand_type": predicted.labels,
            "confidence": np.asarray(predicted.confidence, dtype=float),
            "second_type": predicted.second,
            "label_origin": "model",
            "citizen_key": contacts["citizen_key"],
            "case_ref": contacts["case_ref"],
            "invoice_ref": contacts["invoice_ref"],
            "handled_seconds": contacts["handled_seconds"],
            "text": contacts["text"],
        }
    )


def _eservice_frame(
    eservice: pd.DataFrame,
    cases: pd.DataFrame,
    processes: ProcessMap,
    predict: Predictor,
    window_days: int,
    made: ModelWork | None = None,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "inquiry_id": "eservice:" + eservice["submission_id"].astype(str),
            "source": "eservice",
            "source_id": eservice["submission_id"].astype(str),
            "occurred_at": eservice["submitted_at"],
            "channel": "eservice",
            "process": processes.map("service", eservice["service"]),
            "queue_or_service": eservice["service"],
            "demand_type": "value_demand",
            "confidence": 1.0,
            "second_type": pd.NA,
            "label_origin": "empty_submission",
            "citizen_key": eservice["citizen_key"],
            "case_ref": eservice["case_ref"],
            "invoice_ref": pd.NA,
            "handled_seconds": pd.NA,
            "text": eservice["text"],
        }
    )
    duplicate = behavioural_duplicates(eservice, cases, window_days).to_numpy()
    has_text = eservice["text"].fillna("").str.strip().ne("").to_numpy()
    by_text = has_text & ~duplicate
    if by_text.any():
        predicted = model_labels(eservice.loc[by_text], frame.loc[by_text, "inquiry_id"], predict, made)
        frame.loc[by_text, "demand_type"] = predicted.labels
        frame.loc[by_text, "confidence"] = np.asarray(predicted.confidence, dtype=float)
        frame.loc[by_text, "second_type"] = predicted.second
        frame.loc[by_text, "label_origin"] = "model"
    frame.loc[duplicate, ["demand_type", "confidence", "label_origin"]] = ["duplicate_request", 1.0, "behaviour"]
    return frame


def apply_audits(frame: pd.DataFrame, audits: pd.DataFrame | None) -> pd.DataFrame:
    """An analyst's audit label stands in for the model's: only on inquiries the model labelled.

    Audit labels measure the model (``classifier_audit``) and are never trained on; a behavioural
    or empty-submission label is a rule, not the model's, so an audit line for one is left out.
    """
    if audits is None or audits.empty:
        return frame
    truth = audits.set_index("inquiry_id")["demand_type"]  # one per inquiry: read_corrections
    hit = frame["inquiry_id"].isin(truth.index) & (frame["label_origin"] == "model")
    frame.loc[hit, "demand_type"] = frame.loc[hit, "inquiry_id"].map(truth)
    frame.loc[hit, ["confidence", "label_origin"]] = [1.0, "audit"]
    return frame


def apply_corrections(frame: pd.DataFrame, corrections: pd.DataFrame | None) -> pd.DataFrame:
    """An analyst's correction wins over the model's label and an audit's: confidence 1, no review needed."""
    if corrections is None or corrections.empty:
        return frame
    fixes = corrections.set_index("inquiry_id")["demand_type"]  # one per inquiry: read_corrections
    hit = frame["inquiry_id"].isin(fixes.index)
    frame.loc[hit, "demand_type"] = frame.loc[hit, "inquiry_id"].map(fixes)
    frame.loc[hit, ["confidence", "label_origin"]] = [1.0, "analyst"]
    return frame


def finish(
    frame: pd.DataFrame,
    corrections: pd.DataFrame | None,
    review_threshold: float,
    audits: pd.DataFrame | None = None,
    model_version: str = "",
) -> pd.DataFrame:
    """Audits, corrections, the avoidable flag, the review flag and the contract's column order."""
    frame = apply_corrections(apply_audits(frame, audits), corrections)
    frame["avoidable"] = frame["demand_type"].isin(AVOIDABLE)
    frame["needs_review"] = (frame["label_origin"] == "model") & (frame["confidence"] < review_threshold)
    frame["handled_seconds"] = pd.to_numeric(frame["handled_seconds"], errors="coerce").astype("Int64")
    frame["model_version"] = model_version
    if not frame["demand_type"].isin(DEMAND_TYPES).all():
        raise ValueError("an inquiry got a demand type outside the taxonomy")
    return frame[INQUIRY_COLUMNS]


def contact_inquiries(
    contacts: pd.DataFrame,
    processes: ProcessMap,
    predict: Predictor,
    review_threshold: float = 0.6,
    corrections: pd.DataFrame | None = None,
    audits: pd.DataFrame | None = None,
    model_version: str = "",
    made: ModelWork | None = None,
) -> pd.DataFrame:
    """Contacts are labelled by their text; they can be built a chunk at a time.

    Rows that carry a stored prediction (:data:`STORED`) reuse it; the new ones go to ``made``.
    """
    frame = _contacts_frame(contacts, processes, predict, made)
    return finish(frame, corrections, review_threshold, audits, model_version)


def eservice_inquiries(
    eservice: pd.DataFrame,
    cases: pd.DataFrame,
    processes: ProcessMap,
    predict: Predictor,
    window_days: int = 14,
    review_threshold: float = 0.6,
    corrections: pd.DataFrame | None = None,
    audits: pd.DataFrame | None = None,
    model_version: str = "",
    made: ModelWork | None = None,
) -> pd.DataFrame:
    """Submissions need the citizen's earlier submissions and case decisions: built all at once.

    Every submission is read, so a behavioural duplicate sees every earlier one in its window;
    only the model's labels are reused from :data:`STORED` columns where the row has them.
    """
    frame = _eservice_frame(eservice, cases, processes, predict, window_days, made)
    return finish(frame, corrections, review_threshold, audits, model_version)


def build_inquiries(
    contacts: pd.DataFrame,
    eservice: pd.DataFrame,
    cases: pd.DataFrame,
    processes: ProcessMap,
    predict: Predictor,
    window_days: int = 14,
    review_threshold: float = 0.6,
    corrections: pd.DataFrame | None = None,
    audits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    frame = pd.concat(
        [
            contact_inquiries(contacts, processes, predict, review_threshold, corrections, audits),
            eservice_inquiries(eservice, cases, processes, predict, window_days, review_threshold, corrections, audits),
        ],
        ignore_index=True,
    )
    return frame.sort_values(["occurred_at", "inquiry_id"], ignore_index=True)


def unmapped_counts(frame: pd.DataFrame) -> dict[str, int]:
    unmapped = frame[frame["process"] == UNMAPPED]
    return {str(k): int(v) for k, v in unmapped["queue_or_service"].value_counts().items()}


@dataclass
class InquirySummary:
    """Running totals over inquiries built a chunk at a time: what the asset page shows."""

    rows: int = 0
    avoidable: int = 0
    needs_review: int = 0
    by_origin: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    by_process: Counter = field(default_factory=Counter)
    avoidable_by_process: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)

    def add(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        self.avoidable += int(frame["avoidable"].sum())
        self.needs_review += int(frame["needs_review"].sum())
        self.by_origin.update(frame["label_origin"].value_counts().to_dict())
        self.by_type.update(frame["demand_type"].value_counts().to_dict())
        self.by_process.update(frame["process"].value_counts().to_dict())
        self.avoidable_by_process.update(frame.loc[frame["avoidable"], "process"].value_counts().to_dict())
        self.unmapped.update(unmapped_counts(frame))

    @classmethod
    def from_counts(cls, counts: pd.DataFrame) -> InquirySummary:
        """The totals from inquiries counted by group (``n`` per process, demand type, label origin,
        avoidable, review flag and queue or service), as :func:`counted` reads them off the table."""
        summary = cls()
        if counts.empty:
            return summary
        n = counts["n"].astype(int)
        avoidable = counts["avoidable"].astype(bool)
        summary.rows, summary.avoidable = int(n.sum()), int(n[avoidable].sum())
        summary.needs_review = int(n[counts["needs_review"].astype(bool)].sum())
        for target, column, rows in (
            (summary.by_origin, "label_origin", counts),
            (summary.by_type, "demand_type", counts),
            (summary.by_process, "process", counts),
            (summary.avoidable_by_process, "process", counts[avoidable]),
            (summary.unmapped, "queue_or_service", counts[counts["process"] == UNMAPPED]),
        ):
            totals = rows.groupby(rows[column].astype(str))["n"].sum()
            target.update({str(k): int(v) for k, v in totals.items() if v})
        return summary

    def share(self, process: str | None = None) -> float:
        if process is None:
            return self.avoidable / self.rows if self.rows else 0.0
        return self.avoidable_by_process[process] / self.by_process[process] if self.by_process[process] else 0.0


def counted(read: Callable[[str], pd.DataFrame], table: str = "inquiries") -> pd.DataFrame:
    """The table's inquiries counted by what :class:`InquirySummary` totals: one grouped query."""
    return read(
        "select process, demand_type, label_origin, avoidable, needs_review, "
        f"case when process = '{UNMAPPED}' then queue_or_service else '' end as queue_or_service, count(*) as n "
        f"from {table} group by process, demand_type, label_origin, avoidable, needs_review, "
        f"case when process = '{UNMAPPED}' then queue_or_service else '' end"
    )
