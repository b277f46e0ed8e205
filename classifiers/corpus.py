"""The labelled corpus: JSONL files under ``classifiers/corpus/{train,eval}/``, one writer a file.

The evaluation split was written by other writers than the training split, so its score says how
the model does on phrasings it has never seen rather than on a shuffled copy of its own data.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES

CORPUS_DIR = Path(str(resources.files("onodig.classifiers").joinpath("corpus")))
FIELDS = ["text", "label", "channel", "process", "split"]
# The evaluation splits, each written by writers who never saw the training files: ``eval`` in the
# training data's own genres, ``eval_ood`` in the genres real citizens write in (long, narrative,
# indirect, by relatives), which models are chosen by, and ``eval_short`` in the short general
# questions of a chat box or an FAQ page, which a model must keep reading as ordinary questions.
EVAL_SPLITS = ("eval", "eval_ood", "eval_short")


class BadCorpus(ValueError):
    pass


def corpus_files(root: Path = CORPUS_DIR) -> list[Path]:
    return sorted(root.glob("*/*.jsonl"))


def load_corpus(root: Path = CORPUS_DIR) -> pd.DataFrame:
    records = []
    for path in corpus_files(root):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadCorpus(f"{path.name}:{n}: not JSON: {exc}") from exc
            if obj.get("label") not in DEMAND_TYPES:
                raise BadCorpus(f"{path.name}:{n}: unknown label {obj.get('label')!r}")
            records.append({**{k: obj.get(k) for k in FIELDS}, "writer": path.stem})
    frame = pd.DataFrame(records, columns=[*FIELDS, "writer"])
    if frame.empty:
        raise BadCorpus(f"no corpus found under {root}")
    frame = frame.drop_duplicates(subset=["text", "split"], ignore_index=True)
    # Independent writers sometimes write the same short text ("-", "Inget att tillägga."): it
    # stays in the evaluation split only, so the score never rewards memorising it.
    key = frame["text"].str.strip().str.lower()
    in_eval = set(key[frame["split"].isin(EVAL_SPLITS)])
    return frame[~((frame["split"] == "train") & key.isin(in_eval))].reset_index(drop=True)


def corpus_hash(root: Path = CORPUS_DIR) -> str:
    digest = hashlib.sha256()
    for path in corpus_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def corrections_as_training(corrections: pd.DataFrame, inquiries: pd.DataFrame) -> pd.DataFrame:
    """Analysts' corrected labels (one per inquiry, taxonomy keys) joined to the masked texts they correct.

    Inquiries without text (empty e-service submissions) teach the text model nothing and are left out.
    """
    if corrections.empty or inquiries.empty:
        return pd.DataFrame(columns=["text", "label"])
    joined = corrections.merge(inquiries[["inquiry_id", "text"]], on="inquiry_id", how="inner")
    joined = joined[joined["text"].fillna("").str.strip() != ""]
    return joined.rename(columns={"demand_type": "label"})[["text", "label"]].reset_index(drop=True)
