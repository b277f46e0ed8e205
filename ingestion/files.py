"""Turning one landing file into rows of strings: compression, encoding, delimiter, CSV quirks.

A file that cannot be read as a whole raises :class:`UnreadableFile` with a reason for the
quarantine; the caller goes on with the other files. A row that breaks the CSV itself (a quote
left open, a NUL byte, the header line again) is returned in :attr:`RawTable.broken` with its
reason, and the rows after it are read as usual.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from onodig.privacy.text_forms import INVISIBLE_CHARACTERS

csv.field_size_limit(16 * 1024 * 1024)

LANDING_SUFFIXES = (".csv", ".csv.gz")
NOT_A_LANDING_FILE = "not a .csv or .csv.gz file"
# Invisible characters that exports glue to values (a BOM mid-file, zero-width spaces): never part of an id.
INVISIBLE = re.compile(f"[{INVISIBLE_CHARACTERS}]")  # the same set masking drops
_CONTROL = bytes(sorted(set(range(32)) - {9, 10, 12, 13}))
_SHAPE = re.compile(r"[^\W\d_]+|\d+")
_NEWLINE = re.compile(r"\r\n|\r|\n")
UNTERMINATED_AT_END = "unterminated quote: the quoted field runs to the end of the file"
UNTERMINATED_INTO_ROWS = "unterminated quote: the quoted field ran into the next lines, which are read as rows"


class UnreadableFile(ValueError):
    """The whole file is quarantined with this reason."""


@dataclass(frozen=True)
class RawTable:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the physical line each row starts on (the header is line 1)
    encoding: str
    delimiter: str
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): rows the CSV itself lost


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise UnreadableFile(f"truncated or corrupt gzip: {exc}") from exc
    return data


def _looks_utf16(sample: bytes) -> bool:
    """Mostly-ASCII text in UTF-16 without a BOM: every other byte is NUL."""
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.4


def _is_binary(sample: bytes) -> bool:
    """Control bytes are rare in text, even in a text with a stray NUL, and common in anything packed."""
    # bytes.translate deletes them in C: a generator over 64 KiB was 10 ms a file, 6 s at a million inquiries
    return bool(sample) and (len(sample) - len(sample.translate(None, _CONTROL))) / len(sample) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then Windows-1252, as the contract allows.

    A file that is UTF-8 but for some lines (one row pasted from an old system) is decoded line by
    line: the UTF-8 lines as UTF-8, only the others as Windows-1252, so the good rows keep their
    letters. UTF-16 with a BOM is read too; NUL bytes in a text make their rows bad, not the file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"broken UTF-16: {exc}") from exc
    sample = data[:65536]
    if b"\x00" in sample and _looks_utf16(sample):
        raise UnreadableFile("UTF-16 without a byte-order mark: export as UTF-8 (or UTF-16 with BOM)")
    if _is_binary(sample):
        raise UnreadableFile("binary content (control or NUL bytes): not a CSV text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8 = [_utf8_or_none(line) for line in lines]
    if bom or any(text is not None and not line.isascii() for text, line in zip(utf8, lines, strict=True)):
        fallback = [i for i, text in enumerate(utf8) if text is None]
        decoded = [
            text if text is not None else _cp1252(line, i + 1)
            for i, (text, line) in enumerate(zip(utf8, lines, strict=True))
        ]
        return "\n".join(decoded), f"utf-8 ({len(fallback)} line(s) Windows-1252)"
    return _cp1252(data), "cp1252"


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _cp1252(data: bytes, line: int | None = None) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        where = f" on line {line}" if line else ""
        raise UnreadableFile(f"encoding is neither UTF-8 nor Windows-1252{where}: {exc}") from exc


def sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _shape(value: str) -> str:
    """``D1-2`` and ``D1-13`` alike: letters and digits as runs, the rest as it is."""
    return _SHAPE.sub(lambda m: "9" if m.group().isdigit() else "a", value.strip())


def _runs_into_rows(continued: list[str], first_field: str, width: int, delimiter: str) -> bool:
    """A quoted field whose following lines read as whole rows of their own was never closed: a real
    multi-line text (an e-mail body) holds no line of ``width`` fields that starts like the row's own
    first field (``D1-3`` like ``D1-2``)."""
    shape = _shape(first_field)
    for line in continued:
        fields = next(csv.reader([line], delimiter=delimiter), [])
        if len(fields) == width and fields[0].strip() and _shape(fields[0]) == shape:
            return True
    return False


def _unterminated(tail: str, delimiter: str) -> bool:
    """The file ends inside a quoted field: only the strict reader says so."""
    try:
        list(csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _header_names(row: list[str]) -> list[str]:
    return [INVISIBLE.sub("", h).strip().lower() for h in row]


class _LineStarts:
    """Where each physical line starts, found the way ``io.StringIO(newline="")`` splits lines;
    worked out only when a record over several lines needs a second look."""

    def __init__(self, text: str):
        self.text = text
        self._starts: list[int] | None = None

    def __getitem__(self, line: int) -> int:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        return self._starts[line - 1] if line - 1 < len(self._starts) else len(self.text)

    def lines(self, first: int, last: int) -> list[str]:
        return [self.text[self[n] : self[n + 1]] for n in range(first, last + 1)]


def parse_csv(text: str) -> tuple[list[str], list[list[str]], list[int], str, list[tuple[int, str]]]:
    """Header, rows, the line each row starts on, the delimiter, and the rows the CSV itself broke.

    A quoted field that runs over lines which each read as a whole row was never closed: that row
    is quarantined and the reading starts again on the line after it, so the rows it swallowed
    load. A real multi-line text (an e-mail body) has no such lines and stays one field.
    """
    if not text.strip():
        raise UnreadableFile("empty file: no header row")
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    starts_at = _LineStarts(text)
    buffer = io.StringIO(text, newline="")
    reader = csv.reader(buffer, delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    broken: list[tuple[int, str]] = []
    nul = "\x00" in text
    try:
        header = _header_names(next(reader))
        seen = set()
        for name in header:
            if name in seen:
                raise UnreadableFile(f"duplicate column {name or '(empty name)'}")
            seen.add(name)
        width, base = len(header), 0  # base + reader.line_num: the physical line the reader is on
        start = reader.line_num + 1
        last_start = start
        while True:
            for row in reader:
                end = base + reader.line_num
                last_start = start
                if end > start and row and _runs_into_rows(starts_at.lines(start + 1, end), row[0], width, delimiter):
                    broken.append((start, UNTERMINATED_INTO_ROWS))
                    buffer.seek(starts_at[start + 1])
                    reader = csv.reader(buffer, delimiter=delimiter)
                    base, start = start, start + 1
                    break  # a fresh reader from the line after the broken row
                if row and any(cell.strip() for cell in row):
                    if nul and any("\x00" in cell for cell in row):
                        broken.append((start, "NUL byte in the row"))
                    elif header[0] in row[0].lower() and _header_names(row) == header:
                        broken.append((start, "repeated header line"))
                    else:
                        rows.append(row)
                        lines.append(start)
                start = end + 1
            else:
                break
        if lines and lines[-1] == last_start and _unterminated(text[starts_at[last_start] :], delimiter):
            rows.pop()
            lines.pop()
            broken.append((last_start, UNTERMINATED_AT_END))
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV: {exc}") from exc
    return header, rows, lines, delimiter, broken


def read_table(path: Path) -> RawTable:
    text, encoding = decode(read_bytes(path))
    header, rows, lines, delimiter, broken = parse_csv(text)
    return RawTable(header=header, rows=rows, lines=lines, encoding=encoding, delimiter=delimiter, broken=broken)


def is_landing_file(path: Path) -> bool:
    return path.name.lower().endswith(LANDING_SUFFIXES)


def _delivery_order(path: Path) -> tuple[int, str]:
    return path.stat().st_mtime_ns, path.as_posix()


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


def landing_files(folder: Path) -> list[Path]:
    """Every ``.csv`` and ``.csv.gz`` file under the source folder, in sub-folders too, in any case,
    in delivery order: oldest modification time first, then by path."""
    return sorted((p for p in _files_under(folder) if is_landing_file(p)), key=_delivery_order)


def other_files(folder: Path) -> list[Path]:
    """Files in a source folder that are not landing files: named in the quarantine, never loaded.
    Hidden files (``.DS_Store``, a copy still being written as ``.name.tmp``) are left alone."""
    return sorted((p for p in _files_under(folder) if not is_landing_file(p)), key=_delivery_order)


def file_name(path: Path, folder: Path) -> str:
    """A file's name in the manifest and the staged rows: its path under the source folder."""
    return path.relative_to(folder).as_posix()
