"""Audit sampling: the classifier's accuracy measured on the municipality's own inquiries.

The evaluation split says how the model does on text like its corpus; real citizens write
otherwise. So each run draws a small random sample per process and week of the inquiries the
model labelled (:func:`audit_queue`), an analyst labels them blind to nothing but the model's
guess, and the answers come back as ``audit.csv``. :func:`measure` then gives, per model version,
the accuracy on the audited inquiries it did not train on, with a 95 % Wilson interval, and the
confusion matrix that corrects published shares once enough are audited.

The draw is an md5 of a salt and the inquiry id, ordered within each process-week: random with
respect to the text, but the same on every run, so re-runs never reshuffle what analysts are
labelling. A process-week with ``k`` audited inquiries asks for ``per_week - k`` more, the next in
that order; one with ``per_week`` audited asks for none.

Audit labels are never training data: they would then measure the model that learned them.
Corrections are (``corrections.csv``), and an audited inquiry that is also corrected, or whose
text the model trained on, is left out of the measure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from onodig.classifiers.taxonomy import AVOIDABLE, DEMAND_TYPES
from onodig.warehouse import Warehouse

Z = 1.96  # 95 %
QUEUE_COLUMNS = ["inquiry_id", "week_start", "process", "channel", "text", "model_type", "confidence"]


def wilson(successes: int, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval for a proportion; (0, 1) when nothing was observed."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def audit_queue(store: Warehouse, per_week: int, salt: int | str = 0) -> pd.DataFrame:
    """The inquiries to audit next: up to ``per_week`` per process and week, minus those audited already.

    Only the model's labels are audited (rules and analysts' corrections are not the classifier).
    The columns are :data:`QUEUE_COLUMNS`; ``model_type`` is the model's label.
    """
    salt = re.sub(r"[^0-9A-Za-z_-]", "", str(salt))  # goes into the SQL as a literal
    week = "cast(date_trunc('week', occurred_at) as date)"
    return store.read(
        f"""
        with eligible as (
            select
                inquiry_id,
                process,
                {week} as week_start,
                label_origin,
                md5(concat('{salt}:', inquiry_id)) as draw
            from inquiries
            where label_origin in ('model', 'audit')
        ),
        ranked as (
            select
                eligible.*,
                row_number() over (
                    partition by process, week_start, label_origin order by draw, inquiry_id
                ) as position,
                sum(case when label_origin = 'audit' then 1 else 0 end) over (
                    partition by process, week_start
                ) as audited
            from eligible
        ),
        -- ranked by id alone: the texts of the few drawn are joined after, not sorted with every row
        chosen as (
            select inquiry_id, week_start, process, position
            from ranked
            where label_origin = 'model' and position <= {int(per_week)} - audited
        )
        select chosen.inquiry_id, chosen.week_start, chosen.process, inquiries.channel, inquiries.text,
            inquiries.demand_type as model_type, inquiries.confidence
        from chosen
        inner join inquiries on inquiries.inquiry_id = chosen.inquiry_id
        order by chosen.week_start, chosen.process, chosen.position
        """
    )


def _normalised(texts: pd.Series) -> pd.Series:
    return texts.fillna("").str.lower().str.split().str.join(" ")


@dataclass(frozen=True)
class AuditMeasure:
    """One model version measured on audited inquiries it did not train on."""

    model_version: str
    audited: int  # audited inquiries measured (not trained on)
    correct: int
    avoidable_agree: int  # the model and the analyst agree on avoidable vs value demand
    trained_on: int  # audited, but left out: the model trained on the same text
    confusion: pd.DataFrame  # rows: the analyst's type, columns: the model's; every taxonomy key

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.audited if self.audited else None

    @property
    def interval(self) -> tuple[float | None, float | None]:
        return wilson(self.correct, self.audited) if self.audited else (None, None)

    def row(self, test_accuracy: float | None, in_use: bool = True) -> dict:
        """The ``classifier_audit`` row; accuracy columns are NaN (null) before any audit."""
        nan = float("nan")
        low, high = self.interval if self.audited else (nan, nan)
        return {
            "model_version": self.model_version,
            "audited": self.audited,
            "correct": self.correct,
            "accuracy": self.accuracy if self.audited else nan,
            "accuracy_low": low,
            "accuracy_high": high,
            "avoidable_accuracy": self.avoidable_agree / self.audited if self.audited else nan,
            "trained_on_left_out": self.trained_on,
            "test_accuracy": nan if test_accuracy is None else test_accuracy,
            "in_use": in_use,
        }

    def confusion_rows(self) -> pd.DataFrame:
        long = self.confusion.rename_axis("true_type").reset_index()
        long = long.melt(id_vars="true_type", var_name="predicted_type", value_name="n")
        return long.assign(model_version=self.model_version)[["model_version", "true_type", "predicted_type", "n"]]


def measure(model_version: str, audited: pd.DataFrame, predicted: list[str], training_texts: pd.Series) -> AuditMeasure:
    """``audited`` has the analyst's ``demand_type`` and the ``text``; ``predicted`` the model's label for each.

    Rows whose text is one the model trained on (whitespace and case aside) are left out.
    """
    trained = _normalised(audited["text"]).isin(set(_normalised(training_texts)))
    truth = audited.loc[~trained, "demand_type"].to_numpy(dtype=object)
    guess = np.asarray(predicted, dtype=object)[~trained.to_numpy()]
    labels = list(DEMAND_TYPES)
    confusion = pd.crosstab(
        pd.Categorical(truth, categories=labels), pd.Categorical(guess, categories=labels), dropna=False
    )
    confusion.index, confusion.columns = labels, labels
    avoidable = frozenset(AVOIDABLE)
    agree = sum((t in avoidable) == (g in avoidable) for t, g in zip(truth, guess, strict=True))
    return AuditMeasure(
        model_version=model_version,
        audited=len(truth),
        correct=int((truth == guess).sum()),
        avoidable_agree=int(agree),
        trained_on=int(trained.sum()),
        confusion=confusion.astype(int),
    )


def audit_table(previous: pd.DataFrame | None, current: dict) -> pd.DataFrame:
    """``classifier_audit``: the row for the version in use replaces its earlier one; other versions stay."""
    row = pd.DataFrame([current])
    if previous is None or previous.empty:
        return row
    kept = previous[previous["model_version"] != current["model_version"]].assign(in_use=False)
    return pd.concat([kept[[c for c in row.columns if c in kept.columns]], row], ignore_index=True)


def statement(row: dict, threshold: int) -> str:
    """What an asset page says about how right the model is on the municipality's own inquiries."""
    test = row.get("test_accuracy")
    test_text = f"{test:.1%}" if test is not None and not pd.isna(test) else "unknown"
    if not row["audited"]:
        return (
            f"No inquiries audited yet for model {row['model_version']}: published shares assume its accuracy "
            f"on test text ({test_text}, the evaluation split)."
        )
    basis = (
        "the corrected share uses the audit's confusion matrix"
        if row["audited"] >= threshold
        else f"the corrected share uses the evaluation split's confusion matrix until {threshold} are audited"
    )
    return (
        f"{row['audited']} inquiries audited for model {row['model_version']}: accuracy {row['accuracy']:.1%} "
        f"(95 % interval {row['accuracy_low']:.1%}–{row['accuracy_high']:.1%}; on test text {test_text}); {basis}."
    )


@dataclass(frozen=True)
class CorrectionBasis:
    """Which confusion matrix corrects the published shares, and how uncertain the model's accuracy is."""

    confusion: pd.DataFrame  # rows: true type, columns: predicted type
    basis: str  # "audit" or "evaluation"
    accuracy_margin: float  # half the width of the 95 % interval of that basis's accuracy
    audited: int


def _accuracy_margin(confusion: pd.DataFrame) -> float:
    counts = confusion.to_numpy(dtype=float)
    n = int(counts.sum())
    low, high = wilson(int(np.trace(counts)), n)
    return (high - low) / 2


def correction_basis(
    evaluation: pd.DataFrame, audit: pd.DataFrame | None, audited: int, threshold: int
) -> CorrectionBasis:
    """The audit's confusion once ``threshold`` inquiries are audited, else the evaluation split's.

    Either way the margin is half the width of the Wilson interval of the accuracy behind it: the
    mart widens the corrected share's interval by it (see avoidable_demand_weekly.yml).
    """
    if audit is not None and audited >= threshold and int(audit.to_numpy().sum()) > 0:
        chosen, basis = audit, "audit"
    else:
        chosen, basis = evaluation, "evaluation"
    chosen = chosen.reindex(index=list(DEMAND_TYPES), columns=list(DEMAND_TYPES), fill_value=0)
    return CorrectionBasis(chosen, basis, _accuracy_margin(chosen), audited)
