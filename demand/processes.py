"""Which municipal process a queue, e-service, case type or invoice type belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

UNMAPPED = "unmapped"
_FIELDS = {"queue": "queues", "service": "services", "case_type": "case_types", "invoice_type": "invoice_types"}


class BadProcessMap(ValueError):
    pass


@dataclass(frozen=True)
class ProcessMap:
    names: dict[str, str]
    lookups: dict[str, dict[str, str]]  # field -> lower-cased value -> process key
    owners: dict[str, list[str]]
    origin: str

    @classmethod
    def from_yaml_text(cls, text: str, origin: str) -> ProcessMap:
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise BadProcessMap(f"{origin}: not valid YAML: {exc}") from exc
        processes = doc.get("processes") if isinstance(doc, dict) else None
        if not isinstance(processes, dict) or not processes:
            raise BadProcessMap(f"{origin}: expected a top-level 'processes:' mapping")
        names: dict[str, str] = {}
        owners: dict[str, list[str]] = {}
        lookups: dict[str, dict[str, str]] = {field: {} for field in _FIELDS}
        for key, spec in processes.items():
            spec = spec or {}
            names[str(key)] = str(spec.get("name", key))
            owners[str(key)] = list(spec.get("owners") or [])
            for field, plural in _FIELDS.items():
                for value in spec.get(plural) or []:
                    lookups[field][str(value).strip().lower()] = str(key)
        return cls(names=names, lookups=lookups, owners=owners, origin=origin)

    @classmethod
    def default(cls) -> ProcessMap:
        text = resources.files("onodig.demand").joinpath("default_processes.yaml").read_text(encoding="utf-8")
        return cls.from_yaml_text(text, "built-in default mapping")

    @classmethod
    def for_landing(cls, landing: Path) -> ProcessMap:
        path = landing / "processes.yaml"
        if path.is_file():
            return cls.from_yaml_text(path.read_text(encoding="utf-8"), str(path))
        return cls.default()

    def map(self, field: str, values: pd.Series) -> pd.Series:
        lookup = self.lookups[field]
        return values.astype("string").str.strip().str.lower().map(lookup).fillna(UNMAPPED).astype("string")
