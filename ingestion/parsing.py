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

from onodig.ingestion.contract import MAX_TEXT_CHARS, MAX_WHOLE_NUMBER, Kind, Source
from onodig.ingestion.files import INVISIBLE, RawTable, UnreadableFile
from onodig.privacy import Pseudonymiser, mask_text
from onodig.privacy.fields import mask_value
from onodig.privacy.shapes import RAW_SHAPES

LOCAL_TZ = "Europe/Stockholm"
OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_AMOUNT = re.compile(r"([+-]?)(\d[\d.,]*)")
_WHOLE = re.compile(r"\+?\d+(?:[.,]0*)?")
_LAST_SPACE = re.compile(r"\s\S*$")
UNPARSEABLE_AMOUNT = "unparseable"
AMBIGUOUS_AMOUNT = "ambiguous"
_AMOUNT_DETAIL = {AMBIGUOUS_AMOUNT: " (three digits after one separator: thousands or decimals?)"}

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


def _grouped(integer: str, separator: str) -> bool:
    """``1.234.567``: groups of three after the first, which has one to three digits and no leading 0."""
    groups = integer.split(separator)
    return (
        1 <= len(groups[0]) <= 3
        and not (groups[0].startswith("0") and len(groups[0]) > 1 or groups[0] == "0")
        and all(len(g) == 3 for g in groups[1:])
    )


def amount(value: str) -> float | str:
    """One amount as a number, or why it is not one.

    The contract's forms: ``1 234,50`` (space, NBSP or narrow NBSP between thousands), ``1.234,50``,
    ``1234,50`` and ``1234.50``. With both separators the last one is the decimal one, so
    ``1,234.50`` is 1234.5 too (an English export). One separator before exactly three digits
    (``1.234``, ``1,234``) could be either, and kronor have two decimals at most: ambiguous.
    ``inf``, ``nan`` and exponents are not amounts.
    """
    match = _AMOUNT.fullmatch(_SPACES.sub("", value).replace("\u2212", "-"))
    if match is None:
        return UNPARSEABLE_AMOUNT
    sign, body = match.groups()
    if body[-1] in ".,":
        return UNPARSEABLE_AMOUNT
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        integer, _, fraction = body.rpartition(decimal)
        if decimal in integer or not _grouped(integer, thousands):
            return UNPARSEABLE_AMOUNT
        number = integer.replace(thousands, "") + "." + fraction
    elif commas + dots > 1:
        separator = "," if commas else "."
        if not _grouped(body, separator):
            return UNPARSEABLE_AMOUNT
        number = body.replace(separator, "")
    elif commas + dots == 1:
        separator = "," if commas else "."
        integer, _, fraction = body.partition(separator)
        if len(fraction) == 3 and _grouped(integer, separator):
            return AMBIGUOUS_AMOUNT
        number = integer + "." + fraction
    else:
        number = body
    parsed = float(sign + number)
    return parsed if np.isfinite(parsed) else UNPARSEABLE_AMOUNT


def amount_problems(values: pd.Series) -> pd.Series:
    """Per value, why it is not an amount (``unparseable``, ``ambiguous``), or missing when it is one."""
    text = values.astype("string")
    present = text.dropna()
    parsed = {v: amount(v) for v in present.unique()}
    problems = present.map(lambda v: parsed[v] if isinstance(parsed[v], str) else None)
    return problems.reindex(values.index).astype("string")


def parse_amounts(values: pd.Series) -> pd.Series:
    """Amounts as numbers; missing for a value that is none or an ambiguous one (see :func:`amount`)."""
    text = values.astype("string")
    present = text.dropna()
    parsed = {v: amount(v) for v in present.unique()}
    numbers = present.map(lambda v: parsed[v] if not isinstance(parsed[v], str) else np.nan)
    return numbers.reindex(values.index).astype("float64")


def parse_whole_numbers(values: pd.Series, maximum: int | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Whole numbers validated as text before any cast, so that nothing wraps: the numbers (Int64),
    the values that are no non-negative whole number, and those above ``maximum``."""
    present = values.notna()
    shaped = present & values.str.fullmatch(_WHOLE).fillna(False).astype(bool)
    number = pd.to_numeric(values.where(shaped).str.replace(",", ".", regex=False), errors="coerce")
    bad = present & (~shaped | number.isna() | (number > MAX_WHOLE_NUMBER))
    too_large = present & ~bad & (number > maximum) if maximum is not None else pd.Series(False, index=values.index)
    return number.where(~bad & ~too_large).round().astype("Int64"), bad, too_large


def _cut_text(text: str) -> str:
    """The first :data:`MAX_TEXT_CHARS` characters, back to the last space in the final thousand,
    so that no personnummer or address is cut into a shape the masking does not know."""
    head = text[:MAX_TEXT_CHARS]
    space = _LAST_SPACE.search(head, MAX_TEXT_CHARS - 1000)
    return head[: space.start()] if space else head


def cut_free_text(frame: pd.DataFrame, source: Source) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Free texts over :data:`MAX_TEXT_CHARS` are cut; per column, the original length of those cut."""
    lengths = {}
    for name in source.free_text:
        if name not in frame:
            continue
        length = frame[name].str.len()
        long = (length > MAX_TEXT_CHARS).fillna(False).astype(bool)
        lengths[name] = length.where(long).astype("Int64")
        if long.any():
            frame.loc[long, name] = frame.loc[long, name].map(_cut_text)
    return frame, lengths


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    """A content fingerprint per row, vectorised: re-delivered rows are recognised by it.

    ``frame`` holds each row's values as parsed and written the same way whatever the export
    looked like (contract columns in contract order, timestamps converted, line endings as
    ``\n``, extra columns by name), so the same content in another column order, with offsets
    or CRLF is the same row. pandas' row hashing with its fixed key is deterministic across runs
    and processes.
    """
    hashes = pd.util.hash_pandas_object(frame.astype("string").fillna(""), index=False).to_numpy()
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


def _newlines(values: pd.Series) -> pd.Series:
    return values.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)


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
    reasons: dict[int, str] = dict(raw.broken)
    good_rows, good_lines = [], []
    for row, line in zip(raw.rows, raw.lines, strict=True):
        if len(row) != width:
            reasons[line] = f"expected {width} fields, found {len(row)}"
        else:
            good_rows.append(row)
            good_lines.append(line)

    frame = pd.DataFrame(good_rows, columns=raw.header, dtype="string")
    frame = frame.apply(
        lambda col: (
            col.str.strip() if col.name in source.free_text else col.str.replace(INVISIBLE, "", regex=True).str.strip()
        )
    ).replace("", pd.NA)
    frame.index = pd.Index(good_lines, name="line")
    frame, cut_from = cut_free_text(frame, source)
    canonical = pd.DataFrame(index=frame.index)

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
            problems = amount_problems(values)
            for problem in problems.dropna().unique():
                flag(
                    (problems == problem).fillna(False).astype(bool),
                    f"{problem} amount in {col.name}{_AMOUNT_DETAIL.get(problem, '')}",
                )
            parsed = parse_amounts(values)
        elif col.kind is Kind.INTEGER:
            parsed, bad, too_large = parse_whole_numbers(values, col.maximum)
            flag(bad, f"not a non-negative whole number in {col.name}")
            flag(too_large, f"{col.name} over {col.maximum} ({col.maximum_means})")
        elif col.kind is Kind.CHOICE:
            parsed = values.str.lower()
            flag(present & ~parsed.isin(col.choices), f"unknown {col.name} (allowed: {', '.join(col.choices)})")
        elif col.kind is Kind.CITIZEN:
            out["citizen_key"] = values.map(pseudonymiser.pseudonym, na_action="ignore").astype("string")
            canonical[col.name] = out["citizen_key"]
            continue
        elif col.name in source.free_text:
            parsed = values.map(mask_text, na_action="ignore").astype("string")
        elif col.kind in (Kind.ID, Kind.TEXT):
            parsed = mask_values(values, pseudonymiser)
        else:
            parsed = values
        out[col.name] = parsed
        canonical[col.name] = _newlines(values) if col.kind is Kind.TEXT else parsed
        if col.name in cut_from:
            out[f"{col.name}_cut_from"] = cut_from[col.name]

    extras = sorted(c for c in raw.header if c not in source.column_names)
    if extras:
        masked = frame[extras].apply(lambda col: col.map(mask_text, na_action="ignore"))
        masked.columns = [mask_value(name, pseudonymiser) for name in extras]
        out["extra"] = [
            json.dumps({k: v for k, v in r.items() if pd.notna(v)}, ensure_ascii=False)
            for r in masked.to_dict("records")
        ]
        canonical["extra"] = [
            json.dumps({k: v for k, v in r.items() if pd.notna(v)}, ensure_ascii=False)
            for r in frame[extras].apply(_newlines).to_dict("records")
        ]
    else:
        out["extra"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    out["row_hash"] = _row_hashes(canonical)
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
