"""Turning one landing file into rows of strings: compression, encoding, delimiter, CSV quirks.

A file that cannot be read as a whole raises :class:`UnreadableFile` with a reason for the
quarantine; the caller goes on with the other files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(ValueError):
    """The whole file is quarantined with this reason."""


@dataclass(frozen=True)
class RawTable:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the physical line each row starts on (the header is line 1)
    encoding: str
    delimiter: str


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise UnreadableFile(f"truncated or corrupt gzip: {exc}") from exc
    return data


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then Windows-1252, as the contract allows."""
    if b"\x00" in data[:65536]:
        raise UnreadableFile("binary content (NUL bytes): not a CSV text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"encoding is neither UTF-8 nor Windows-1252: {exc}") from exc
    return text, "cp1252"


def sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def parse_csv(text: str) -> tuple[list[str], list[list[str]], list[int], str]:
    if not text.strip():
        raise UnreadableFile("empty file: no header row")
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
        rows: list[list[str]] = []
        lines: list[int] = []
        start = reader.line_num + 1
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV: {exc}") from exc
    return header, rows, lines, delimiter


def read_table(path: Path) -> RawTable:
    text, encoding = decode(read_bytes(path))
    header, rows, lines, delimiter = parse_csv(text)
    return RawTable(header=header, rows=rows, lines=lines, encoding=encoding, delimiter=delimiter)


def landing_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz"))
    )
