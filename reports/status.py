"""What a report's banner says when its figures are not the week's final ones: preliminär or reviderad, and why.

A week the exports do not cover (see :mod:`ingestion.coverage`) is preliminär: its page says which
export ends before the Sunday, or that the week is still in progress. A week whose figures moved
beyond the interval after its report was e-mailed is reviderad, with the day the first one went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from onodig.ingestion.coverage import WeekCoverage
from onodig.reports.texts import day_and_month, text

PRELIMINARY = "preliminary"
REVISED = "revised"


@dataclass(frozen=True)
class Banner:
    kind: str  # PRELIMINARY or REVISED
    title: str
    sentence: str


def preliminary_banner(week: WeekCoverage, language: str) -> Banner:
    title = text("preliminary_title", language)
    if week.in_progress:
        return Banner(PRELIMINARY, title, text("preliminary_in_progress", language))
    parts = [
        text("source_until", language, source=text(f"source_{source}", language), day=day_and_month(day, language))
        if day is not None
        else text("source_none", language, source=text(f"source_{source}", language))
        for source, day in week.short
    ]
    sunday = day_and_month(week.week_start + timedelta(days=6), language)
    return Banner(PRELIMINARY, title, text("preliminary_short", language, sunday=sunday, sources="; ".join(parts)))


def revised_banner(sent: date, language: str) -> Banner:
    sentence = text("revised_sentence", language, sent=day_and_month(sent, language))
    return Banner(REVISED, text("revised_title", language), sentence)
