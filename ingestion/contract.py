"""The landing sources and their columns, as ../shared/data-contract.md fixes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
            Column("handled_seconds", Kind.INTEGER, False),
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
