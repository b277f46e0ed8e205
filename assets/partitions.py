"""Daily partitions for what lands, weekly ones for what is published.

Both in Stockholm time, so that a day and a week mean what they mean to the municipality, and
both end with the current one (``end_offset=1``): today's files can load today.
"""

from dataclasses import dataclass
from datetime import date

import dagster as dg

from onodig.ingestion.coverage import TIMEZONE
from onodig.ingestion.days import monday


def daily_partitions(first_day: date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=first_day.isoformat(), timezone=TIMEZONE, end_offset=1)


def weekly_partitions(first_day: date) -> dg.WeeklyPartitionsDefinition:
    """ISO weeks, Monday to Sunday, keyed by their Monday like ``week_start`` in the marts."""
    return dg.WeeklyPartitionsDefinition(
        start_date=monday(first_day).isoformat(), day_offset=1, timezone=TIMEZONE, end_offset=1
    )


@dataclass(frozen=True)
class Partitions:
    """The two partitionings every asset module builds its assets with."""

    days: dg.DailyPartitionsDefinition
    weeks: dg.WeeklyPartitionsDefinition

    @classmethod
    def starting(cls, first_day: date) -> "Partitions":
        return cls(daily_partitions(first_day), weekly_partitions(first_day))


def window_dates(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The run's partitions as dates, end exclusive: one partition or a single-run backfill's range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()
