"""One process owner's weekly report: an HTML page, the same figures as xlsx and as CSV.

The page is rendered twice from the same parts. The file version (outbox, attachment) has no
external resources at all (inline CSS, charts as data URIs): a browser shows it from the outbox,
a share or a saved attachment without a folder of images beside it that a copy would lose. The
e-mail version references the same PNGs as ``cid:`` parts of the message, because Gmail and
Outlook block or strip ``data:`` images in a mail body. Every value that comes from the
warehouse is HTML-escaped where it enters the page. A quiet week still shows the 12-week trend
and the year so far: that is when an owner most needs to see whether a fix is holding.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from onodig.reports.charts import mix_chart, share_chart
from onodig.reports.evidence import DEFAULT_REPEAT_WINDOW_DAYS
from onodig.reports.spreadsheet import safe_frame
from onodig.reports.status import Banner
from onodig.reports.texts import (
    DEMAND_TYPES,
    LABELS,
    change_sentence,
    check_language,
    date_range,
    demand_type_name,
    format_number,
    format_percent,
    is_missing,
    iso_week,
    lever_display_name,
    missing_exports_sentence,
    root_cause_name,
    text,
    week_title,
)
from onodig.reports.workbook import report_workbook

CSV_COLUMNS = (
    "process",
    "week_start",
    "inquiries",
    "avoidable_inquiries",
    "avoidable_share",
    "avoidable_share_low",
    "avoidable_share_high",
    "corrected_avoidable_share",
    "hours",
    "avoidable_hours",
    "avoidable_fte",
    *(f"n_{key}" for key in DEMAND_TYPES),
)
CAPACITY_CSV_COLUMNS = ("hours", "avoidable_hours", "avoidable_fte")
# Six decimals in the CSV: finer digits are noise (a parallel sum in the warehouse may differ in its
# last bits between runs) and would make an unchanged report look changed, and e-mail it again.
CSV_DECIMALS = 6
COUNT_COLUMNS = ("inquiries", "avoidable_inquiries", *(f"n_{key}" for key in DEMAND_TYPES))

# Plain CSS that mail clients and browsers agree on; system fonts only, nothing fetched.
PAGE_CSS = """
body { margin: 0; background: #f4f4f1; color: #1d1d1b;
  font-family: "Segoe UI", Helvetica, Arial, sans-serif; font-size: 16px; line-height: 1.45; }
main { max-width: 800px; margin: 0 auto; padding: 24px 20px 40px; background: #fff; }
header { border-bottom: 3px solid #1f4e79; margin-bottom: 20px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .06em; font-size: 13px; color: #5a5a5a; }
h1 { margin: 4px 0 2px; font-size: 28px; }
h1 .week { font-weight: normal; color: #1f4e79; white-space: nowrap; }
.dates { margin: 0 0 12px; color: #5a5a5a; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
.figure { flex: 1 1 200px; border: 1px solid #d9d9d9; border-radius: 6px; padding: 12px 14px; }
.figure.main { border-color: #c55a11; }
.label { font-size: 13px; color: #5a5a5a; }
.value { font-size: 26px; font-weight: 600; white-space: nowrap; }
.detail { font-size: 14px; color: #3a3a3a; }
.change { font-size: 17px; background: #fff6e5; border-left: 4px solid #c55a11; padding: 10px 14px; margin: 0; }
img { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top;
  overflow-wrap: break-word; }
tr.examples td { border-bottom: 1px solid #c9c9c9; padding-top: 0; font-size: 14px; color: #3a3a3a; }
tr.examples ul { margin: 2px 0 4px; padding-left: 18px; }
tr.examples li { margin: 2px 0; font-style: italic; }
.definition { margin-top: 28px; font-size: 14px; background: #f4f4f1; padding: 10px 14px; border-radius: 6px; }
.definition h2 { margin: 0 0 4px; font-size: 15px; }
.definition p { margin: 0; }
th { font-size: 13px; color: #5a5a5a; font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.headroom { font-weight: 600; }
.notes { margin-top: 28px; font-size: 13px; color: #5a5a5a; }
.notes ul { padding-left: 18px; }
.nodata { padding: 20px; border: 1px dashed #999; border-radius: 6px; }
.missing { background: #eef3f8; border-left: 4px solid #1f4e79; padding: 10px 14px; margin: 0 0 16px; }
footer { margin-top: 24px; font-size: 12px; color: #7a7a7a; }
.status { padding: 10px 14px; margin: 0 0 16px; border-left: 4px solid #9c2b23; background: #fbeceb; }
.status.revised { border-left-color: #1f4e79; background: #eef3f8; }
@media (max-width: 600px) {
  main { padding: 16px 12px 32px; }
  h1 { font-size: 23px; }
  .value { font-size: 22px; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: auto; }
  table.stack thead { display: none; }
  table.stack tr { border-bottom: 1px solid #e3e3e3; padding: 6px 0; }
  table.stack tr.examples { border-bottom: 1px solid #c9c9c9; }
  table.stack td { border: 0; padding: 2px 0; text-align: left; white-space: normal; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: #5a5a5a; font-size: 13px; }
}
"""
EXAMPLE_CAUSES = 3  # the top causes that get example inquiries under them


@dataclass(frozen=True)
class InlineImage:
    """A chart the e-mail carries as a related part, referenced from its HTML as ``cid:<cid>``."""

    cid: str
    filename: str
    png: bytes


@dataclass(frozen=True)
class Report:
    process: str
    week_start: date
    language: str
    html: str  # the page for files: charts as data URIs
    csv: str
    summary: dict
    mail_html: str = ""  # the same page for the e-mail's HTML part: charts as cid: references to `images`
    images: tuple[InlineImage, ...] = ()
    xlsx: bytes = b""


@dataclass(frozen=True)
class _Content:
    """Everything the page shows, so the file and the e-mail versions come from one set of parts."""

    process_name: str
    reported: date
    language: str
    weeks: int
    shown: pd.DataFrame
    current: pd.Series | None
    capacity: pd.Series | None
    causes: pd.DataFrame
    examples: pd.DataFrame
    channels: pd.DataFrame
    repeats: pd.DataFrame
    repeat_window_days: float
    year: dict | None
    summary: dict
    audit: dict | None


def build_report(
    process: str,
    process_name: str,
    weekly: pd.DataFrame,
    root_causes: pd.DataFrame,
    capacity: pd.DataFrame,
    week_start: date | None = None,
    language: str = "sv",
    weeks: int = 12,
    top_causes: int = 5,
    missing_exports: tuple[str, ...] = (),
    audit: dict | None = None,
    channels: pd.DataFrame | None = None,
    repeats: pd.DataFrame | None = None,
    examples: pd.DataFrame | None = None,
    repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS,
) -> Report:
    """Build the report for `week_start` (default: the latest week in `weekly`).

    The inputs are the rows of avoidable_demand_weekly, root_causes_weekly and capacity_weekly for
    this one process; week_start may be datetime64 or python dates. The page and the CSV show up
    to `weeks` calendar weeks ending with the reported one. A week without data gives a page that
    says so rather than an error, so that a scheduled run for a quiet process still delivers, and
    that still shows the trend of the weeks before and the year so far.
    ``missing_exports`` names the landing sources not delivered yet: the page says what it lacks.
    `audit` is the ``classifier_audit`` row of the model in use (``audited``, ``accuracy``,
    ``accuracy_low``, ``accuracy_high``, ``test_accuracy``): the notes say how right the model is.
    The evidence (`reports.evidence`) is optional: `channels` (the week's inquiries per channel),
    `repeats` (repeat_contacts_weekly rows) and `examples` (masked excerpts per demand type and
    root cause); without it those sections say there is nothing to show.
    """
    check_language(language)
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    weekly, root_causes, capacity = (_with_mondays(frame) for frame in (weekly, root_causes, capacity))
    weekly = weekly.sort_values("week_start").drop_duplicates("week_start", keep="last")
    if week_start is not None:
        reported = _monday(week_start)
    elif not weekly.empty:
        reported = weekly["week_start"].max()
    else:
        reported = _monday(date.today())

    shown = weekly[
        (weekly["week_start"] <= reported) & (weekly["week_start"] > reported - timedelta(weeks=weeks))
    ].reset_index(drop=True)
    current = _row_for(weekly, reported)
    missing = missing_exports_sentence(missing_exports, language)
    week_capacity = _row_for(capacity, reported)
    week_causes = root_causes[root_causes["week_start"] == reported]
    causes = top_root_causes(week_causes, top_causes)
    if current is None:
        summary = _no_data_summary(process_name, language)
    else:
        previous = _row_for(weekly, reported - timedelta(weeks=1))
        if previous is None and (weekly["week_start"] < reported).any():
            sentence = text("no_previous_week", language)
        else:
            sentence = change_sentence(current, previous, language)
        summary = _summary(process_name, current, week_capacity, sentence)
    summary = summary | {"missing_exports": missing, "top_causes": _cause_summary(causes, language)}
    channels, repeats = _with_mondays(channels), _with_mondays(repeats)
    content = _Content(
        process_name,
        reported,
        language,
        weeks,
        shown,
        current,
        week_capacity,
        causes,
        examples if examples is not None else pd.DataFrame(),
        channel_table(channels[channels["week_start"] == reported], language),
        repeats,
        repeat_window_days,
        year_so_far(weekly, capacity, reported),
        summary,
        audit,
    )
    images = _charts(process, content)
    xlsx = report_workbook(
        language,
        _workbook_weeks(shown, capacity, repeats),
        _workbook_causes(top_root_causes(week_causes, len(week_causes)), language),
        content.channels,
        reported,
    )
    return Report(
        process,
        reported,
        language,
        _page(content, images, _data_uri),
        weekly_csv(process, shown, capacity),
        summary,
        mail_html=_page(content, images, lambda image: f"cid:{image.cid}"),
        images=tuple(images.values()),
        xlsx=xlsx,
    )


def channel_table(channels: pd.DataFrame, language: str) -> pd.DataFrame:
    """The week's inquiries per channel, the busiest first, with the channel's name in `language`."""
    columns = ["channel", "inquiries", "avoidable_inquiries", "avoidable_share"]
    if channels.empty or "channel" not in channels:
        return pd.DataFrame(columns=columns)
    frame = channels.assign(channel=channels["channel"].fillna("unknown").astype(str))
    for column in ("inquiries", "avoidable_inquiries"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype(int)
    frame = frame.groupby("channel", as_index=False)[["inquiries", "avoidable_inquiries"]].sum()
    frame = frame[frame["inquiries"] > 0]
    frame["avoidable_share"] = frame["avoidable_inquiries"] / frame["inquiries"]
    frame = frame.sort_values(["inquiries", "channel"], ascending=[False, True])
    frame["channel"] = [channel_name(key, language) for key in frame["channel"]]
    return frame[columns].reset_index(drop=True)


def channel_name(key: str, language: str) -> str:
    label = f"channel_{key}"
    return text(label, language) if label in LABELS[language] else root_cause_name(key, language)


def year_so_far(weekly: pd.DataFrame, capacity: pd.DataFrame, reported: date) -> dict | None:
    """The reported week's ISO year up to and including that week; None when it holds no inquiries."""
    year = iso_week(reported)[0]
    in_year = weekly[[iso_week(week)[0] == year and week <= reported for week in weekly["week_start"]]]
    if in_year.empty or not {"inquiries", "avoidable_inquiries"} <= set(in_year.columns):
        return None
    inquiries = pd.to_numeric(in_year["inquiries"], errors="coerce").sum()
    if not inquiries:
        return None
    avoidable = float(pd.to_numeric(in_year["avoidable_inquiries"], errors="coerce").sum())
    hours = None
    if "avoidable_hours" in capacity:
        weeks = set(in_year["week_start"])
        hours_in_year = capacity[capacity["week_start"].isin(weeks)].drop_duplicates("week_start", keep="last")
        values = pd.to_numeric(hours_in_year["avoidable_hours"], errors="coerce")
        hours = float(values.sum()) if values.notna().any() else None
    return {
        "year": year,
        "first": iso_week(min(in_year["week_start"]))[1],
        "last": iso_week(max(in_year["week_start"]))[1],
        "inquiries": int(inquiries),
        "avoidable_inquiries": int(avoidable),
        "avoidable_share": avoidable / float(inquiries),
        "avoidable_hours": hours,
    }


def top_root_causes(root_causes: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The causes worth fixing first: most inquiries, then most hours, for the rows given."""
    columns = ["demand_type", "root_cause", "lever_name", "lever_name_en", "inquiries", "hours"]
    if root_causes.empty:
        return pd.DataFrame(columns=columns)
    frame = root_causes.copy()
    for column in ("demand_type", "root_cause", "lever_name"):
        frame[column] = frame[column].fillna("unknown").astype(str) if column in frame else "unknown"
    if "lever_name_en" not in frame:  # older warehouses carry the lever in one language only
        frame["lever_name_en"] = frame["lever_name"]
    frame["lever_name_en"] = frame["lever_name_en"].fillna(frame["lever_name"]).astype(str)
    for column in ("inquiries", "hours"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce") if column in frame else float("nan")
    grouped = frame.groupby(["demand_type", "root_cause", "lever_name", "lever_name_en"], as_index=False, dropna=False)[
        ["inquiries", "hours"]
    ].sum(min_count=1)
    grouped = grouped.sort_values(["inquiries", "hours", "root_cause"], ascending=[False, False, True])
    return grouped.head(max(limit, 0)).reset_index(drop=True)[columns]


def weekly_csv(process: str, shown: pd.DataFrame, capacity: pd.DataFrame) -> str:
    """Machine-readable: ';' between fields for Swedish Excel, '.' decimals, one row per week."""
    frame = shown.copy()
    frame["process"] = process
    frame = frame.drop(columns=[c for c in CAPACITY_CSV_COLUMNS if c in frame])
    if not capacity.empty:
        extra = capacity.drop_duplicates("week_start", keep="last")
        extra = extra[["week_start", *(c for c in CAPACITY_CSV_COLUMNS if c in extra)]]
        frame = frame.merge(extra, on="week_start", how="left")
    for column in CSV_COLUMNS:
        if column not in frame:
            frame[column] = float("nan")
    frame = frame[list(CSV_COLUMNS)].sort_values("week_start")
    frame["week_start"] = [week.isoformat() for week in frame["week_start"]]
    for column in CSV_COLUMNS[2:]:
        values = pd.to_numeric(frame[column], errors="coerce")
        frame[column] = _whole_numbers_as_int(values) if column in COUNT_COLUMNS else values.round(CSV_DECIMALS)
    return safe_frame(frame).to_csv(sep=";", index=False, lineterminator="\n")


def _whole_numbers_as_int(values: pd.Series) -> pd.Series:
    """Counts stay "12", not "12.0", even when a missing value made the column float."""
    present = values.dropna()
    if values.dtype.kind == "f" and not present.empty and (present == present.round()).all():
        return values.astype("Int64")
    return values


def _with_mondays(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or "week_start" not in frame:
        return pd.DataFrame({"week_start": pd.Series([], dtype=object)})
    frame = frame.copy()
    frame["week_start"] = [_monday(value) for value in frame["week_start"]]
    return frame


def _monday(value: Any) -> date:
    day = pd.Timestamp(value).date()
    return day - timedelta(days=day.weekday())


def _row_for(frame: pd.DataFrame, week: date) -> pd.Series | None:
    rows = frame[frame["week_start"] == week]
    return None if rows.empty else rows.iloc[-1]


def _value(row: pd.Series | None, key: str) -> float | None:
    if row is None or key not in row or is_missing(row[key]):
        return None
    return float(row[key])


def _summary(process_name: str, current: pd.Series, capacity: pd.Series | None, sentence: str) -> dict:
    inquiries = _value(current, "inquiries")
    return {
        "inquiries": None if inquiries is None else int(inquiries),
        "avoidable_share": _value(current, "avoidable_share"),
        "avoidable_share_low": _value(current, "avoidable_share_low"),
        "avoidable_share_high": _value(current, "avoidable_share_high"),
        "corrected_avoidable_share": _value(current, "corrected_avoidable_share"),
        "avoidable_hours": _value(capacity, "avoidable_hours"),
        "avoidable_fte": _value(capacity, "avoidable_fte"),
        "change_sentence": sentence,
        "process_name": process_name,
        "hours": _value(capacity, "hours"),
        "freed_hours_if_halved": _value(capacity, "freed_hours_if_halved"),
        "growth_headroom_if_halved": _value(capacity, "growth_headroom_if_halved"),
    }


def _no_data_summary(process_name: str, language: str) -> dict:
    return {
        "inquiries": 0,
        "avoidable_share": None,
        "avoidable_share_low": None,
        "avoidable_share_high": None,
        "corrected_avoidable_share": None,
        "avoidable_hours": None,
        "avoidable_fte": None,
        "change_sentence": text("no_data_sentence", language),
        "process_name": process_name,
        "hours": None,
        "freed_hours_if_halved": None,
        "growth_headroom_if_halved": None,
    }


def _no_data(content: _Content) -> str:
    year, week = iso_week(content.reported)
    message = text("no_data", content.language, process_name=content.process_name, week=week, year=year)
    return f"""<section class="nodata">
<h2>{_e(text("no_data_heading", content.language))}</h2>
<p>{_e(message)}</p>
</section>"""


def _cause_summary(causes: pd.DataFrame, language: str) -> list[dict]:
    """The top causes in words, for the e-mail's plain-text part."""
    return [
        {
            "cause": root_cause_name(cause.root_cause, language),
            "lever": lever_display_name(_lever_name(cause, language), language),
            "inquiries": None if is_missing(cause.inquiries) else float(cause.inquiries),
            "hours": None if is_missing(cause.hours) else float(cause.hours),
        }
        for cause in causes.itertuples(index=False)
    ]


def _charts(process: str, content: _Content) -> dict[str, InlineImage]:
    """The PNGs the page shows: the trend whenever the window holds a week of data, the mix when the week does."""
    stem = f"{re.sub(r'[^A-Za-z0-9_-]', '-', str(process))[:60]}.{content.reported:%G-W%V}"
    charts = {}
    if not content.shown.empty:
        charts["share"] = share_chart(content.shown, content.language, axis=_axis(content))
    if content.current is not None:
        charts["mix"] = mix_chart(content.current, content.language)
    return {name: InlineImage(f"{name}.{stem}@onodig", f"{name}.png", png) for name, png in charts.items()}


def _axis(content: _Content) -> list[date]:
    return [content.reported - timedelta(weeks=n) for n in range(content.weeks - 1, -1, -1)]


def _workbook_weeks(shown: pd.DataFrame, capacity: pd.DataFrame, repeats: pd.DataFrame) -> pd.DataFrame:
    frame = shown.drop(columns=[c for c in (*CAPACITY_CSV_COLUMNS, "repeat_rate") if c in shown])
    for extra, columns in ((capacity, CAPACITY_CSV_COLUMNS), (repeats, ("repeat_rate",))):
        present = [c for c in columns if c in extra]
        if not extra.empty and present:
            frame = frame.merge(extra.drop_duplicates("week_start", keep="last")[["week_start", *present]], "left")
    frame["week"] = [f"{week:%G-W%V}" for week in frame["week_start"]]
    return frame.sort_values("week_start")


def _workbook_causes(causes: pd.DataFrame, language: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "demand_type": [demand_type_name(key, language) for key in causes["demand_type"]],
            "root_cause": [root_cause_name(key, language) for key in causes["root_cause"]],
            "lever": [lever_display_name(_lever_name(c, language), language) for c in causes.itertuples(index=False)],
            "inquiries": causes["inquiries"].tolist(),
            "hours": causes["hours"].tolist(),
        }
    )


Source = Callable[[InlineImage], str]


def _page(content: _Content, images: dict[str, InlineImage], src: Source) -> str:
    language, summary, current = content.language, content.summary, content.current
    _, week = iso_week(content.reported)
    if current is None:
        week_parts = f"{_no_data(content)}"
    else:
        week_parts = f"""{_key_figures(summary, language)}
<section>
<h2>{_e(text("change_heading", language))}</h2>
<p class="change">{_e(summary["change_sentence"])}</p>
</section>"""
    body = f"""{_missing(summary["missing_exports"])}
{week_parts}
<section>
<h2>{_e(text("share_heading", language))}</h2>
{_trend(content, images, src)}
</section>
<section>
<h2>{_e(text("year_heading", language, year=iso_week(content.reported)[0]))}</h2>
{_year(content.year, language)}
</section>
<section>
<h2>{_e(text("mix_heading", language, week=week))}</h2>
{_mix(content, images, src)}
</section>
<section>
<h2>{_e(text("causes_heading", language))}</h2>
{_causes_table(content.causes, language, content.examples)}
</section>
<section>
<h2>{_e(text("capacity_heading", language))}</h2>
{_capacity(content.capacity, language)}
</section>
<section>
<h2>{_e(text("channels_heading", language, week=week))}</h2>
{_channels(content.channels, language)}
</section>
<section>
<h2>{_e(text("repeats_heading", language))}</h2>
{_repeats(content)}
</section>
<section class="definition">
<h2>{_e(text("definition_heading", language))}</h2>
<p>{_e(text("definition", language))}</p>
</section>
{"" if current is None else _notes(current, content.capacity, language, content.audit)}"""
    return _document(content.process_name, content.reported, language, body)


def _trend(content: _Content, images: dict[str, InlineImage], src: Source) -> str:
    if "share" not in images:
        return f"<p>{_e(text('trend_none', content.language, weeks=content.weeks))}</p>"
    alt = text(
        "share_chart_alt",
        content.language,
        first=iso_week(_axis(content)[0])[1],
        last=iso_week(content.reported)[1],
        share=format_percent(content.summary["avoidable_share"], content.language),
    )
    return _img(src(images["share"]), alt)


def _mix(content: _Content, images: dict[str, InlineImage], src: Source) -> str:
    language, week = content.language, iso_week(content.reported)[1]
    if "mix" not in images:
        return f"<p>{_e(text('mix_none', language, week=week))}</p>"
    counts = ", ".join(
        f"{demand_type_name(key, language)} {format_number(_value(content.current, f'n_{key}'), language)}"
        for key in DEMAND_TYPES
    )
    return _img(src(images["mix"]), text("mix_chart_alt", language, week=week, counts=counts))


def _year(year: dict | None, language: str) -> str:
    if year is None:
        return f"<p>{_e(text('year_none', language))}</p>"
    sentence = text(
        "year_sentence",
        language,
        first=year["first"],
        last=year["last"],
        inquiries=format_number(year["inquiries"], language),
        avoidable=format_number(year["avoidable_inquiries"], language),
        share=format_percent(year["avoidable_share"], language),
        hours=_hours(year["avoidable_hours"], language),
    )
    return f"<p>{_e(sentence)}</p>"


def _channels(channels: pd.DataFrame, language: str) -> str:
    if channels.empty:
        return f"<p>{_e(text('no_channels', language))}</p>"
    labels = [text(key, language) for key in ("col_channel", "col_inquiries", "col_avoidable", "col_share")]
    header = f"<th>{_e(labels[0])}</th>" + "".join(f'<th class="num">{_e(label)}</th>' for label in labels[1:])
    rows = "\n".join(
        "<tr>"
        f'<td data-label="{_e(labels[0])}">{_e(row.channel)}</td>'
        f'<td class="num" data-label="{_e(labels[1])}">{_e(format_number(row.inquiries, language))}</td>'
        f'<td class="num" data-label="{_e(labels[2])}">{_e(format_number(row.avoidable_inquiries, language))}</td>'
        f'<td class="num" data-label="{_e(labels[3])}">{_e(format_percent(row.avoidable_share, language))}</td>'
        "</tr>"
        for row in channels.itertuples(index=False)
    )
    return f'<table class="channels">\n<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>'


def _repeats(content: _Content) -> str:
    language, repeats = content.language, content.repeats
    if repeats.empty:
        return f"<p>{_e(text('no_repeats', language))}</p>"
    window = repeats[repeats["week_start"].isin(_axis(content))]
    this_week = window[window["week_start"] == content.reported]
    identified = pd.to_numeric(this_week["identified_inquiries"], errors="coerce").sum()
    if not identified:
        return f"<p>{_e(text('no_repeats', language))}</p>"
    repeated = pd.to_numeric(this_week["repeat_inquiries"], errors="coerce").sum()
    parts = [
        text(
            "repeats_sentence",
            language,
            repeats=format_number(repeated, language),
            identified=format_number(identified, language),
            rate=format_percent(repeated / identified, language),
            days=format_number(content.repeat_window_days, language),
        )
    ]
    all_identified = pd.to_numeric(window["identified_inquiries"], errors="coerce").sum()
    if len(window) > 1 and all_identified:
        rate = pd.to_numeric(window["repeat_inquiries"], errors="coerce").sum() / all_identified
        parts.append(text("repeats_average", language, weeks=content.weeks, rate=format_percent(rate, language)))
    return f"<p>{_e(' '.join(parts))}</p>"


def _missing(sentence: str | None) -> str:
    return f'<p class="missing">{_e(sentence)}</p>' if sentence else ""


def _key_figures(summary: dict, language: str) -> str:
    interval = text(
        "interval",
        language,
        low=format_number(_times_100(summary["avoidable_share_low"]), language),
        high=format_percent(summary["avoidable_share_high"], language),
    )
    corrected = text("corrected", language, share=format_percent(summary["corrected_avoidable_share"], language))
    hours = text("hours_value", language, hours=_hours(summary["avoidable_hours"], language))
    fte = text("fte_value", language, fte=_fte(summary["avoidable_fte"], language))
    return f"""<section class="figures">
<div class="figure"><div class="label">{_e(text("inquiries", language))}</div>
<div class="value">{_e(format_number(summary["inquiries"], language))}</div></div>
<div class="figure main"><div class="label">{_e(text("avoidable_share", language))}</div>
<div class="value">{_e(format_percent(summary["avoidable_share"], language))}</div>
<div class="detail">{_e(interval)}</div><div class="detail">{_e(corrected)}</div></div>
<div class="figure"><div class="label">{_e(text("avoidable_hours", language))}</div>
<div class="value">{_e(hours)}</div><div class="detail">{_e(fte)}</div></div>
</section>"""


def _causes_table(causes: pd.DataFrame, language: str, examples: pd.DataFrame | None = None) -> str:
    if causes.empty:
        return f"<p>{_e(text('no_causes', language))}</p>"
    keys = ("col_demand_type", "col_root_cause", "col_lever", "col_inquiries", "col_hours")
    labels = [_e(text(key, language)) for key in keys]
    header = "".join(f"<th>{label}</th>" for label in labels[:3]) + "".join(
        f'<th class="num">{label}</th>' for label in labels[3:]
    )
    rows = []
    for rank, cause in enumerate(causes.itertuples(index=False)):
        cells = (
            f'<td data-label="{labels[0]}">{_e(demand_type_name(cause.demand_type, language))}</td>'
            f'<td data-label="{labels[1]}">{_e(root_cause_name(cause.root_cause, language))}</td>'
            f'<td data-label="{labels[2]}">{_e(lever_display_name(_lever_name(cause, language), language))}</td>'
            f'<td class="num" data-label="{labels[3]}">{_e(format_number(cause.inquiries, language))}</td>'
            f'<td class="num" data-label="{labels[4]}">{_e(_hours(cause.hours, language))}</td>'
        )
        rows.append(f"<tr>{cells}</tr>")
        quotes = _examples_for(examples, cause) if rank < EXAMPLE_CAUSES else []
        if quotes:
            items = "".join(f"<li>{_e(quote)}</li>" for quote in quotes)
            rows.append(
                f'<tr class="examples"><td colspan="5"><span class="label">{_e(text("examples_label", language))}'
                f"</span><ul>{items}</ul></td></tr>"
            )
    body = "\n".join(rows)
    return f'<table class="stack causes">\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def _examples_for(examples: pd.DataFrame | None, cause) -> list[str]:
    if examples is None or examples.empty or not {"demand_type", "root_cause", "text"} <= set(examples.columns):
        return []
    rows = examples[(examples["demand_type"] == cause.demand_type) & (examples["root_cause"] == cause.root_cause)]
    return [quote for quote in rows["text"].tolist() if isinstance(quote, str) and quote]


def _lever_name(cause, language: str) -> str:
    """The lever in the report's language where the warehouse has it (lever_name_en), else as stored."""
    english = getattr(cause, "lever_name_en", None)
    return english if language == "en" and isinstance(english, str) and english else cause.lever_name


def _capacity(capacity: pd.Series | None, language: str) -> str:
    if capacity is None or _value(capacity, "avoidable_hours") is None:
        return f"<p>{_e(text('no_capacity', language))}</p>"
    cost = text(
        "capacity_sentence",
        language,
        avoidable_hours=_hours(_value(capacity, "avoidable_hours"), language),
        hours=_hours(_value(capacity, "hours"), language),
        avoidable_fte=_fte(_value(capacity, "avoidable_fte"), language),
    )
    parts = [f"<p>{_e(cost)}</p>"]
    headroom = _value(capacity, "growth_headroom_if_halved")
    freed = _value(capacity, "freed_hours_if_halved")
    if headroom is not None and freed is not None:
        sentence = text(
            "headroom_sentence",
            language,
            freed_hours=_hours(freed, language),
            headroom=format_percent(headroom, language),
        )
        parts.append(f'<p class="headroom">{_e(sentence)}</p>')
    return "\n".join(parts)


def audit_note(audit: dict | None, language: str, basis: Any = None) -> str:
    """How right the classifier is on the municipality's own inquiries, or that nobody has checked yet."""
    audited = 0 if audit is None or is_missing(audit.get("audited")) else int(audit["audited"])
    if not audited:
        test = None if audit is None else audit.get("test_accuracy")
        return text("note_no_audit", language, accuracy=format_percent(test, language))
    note = text(
        "note_audit",
        language,
        n=format_number(audited, language),
        accuracy=format_percent(audit["accuracy"], language),
        low=format_percent(audit["accuracy_low"], language),
        high=format_percent(audit["accuracy_high"], language),
    )
    return note + (" " + text("note_audit_corrects", language) if basis == "audit" else "")


def _notes(current: pd.Series, capacity: pd.Series | None, language: str, audit: dict | None = None) -> str:
    notes = [text("note_interval", language), text("note_corrected", language)]
    notes.append(audit_note(audit, language, current.get("correction_basis")))
    review = _value(current, "needs_review")
    if review:
        notes.append(text("note_review", language, n=format_number(review, language)))
    default_hours = _value(capacity, "inquiries_with_default_hours")
    if default_hours:
        notes.append(text("note_default_hours", language, n=format_number(default_hours, language)))
    items = "\n".join(f"<li>{_e(note)}</li>" for note in notes)
    return f'<section class="notes">\n<ul>\n{items}\n</ul>\n</section>'


def _document(process_name: str, reported: date, language: str, body: str) -> str:
    title = week_title(reported, language)
    dates = date_range(reported, reported + timedelta(days=6), language)
    page_title = f"{text('report_title', language)} – {process_name} – {title}"
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(page_title)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<main>
<header>
<p class="kicker">{_e(text("report_title", language))}</p>
<h1>{_e(process_name)} <span class="week">{_e(title)}</span></h1>
<p class="dates">{_e(dates)}</p>
</header>
{body}
<footer><p>{_e(text("footer_files", language))}</p></footer>
</main>
</body>
</html>
"""


def _img(source: str, alt: str) -> str:
    return f'<img src="{_e(source)}" alt="{_e(alt)}" width="770" height="330">'


def _data_uri(image: InlineImage) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _times_100(share: float | None) -> float | None:
    return None if share is None else share * 100


def _hours(value: Any, language: str) -> str:
    return format_number(value, language, 1)


def _fte(value: Any, language: str) -> str:
    """Two decimals for the usual fraction of a person, one once it is whole people."""
    if is_missing(value):
        return format_number(value, language)
    return format_number(value, language, 2 if abs(float(value)) < 10 else 1)


def with_banner(report: Report, banner: Banner | None) -> Report:
    """The page with the banner first under its heading, and the summary saying the report's status.

    Apart from :func:`build_report`: whether a week is preliminär or reviderad is the publisher's
    to say (it follows from the exports' coverage and what was sent), not the figures'.
    """
    if banner is None:
        return dataclasses.replace(report, summary=report.summary | {"status": "final"})
    block = f'<p class="status {_e(banner.kind)}"><strong>{_e(banner.title)}.</strong> {_e(banner.sentence)}</p>'

    def put_on(page: str) -> str:
        head, cut, rest = page.partition("</header>\n")
        return f"{head}{cut}{block}\n{rest}" if cut else page.replace("<main>", f"<main>\n{block}", 1)

    return dataclasses.replace(
        report,
        html=put_on(report.html),
        mail_html=put_on(report.mail_html) if report.mail_html else "",
        summary=report.summary | {"status": banner.kind},
    )
