"""Per-class and macro scores, and a confusion matrix, on a labelled split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from onodig.classifiers.corpus import EVAL_SPLITS
from onodig.classifiers.taxonomy import DEMAND_TYPES


@dataclass
class Evaluation:
    per_class: pd.DataFrame  # label, precision, recall, f1, support
    confusion: pd.DataFrame  # rows: true label, columns: predicted label
    macro_f1: float
    accuracy: float
    n: int

    @property
    def value_kept(self) -> float:
        """Share of the ordinary questions read as ordinary: a miss here inflates every avoidable share."""
        row = self.per_class.set_index("label").loc["value_demand"]
        return float(row["recall"]) if row["support"] else 1.0

    def confusion_rates(self) -> np.ndarray:
        """P(predicted = j | true = i), rows summing to 1; used to correct published shares."""
        counts = self.confusion.to_numpy(dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        return np.divide(counts, totals, out=np.eye(len(counts)), where=totals > 0)

    def markdown(self) -> str:
        lines = ["| demand type | precision | recall | F1 | n |", "|---|---|---|---|---|"]
        for row in self.per_class.itertuples():
            lines.append(f"| `{row.label}` | {row.precision:.3f} | {row.recall:.3f} | {row.f1:.3f} | {row.support} |")
        lines.append(f"| **macro** | | | **{self.macro_f1:.3f}** | {self.n} |")
        lines += ["", "Confusion matrix (rows: true, columns: predicted)", ""]
        short = {k: k.split("_")[0][:7] for k in DEMAND_TYPES}
        lines.append("| true \\ predicted | " + " | ".join(short[c] for c in self.confusion.columns) + " |")
        lines.append("|---" * (len(self.confusion.columns) + 1) + "|")
        for label, row in self.confusion.iterrows():
            lines.append(f"| `{label}` | " + " | ".join(str(int(v)) for v in row) + " |")
        return "\n".join(lines)


def evaluate(true: list[str], predicted: list[str]) -> Evaluation:
    labels = list(DEMAND_TYPES)
    p, r, f, s = precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    per_class = pd.DataFrame({"label": labels, "precision": p, "recall": r, "f1": f, "support": s})
    cm = pd.DataFrame(confusion_matrix(true, predicted, labels=labels), index=labels, columns=labels)
    present = per_class["support"] > 0
    return Evaluation(
        per_class=per_class,
        confusion=cm,
        macro_f1=float(per_class.loc[present, "f1"].mean()),
        accuracy=float(np.mean(np.array(true) == np.array(predicted))),
        n=len(true),
    )


@dataclass
class SplitScore:
    """One evaluation split: the scores, and what out-of-genre quality needs besides them."""

    evaluation: Evaluation
    avoidable_accuracy: float  # avoidable-or-not right: what a published share depends on
    ece: float
    confident_wrong: int  # wrong labels at confidence >= 0.8: they skip the review queue

    @property
    def macro_f1(self) -> float:
        return self.evaluation.macro_f1

    @property
    def accuracy(self) -> float:
        return self.evaluation.accuracy

    @property
    def n(self) -> int:
        return self.evaluation.n

    @property
    def value_kept(self) -> float:
        return self.evaluation.value_kept


def score_split(truth: list[str], predicted) -> SplitScore:
    from onodig.classifiers.taxonomy import AVOIDABLE

    correct = [p == t for p, t in zip(predicted.labels, truth, strict=True)]
    return SplitScore(
        evaluation=evaluate(truth, predicted.labels),
        avoidable_accuracy=float(
            np.mean([(t in AVOIDABLE) == (p in AVOIDABLE) for t, p in zip(truth, predicted.labels, strict=True)])
        )
        if truth
        else 0.0,
        ece=calibration_error(predicted.confidence, correct),
        confident_wrong=int(sum(c >= 0.8 and not ok for c, ok in zip(predicted.confidence, correct, strict=True))),
    )


def evaluate_splits(model, corpus: pd.DataFrame, splits=EVAL_SPLITS) -> dict[str, SplitScore]:
    """The model scored on each evaluation split of the corpus that holds texts."""
    out = {}
    for name in splits:
        held_out = corpus[corpus["split"] == name]
        if held_out.empty:
            continue
        truth = held_out["label"].tolist()
        out[name] = score_split(truth, model.predict(held_out["text"].tolist()))
    return out


def value_demand_kept(predict, path) -> tuple[float, int] | None:
    """Share of a real-world file's ``value_demand`` rows that the model keeps as value demand.

    The file (``id,text,label``) is for evaluation only: it never reaches training or tuning.
    """
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str)
    value = frame[frame["label"] == "value_demand"]
    if value.empty:
        return None
    labels = predict(value["text"].tolist()).labels
    return float(np.mean(np.array(labels) == "value_demand")), len(value)


def calibration_error(confidence, correct, bins: int = 10) -> float:
    """Expected calibration error: how far stated confidence is from observed accuracy, on average."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(error)


def correction_weights(confusion: pd.DataFrame) -> pd.DataFrame:
    """Weights that turn predicted counts into estimated true counts (misclassification-matrix correction).

    With rates M[i, j] = P(predicted j | true i), predicted counts are n_pred = Mᵀ n_true, so
    n_true = (Mᵀ)⁻¹ n_pred; the weight for (true i, predicted j) is that inverse's [i, j] entry.
    The pseudo-inverse keeps this defined when a class never occurred in the evaluation.
    """
    labels = list(confusion.index)
    counts = confusion.to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, totals, out=np.eye(len(labels)), where=totals > 0)
    inverse = np.linalg.pinv(rates.T)
    return pd.DataFrame(
        [
            {"true_type": t, "predicted_type": p, "weight": float(inverse[i, j])}
            for i, t in enumerate(labels)
            for j, p in enumerate(labels)
        ]
    )
