"""CSV cells that a spreadsheet opens as text, never as a formula.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a
leading tab or carriage return, whatever follows) as a formula: a process key, an id or a
citizen's text like ``=HYPERLINK("http://…")`` would become a link or worse in an analyst's sheet.
Every CSV onodig writes for people goes through :func:`safe_frame`, which prefixes such a cell
with ``'`` (OWASP's advice). Plain numbers, ``-12`` or ``+46.5``, are left alone: they are no formula.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """``'=1+2`` for ``=1+2``; anything that is not a string, or not formula-like, unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns (and column names) are escaped; numeric columns are untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out
