"""Demand alerts: process-weeks that depart from their own recent baseline beyond chance.

Two kinds of test per process and week, against the process's trailing weeks:

- the avoidable share, a two-sided binomial test of the week's avoidable inquiries against the
  trailing weeks' pooled share;
- each demand type's count, a two-sided Poisson test against its trailing weekly mean: the exact
  conditional test of two Poisson rates (given the week's and the trailing weeks' counts together,
  the week's is binomial with p = 1 / (weeks + 1)), which allows for the baseline being an
  estimate too.

The false-alarm rate is for a whole week: it is divided by the number of tests made that week over
all processes (Bonferroni), so a stable history raises about ``false_alarm_rate`` alerts a week
whatever the number of processes and types. A departure must also be big enough to act on
(``min_share_change``, ``min_relative_change``): with thousands of inquiries a trivial move is
"significant". The week's most surprising departures are listed too, alert or not (top movers).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
from scipy.stats import binomtest

from onodig.classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES
from onodig.demand.trend_settings import AlertSettings

TABLE = "demand_alerts"
SHARE = ""  # demand_type of the avoidable-share test: the whole share, no one type
COLUMNS = [
    "alert_id",
    "process",
    "week_start",
    "demand_type",
    "measure",
    "observed",
    "expected",
    "direction",
    "p_value",
    "threshold",
    "alert",
    "mover_rank",
    "trailing_weeks",
    "reason",
]
DTYPES = {
    "alert_id": "string",
    "process": "string",
    "week_start": "datetime64[us]",
    "demand_type": "string",
    "measure": "string",
    "observed": "float64",
    "expected": "float64",
    "direction": "string",
    "p_value": "float64",
    "threshold": "float64",
    "alert": "bool",
    "mover_rank": "Int64",
    "trailing_weeks": "int64",
    "reason": "string",
}


def poisson_rate_test(count: int, earlier: int, weeks: int) -> float:
    """Two-sided p-value of ``count`` in one week against ``earlier`` over ``weeks`` trailing weeks."""
    return float(binomtest(count, count + earlier, 1 / (weeks + 1)).pvalue)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + " %"


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") if value != int(value) else f"{int(value)}"


def reason(demand_type: str, direction: str, observed: float, expected: float, weeks: int) -> str:
    """The alert in a sentence a process owner reads (Swedish; the reports word it per language)."""
    rose = direction == "up"
    if demand_type == SHARE:
        verb = "steg" if rose else "sjönk"
        return (
            f"Andelen onödig efterfrågan {verb} till {_percent(observed)} mot {_percent(expected)} "
            f"i snitt de {weeks} veckorna före: mer än slumpen förklarar."
        )
    verb = "ökade" if rose else "minskade"
    name = SWEDISH_NAMES.get(demand_type, demand_type)
    return (
        f"{name}: {verb} till {_number(observed)} förfrågningar mot {_number(round(expected, 1))} i snitt "
        f"de {weeks} veckorna före: mer än slumpen förklarar."
    )


def tests_of_week(weekly: pd.DataFrame, week: date, settings: AlertSettings) -> list[dict]:
    """Every test of one week, over all processes, with its p-value (before the correction)."""
    first = week - timedelta(weeks=settings.trailing_weeks)
    rows = []
    for process, own in weekly.groupby("process", sort=True):
        current = own[own["week_start"] == week]
        trailing = own[(own["week_start"] >= first) & (own["week_start"] < week)]
        weeks = len(trailing)
        if current.empty or weeks < settings.min_trailing_weeks:
            continue
        now = current.iloc[0]
        n, k = int(now["inquiries"]), int(now["avoidable_inquiries"])
        total = int(trailing["inquiries"].sum())
        if n >= settings.min_inquiries and total > 0:
            p0 = float(trailing["avoidable_inquiries"].sum()) / total
            share = k / n
            if 0 < p0 < 1:
                rows.append(
                    {
                        "process": process,
                        "demand_type": SHARE,
                        "measure": "avoidable_share",
                        "observed": share,
                        "expected": p0,
                        "p_value": float(binomtest(k, n, p0).pvalue),
                        "big_enough": abs(share - p0) >= settings.min_share_change,
                        "trailing_weeks": weeks,
                    }
                )
        for demand_type in DEMAND_TYPES:
            column = f"n_{demand_type}"
            count = int(now[column])
            mean = float(trailing[column].mean())
            if mean < settings.min_expected or mean <= 0:
                continue
            rows.append(
                {
                    "process": process,
                    "demand_type": demand_type,
                    "measure": "inquiries",
                    "observed": float(count),
                    "expected": mean,
                    "p_value": poisson_rate_test(count, int(trailing[column].sum()), weeks),
                    "big_enough": abs(count - mean) >= settings.min_relative_change * mean,
                    "trailing_weeks": weeks,
                }
            )
    return rows


def demand_alerts(weekly: pd.DataFrame, weeks: Iterable[date], settings: AlertSettings) -> pd.DataFrame:
    """Alerts and top movers for ``weeks`` (Mondays), from ``avoidable_demand_weekly`` rows of those
    weeks and their trailing weeks. One row per process, week, demand type (empty: the share) that
    alerts or is among the week's ``top_movers`` most surprising departures."""
    if weekly.empty:
        return pd.DataFrame(columns=COLUMNS).astype(DTYPES)
    weekly = weekly.assign(week_start=pd.to_datetime(weekly["week_start"]).dt.date)
    rows = []
    for week in sorted(set(weeks)):
        tested = tests_of_week(weekly, week, settings)
        if not tested:
            continue
        threshold = settings.false_alarm_rate / len(tested)
        ranked = sorted(tested, key=lambda t: (t["p_value"], t["process"], t["demand_type"]))
        for rank, test in enumerate(ranked, start=1):
            alert = bool(test["p_value"] < threshold and test["big_enough"])
            if not alert and rank > settings.top_movers:
                continue
            direction = "up" if test["observed"] > test["expected"] else "down"
            rows.append(
                {
                    "alert_id": f"{test['process']}/{week.isoformat()}/{test['demand_type'] or 'avoidable_share'}",
                    "process": test["process"],
                    "week_start": week,
                    "demand_type": test["demand_type"],
                    "measure": test["measure"],
                    "observed": round(test["observed"], 6),
                    "expected": round(test["expected"], 6),
                    "direction": direction,
                    "p_value": test["p_value"],
                    "threshold": threshold,
                    "alert": alert,
                    "mover_rank": rank if rank <= settings.top_movers else None,
                    "trailing_weeks": test["trailing_weeks"],
                    "reason": reason(
                        test["demand_type"], direction, test["observed"], test["expected"], test["trailing_weeks"]
                    ),
                }
            )
    if not rows:
        return pd.DataFrame(columns=COLUMNS).astype(DTYPES)
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(DTYPES)
    return frame.sort_values(["week_start", "process", "demand_type"], ignore_index=True)
