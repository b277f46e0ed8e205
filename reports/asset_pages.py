"""What an analyst reads on the marts' pages in the Dagster UI, built from the mart tables.

Dagster plots a numeric metadata value across an asset's materializations; with one value per
process and week on each weekly partition's materialization, those plots are each process's
trend. The latest materialization also carries one chart of every process's last weeks and
tables formatted as a reader expects (thousands separated, shares in per cent, dates as dates,
causes and levers named in the page's language), not raw query output.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from onodig.reports.texts import (  # noqa: E402
    check_language,
    demand_type_name,
    format_number,
    format_percent,
    is_missing,
    iso_week,
    lever_display_name,
    root_cause_name,
)

TREND_WEEKS = 12
TOTAL = "total"  # the whole municipality, beside the processes, in per-partition metadata keys
SPARKS = "▁▂▃▄▅▆▇█"

HEADERS = {
    "sv": {
        "process": "Process",
        "week": "Vecka",
        "monday": "Måndag",
        "inquiries": "Förfrågningar",
        "share": "Andel onödig",
        "interval": "95 % intervall",
        "corrected": "Korrigerad andel",
        "previous": "Veckan före",
        "trend": "Trend 12 veckor",
        "demand_type": "Typ",
        "root_cause": "Orsak",
        "lever": "Åtgärd",
        "latest": "Senaste veckan",
        "period": "12 veckor",
        "hours": "Timmar, 12 veckor",
        "chart_title": "Andel onödig efterfrågan per process, de senaste 12 veckorna",
        "whole": "Hela kommunen",
    },
    "en": {
        "process": "Process",
        "week": "Week",
        "monday": "Monday",
        "inquiries": "Inquiries",
        "share": "Avoidable share",
        "interval": "95% interval",
        "corrected": "Corrected share",
        "previous": "Week before",
        "trend": "Trend, 12 weeks",
        "demand_type": "Type",
        "root_cause": "Cause",
        "lever": "Lever",
        "latest": "Latest week",
        "period": "12 weeks",
        "hours": "Hours, 12 weeks",
        "chart_title": "Avoidable demand share per process, last 12 weeks",
        "whole": "Whole municipality",
    },
}


def _week(value) -> date:
    return pd.Timestamp(value).date()


def week_label(week_start: date, language: str) -> str:
    """ "v. 47 2026, 2026-11-16 – 2026-11-22": the week as people say it, and its days as dates."""
    year, week = iso_week(week_start)
    prefix = "v." if language == "sv" else "Week"
    return f"{prefix} {week} {year}, {week_start.isoformat()} – {(week_start + timedelta(days=6)).isoformat()}"


def latest_week(weekly: pd.DataFrame, language: str = "sv") -> str:
    """The week the process table is about (its rows would otherwise each repeat it)."""
    data = last_weeks(weekly)
    return week_label(max(data["week_start"]), check_language(language)) if len(data) else ""


def partition_figures(weekly: pd.DataFrame) -> dict[date, dict[str, float | int]]:
    """Per week: ``share/<process>`` and ``inquiries/<process>``, and the same for the whole municipality.

    ``weekly`` holds avoidable_demand_weekly rows. A process without inquiries in a week has no
    share (nothing to divide); its count is 0 so its plot shows the gap as a quiet week.
    """
    if weekly.empty:
        return {}
    data = weekly.assign(week_start=[_week(v) for v in weekly["week_start"]])
    processes = sorted(data["process"].unique())
    figures = {}
    for week, rows in data.groupby("week_start"):
        values: dict[str, float | int] = {}
        by_process = rows.set_index("process")
        for process in processes:
            count = int(by_process.at[process, "inquiries"]) if process in by_process.index else 0
            values[f"inquiries/{process}"] = count
            if count:
                values[f"share/{process}"] = round(float(by_process.at[process, "avoidable_share"]), 4)
        total, avoidable = int(rows["inquiries"].sum()), int(rows["avoidable_inquiries"].sum())
        values[f"inquiries/{TOTAL}"] = total
        if total:
            values[f"share/{TOTAL}"] = round(avoidable / total, 4)
        figures[week] = values
    return figures


def last_weeks(weekly: pd.DataFrame, weeks: int = TREND_WEEKS) -> pd.DataFrame:
    """The rows of the last ``weeks`` weeks that hold data, with ``week_start`` as dates."""
    if weekly.empty:
        return weekly
    data = weekly.assign(week_start=[_week(v) for v in weekly["week_start"]])
    keep = sorted(data["week_start"].unique())[-weeks:]
    return data[data["week_start"].isin(keep)].sort_values(["process", "week_start"])


def sparkline(shares: list[float | None]) -> str:
    """A share per week as one character each, on a 0–100 % scale so processes compare; a gap is a space."""
    return "".join(" " if is_missing(s) else SPARKS[min(int(float(s) * len(SPARKS)), len(SPARKS) - 1)] for s in shares)


def process_table(weekly: pd.DataFrame, names: dict[str, str], language: str = "sv") -> list[dict[str, str]]:
    """One row per process for the latest week: its count, share with interval, corrected share,
    the week before and a 12-week sparkline; the most avoidable first."""
    check_language(language)
    words, data = HEADERS[language], last_weeks(weekly)
    if data.empty:
        return []
    weeks = sorted(data["week_start"].unique())
    latest = weeks[-1]
    rows = []
    for process, group in data.groupby("process"):
        by_week = group.set_index("week_start")
        shares = [by_week.at[w, "avoidable_share"] if w in by_week.index else None for w in weeks]
        now = by_week.loc[latest] if latest in by_week.index else None
        before = by_week.loc[weeks[-2]] if len(weeks) > 1 and weeks[-2] in by_week.index else None
        rows.append(
            {
                words["process"]: names.get(process, process),
                words["inquiries"]: format_number(now["inquiries"] if now is not None else 0, language),
                words["share"]: format_percent(now["avoidable_share"] if now is not None else None, language, 1),
                words["interval"]: (
                    f"{format_percent(now['avoidable_share_low'], language, 1)} – "
                    f"{format_percent(now['avoidable_share_high'], language, 1)}"
                    if now is not None
                    else format_percent(None, language)
                ),
                words["corrected"]: format_percent(
                    now["corrected_avoidable_share"] if now is not None else None, language, 1
                ),
                words["previous"]: format_percent(
                    before["avoidable_share"] if before is not None else None, language, 1
                ),
                words["trend"]: sparkline(shares),
                "_order": -float(now["avoidable_share"]) if now is not None else 1.0,
            }
        )
    rows.sort(key=lambda row: (row["_order"], row[words["process"]]))
    return [{k: v for k, v in row.items() if k != "_order"} for row in rows]


def share_by_week_table(weekly: pd.DataFrame, names: dict[str, str], language: str = "sv") -> list[dict[str, str]]:
    """The last 12 weeks, one row each, with every process's share as a column: the chart's numbers."""
    words, data = HEADERS[check_language(language)], last_weeks(weekly)
    if data.empty:
        return []
    pivot = data.pivot(index="week_start", columns="process", values="avoidable_share").sort_index()
    return [
        {
            words["week"]: str(iso_week(week)[1]),
            words["monday"]: week.isoformat(),
            **{names.get(p, p): format_percent(pivot.at[week, p], language, 1) for p in pivot.columns},
        }
        for week in pivot.index
    ]


def root_cause_table(causes: pd.DataFrame, names: dict[str, str], language: str = "sv") -> list[dict[str, str]]:
    """Every root cause of the last 12 weeks per process, not only the top three of one week: its type,
    cause and lever in the page's language, inquiries in the latest week and in all 12, and hours."""
    words = HEADERS[check_language(language)]
    data = last_weeks(causes)
    if data.empty:
        return []
    latest = data["week_start"].max()
    lever = "lever_name" if language == "sv" or "lever_name_en" not in data else "lever_name_en"
    keys = ["process", "demand_type", "root_cause", lever]
    summed = data.groupby(keys, as_index=False).agg(inquiries=("inquiries", "sum"), hours=("hours", "sum"))
    recent = data[data["week_start"] == latest].groupby(keys, as_index=False)["inquiries"].sum()
    merged = summed.merge(recent.rename(columns={"inquiries": "latest"}), on=keys, how="left")
    merged = merged.sort_values(["process", "inquiries", "root_cause"], ascending=[True, False, True])
    return [
        {
            words["process"]: names.get(row.process, row.process),
            words["demand_type"]: demand_type_name(row.demand_type, language),
            words["root_cause"]: root_cause_name(row.root_cause, language),
            words["lever"]: lever_display_name(getattr(row, lever), language),
            words["latest"]: format_number(0 if is_missing(row.latest) else row.latest, language),
            words["period"]: format_number(row.inquiries, language),
            words["hours"]: format_number(row.hours, language, 1),
        }
        for row in merged.itertuples()
    ]


def formatted(frame: pd.DataFrame, language: str = "sv") -> list[dict[str, str]]:
    """Any summary query's rows as text a reader takes in: whole numbers with thousands separated
    (also when the database sums counts into a float), columns named for a share (``share``,
    ``headroom``) in per cent, dates as dates, other decimals to two places."""
    check_language(language)

    def cell(column: str, value) -> str:
        if is_missing(value):
            return ""
        if isinstance(value, pd.Timestamp | date):
            return pd.Timestamp(value).date().isoformat()
        if isinstance(value, bool) or not pd.api.types.is_number(value):
            return str(value)
        if any(word in column for word in ("share", "headroom")):
            return format_percent(value, language, 1)
        if pd.api.types.is_integer(value) or float(value).is_integer():  # a SUM of counts may come back as a float
            return format_number(value, language)
        return format_number(value, language, 2)

    return [{column: cell(column, value) for column, value in row.items()} for row in frame.to_dict("records")]


def trend_chart(weekly: pd.DataFrame, names: dict[str, str], language: str = "sv") -> bytes:
    """One line per process (and the whole municipality, dashed) over the last 12 weeks, as PNG."""
    words, data = HEADERS[check_language(language)], last_weeks(weekly)
    figure = Figure(figsize=(8.0, 3.6), dpi=100)
    axes = figure.add_subplot()
    axes.set_title(words["chart_title"], fontsize=10)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: format_percent(y, language)))
    if not data.empty:
        weeks = sorted(data["week_start"].unique())
        x = {week: i for i, week in enumerate(weeks)}
        for process, group in data.groupby("process"):
            axes.plot(
                [x[w] for w in group["week_start"]],
                group["avoidable_share"],
                marker="o",
                markersize=3,
                label=names.get(process, process),
            )
        total = data.groupby("week_start")[["avoidable_inquiries", "inquiries"]].sum()
        axes.plot(
            [x[w] for w in total.index],
            total["avoidable_inquiries"] / total["inquiries"].clip(lower=1),
            color="black",
            linestyle="--",
            linewidth=1.5,
            label=words["whole"],
        )
        axes.set_xticks(range(len(weeks)), [str(iso_week(w)[1]) for w in weeks])
        axes.set_xlabel(words["week"])
        axes.set_ylim(0, 1)
        axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    figure.clear()
    return buffer.getvalue()
