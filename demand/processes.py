"""Which municipal process a queue, e-service, case type or invoice type belongs to.

A process key names report files and travels into CSVs and e-mails, so it is checked when the map
is read: lower-case letters, digits and ``_`` only. pandas is imported only where a column is
mapped, so that ``onodig run`` can check the landing folder's map before any heavy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

UNMAPPED = "unmapped"
PROCESS_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
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
            if not isinstance(key, str) or not PROCESS_KEY.match(key):
                shown = repr(key) if len(repr(key)) <= 80 else repr(key)[:77] + "..."
                raise BadProcessMap(
                    f"{origin}: process key {shown} may only hold lower-case letters a-z, digits and _ "
                    "(it names the report files): rename it, e.g. bygglov or gata_park"
                )
            if spec is not None and not isinstance(spec, dict):
                raise BadProcessMap(f"{origin}: process {key} must be a mapping (name:, queues:, services:, ...)")
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
