"""The report's figures as an Excel workbook a Swedish owner can sort, sum and chart straight away.

The CSV is for machines: Swedish Excel opens its dot decimals as text. Here every figure is a real
number cell with a number format (thousands separators, shares as percent, dates as dates), so
Excel and LibreOffice show them in the reader's own locale ("1 000", "41 %", "2026-10-05") and a
sum or a chart just works. Headers are in the report's language. A text cell that starts like a
formula stays text: openpyxl would otherwise store ``=…`` as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from onodig.reports.texts import DEMAND_TYPES, demand_type_name, is_missing, text

COUNT = "#,##0"
# "41 %": the space before the sign, as the page writes it (Språkrådet); the % scales by 100 as usual
PERCENT = "0\\ %"
HOURS = "#,##0.0"
FTE = "#,##0.00"
DATE = "yyyy-mm-dd"  # the Swedish standard form (SS-ISO 8601)

Column = tuple[str, str, str | None]  # header, source column, number format (None: text)


def weekly_columns(language: str) -> list[Column]:
    return [
        (text("xl_week_start", language), "week_start", DATE),
        (text("xl_week", language), "week", None),
        (text("inquiries", language), "inquiries", COUNT),
        (text("avoidable_share", language), "avoidable_share", PERCENT),
        (text("xl_share_low", language), "avoidable_share_low", PERCENT),
        (text("xl_share_high", language), "avoidable_share_high", PERCENT),
        (text("xl_corrected", language), "corrected_avoidable_share", PERCENT),
        (text("xl_hours", language), "hours", HOURS),
        (text("xl_avoidable_hours", language), "avoidable_hours", HOURS),
        (text("xl_avoidable_fte", language), "avoidable_fte", FTE),
        (text("xl_repeat_rate", language), "repeat_rate", PERCENT),
        *((demand_type_name(key, language), f"n_{key}", COUNT) for key in DEMAND_TYPES),
    ]


def cause_columns(language: str) -> list[Column]:
    return [
        (text("col_demand_type", language), "demand_type", None),
        (text("col_root_cause", language), "root_cause", None),
        (text("col_lever", language), "lever", None),
        (text("col_inquiries", language), "inquiries", COUNT),
        (text("col_hours", language), "hours", HOURS),
    ]


def channel_columns(language: str) -> list[Column]:
    return [
        (text("col_channel", language), "channel", None),
        (text("col_inquiries", language), "inquiries", COUNT),
        (text("col_avoidable", language), "avoidable_inquiries", COUNT),
        (text("col_share", language), "avoidable_share", PERCENT),
    ]


def report_workbook(
    language: str,
    weeks: pd.DataFrame,
    causes: pd.DataFrame,
    channels: pd.DataFrame,
    created: date,
) -> bytes:
    """Three sheets: the weeks shown (oldest first), the week's top causes, the week's channels.

    The frames hold display-ready values: names in the report's language, numbers as numbers.
    `created` is written as the workbook's creation date, so the file says which week it is of.
    """
    book = Workbook()
    book.properties.creator = "onodig"
    book.properties.created = book.properties.modified = datetime(created.year, created.month, created.day)
    _sheet(book.active, text("xl_sheet_weeks", language), weekly_columns(language), weeks)
    _sheet(book.create_sheet(), text("xl_sheet_causes", language), cause_columns(language), causes)
    _sheet(book.create_sheet(), text("xl_sheet_channels", language), channel_columns(language), channels)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(sheet, title: str, columns: Sequence[Column], frame: pd.DataFrame) -> None:
    sheet.title = title
    sheet.append([header for header, _, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in _records(frame, [source for _, source, _ in columns]):
        sheet.append([None] * len(columns))
        for index, ((_, _, number_format), value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            if number_format is None:
                if value is not None:
                    cell.value = str(value)
                    cell.data_type = TYPE_STRING  # "=HYPERLINK(…)" from a lever's name stays text
            else:
                cell.value = value
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for index, (header, _, number_format) in enumerate(columns, start=1):
        width = max(12, min(40, len(header) + 2)) if number_format else 28
        sheet.column_dimensions[get_column_letter(index)].width = width


def _records(frame: pd.DataFrame, sources: Iterable[str]) -> list[list[Any]]:
    sources = list(sources)
    rows = []
    for record in frame.to_dict("records"):
        rows.append([_cell(record.get(source)) for source in sources])
    return rows


def _cell(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars: openpyxl wants plain numbers
        return value.item()
    return value
