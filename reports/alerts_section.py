"""The report's section on what changed this week: its process's alerts and emerging contact reasons.

Kept apart from render.py so that the page's other content can change without this, and so that
the alert e-mail a sensor sends words an alert the same way the weekly page does. Examples are
masked again before they are shown, whatever the table holds.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import pandas as pd

from onodig.privacy import mask_text
from onodig.reports.texts import demand_type_name, format_number, format_percent, text
from onodig.warehouse import Warehouse

ALERTS, TOPICS = "demand_alerts", "emerging_topics"
TABLES = (ALERTS, TOPICS)


@dataclass(frozen=True)
class Section:
    """A part of the report: its HTML for the page and its lines for the e-mail's plain text."""

    html: str
    text: str


def alert_sentence(row, language: str) -> str:
    """One alert in the reader's language, from the row's fields (``reason`` is the Swedish one)."""
    weeks = int(row["trailing_weeks"])
    if not row["demand_type"]:
        return text(
            "alert_share",
            language,
            verb=text(f"alert_{row['direction']}_share", language),
            observed=format_percent(float(row["observed"]), language, 1),
            expected=format_percent(float(row["expected"]), language, 1),
            weeks=weeks,
        )
    return text(
        "alert_type",
        language,
        type=demand_type_name(row["demand_type"], language),
        verb=text(f"alert_{row['direction']}", language),
        observed=format_number(float(row["observed"]), language),
        expected=format_number(float(row["expected"]), language, 1),
        weeks=weeks,
    )


def topic_sentence(row, language: str) -> str:
    values = {
        "keywords": row["keywords"],
        "inquiries": format_number(int(row["inquiries"]), language),
        "previous": format_number(float(row["previous_inquiries"]), language, 1),
    }
    if row.get("name"):
        return text("topic_named", language, name=row["name"], **values)
    return text("topic_line", language, **values)


@dataclass(frozen=True)
class Trends:
    """The alerts and emerging topics of every process, read once per publication."""

    alerts: pd.DataFrame
    topics: pd.DataFrame

    @classmethod
    def read(cls, store: Warehouse) -> Trends:
        frames = [store.read_table(t) if store.has_table(t) else pd.DataFrame() for t in TABLES]
        return cls(*frames)

    def of(self, frame: pd.DataFrame, process: str, week: date) -> pd.DataFrame:
        if frame.empty:
            return frame
        weeks = pd.to_datetime(frame["week_start"]).dt.date
        return frame[(frame["process"] == process) & (weeks == week)]

    def section(self, process: str, week: date, language: str, covered: bool = True) -> Section:
        """``covered``: whether the exports cover the whole week; one they do not is not tested yet,
        and its report says so rather than that nothing changed."""
        if not covered:
            heading, waiting = text("trends_heading", language), text("trends_not_covered", language)
            return Section(f'<section class="trends">\n<h2>{_e(heading)}</h2>\n<p>{_e(waiting)}</p>\n</section>', "")
        alerts = self.of(self.alerts, process, week)
        if len(alerts):
            alerts = alerts[alerts["alert"].astype(bool)].sort_values(["p_value", "demand_type"])
        topics = self.of(self.topics, process, week)
        if len(topics):
            topics = topics.sort_values(["p_value", "topic_id"])
        heading = text("trends_heading", language)
        if alerts.empty and topics.empty:
            none = text("trends_none", language)
            return Section(f'<section class="trends">\n<h2>{_e(heading)}</h2>\n<p>{_e(none)}</p>\n</section>', "")
        parts, lines = [f'<section class="trends">\n<h2>{_e(heading)}</h2>'], [heading]
        if len(alerts):
            sentences = [alert_sentence(row, language) for _, row in alerts.iterrows()]
            parts.append(f"<h3>{_e(text('alerts_subheading', language))}</h3>")
            parts.append("<ul>" + "".join(f'<li class="alert">{_e(s)}</li>' for s in sentences) + "</ul>")
            lines += [f"- {s}" for s in sentences]
        if len(topics):
            parts.append(f"<h3>{_e(text('topics_subheading', language))}</h3>\n<ul>")
            for _, row in topics.iterrows():
                sentence = topic_sentence(row, language)
                examples = [mask_text(e) for e in str(row["examples"] or "").split("\n") if e.strip()]
                quoted = "".join(f"<li><q>{_e(e)}</q></li>" for e in examples)
                parts.append(
                    f'<li class="topic">{_e(sentence)}'
                    + (f"<br>{_e(text('topic_examples', language))}:<ul>{quoted}</ul>" if quoted else "")
                    + "</li>"
                )
                lines.append(f"- {sentence}")
            parts.append("</ul>")
        parts.append("</section>")
        return Section("\n".join(parts), "\n".join(lines))


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def alert_mail(process_name: str, alerts: pd.DataFrame, language: str) -> tuple[str, str]:
    """The subject and plain text of the e-mail that tells a process owner of new alerts."""
    weeks = sorted(pd.to_datetime(alerts["week_start"]).dt.date.unique())
    last = weeks[-1]
    subject = text("alert_mail_subject", language, process_name=process_name, week=last.isocalendar()[1])
    lines = [text("alert_mail_intro", language, process_name=process_name)]
    for week in weeks:
        year, number, _ = week.isocalendar()
        lines += ["", text("alert_mail_week", language, week=number, year=year)]
        rows = alerts[pd.to_datetime(alerts["week_start"]).dt.date == week].sort_values(["p_value", "demand_type"])
        lines += [f"- {alert_sentence(row, language)}" for _, row in rows.iterrows()]
    return subject, "\n".join(lines) + "\n"
