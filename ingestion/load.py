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


def _existing_keys(warehouse: Warehouse, source: str, key: str) -> pd.DataFrame:
    table = staged_table(source)
    columns = list(dict.fromkeys([key, "row_hash", "source_file"]))
    if not warehouse.has_table(table):
        return pd.DataFrame(columns=columns)
    return warehouse.read(f"select {', '.join(columns)} from {table}")


def _against_warehouse(frame: pd.DataFrame, existing: pd.DataFrame, key: str, source: str, file_name: str):
    """Split a parsed file into new rows, repeats of loaded rows, and clashes with loaded rows."""
    if frame.empty or existing.empty:
        return frame, 0, pd.DataFrame(columns=QUARANTINE_COLUMNS)
    if key == "row_hash":  # rows keyed by their content: a repeat is the same row, never a clash
        same = frame["row_hash"].isin(existing["row_hash"])
        return frame[~same], int(same.sum()), pd.DataFrame(columns=QUARANTINE_COLUMNS)
    known = existing.drop_duplicates(subset=[key]).set_index(key)
    loaded_hash = frame[key].map(known["row_hash"])
    loaded_file = frame[key].map(known["source_file"])
    same = loaded_hash.notna() & (loaded_hash == frame["row_hash"])
    clash = loaded_hash.notna() & ~same
    rejects = pd.DataFrame(
        {
            "source": source,
            "file": file_name,
            "line": frame.loc[clash, "source_line"].astype("int64"),
            "reason": [f"duplicate {key} with different content (first loaded from {f})" for f in loaded_file[clash]],
        },
        columns=QUARANTINE_COLUMNS,
    )
    return frame[~same & ~clash], int(same.sum()), rejects


def _quarantine(warehouse: Warehouse, rejects: pd.DataFrame, now: datetime) -> None:
    if rejects.empty:
        return
    rows = rejects.copy()
    rows["line"] = rows["line"].astype("Int64")
    rows["quarantined_at"] = now
    warehouse.append(QUARANTINE, rows)


def load_source(
    source_name: str,
    landing: Path,
    warehouse: Warehouse,
    pseudonymiser: Pseudonymiser,
    log: Callable[[str], None] = lambda _msg: None,
) -> LoadReport:
    source = SOURCES[source_name]
    report = LoadReport(source=source_name)
    started = time.perf_counter()
    key = source.id_column or "row_hash"
    seen = _known_checksums(warehouse, source_name)
    existing = _existing_keys(warehouse, source_name, key)

    for path in landing_files(landing / source_name):
        report.files_seen += 1
        checksum = file_checksum(path)
        if checksum in seen:
            report.files_skipped += 1
            continue
        now = datetime.now()
        manifest = {
            "source": source_name,
            "file": path.name,
            "size_bytes": path.stat().st_size,
            "sha256": checksum,
            "loaded_at": now,
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
            _quarantine(warehouse, rejects, now)
            manifest.update(status="quarantined", reason=str(exc))
            warehouse.append(MANIFEST, pd.DataFrame([manifest]))
            seen.add(checksum)
            log(f"{source_name}: quarantined file {path.name}: {exc}")
            continue

        new_rows, repeats, clashes = _against_warehouse(parsed.frame, existing, key, source_name, path.name)
        rejects = pd.concat([parsed.rejects, clashes], ignore_index=True) if not clashes.empty else parsed.rejects
        warehouse.append(staged_table(source_name), new_rows)
        _quarantine(warehouse, rejects, now)
        manifest.update(rows_loaded=len(new_rows), rows_quarantined=len(rejects))
        warehouse.append(MANIFEST, pd.DataFrame([manifest]))
        seen.add(checksum)
        existing = pd.concat([existing, new_rows[existing.columns]], ignore_index=True)

        report.files_loaded += 1
        report.rows_loaded += len(new_rows)
        report.rows_already_loaded += repeats
        report.rows_quarantined += len(rejects)
        report.count_reasons(rejects)

    report.seconds = time.perf_counter() - started
    rate = report.rows_loaded / report.seconds if report.seconds > 0 else 0.0
    log(
        f"{source_name}: {report.files_loaded} new file(s), {report.files_skipped} already loaded, "
        f"{report.files_quarantined} quarantined; {report.rows_loaded:,} rows in {report.seconds:.1f} s "
        f"({rate:,.0f} rows/s), {report.rows_quarantined} rows quarantined"
    )
    return report
