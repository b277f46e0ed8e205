"""The landing sources and their columns, as ../shared/data-contract.md fixes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The most of a free text that is stored: the rest of a longer one (a pasted log, an attachment
# decoded into the body) is cut, and the staged row says how long it was (``text_cut_from``).
# The question is at the start; spaCy refuses texts over 1,000,000 characters.
MAX_TEXT_CHARS = 100_000
# The largest whole number any integer column takes: beyond it a float cannot hold it exactly.
MAX_WHOLE_NUMBER = 2**53


class Kind(StrEnum):
    ID = "id"
    TEXT = "text"
    TIMESTAMP = "timestamp"
    DATE = "date"
    AMOUNT = "amount"
    INTEGER = "integer"
    CHOICE = "choice"
    CITIZEN = "citizen"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()
    maximum: int | None = None  # for Kind.INTEGER: larger values are quarantined
    maximum_means: str = ""  # the maximum in words, for the quarantine reason


@dataclass(frozen=True)
class Source:
    name: str
    id_column: str | None
    columns: tuple[Column, ...]
    free_text: tuple[str, ...] = field(default=())

    @property
    def day(self) -> str:
        """The timestamp that puts a row in a daily partition: when it happened, the first one."""
        return next(c.name for c in self.columns if c.kind is Kind.TIMESTAMP)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


CHANNELS = ("phone", "email", "chat", "visit")
CASE_EVENTS = ("opened", "completion_requested", "completed", "decided", "closed")

SOURCES: dict[str, Source] = {
    "contacts": Source(
        name="contacts",
        id_column="contact_id",
        columns=(
            Column("contact_id", Kind.ID, True),
            Column("channel", Kind.CHOICE, True, CHANNELS),
            Column("started_at", Kind.TIMESTAMP, True),
            Column("citizen_id", Kind.CITIZEN, False),
            Column("queue", Kind.TEXT, True),
            # a week: longer is no handling time but a unit or a timestamp in the wrong column
            Column("handled_seconds", Kind.INTEGER, False, maximum=7 * 24 * 3600, maximum_means="7 days"),
            Column("case_ref", Kind.TEXT, False),
            Column("invoice_ref", Kind.TEXT, False),
            Column("text", Kind.TEXT, True),
        ),
        free_text=("text",),
    ),
    "eservice": Source(
        name="eservice",
        id_column="submission_id",
        columns=(
            Column("submission_id", Kind.ID, True),
            Column("submitted_at", Kind.TIMESTAMP, True),
            Column("citizen_id", Kind.CITIZEN, False),
            Column("service", Kind.TEXT, True),
            Column("case_ref", Kind.TEXT, False),
            Column("text", Kind.TEXT, False),
        ),
        free_text=("text",),
    ),
    "cases": Source(
        name="cases",
        id_column=None,  # one row per event: the key is the whole row
        columns=(
            Column("case_ref", Kind.TEXT, True),
            Column("case_type", Kind.TEXT, True),
            Column("citizen_id", Kind.CITIZEN, False),
            Column("event", Kind.CHOICE, True, CASE_EVENTS),
            Column("event_at", Kind.TIMESTAMP, True),
        ),
    ),
    "invoices": Source(
        name="invoices",
        id_column="invoice_ref",
        columns=(
            Column("invoice_ref", Kind.ID, True),
            Column("citizen_id", Kind.CITIZEN, False),
            Column("invoice_type", Kind.TEXT, True),
            Column("issued_at", Kind.TIMESTAMP, True),
            Column("due_date", Kind.DATE, True),
            Column("amount_sek", Kind.AMOUNT, True),
            Column("paid_at", Kind.TIMESTAMP, False),
            Column("reminder_at", Kind.TIMESTAMP, False),
        ),
    ),
}
