"""What a report shows beside the three marts: channels, repeat contacts and example inquiries.

A share and a lever's name do not tell an owner what citizens actually ask; two or three real
inquiries behind each top cause do. The examples come from the ``inquiries`` table's text, which
is masked when it is loaded; they are masked once more here and cut short, because a report
travels further than the warehouse (mail servers, forwarded e-mails, printed pages) and a
masking gap in one old row must not ride along. The pick is deterministic (md5 of the inquiry
id, the same order on DuckDB and PostgreSQL), so a re-run shows the same examples and an
unchanged report stays unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from onodig.privacy import mask_text
from onodig.warehouse import Warehouse

REPEATS = "repeat_contacts_weekly"
# the marts and tables read here, besides the three every report needs (reports.publish.MARTS)
TABLES = ("int_inquiries", "int_root_causes", "inquiries", REPEATS)
DEFAULT_REPEAT_WINDOW_DAYS = 7
EXAMPLES_PER_CAUSE = 3
EXCERPT_CHARACTERS = 160
# a text shorter than this ("Ring mig", "se bilaga") says nothing about the cause
SHORTEST_EXAMPLE = 20
# candidates drawn per cause before identical texts are dropped: generated and templated texts repeat
CANDIDATES_PER_CAUSE = 12

CHANNEL_COLUMNS = ["process", "week_start", "channel", "inquiries", "avoidable_inquiries"]
REPEAT_COLUMNS = ["process", "week_start", "identified_inquiries", "repeat_inquiries", "repeat_rate"]
EXAMPLE_COLUMNS = ["process", "week_start", "demand_type", "root_cause", "text"]


@dataclass(frozen=True)
class Evidence:
    """For every process: the week's channels, every week's repeat contacts, the week's examples."""

    channels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANNEL_COLUMNS))
    repeats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPEAT_COLUMNS))
    examples: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXAMPLE_COLUMNS))
    repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS

    def for_process(self, process: str) -> dict:
        """The keyword arguments of `build_report` for one process."""
        return {
            "channels": self.channels[self.channels["process"] == process],
            "repeats": self.repeats[self.repeats["process"] == process],
            "examples": self.examples[self.examples["process"] == process],
            "repeat_window_days": self.repeat_window_days,
        }


def read_evidence(store: Warehouse, week_start: date, per_cause: int = EXAMPLES_PER_CAUSE) -> Evidence:
    """Everything for the week starting `week_start`; a table not built yet gives empty rows, not an error."""
    week = {"week": week_start}
    channels = pd.DataFrame(columns=CHANNEL_COLUMNS)
    if store.has_table("int_inquiries"):
        channels = store.read(
            "select process, week_start, channel, count(*) as inquiries, "
            "sum(case when avoidable then 1 else 0 end) as avoidable_inquiries "
            "from int_inquiries where week_start = :week group by process, week_start, channel",
            week,
        )
    repeats = (
        store.read_table(REPEATS)[REPEAT_COLUMNS] if store.has_table(REPEATS) else pd.DataFrame(columns=REPEAT_COLUMNS)
    )
    examples = pd.DataFrame(columns=EXAMPLE_COLUMNS)
    if store.has_table("int_root_causes") and store.has_table("inquiries"):
        candidates = store.read(
            "select process, week_start, demand_type, root_cause, text from ("
            " select causes.process, causes.week_start, causes.demand_type, causes.root_cause, inquiries.text,"
            " row_number() over (partition by causes.process, causes.demand_type, causes.root_cause"
            " order by md5(causes.inquiry_id), causes.inquiry_id) as pick"
            " from int_root_causes as causes"
            " inner join inquiries on inquiries.inquiry_id = causes.inquiry_id"
            " where causes.week_start = :week and length(trim(inquiries.text)) >= :shortest"
            ") as ranked where pick <= :candidates order by process, demand_type, root_cause, pick",
            week | {"shortest": SHORTEST_EXAMPLE, "candidates": CANDIDATES_PER_CAUSE},
        )
        examples = pick_examples(candidates, per_cause)
    return Evidence(channels, repeats, examples, repeat_window_days(store))


def repeat_window_days(store: Warehouse) -> float:
    """The window `repeat_contacts_weekly` counted with (root_causes.yaml), for the sentence that explains it."""
    if store.has_table("rule_parameters") and "repeat_window_days" in store.columns("rule_parameters"):
        value = store.scalar("select max(repeat_window_days) from rule_parameters")
        if value is not None:
            return float(value)
    return DEFAULT_REPEAT_WINDOW_DAYS


def pick_examples(candidates: pd.DataFrame, per_cause: int = EXAMPLES_PER_CAUSE) -> pd.DataFrame:
    """Up to `per_cause` different excerpts per process, type and cause, in the order given."""
    if candidates.empty:
        return pd.DataFrame(columns=EXAMPLE_COLUMNS)
    frame = candidates.assign(text=[excerpt(value) for value in candidates["text"]])
    frame = frame[frame["text"].str.len() > 0]
    frame = frame.drop_duplicates(["process", "demand_type", "root_cause", "text"])
    frame = frame.groupby(["process", "demand_type", "root_cause"], sort=False).head(per_cause)
    return frame[EXAMPLE_COLUMNS].reset_index(drop=True)


def excerpt(value: object, limit: int = EXCERPT_CHARACTERS) -> str:
    """One line, masked, cut at a word with an ellipsis: masked first, so a cut never hides a number."""
    if not isinstance(value, str):
        return ""
    line = re.sub(r"\s+", " ", mask_text(value) or "").strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"
