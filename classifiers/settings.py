"""Loading the classifier's single config file."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import yaml

DEFAULT_CONFIG = Path(str(resources.files("onodig.classifiers").joinpath("config.yaml")))


def load_config(path: Path | None = None) -> dict:
    return yaml.safe_load((path or DEFAULT_CONFIG).read_text(encoding="utf-8"))


NOT_MODEL = ("audit", "selection")  # sections that say how the model is checked or chosen, not how it is trained


def config_hash(config: dict) -> str:
    model = {key: value for key, value in config.items() if key not in NOT_MODEL}
    return hashlib.sha256(repr(sorted(_flatten(model))).encode()).hexdigest()[:12]


def _flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _flatten(value, f"{prefix}{key}.")
    else:
        yield (prefix, repr(obj))
