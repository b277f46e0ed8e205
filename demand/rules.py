"""Root-cause rules and levers as small tables the SQL models join to.

The rules' thresholds, the levers and which processes publish processing times are configuration
(``demand/root_causes.yaml``, or ``root_causes.yaml`` in the landing folder); the SQL reads them
from the warehouse rather than from constants in the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from onodig.classifiers.taxonomy import AVOIDABLE
from onodig.demand.processes import ProcessMap


class BadRules(ValueError):
    pass


@dataclass(frozen=True)
class RootCauseRules:
    parameters: dict[str, float]
    default_handled_seconds: dict[str, int]
    published_processing_times: list[str]
    root_causes: dict[str, dict]
    levers: dict[str, dict[str, str]]  # lever -> {"sv": name, "en": name}
    origin: str

    @classmethod
    def from_yaml_text(cls, text: str, origin: str) -> RootCauseRules:
        doc = yaml.safe_load(text) or {}
        rules = cls(
            parameters={k: float(v) for k, v in (doc.get("parameters") or {}).items()},
            default_handled_seconds={k: int(v) for k, v in (doc.get("default_handled_seconds") or {}).items()},
            published_processing_times=list(doc.get("published_processing_times") or []),
            root_causes=dict(doc.get("root_causes") or {}),
            levers={
                k: (v if isinstance(v, dict) else {"sv": str(v), "en": str(v)})
                for k, v in (doc.get("levers") or {}).items()
            },
            origin=origin,
        )
        rules.validate()
        return rules

    @classmethod
    def default(cls) -> RootCauseRules:
        text = resources.files("onodig.demand").joinpath("root_causes.yaml").read_text(encoding="utf-8")
        return cls.from_yaml_text(text, "built-in root_causes.yaml")

    @classmethod
    def for_landing(cls, landing: Path) -> RootCauseRules:
        path = landing / "root_causes.yaml"
        if path.is_file():
            return cls.from_yaml_text(path.read_text(encoding="utf-8"), str(path))
        return cls.default()

    def validate(self) -> None:
        needed = {
            "completion_window_days",
            "invoice_fresh_days",
            "repeat_window_days",
            "duplicate_lookback_days",
            "hours_per_fte_year",
        }
        if missing := needed - set(self.parameters):
            raise BadRules(f"{self.origin}: missing parameters {sorted(missing)}")
        for name, spec in self.root_causes.items():
            if spec.get("demand_type") not in AVOIDABLE:
                raise BadRules(f"{self.origin}: root cause {name} has no avoidable demand_type")
            if spec.get("lever") not in self.levers:
                raise BadRules(f"{self.origin}: root cause {name} names an unknown lever {spec.get('lever')!r}")

    def levers_table(self) -> pd.DataFrame:
        """Every root cause with its lever, named in Swedish (lever_name) and English (lever_name_en)."""
        unknown = self.levers.get("unknown", {"sv": "Okänd orsak", "en": "Unknown cause"})
        rows = [
            {
                "root_cause": name,
                "demand_type": spec["demand_type"],
                "lever": spec["lever"],
                "lever_name": self.levers[spec["lever"]]["sv"],
                "lever_name_en": self.levers[spec["lever"]]["en"],
                "description": spec.get("description", ""),
            }
            for name, spec in self.root_causes.items()
        ]
        for demand_type in sorted(AVOIDABLE):
            rows.append(
                {
                    "root_cause": "unknown",
                    "demand_type": demand_type,
                    "lever": "unknown",
                    "lever_name": unknown["sv"],
                    "lever_name_en": unknown["en"],
                    "description": "Not enough evidence.",
                }
            )
        return pd.DataFrame(rows)

    def parameters_table(self) -> pd.DataFrame:
        """One row, one column per parameter: SQL cross-joins it."""
        return pd.DataFrame([self.parameters])

    def handling_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "channel": list(self.default_handled_seconds),
                "default_seconds": list(self.default_handled_seconds.values()),
            }
        )


def process_tables(processes: ProcessMap, rules: RootCauseRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The process map as rows (field, value, process) and one row per process with its settings."""
    mapping = pd.DataFrame(
        [
            {"field": field, "value": value, "process": process}
            for field, lookup in processes.lookups.items()
            for value, process in lookup.items()
        ],
        columns=["field", "value", "process"],
    )
    settings = pd.DataFrame(
        [
            {"process": key, "name": name, "publishes_processing_time": key in rules.published_processing_times}
            for key, name in processes.names.items()
        ],
        columns=["process", "name", "publishes_processing_time"],
    )
    return mapping, settings
