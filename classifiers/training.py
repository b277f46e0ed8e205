"""Training, versioning and loading the demand classifier artefact.

An artefact is keyed by the hashes of the corpus, the config and any analyst corrections, so the
same inputs always load the same model and any change trains a new one. Artefacts live under the
data folder and are never committed: they are rebuilt from the repository on first use.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import joblib
import pandas as pd

from onodig.classifiers.corpus import CORPUS_DIR, corpus_hash, load_corpus
from onodig.classifiers.model import TextClassifier, build_model
from onodig.classifiers.settings import config_hash, load_config


@dataclass
class ModelArtefact:
    classifier: TextClassifier
    version: str
    path: Path
    trained_now: bool
    train_seconds: float
    n_train: int


def corrections_hash(extra: pd.DataFrame | None) -> str:
    if extra is None or extra.empty:
        return ""
    joined = "\n".join(extra["text"].astype(str) + "\t" + extra["label"].astype(str))
    return hashlib.sha256(joined.encode()).hexdigest()[:8]


def model_version(config: dict, corpus_root: Path = CORPUS_DIR, extra: pd.DataFrame | None = None) -> str:
    parts = [corpus_hash(corpus_root), config_hash(config)]
    if extra_hash := corrections_hash(extra):
        parts.append(extra_hash)
    return "-".join(parts)


def training_frame(corpus: pd.DataFrame, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    train = corpus[corpus["split"] == "train"][["text", "label"]]
    if extra is not None and not extra.empty:
        train = pd.concat([train, extra[["text", "label"]]], ignore_index=True)
    return train


def train(
    config: dict, corpus: pd.DataFrame, extra: pd.DataFrame | None = None, cache_dir: Path | None = None
) -> TextClassifier:
    """``cache_dir`` keeps what is slow to compute from the corpus (sentence embeddings) between versions."""
    frame = training_frame(corpus, extra)
    return build_model(config, cache_dir).fit(frame["text"].tolist(), frame["label"].tolist())


def load_or_train(
    model_dir: Path,
    config: dict | None = None,
    corpus_root: Path = CORPUS_DIR,
    extra: pd.DataFrame | None = None,
    log: Callable[[str], None] = print,
) -> ModelArtefact:
    config = config or load_config()
    version = model_version(config, corpus_root, extra)
    path = model_dir / f"demand_classifier-{version}.joblib"
    if path.is_file():
        classifier = joblib.load(path)
        return ModelArtefact(classifier, version, path, False, 0.0, -1)
    log(f"No trained classifier for version {version}: training one from the corpus (first use)...")
    corpus = load_corpus(corpus_root)
    started = time.perf_counter()
    classifier = train(config, corpus, extra, cache_dir=model_dir / "cache")
    seconds = time.perf_counter() - started
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(classifier, tmp)
    tmp.replace(path)
    n = int((corpus["split"] == "train").sum()) + (0 if extra is None else len(extra))
    log(f"Trained classifier {version} on {n} examples in {seconds:.1f} s; saved to {path}")
    return ModelArtefact(classifier, version, path, True, seconds, n)
