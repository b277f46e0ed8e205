"""Incremental loading of one landing source into the warehouse.

A manifest of (source, checksum) makes loading idempotent: a file that was already read, under
any name, is skipped, so a re-delivered export never double-counts. Row ids already in the
warehouse are skipped when the content is the same and quarantined when it differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ingestion.contract import SOURCES
from ingestion.files import UnreadableFile, file_checksum, landing_files, read_table
from ingestion.parsing import QUARANTINE_COLUMNS, parse_table
from privacy import Pseudonymiser
from warehouse import Warehouse

MANIFEST = "ingest_manifest"
QUARANTINE = "quarantine"


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
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def count_reasons(self, rejects: pd.DataFrame) -> None:
        for reason, n in rejects["reason"].value_counts().items():
            key = str(reason).split(" (")[0]
            self.reasons[key] = self.reasons.get(key, 0) + int(n)


def _known_checksums(warehouse: Warehouse, source: str) -> set[str]:
    if not warehouse.has_table(MANIFEST):
        return set()
    frame = warehouse.read(f"select sha256 from {MANIFEST} where source = :s", {"s": source})
    return set(frame["sha256"])


def _existing_keys(warehouse: Warehouse, source: str, key: str) -> dict[str, tuple[str, str]]:
    """Every loaded row's key with its content hash and file: what a new row is checked against."""
    table = staged_table(source)
    if not warehouse.has_table(table):
        return {}
    columns = list(dict.fromkeys([key, "row_hash", "source_file"]))
    frame = warehouse.read(f"select {', '.join(columns)} from {table}")
    return dict(zip(frame[key], zip(frame["row_hash"], frame["source_file"], strict=True), strict=True))


def _against_warehouse(frame: pd.DataFrame, known: dict[str, tuple[str, str]], key: str, source: str, file_name: str):
    """Split a parsed file into new rows, repeats of loaded rows, and clashes with loaded rows."""
    if frame.empty or not known:
        return frame, 0, pd.DataFrame(columns=QUARANTINE_COLUMNS)
    loaded = [known.get(k) for k in frame[key].tolist()]
    loaded_hash = pd.Series([entry[0] if entry else None for entry in loaded], index=frame.index, dtype="string")
    if key == "row_hash":  # rows keyed by their content: a repeat is the same row, never a clash
        same = loaded_hash.notna()
        return frame[~same], int(same.sum()), pd.DataFrame(columns=QUARANTINE_COLUMNS)
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
        },
        columns=QUARANTINE_COLUMNS,
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
        self.pending = 0

    def add(self, manifest: dict, rows: pd.DataFrame | None, rejects: pd.DataFrame) -> None:
        self.manifest.append(manifest)
        if rows is not None and len(rows):
            self.rows.append(rows)
            self.pending += len(rows)
        if len(rejects):
            self.rejects.append(rejects.assign(quarantined_at=manifest["loaded_at"]))

    def flush(self) -> None:
        if not self.manifest:
            return
        frames = {MANIFEST: pd.DataFrame(self.manifest)}
        if self.rows:
            frames[staged_table(self.source)] = pd.concat(self.rows, ignore_index=True)
        if self.rejects:
            quarantine = pd.concat(self.rejects, ignore_index=True)
            quarantine["line"] = pd.to_numeric(quarantine["line"]).astype("Int64")
            frames[QUARANTINE] = quarantine
        self.warehouse.append_all(frames)
        self.rows, self.rejects, self.manifest, self.pending = [], [], [], 0


def load_source(
    source_name: str,
    landing: Path,
    warehouse: Warehouse,
    pseudonymiser: Pseudonymiser,
    log: Callable[[str], None] = lambda _msg: None,
    flush_rows: int = 200_000,
) -> LoadReport:
    source = SOURCES[source_name]
    report = LoadReport(source=source_name)
    started = time.perf_counter()
    key = source.id_column or "row_hash"
    seen = _known_checksums(warehouse, source_name)
    known = _existing_keys(warehouse, source_name, key)
    batch = _Batch(warehouse, source_name)

    for path in landing_files(landing / source_name):
        report.files_seen += 1
        checksum = file_checksum(path)
        if checksum in seen:
            report.files_skipped += 1
            continue
        seen.add(checksum)
        manifest = {
            "source": source_name,
            "file": path.name,
            "size_bytes": path.stat().st_size,
            "sha256": checksum,
            "loaded_at": datetime.now(),
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "status": "loaded",
            "reason": None,
        }
        try:
            parsed = parse_table(source, read_table(path), path.name, pseudonymiser)
        except UnreadableFile as exc:
            report.files_quarantined += 1
            rejects = pd.DataFrame([{"source": source_name, "file": path.name, "line": pd.NA, "reason": str(exc)}])
            report.count_reasons(rejects)
            batch.add({**manifest, "status": "quarantined", "reason": str(exc)}, None, rejects)
            log(f"{source_name}: quarantined file {path.name}: {exc}")
            continue

        new_rows, repeats, clashes = _against_warehouse(parsed.frame, known, key, source_name, path.name)
        rejects = pd.concat([parsed.rejects, clashes], ignore_index=True) if not clashes.empty else parsed.rejects
        batch.add({**manifest, "rows_loaded": len(new_rows), "rows_quarantined": len(rejects)}, new_rows, rejects)
        known.update(zip(new_rows[key], zip(new_rows["row_hash"], new_rows["source_file"], strict=True), strict=True))
        if batch.pending >= flush_rows:
            batch.flush()

        report.files_loaded += 1
        report.rows_loaded += len(new_rows)
        report.rows_already_loaded += repeats + parsed.repeats
        report.rows_quarantined += len(rejects)
        report.count_reasons(rejects)

    batch.flush()
    report.seconds = time.perf_counter() - started
    rate = report.rows_loaded / report.seconds if report.seconds > 0 else 0.0
    log(
        f"{source_name}: {report.files_loaded} new file(s), {report.files_skipped} already loaded, "
        f"{report.files_quarantined} quarantined; {report.rows_loaded:,} rows in {report.seconds:.1f} s "
        f"({rate:,.0f} rows/s), {report.rows_quarantined} rows quarantined"
    )
    return report
