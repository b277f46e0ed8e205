"""Topics analysts have named (``topics.yaml`` in the landing folder), and how an inquiry is matched to one.

Closing the loop: an analyst sees a topic in ``emerging_topics``, copies its keywords into
``topics.yaml`` with a name, the root cause it is and the lever that prevents it, and from the next
run on its inquiries count under that root cause in ``root_causes_weekly``. Only YAML is imported
here, so that ``onodig run`` can check the file before any heavy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

TOPICS_FILE = "topics.yaml"
ROOT_CAUSE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BadTopicNames(ValueError):
    """topics.yaml cannot be used; the message says which topic and what to change, in one line."""


@dataclass(frozen=True)
class NamedTopic:
    name: str
    keywords: tuple[str, ...]  # lower-case
    root_cause: str
    lever: str
    process: str = ""  # empty: any process
    min_keywords: int = 2  # keywords an inquiry must hold (at most all of them)

    def matches(self, words: set[str], process: str = "") -> bool:
        """Whether a text whose words (lemmas and surface forms, lower-case) are ``words`` is this topic."""
        if self.process and process and self.process != process:
            return False
        return sum(keyword in words for keyword in self.keywords) >= self.min_keywords


@dataclass(frozen=True)
class TopicNames:
    topics: tuple[NamedTopic, ...]
    levers: dict[str, dict[str, str]]  # lever -> {"sv": name, "en": name}
    origin: str

    @classmethod
    def for_landing(cls, landing: Path) -> TopicNames:
        levers, builtin = known_levers(landing)
        path = landing / TOPICS_FILE
        if not path.is_file():
            return cls((), levers, "no topics.yaml")
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadTopicNames(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        return cls.from_document(doc, str(path), levers, builtin)

    @classmethod
    def from_document(
        cls, doc: object, origin: str, levers: dict[str, dict[str, str]], builtin: dict[str, str] | None = None
    ) -> TopicNames:
        """``builtin``: the rules' own root causes and their levers, which a topic may reuse but not re-lever."""
        entries = doc.get("topics") if isinstance(doc, dict) else None
        if doc is None or entries is None:
            return cls((), levers, origin)
        if not isinstance(entries, list):
            raise BadTopicNames(f"{origin}: 'topics:' must be a list of topics (- name: ..., keywords: [...])")
        lever_of = dict(builtin or {})
        topics = []
        for number, entry in enumerate(entries, start=1):
            where = f"{origin}: topic {number}"
            if not isinstance(entry, dict):
                raise BadTopicNames(f"{where} must be a mapping with name, keywords, root_cause and lever")
            name = str(entry.get("name") or "").strip()
            if not name:
                raise BadTopicNames(f"{where} has no name")
            where = f"{origin}: topic {name!r}"
            keywords = entry.get("keywords")
            if (
                not isinstance(keywords, list)
                or not keywords
                or not all(isinstance(k, str) and k.strip() for k in keywords)
            ):
                raise BadTopicNames(f"{where}: keywords must be a list of words, as emerging_topics shows them")
            words = tuple(dict.fromkeys(k.strip().lower() for k in keywords))
            root_cause = str(entry.get("root_cause") or "")
            if not ROOT_CAUSE_KEY.match(root_cause):
                raise BadTopicNames(
                    f"{where}: root_cause must be a key of lower-case letters, digits and _ (got {root_cause!r})"
                )
            lever = str(entry.get("lever") or "")
            if lever not in levers:
                raise BadTopicNames(f"{where}: unknown lever {lever!r} (one of {', '.join(sorted(levers))})")
            if lever_of.setdefault(root_cause, lever) != lever:
                raise BadTopicNames(
                    f"{where}: root cause {root_cause} already has the lever {lever_of[root_cause]}: "
                    "a root cause has one lever"
                )
            least = entry.get("min_keywords", min(2, len(words)))
            if isinstance(least, bool) or not isinstance(least, int) or not 1 <= least <= len(words):
                raise BadTopicNames(f"{where}: min_keywords must be a whole number from 1 to {len(words)}")
            process = str(entry.get("process") or "")
            topics.append(NamedTopic(name, words, root_cause, lever, process, least))
        return cls(tuple(topics), levers, origin)

    def first_match(self, words: set[str], process: str = "") -> NamedTopic | None:
        """The first topic in the file's order that the words match: earlier topics win."""
        return next((topic for topic in self.topics if topic.matches(words, process)), None)


def known_levers(landing: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The levers of the root-cause rules in force (landing folder's root_causes.yaml, or the built-in
    one), and each of their root causes' lever."""
    path = landing / "root_causes.yaml"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("onodig.demand").joinpath("root_causes.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    levers = {
        str(k): (v if isinstance(v, dict) else {"sv": str(v), "en": str(v)})
        for k, v in (doc.get("levers") or {}).items()
    }
    causes = {str(k): str((v or {}).get("lever", "")) for k, v in (doc.get("root_causes") or {}).items()}
    return levers, causes
