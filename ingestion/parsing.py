"""Typed, validated, pseudonymised rows from a raw landing table.

Every row either becomes a staged row or a quarantine row with a reason: nothing is dropped in
silence. Values are converted column by column with pandas so that large files stay fast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from onodig.ingestion.contract import Kind, Source
from onodig.ingestion.files import RawTable, UnreadableFile
from onodig.privacy import Pseudonymiser, mask_text
from onodig.privacy.fields import mask_value
from onodig.privacy.shapes import RAW_SHAPES

LOCAL_TZ = "Europe/Stockholm"
OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")

QUARANTINE_COLUMNS = ["source", "file", "line", "reason"]
# Columns the raw-data safety net leaves alone: a pseudonym and a content hash are hex digits.
_NOT_SCANNED = ("citizen_key", "row_hash")
_RAW = "|".join(f"(?:{shape})" for shape in RAW_SHAPES)


@dataclass
class ParsedFile:
    frame: pd.DataFrame
    rejects: pd.DataFrame  # QUARANTINE_COLUMNS
    repeats: int = 0  # exact repeats of a row earlier in the same file


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Contract timestamps as naive Europe/Stockholm wall-clock time.

    ``YYYY-MM-DD HH:MM[:SS]`` is local time already; ISO 8601 with an offset is converted.
    """
    values = values.astype("string")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    present = values.notna()
    has_offset = present & values.str.contains(OFFSET, regex=True, na=False)
    local = present & ~has_offset
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "ISO8601"):
        todo = local & out.isna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(values[todo], format=fmt, errors="coerce")
    if has_offset.any():
        aware = pd.to_datetime(values[has_offset], format="ISO8601", utc=True, errors="coerce")
        out[has_offset] = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return out


def parse_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("string"), format="%Y-%m-%d", errors="coerce").dt.date


def parse_amounts(values: pd.Series) -> pd.Series:
    """``1 234,50`` and ``1234.50`` both mean 1234.5; ``1.234,50`` too."""
    text = values.astype("string").str.replace(_SPACES, "", regex=True)
    has_comma = text.str.contains(",", regex=False, na=False)
    text = text.where(~has_comma, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce")


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    """A content fingerprint per row, vectorised: re-delivered rows are recognised by it.

    pandas' row hashing with its fixed key is deterministic across runs and processes.
    """
    hashes = pd.util.hash_pandas_object(frame.fillna(""), index=False).to_numpy()
    return pd.Series([f"{h:016x}" for h in hashes.tolist()], index=frame.index, dtype="string")


def mask_values(values: pd.Series, pseudonymiser: Pseudonymiser) -> pd.Series:
    """Structured values masked with keyed tokens, each distinct value once (queues repeat)."""
    distinct = values.dropna().unique()
    masked = {value: mask_value(value, pseudonymiser) for value in distinct}
    return values.map(masked, na_action="ignore").astype("string")


def _raw_left(out: pd.DataFrame) -> dict[str, pd.Series]:
    """Per text column, the rows that still hold a raw-personal-data shape after masking.

    The safety net behind the masker: such a row is quarantined instead of written, so the
    blocking quality check never finds it in a table (where a later run would publish it).
    """
    hits = {}
    for column in out.columns:
        if column in _NOT_SCANNED or not (pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object):
            continue
        hit = out[column].astype("string").str.contains(_RAW, regex=True, na=False)
        if hit.any():
            hits[column] = hit.astype(bool)
    return hits


def parse_table(source: Source, raw: RawTable, file_name: str, pseudonymiser: Pseudonymiser) -> ParsedFile:
    """Rows of one raw table, typed and masked, and the rows rejected with their reasons.

    ``file_name`` is masked too (a name like ``contacts_19320606-6066_Kerstin Ekman.csv``): it is
    stored with every row and in the quarantine.
    """
    file_name = mask_value(file_name, pseudonymiser)
    missing = [c.name for c in source.columns if c.required and c.name not in raw.header]
    if missing:
        raise UnreadableFile(f"missing required column(s): {', '.join(missing)}")

    width = len(raw.header)
    reasons: dict[int, str] = {}
    good_rows, good_lines = [], []
    for row, line in zip(raw.rows, raw.lines, strict=True):
        if len(row) != width:
            reasons[line] = f"expected {width} fields, found {len(row)}"
        else:
            good_rows.append(row)
            good_lines.append(line)

    frame = pd.DataFrame(good_rows, columns=raw.header, dtype="string")
    frame = frame.apply(lambda col: col.str.strip()).replace("", pd.NA)
    frame.index = pd.Index(good_lines, name="line")
    row_hash = _row_hashes(frame)

    out = pd.DataFrame(index=frame.index)
    fail = pd.Series(pd.NA, index=frame.index, dtype="string")

    def flag(mask: pd.Series, reason: str) -> None:
        fail[mask & fail.isna()] = reason

    for col in source.columns:
        values = frame[col.name] if col.name in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
        if col.required:
            flag(values.isna(), f"missing required field {col.name}")
        present = values.notna()
        if col.kind is Kind.TIMESTAMP:
            parsed = parse_timestamps(values)
            flag(present & parsed.isna(), f"unparseable timestamp in {col.name}")
        elif col.kind is Kind.DATE:
            parsed = parse_dates(values)
            flag(present & parsed.isna(), f"unparseable date in {col.name}")
        elif col.kind is Kind.AMOUNT:
            parsed = parse_amounts(values)
            flag(present & parsed.isna(), f"unparseable amount in {col.name}")
        elif col.kind is Kind.INTEGER:
            parsed = pd.to_numeric(values, errors="coerce")
            bad = present & (parsed.isna() | (parsed < 0) | (parsed != np.floor(parsed.fillna(0))))
            flag(bad, f"not a non-negative whole number in {col.name}")
            parsed = parsed.where(~bad).round().astype("Int64")
        elif col.kind is Kind.CHOICE:
            parsed = values.str.lower()
            flag(present & ~parsed.isin(col.choices), f"unknown {col.name} (allowed: {', '.join(col.choices)})")
        elif col.kind is Kind.CITIZEN:
            out["citizen_key"] = values.map(pseudonymiser.pseudonym, na_action="ignore").astype("string")
            continue
        elif col.name in source.free_text:
            parsed = values.map(mask_text, na_action="ignore").astype("string")
        elif col.kind in (Kind.ID, Kind.TEXT):
            parsed = mask_values(values, pseudonymiser)
        else:
            parsed = values
        out[col.name] = parsed

    extras = [c for c in raw.header if c not in source.column_names]
    if extras:
        masked = frame[extras].apply(lambda col: col.map(mask_text, na_action="ignore"))
        masked.columns = [mask_value(name, pseudonymiser) for name in extras]
        out["extra"] = [
            json.dumps({k: v for k, v in r.items() if pd.notna(v)}, ensure_ascii=False)
            for r in masked.to_dict("records")
        ]
    else:
        out["extra"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    out["row_hash"] = row_hash
    out["source_file"] = file_name
    out["source_line"] = out.index.astype("int64")
    for column, hit in _raw_left(out).items():
        flag(hit, f"personal data left after masking in {column}")

    # Within one file: an exact repeat is harmless (dropped, counted), the same id with other
    # content is not (quarantined; the first one stays).
    key = source.id_column or "row_hash"
    valid = out[fail.isna()]
    repeats = valid.index[valid.duplicated(subset=[key, "row_hash"])]
    distinct = valid.drop(repeats)
    fail[distinct.index[distinct.duplicated(subset=[key])]] = f"duplicate {key} with different content"
    keep = fail.isna() & ~out.index.isin(repeats)

    for line, reason in fail[fail.notna()].items():
        reasons[int(line)] = str(reason)
    rejects = pd.DataFrame(
        {"source": source.name, "file": file_name, "line": list(reasons.keys()), "reason": list(reasons.values())},
        columns=QUARANTINE_COLUMNS,
    ).sort_values("line", ignore_index=True)
    return ParsedFile(frame=out[keep].reset_index(drop=True), rejects=rejects, repeats=len(repeats))
