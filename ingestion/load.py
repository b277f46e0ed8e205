"""Loading one landing source into the warehouse, one window of days at a time.

A window (one daily partition, or a range of them in a backfill) is rebuilt from scratch: its
rows are deleted, then every landing file that covers its days is read again and its rows for
those days inserted. So running a window twice changes nothing, and a late file for an old day
is picked up by re-running that day. A manifest of (source, checksum) records each file once,
with the days it covers: a re-delivered export under another name is skipped, and a file's
unreadable rows are quarantined once, when it is first seen, not on every re-read.

Files are read in delivery order: those the manifest knows in the order it first saw them, new
ones after them by modification time, then path. So when two files hold the same id with other
content, the one delivered first stays loaded and the other's row is quarantined, whatever their
names. Each window loaded is recorded (``ingest_windows``), so that the days of a known file
that no window has loaded since the file was first seen (days in the future then, or before
``ONODIG_FIRST_DAY``) can be found and planned later (:mod:`ingestion.days`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import pandas as pd
from sqlalchemy import text as sa_text

from onodig.ingestion.contract import SOURCES, Kind
from onodig.ingestion.files import (
    NOT_A_LANDING_FILE,
    RawTable,
    UnreadableFile,
    file_checksum,
    file_name,
    landing_files,
    other_files,
    read_table,
)
from onodig.ingestion.parsing import QUARANTINE_COLUMNS, ParsedFile, parse_table
from onodig.privacy import Pseudonymiser, mask_text
from onodig.privacy.fields import mask_value
from onodig.warehouse import Warehouse
from onodig.warehouse.store import in_window
from onodig.workers import worker_pool

MANIFEST = "ingest_manifest"
QUARANTINE = "quarantine"
WINDOWS = "ingest_windows"  # one row per window loaded: source, first_day, last_day (inclusive), loaded_at
# Columns added after tables were first created: an existing warehouse gets them with their type.
ADDED_COLUMNS = {
    MANIFEST: {"rows_outside_days": "bigint"},
    **{
        f"landed_{name}": {f"{c}_cut_from": "bigint" for c in src.free_text}
        for name, src in SOURCES.items()
        if src.free_text
    },
}
CLASH_COLUMNS = [*QUARANTINE_COLUMNS, "day"]  # a clash belongs to its row's day: re-running the day replaces it


def staged_table(source: str) -> str:
    return f"landed_{source}"


@dataclass
class LoadReport:
    source: str
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_already_loaded: int = 0
    rows_quarantined: int = 0
    rows_outside_window: int = 0  # rows of new files for other days: they load when their days run
    files_reread: int = 0
    seconds: float = 0.0
    days: set[date] = field(default_factory=set)  # days that got rows in this run
    reasons: dict[str, int] = field(default_factory=dict)

    def count_reasons(self, rejects: pd.DataFrame) -> None:
        for reason, n in rejects["reason"].value_counts().items():
            key = str(reason).split(" (")[0]
            self.reasons[key] = self.reasons.get(key, 0) + int(n)


@dataclass(frozen=True)
class KnownFile:
    file: str
    status: str
    first_day: date | None
    last_day: date | None
    loaded_at: pd.Timestamp | None = None  # when the manifest first saw it: its place in the delivery order

    def covers(self, start: date, end: date) -> bool:
        return self.first_day is not None and self.first_day < end and self.last_day >= start


def known_files(warehouse: Warehouse, source: str) -> dict[str, KnownFile]:
    """Every file already seen for the source, by checksum, with the days its rows cover."""
    if not warehouse.has_table(MANIFEST):
        return {}
    frame = warehouse.read(
        f"select sha256, file, status, first_day, last_day, loaded_at from {MANIFEST} where source = :s",
        {"s": source},
    )
    days = {c: pd.to_datetime(frame[c]).dt.date for c in ("first_day", "last_day")}
    loaded_at = pd.to_datetime(frame["loaded_at"])
    return {
        sha: KnownFile(file, status, None if pd.isna(first) else first, None if pd.isna(last) else last, at)
        for sha, file, status, first, last, at in zip(
            frame["sha256"], frame["file"], frame["status"], days["first_day"], days["last_day"], loaded_at, strict=True
        )
    }


def loaded_windows(warehouse: Warehouse, source: str) -> list[tuple[date, date, pd.Timestamp]]:
    """Every window loaded for the source: first and last day (inclusive) and when, oldest first."""
    if not warehouse.has_table(WINDOWS):
        return []
    frame = warehouse.read(
        f"select first_day, last_day, loaded_at from {WINDOWS} where source = :s order by loaded_at", {"s": source}
    )
    firsts, lasts = (pd.to_datetime(frame[c]).dt.date for c in ("first_day", "last_day"))
    return list(zip(firsts, lasts, pd.to_datetime(frame["loaded_at"]), strict=True))


def add_missing_columns(warehouse: Warehouse) -> None:
    """Give tables created by an older onodig the columns added since, typed (not as text)."""
    for table, columns in ADDED_COLUMNS.items():
        if not warehouse.has_table(table):
            continue
        existing = set(warehouse.columns(table))
        for column, sql_type in columns.items():
            if column not in existing:
                warehouse.execute(f"alter table {table} add column {column} {sql_type}")


def _day_range(days: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day, or NaT twice for a file without a valid row."""
    present = days.dropna()
    return (present.min(), present.max()) if len(present) else (pd.NaT, pd.NaT)


class KnownKeys:
    """Loaded rows' keys with their content hash and file: what a new row is checked against.

    Looked up for the keys a file holds, not read whole: a daily file of a few thousand rows
    against millions loaded costs a few thousand look-ups (reading every key into a dict took
    11 s at a million cases). A file with more keys than :attr:`WHOLE_ABOVE` (a first load) reads
    them all once. Rows of this load are added as they are taken and win over the table's.
    """

    WHOLE_ABOVE = 20_000

    def __init__(self, warehouse: Warehouse, source: str, key: str):
        self.warehouse, self.table, self.key = warehouse, staged_table(source), key
        self.exists = warehouse.has_table(self.table)
        self.added: dict[str, tuple[str, str]] = {}
        self.whole: dict[str, tuple[str, str]] | None = None

    def __bool__(self) -> bool:
        return self.exists or bool(self.added)

    def _read(self, keys: list[str] | None) -> dict[str, tuple[str, str]]:
        columns = list(dict.fromkeys([self.key, "row_hash", "source_file"]))
        if keys is None:
            frame = self.warehouse.read(f"select {', '.join(columns)} from {self.table}")
        else:
            frame = self.warehouse.read_where_in(self.table, columns, self.key, keys)
        return dict(zip(frame[self.key], zip(frame["row_hash"], frame["source_file"], strict=True), strict=True))

    def lookup(self, keys: list[str]) -> list[tuple[str, str] | None]:
        found: dict[str, tuple[str, str]] = {}
        if self.exists and self.whole is None and len(set(keys)) > self.WHOLE_ABOVE:
            self.whole = self._read(None)
        if self.whole is not None:
            found = self.whole
        elif self.exists and keys:
            found = self._read(sorted(set(keys)))
        return [self.added.get(k) or found.get(k) for k in keys]

    def update(self, pairs) -> None:
        self.added.update(pairs)


def _against_warehouse(frame: pd.DataFrame, known: KnownKeys, key: str, source: str, file_name: str, day: str):
    """Split a parsed file into new rows, repeats of loaded rows, and clashes with loaded rows.

    A clash is quarantined with its day, so that re-running that day replaces it rather than adds to it.
    """
    if frame.empty or not known:
        return frame, 0, pd.DataFrame(columns=CLASH_COLUMNS)
    loaded = known.lookup(frame[key].tolist())
    loaded_hash = pd.Series([entry[0] if entry else None for entry in loaded], index=frame.index, dtype="string")
    if key == "row_hash":  # rows keyed by their content: a repeat is the same row, never a clash
        same = loaded_hash.notna()
        return frame[~same], int(same.sum()), pd.DataFrame(columns=CLASH_COLUMNS)
    same = (loaded_hash == frame["row_hash"]).fillna(False).astype(bool)
    clash = loaded_hash.notna() & ~same
    rejects = pd.DataFrame(
        {
            "source": source,
            "file": file_name,
            "line": frame.loc[clash, "source_line"].astype("int64"),
            "reason": [
                f"duplicate {key} with different content (first loaded from {entry[1]})"
                for entry, hit in zip(loaded, clash.tolist(), strict=True)
                if hit
            ],
            "day": frame.loc[clash, day].dt.normalize(),
        },
        columns=CLASH_COLUMNS,
    )
    return frame[~same & ~clash], int(same.sum()), rejects


class _Batch:
    """Files parsed but not yet written: flushed together in one transaction, so a crash never
    leaves rows without their manifest entry, and memory stays bounded by ``flush_rows``."""

    def __init__(self, warehouse: Warehouse, source: str):
        self.warehouse, self.source = warehouse, source
        self.rows: list[pd.DataFrame] = []
        self.rejects: list[pd.DataFrame] = []
        self.manifest: list[dict] = []
        self.windows: list[dict] = []
        self.pending = 0

    def add(self, manifest: dict | None, rows: pd.DataFrame | None, rejects: pd.DataFrame, at: datetime) -> None:
        if manifest is not None:
            self.manifest.append(manifest)
        if rows is not None and len(rows):
            self.rows.append(rows)
            self.pending += len(rows)
        if len(rejects):
            self.rejects.append(rejects.assign(quarantined_at=at))

    def flush(self) -> None:
        frames = {}
        if self.manifest:
            frames[MANIFEST] = pd.DataFrame(self.manifest).astype(
                {"first_day": "datetime64[us]", "last_day": "datetime64[us]"}
            )
        if self.windows:
            frames[WINDOWS] = pd.DataFrame(self.windows).astype(
                {"first_day": "datetime64[us]", "last_day": "datetime64[us]", "loaded_at": "datetime64[us]"}
            )
        if self.rows:
            frames[staged_table(self.source)] = pd.concat(self.rows, ignore_index=True)
        if self.rejects:
            quarantine = pd.concat(self.rejects, ignore_index=True)
            quarantine["line"] = pd.to_numeric(quarantine["line"]).astype("Int64")
            day = quarantine["day"] if "day" in quarantine else pd.Series(pd.NaT, index=quarantine.index)
            quarantine["day"] = pd.to_datetime(day).astype("datetime64[us]")
            quarantine["reason"] = quarantine["reason"].map(mask_text, na_action="ignore")  # reasons may quote a value
            frames[QUARANTINE] = quarantine
        if frames:
            self.warehouse.append_all(frames)
        self.rows, self.rejects, self.manifest, self.windows, self.pending = [], [], [], [], 0


def clear_window(warehouse: Warehouse, source_name: str, start: date, end: date) -> int:
    """Delete the window's staged rows and the clashes quarantined for its days; returns rows deleted."""
    table = staged_table(source_name)
    deleted = 0
    with warehouse.connect() as conn:
        if warehouse.has_table(table):
            where = in_window(SOURCES[source_name].day, start, end)
            deleted = int(conn.exec_driver_sql(f"select count(*) from {table} where {where}").scalar())
            conn.exec_driver_sql(f"delete from {table} where {where}")
        if warehouse.has_table(QUARANTINE) and "day" in warehouse.columns(QUARANTINE):
            conn.execute(
                sa_text(f"delete from {QUARANTINE} where source = :source and {in_window('day', start, end)}"),
                {"source": source_name},
            )
    return deleted


def load_window(
    source_name: str,
    landing: Path,
    warehouse: Warehouse,
    pseudonymiser: Pseudonymiser,
    start: date,
    end: date,
    log: Callable[[str], None] = lambda _msg: None,
    flush_rows: int = 200_000,
    processes: int = 1,
) -> LoadReport:
    """Rebuild the source's rows for the days ``start`` (inclusive) to ``end`` (exclusive).

    Files are parsed by ``processes`` worker processes (parsing is pure Python and the largest cost
    of a load); everything that decides what is written happens here, in file order.
    """
    source = SOURCES[source_name]
    report = LoadReport(source=source_name)
    started, now = time.perf_counter(), datetime.now()
    key, day = source.id_column or "row_hash", source.day
    add_missing_columns(warehouse)
    seen = known_files(warehouse, source_name)
    replaced = clear_window(warehouse, source_name, start, end)
    known = KnownKeys(warehouse, source_name, key)  # rows outside the window: new rows must not clash
    batch = _Batch(warehouse, source_name)
    low, high = pd.Timestamp(start), pd.Timestamp(end)

    folder = landing / source_name
    for path in other_files(folder):  # named once, in the quarantine, not loaded
        checksum = file_checksum(path)
        if checksum in seen:
            continue
        name = stored_name(path, folder, pseudonymiser)
        seen[checksum] = KnownFile(name, "quarantined", None, None)
        _quarantine_file(batch, report, source_name, path, name, checksum, now, NOT_A_LANDING_FILE, log)

    todo, queued = [], set()  # (path, name, checksum, manifest entry or None): the files this window reads
    for path in landing_files(folder):
        report.files_seen += 1
        name = stored_name(path, folder, pseudonymiser)
        checksum = file_checksum(path)
        entry = seen.get(checksum)
        if entry is not None and not is_known_copy(entry, path, folder, pseudonymiser):
            report.files_skipped += 1  # the same export under another name, or a file quarantined once already
            continue
        if entry is not None and not entry.covers(start, end):
            continue
        if entry is None and checksum in queued:
            report.files_skipped += 1  # two copies of one new export in the same delivery
            continue
        queued.add(checksum)
        todo.append((path, name, checksum, entry))
    # delivery order: files known in the order first seen, then new ones by modification time and path
    todo.sort(key=lambda item: item[3].loaded_at if item[3] is not None and item[3].loaded_at is not None else now)

    parsed_files = parsed_in_order(source_name, [path for path, *_rest in todo], pseudonymiser, processes)
    for (path, name, checksum, entry), parsed in zip(todo, parsed_files, strict=True):
        manifest = None
        if isinstance(parsed, UnreadableFile):
            _quarantine_file(batch, report, source_name, path, name, checksum, now, mask_text(str(parsed)), log)
            continue
        frame = parsed.frame.assign(source_file=name)
        rejects = parsed.rejects.assign(file=name)
        if entry is not None:
            rejects = rejects.head(0)
            report.files_reread += 1
        inside = (frame[day] >= low) & (frame[day] < high)
        new_rows, repeats, clashes = _against_warehouse(frame[inside], known, key, source_name, name, day)
        rejects = pd.concat([rejects, clashes], ignore_index=True) if not clashes.empty else rejects
        if entry is None:  # first sight: record the file and its days, quarantine its bad rows once
            first, last = _day_range(frame[day].dt.normalize())
            outside = int((~inside).sum())
            report.rows_outside_window += outside
            manifest = _manifest_row(
                source_name,
                path,
                name,
                checksum,
                now,
                rows=len(new_rows),
                rejected=len(rejects),
                outside=outside,
                first=first,
                last=last,
            )
            report.files_loaded += 1
        batch.add(manifest, new_rows, rejects, now)
        known.update(zip(new_rows[key], zip(new_rows["row_hash"], new_rows["source_file"], strict=True), strict=True))
        if batch.pending >= flush_rows:
            batch.flush()

        report.rows_loaded += len(new_rows)
        report.days.update(new_rows[day].dt.date.unique().tolist())
        report.rows_already_loaded += repeats + (parsed.repeats if entry is None else 0)
        report.rows_quarantined += len(rejects)
        report.count_reasons(rejects)

    batch.windows.append(
        {"source": source_name, "first_day": low, "last_day": high - pd.Timedelta(days=1), "loaded_at": now}
    )
    batch.flush()
    report.seconds = time.perf_counter() - started
    rate = report.rows_loaded / report.seconds if report.seconds > 0 else 0.0
    log(
        f"{source_name} {start}..{end}: {report.files_loaded} new file(s), {report.files_reread} re-read, "
        f"{report.files_skipped} skipped, {report.files_quarantined} quarantined; {report.rows_loaded:,} rows "
        f"(replacing {replaced:,}) in {report.seconds:.1f} s ({rate:,.0f} rows/s), {report.rows_quarantined} quarantined"
    )
    return report


# One valid value per kind of column: a sample row that gives an empty staged table its column types
_SAMPLE = {
    Kind.ID: "0",
    Kind.TEXT: "x",
    Kind.TIMESTAMP: "2000-01-03 00:00",
    Kind.DATE: "2000-01-03",
    Kind.AMOUNT: "1,50",
    Kind.INTEGER: "1",
    Kind.CITIZEN: "",
}


def ensure_staged_table(warehouse: Warehouse, source_name: str, pseudonymiser: Pseudonymiser) -> bool:
    """Create the source's staged table without rows when no export of it has been delivered yet.

    A partial delivery (contacts now, cases later) then still runs: what reads the table finds it
    empty, with the columns and types a parsed export would give it. True when it was created.
    """
    table = staged_table(source_name)
    if warehouse.has_table(table):
        return False
    source = SOURCES[source_name]
    sample = [c.choices[0] if c.kind is Kind.CHOICE else _SAMPLE[c.kind] for c in source.columns]
    raw = RawTable(header=source.column_names, rows=[sample], lines=[2], encoding="utf-8", delimiter=";")
    warehouse.create_like(table, parse_table(source, raw, "", pseudonymiser).frame)
    return True


def _parse_file(source_name: str, path: Path, pseudonymiser: Pseudonymiser) -> ParsedFile | UnreadableFile:
    try:
        return parse_table(SOURCES[source_name], read_table(path), path.name, pseudonymiser)  # named by the caller
    except UnreadableFile as exc:
        return exc


def parsed_in_order(
    source_name: str, paths: list[Path], pseudonymiser: Pseudonymiser, processes: int = 1
) -> Iterator[ParsedFile | UnreadableFile]:
    """Each file parsed, in the order given, by up to ``processes`` workers.

    At most two files per worker are parsed ahead of the one being written, so memory stays
    bounded by a few files however many there are.
    """
    if processes <= 1 or len(paths) < 2:
        for path in paths:
            yield _parse_file(source_name, path, pseudonymiser)
        return
    upcoming = iter(paths)
    with worker_pool(processes, "onodig.ingestion.parsing") as pool:
        pending = deque(
            pool.submit(_parse_file, source_name, p, pseudonymiser) for p in islice(upcoming, 2 * processes)
        )
        while pending:
            result = pending.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                pending.append(pool.submit(_parse_file, source_name, following, pseudonymiser))
            yield result


def _quarantine_file(batch, report, source_name, path, name, checksum, now, reason, log) -> None:
    """A whole file into the quarantine and the manifest, once: it is not read again."""
    report.files_quarantined += 1
    rejects = pd.DataFrame([{"source": source_name, "file": name, "line": pd.NA, "reason": reason}])
    report.count_reasons(rejects)
    batch.add(
        _manifest_row(source_name, path, name, checksum, now, status="quarantined", reason=reason), None, rejects, now
    )
    log(f"{source_name}: quarantined file {name}: {reason}")


def is_known_copy(entry: KnownFile, path: Path, folder: Path, pseudonymiser: Pseudonymiser | None) -> bool:
    """Whether ``path`` is the loaded file the manifest entry of its content is about, not the same
    export delivered again under another name (or a file quarantined once). The manifest holds the
    masked name, or the raw one if written before names were masked; without the key only the raw
    name can be compared."""
    names = {file_name(path, folder)}
    if pseudonymiser is not None:
        names.add(stored_name(path, folder, pseudonymiser))
    return entry.status == "loaded" and entry.file in names


def stored_name(path: Path, folder: Path, pseudonymiser: Pseudonymiser) -> str:
    """A landing file's name (its path under the source folder) as the warehouse stores it:
    masked, for names like ``contacts_19320606-6066_Kerstin Ekman.csv``; the same name always
    masks the same way."""
    return mask_value(file_name(path, folder), pseudonymiser)


def _manifest_row(
    source,
    path,
    name,
    checksum,
    at,
    rows=0,
    rejected=0,
    outside=0,
    first=pd.NaT,
    last=pd.NaT,
    status="loaded",
    reason=None,
):
    """One file's entry, written when it is first seen: ``rows_loaded`` the rows it added then,
    ``rows_outside_days`` its rows for days that load did not cover (they load when their days run)."""
    return {
        "source": source,
        "file": name,
        "size_bytes": path.stat().st_size,
        "sha256": checksum,
        "loaded_at": at,
        "rows_loaded": rows,
        "rows_quarantined": rejected,
        "rows_outside_days": outside,
        "status": status,
        "reason": reason,
        "first_day": first,
        "last_day": last,
    }
