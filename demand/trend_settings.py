"""The settings of the trend watch (``trends.yaml``), read and checked before any work starts.

The defaults ship in the package; a landing folder's ``trends.yaml`` overrides single keys, so an
analyst who only wants a stricter false-alarm rate writes one line. A key that is misspelt, or a
value that cannot work, is one line of error naming the file and the key: a rate of 5 instead of
0.05 would otherwise make every week alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

TRENDS_FILE = "trends.yaml"

# key: (type, lowest allowed, highest allowed); None for no bound
_ALERTS = {
    "false_alarm_rate": (float, 1e-9, 0.5),
    "trailing_weeks": (int, 1, 104),
    "min_trailing_weeks": (int, 1, 104),
    "min_inquiries": (int, 1, None),
    "min_expected": (float, 0.0, None),
    "min_share_change": (float, 0.0, 1.0),
    "min_relative_change": (float, 0.0, None),
    "top_movers": (int, 0, 1000),
}
_TOPICS = {
    "false_alarm_rate": (float, 1e-9, 0.5),
    "trailing_weeks": (int, 1, 104),
    "min_trailing_weeks": (int, 1, 104),
    "min_inquiries": (int, 1, None),
    "min_growth": (float, 1.0, None),
    "baseline_floor": (float, 0.01, None),
    "docs_per_topic": (int, 2, None),
    "min_shared_keywords": (int, 1, 50),
    "max_topics": (int, 2, 200),
    "max_fit_inquiries": (int, 50, None),
    "keywords": (int, 1, 50),
    "match_keywords": (int, 1, 100),
    "examples": (int, 0, 10),
    "random_state": (int, 0, None),
    "stop_words": (list, None, None),
}


class BadTrendSettings(ValueError):
    """trends.yaml cannot be used; the message says which key and what to change, in one line."""


@dataclass(frozen=True)
class AlertSettings:
    false_alarm_rate: float
    trailing_weeks: int
    min_trailing_weeks: int
    min_inquiries: int
    min_expected: float
    min_share_change: float
    min_relative_change: float
    top_movers: int


@dataclass(frozen=True)
class TopicSettings:
    false_alarm_rate: float
    trailing_weeks: int
    min_trailing_weeks: int
    min_inquiries: int
    min_growth: float
    baseline_floor: float
    docs_per_topic: int
    min_shared_keywords: int
    max_topics: int
    max_fit_inquiries: int
    keywords: int
    match_keywords: int
    examples: int
    random_state: int
    stop_words: tuple[str, ...]


@dataclass(frozen=True)
class TrendSettings:
    alerts: AlertSettings
    topics: TopicSettings
    origin: str

    @classmethod
    def default(cls) -> TrendSettings:
        return cls.from_documents([])

    @classmethod
    def for_landing(cls, landing: Path) -> TrendSettings:
        path = landing / TRENDS_FILE
        if not path.is_file():
            return cls.default()
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadTrendSettings(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        return cls.from_documents([(doc, str(path))])

    @classmethod
    def from_documents(cls, overrides: list[tuple[object, str]]) -> TrendSettings:
        """The built-in settings with each ``(document, origin)`` laid over them in turn."""
        text = resources.files("onodig.demand").joinpath(TRENDS_FILE).read_text(encoding="utf-8")
        merged = {section: dict(values) for section, values in yaml.safe_load(text).items()}
        origin = "built-in trends.yaml"
        for doc, where in overrides:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                raise BadTrendSettings(f"{where}: expected the sections alerts: and topics:")
            for section, values in doc.items():
                if section not in merged:
                    raise BadTrendSettings(f"{where}: unknown section {section!r} (alerts or topics)")
                if not isinstance(values, dict):
                    raise BadTrendSettings(f"{where}: {section}: must be a mapping of settings")
                merged[section].update(values)
            origin = where
        alerts = AlertSettings(**_checked(merged["alerts"], _ALERTS, "alerts", origin))
        topics = _checked(merged["topics"], _TOPICS, "topics", origin)
        topics["stop_words"] = tuple(sorted({str(w).lower() for w in topics["stop_words"]}))
        settings = cls(alerts, TopicSettings(**topics), origin)
        for name, section in (("alerts", settings.alerts), ("topics", settings.topics)):
            if section.min_trailing_weeks > section.trailing_weeks:
                raise BadTrendSettings(
                    f"{origin}: {name}.min_trailing_weeks ({section.min_trailing_weeks}) is more than "
                    f"{name}.trailing_weeks ({section.trailing_weeks})"
                )
        return settings


def _checked(values: dict, spec: dict, section: str, origin: str) -> dict:
    out = {}
    for key, value in values.items():
        if key not in spec:
            raise BadTrendSettings(f"{origin}: unknown setting {section}.{key} (known: {', '.join(spec)})")
        kind, low, high = spec[key]
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                raise BadTrendSettings(f"{origin}: {section}.{key} must be a list of words")
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and value != int(value)):
            raise BadTrendSettings(f"{origin}: {section}.{key} must be a {kind.__name__} (got {value!r})")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low}" + (f" to {high}" if high is not None else " up")
            raise BadTrendSettings(f"{origin}: {section}.{key} must be {bounds} (got {value!r})")
        out[key] = kind(value)
    return out
