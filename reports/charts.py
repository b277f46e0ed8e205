"""The report's two figures, drawn headless and handed back as PNG bytes to embed in the page.

Figures are built with `matplotlib.figure.Figure`, not pyplot: pyplot keeps every figure in a
global registry until it is closed, and is not safe when reports are built in threads. A figure
that pyplot never saw is freed like any other object, so a run of many reports cannot leak.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from onodig.reports.texts import (  # noqa: E402
    AVOIDABLE_TYPES,
    DEMAND_TYPES,
    check_language,
    demand_type_name,
    format_number,
    format_percent,
    is_missing,
    text,
    week_short,
)

SIZE = (7.0, 3.0)
DPI = 110
# Bundled with matplotlib and covers å, ä and ö: no font is looked up on the system or the network.
STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}

SHARE_COLOUR = "#1f4e79"
BAND_COLOUR = "#9dc3e6"
CORRECTED_COLOUR = "#7f6000"
AVOIDABLE_COLOUR = "#c55a11"
VALUE_COLOUR = "#8c8c8c"


def share_chart(weeks_df: pd.DataFrame, language: str = "sv", axis: Sequence[date] | None = None) -> bytes:
    """The share over the weeks shown, with its uncertainty, so one bad week is not read as a trend.

    `weeks_df` holds avoidable_demand_weekly rows (week_start, avoidable_share, avoidable_share_low,
    avoidable_share_high, corrected_avoidable_share), one per week. Weeks are placed by their
    distance in weeks, so a week without data shows as a gap in the axis rather than vanishing.
    `axis` (Mondays, oldest first) fixes the weeks the axis spans: a quiet last week then still
    has its place at the right-hand end, empty, instead of the chart ending a week early.
    """
    check_language(language)
    data = weeks_df.copy()
    data["week_start"] = [_as_date(value) for value in data["week_start"]]
    data = data.sort_values("week_start").reset_index(drop=True)
    for column in ("avoidable_share", "avoidable_share_low", "avoidable_share_high", "corrected_avoidable_share"):
        data[column] = pd.to_numeric(data[column], errors="coerce") if column in data else float("nan")
    if axis:
        calendar = pd.DataFrame({"week_start": [_as_date(week) for week in axis]})
        data = calendar.merge(data, on="week_start", how="left")

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE, dpi=DPI)
        axes = figure.add_subplot()
        if data.empty:
            return _png(figure)
        first = data["week_start"].iloc[0]
        x = [(week - first).days // 7 for week in data["week_start"]]
        axes.fill_between(
            x,
            data["avoidable_share_low"],
            data["avoidable_share_high"],
            color=BAND_COLOUR,
            alpha=0.6,
            linewidth=0,
            label=text("legend_interval", language),
        )
        present = data["avoidable_share_low"].notna() & data["avoidable_share_high"].notna()
        alone = present & ~present.shift(1, fill_value=False) & ~present.shift(-1, fill_value=False)
        if alone.any():
            # fill_between draws nothing for a week without neighbours; show its interval as a bar instead
            axes.vlines(
                [position for position, single in zip(x, alone, strict=True) if single],
                data.loc[alone, "avoidable_share_low"],
                data.loc[alone, "avoidable_share_high"],
                color=BAND_COLOUR,
                alpha=0.6,
                linewidth=14,
            )
        axes.plot(
            x,
            data["avoidable_share"],
            color=SHARE_COLOUR,
            marker="o",
            markersize=3.5,
            linewidth=2,
            label=text("legend_share", language),
        )
        axes.plot(
            x,
            data["corrected_avoidable_share"],
            color=CORRECTED_COLOUR,
            linestyle="--",
            linewidth=1.5,
            marker="o",
            markersize=2.5,
            label=text("legend_corrected", language),
        )
        top = pd.concat(
            [data["avoidable_share_high"], data["avoidable_share"], data["corrected_avoidable_share"]]
        ).max()
        axes.set_ylim(0, min(1.0, (0.5 if pd.isna(top) else float(top)) * 1.15 + 0.02))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_percent(value, language)))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.set_xticks(x, [week_short(week, language) for week in data["week_start"]])
        axes.set_xlim(min(x) - 0.5, max(x) + 0.5)
        axes.grid(axis="y", color="#e0e0e0", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=3, fontsize=8, borderaxespad=0.2)
        figure.tight_layout()
        return _png(figure)


def mix_chart(row: Mapping, language: str = "sv") -> bytes:
    """What the week's inquiries were about: the avoidable types next to value demand for scale.

    `row` is the reported week's avoidable_demand_weekly row (a pandas Series or any mapping with
    the n_<type> counts and inquiries).
    """
    check_language(language)
    counts = [_count(row, key) for key in DEMAND_TYPES]
    total = _count(row, "inquiries") or sum(counts)
    labels = [demand_type_name(key, language) for key in DEMAND_TYPES]
    colours = [AVOIDABLE_COLOUR if key in AVOIDABLE_TYPES else VALUE_COLOUR for key in DEMAND_TYPES]

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=SIZE, dpi=DPI)
        axes = figure.add_subplot()
        positions = list(range(len(DEMAND_TYPES)))
        axes.barh(positions, counts, color=colours, height=0.65)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        widest = max(counts) if any(counts) else 1
        axes.set_xlim(0, widest * 1.25)
        for position, count in zip(positions, counts, strict=True):
            share = format_percent(count / total, language) if total else ""
            label = f"{format_number(count, language)} ({share})" if share else format_number(count, language)
            axes.text(count + widest * 0.01, position, label, va="center", fontsize=8)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(value, language)))
        axes.set_xlabel(text("mix_axis", language))
        axes.grid(axis="x", color="#e0e0e0", linewidth=0.8)
        axes.set_axisbelow(True)
        figure.tight_layout()
        return _png(figure)


def _count(row: Mapping, key: str) -> float:
    column = key if key == "inquiries" else f"n_{key}"
    try:
        value = row[column]
    except (KeyError, IndexError):
        return 0
    return 0 if is_missing(value) else value


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    figure.clear()
    return buffer.getvalue()
