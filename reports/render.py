"""One process owner's weekly report: a self-contained HTML page and the same figures as CSV.

The page has no external resources at all (inline CSS, charts as data URIs) so that it survives
being mailed, saved to a share or opened offline, and it shows nothing the reader has to look up
elsewhere. Every value that comes from the warehouse is HTML-escaped where it enters the page.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from onodig.reports.charts import mix_chart, share_chart
from onodig.reports.spreadsheet import safe_frame
from onodig.reports.texts import (
    DEMAND_TYPES,
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
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { font-size: 13px; color: #5a5a5a; font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.headroom { font-weight: 600; }
.notes { margin-top: 28px; font-size: 13px; color: #5a5a5a; }
.notes ul { padding-left: 18px; }
.nodata { padding: 20px; border: 1px dashed #999; border-radius: 6px; }
.missing { background: #eef3f8; border-left: 4px solid #1f4e79; padding: 10px 14px; margin: 0 0 16px; }
footer { margin-top: 24px; font-size: 12px; color: #7a7a7a; }
"""


@dataclass(frozen=True)
class Report:
    process: str
    week_start: date
    language: str
    html: str
    csv: str
    summary: dict


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
    sections: tuple = (),
) -> Report:
    """Build the report for `week_start` (default: the latest week in `weekly`).

    The inputs are the rows of avoidable_demand_weekly, root_causes_weekly and capacity_weekly for
    this one process; week_start may be datetime64 or python dates. The page and the CSV show up
    to `weeks` calendar weeks ending with the reported one. A week without data gives a page that
    says so rather than an error, so that a scheduled run for a quiet process still delivers.
    ``missing_exports`` names the landing sources not delivered yet: the page says what it lacks.
    `audit` is the ``classifier_audit`` row of the model in use (``audited``, ``accuracy``,
    ``accuracy_low``, ``accuracy_high``, ``test_accuracy``): the notes say how right the model is.
    ``sections`` are parts built elsewhere (``.html``, ``.text``), shown after what changed.
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
    if current is None:
        return _no_data_report(process, process_name, reported, language, missing)

    previous = _row_for(weekly, reported - timedelta(weeks=1))
    if previous is None and (weekly["week_start"] < reported).any():
        sentence = text("no_previous_week", language)
    else:
        sentence = change_sentence(current, previous, language)
    week_capacity = _row_for(capacity, reported)
    causes = top_root_causes(root_causes[root_causes["week_start"] == reported], top_causes)
    summary = _summary(process_name, current, week_capacity, sentence) | {"missing_exports": missing}
    summary["sections_text"] = "\n\n".join(section.text for section in sections if section.text)
    page = _page(process_name, reported, language, shown, current, week_capacity, causes, summary, audit, sections)
    return Report(process, reported, language, page, weekly_csv(process, shown, capacity), summary)


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


def _no_data_report(
    process: str, process_name: str, reported: date, language: str, missing: str | None = None
) -> Report:
    year, week = iso_week(reported)
    message = text("no_data", language, process_name=process_name, week=week, year=year)
    body = f"""{_missing(missing)}
<section class="nodata">
<h2>{_e(text("no_data_heading", language))}</h2>
<p>{_e(message)}</p>
</section>"""
    summary = {
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
        "missing_exports": missing,
    }
    csv = ";".join(CSV_COLUMNS) + "\n"
    return Report(process, reported, language, _document(process_name, reported, language, body), csv, summary)


def _page(
    process_name: str,
    reported: date,
    language: str,
    shown: pd.DataFrame,
    current: pd.Series,
    capacity: pd.Series | None,
    causes: pd.DataFrame,
    summary: dict,
    audit: dict | None = None,
    sections: tuple = (),
) -> str:
    _, week = iso_week(reported)
    share_alt = text(
        "share_chart_alt",
        language,
        first=iso_week(shown["week_start"].iloc[0])[1],
        last=week,
        share=format_percent(summary["avoidable_share"], language),
    )
    counts = ", ".join(
        f"{demand_type_name(key, language)} {format_number(_value(current, f'n_{key}'), language)}"
        for key in DEMAND_TYPES
    )
    mix_alt = text("mix_chart_alt", language, week=week, counts=counts)
    body = f"""{_missing(summary["missing_exports"])}
{_key_figures(summary, language)}
<section>
<h2>{_e(text("change_heading", language))}</h2>
<p class="change">{_e(summary["change_sentence"])}</p>
</section>
{"".join(section.html for section in sections)}
<section>
<h2>{_e(text("share_heading", language))}</h2>
{_img(share_chart(shown, language), share_alt)}
</section>
<section>
<h2>{_e(text("mix_heading", language, week=week))}</h2>
{_img(mix_chart(current, language), mix_alt)}
</section>
<section>
<h2>{_e(text("causes_heading", language))}</h2>
{_causes_table(causes, language)}
</section>
<section>
<h2>{_e(text("capacity_heading", language))}</h2>
{_capacity(capacity, language)}
</section>
{_notes(current, capacity, language, audit)}"""
    return _document(process_name, reported, language, body)


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


def _causes_table(causes: pd.DataFrame, language: str) -> str:
    if causes.empty:
        return f"<p>{_e(text('no_causes', language))}</p>"
    header = "".join(
        f"<th>{_e(text(key, language))}</th>" for key in ("col_demand_type", "col_root_cause", "col_lever")
    ) + "".join(f'<th class="num">{_e(text(key, language))}</th>' for key in ("col_inquiries", "col_hours"))
    rows = []
    for cause in causes.itertuples(index=False):
        cells = (
            f"<td>{_e(demand_type_name(cause.demand_type, language))}</td>"
            f"<td>{_e(root_cause_name(cause.root_cause, language))}</td>"
            f"<td>{_e(lever_display_name(_lever_name(cause, language), language))}</td>"
            f'<td class="num">{_e(format_number(cause.inquiries, language))}</td>'
            f'<td class="num">{_e(_hours(cause.hours, language))}</td>'
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows)
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


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
<footer><p>{_e(text("footer", language))}</p></footer>
</main>
</body>
</html>
"""


def _img(png: bytes, alt: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{_e(alt)}" width="770" height="330">'


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
