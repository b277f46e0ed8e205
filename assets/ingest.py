"""Ingestion: one asset per landing source, partitioned by day, into a staged, masked table."""

import dagster as dg

from onodig.assets.partitions import Partitions, window_dates
from onodig.assets.resources import LandingResource, PseudonymResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata, written_beside
from onodig.ingestion.contract import SOURCES as SOURCE_DEFS
from onodig.ingestion.load import MANIFEST, QUARANTINE, WINDOWS, ensure_staged_table, load_window, staged_table
from onodig.quality.suites import unique_columns, validate_in_chunks
from onodig.warehouse.store import in_window

SOURCES = tuple(SOURCE_DEFS)  # the contract's order: contacts, eservice, cases, invoices
DESCRIPTIONS = {
    "contacts": "Contact-centre log (calls, e-mails, chats, visits) from landing/contacts, one row per contact. "
    "Citizen ids are pseudonymised and free text is masked before it is written.",
    "eservice": "E-service submissions from landing/eservice, one row per submission, pseudonymised and masked.",
    "cases": "Case events from the case management systems (landing/cases), one row per event.",
    "invoices": "The invoice ledger (landing/invoices), one row per invoice with payment and reminder dates.",
}
# What an empty staged table means: the export has not been delivered, and what waits for it
NOT_DELIVERED = {
    "contacts": "no contacts delivered yet: inquiries hold e-service submissions only",
    "eservice": "no e-service submissions delivered yet: inquiries hold contacts only",
    "cases": "no case events delivered yet: case links, decision times and case root causes are empty",
    "invoices": "no invoices delivered yet: invoice links and invoice root causes are empty",
}

QUARANTINE_KEY = dg.AssetKey(["ingest", QUARANTINE])
MANIFEST_KEY = dg.AssetKey(["ingest", MANIFEST])
WINDOWS_KEY = dg.AssetKey(["ingest", WINDOWS])


def ingest_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["ingest", staged_table(source)])


def quality_check_name(source: str) -> str:
    return f"{staged_table(source)}_expectations"


def build_ingest_asset(source: str, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=ingest_key(source),
        group_name="ingest",
        description=DESCRIPTIONS[source] + " Partitioned by the day each row happened: a partition is rebuilt "
        "from every landing file holding rows for that day, so re-running it never double-counts and a late "
        "file lands in the days it is about.",
        kinds={"python", "pandas"},
        owners=["team:data"],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[
            dg.AssetCheckSpec(
                quality_check_name(source),
                asset=ingest_key(source),
                blocking=True,
                description=f"great-expectations suite for the rows of {staged_table(source)} this run loaded: ids, "
                "required fields, allowed values, pseudonyms, and no raw personnummer or e-mail address in free "
                "text; ids unique across the whole table.",
            )
        ],
    )
    def _ingest(
        context: dg.AssetExecutionContext,
        landing: LandingResource,
        warehouse: WarehouseResource,
        pseudonym: PseudonymResource,
    ) -> dg.MaterializeResult:
        store = warehouse.get()
        start, end = window_dates(context)
        report = load_window(
            source,
            landing.root,
            store,
            pseudonym.get(),
            start,
            end,
            log=context.log.info,
            processes=landing.processes_for_parsing,
        )
        ensure_staged_table(store, source, pseudonym.get())  # a source not delivered yet: empty, not missing
        total = int(store.scalar(f"select count(*) from {staged_table(source)}"))
        quarantined = (
            store.scalar(f"select count(*) from {QUARANTINE} where source = :s", {"s": source})
            if store.has_table(QUARANTINE)
            else 0
        )
        if not total:
            context.log.info(f"{staged_table(source)}: {NOT_DELIVERED[source]}")
        for event in written_beside(store, {QUARANTINE_KEY: QUARANTINE, MANIFEST_KEY: MANIFEST, WINDOWS_KEY: WINDOWS}):
            context.log_event(event)
        reasons = "\n".join(f"| {reason} | {n} |" for reason, n in sorted(report.reasons.items())) or "| (none) | 0 |"
        return dg.MaterializeResult(
            metadata={
                "table": staged_table(source),
                "rows_loaded": dg.MetadataValue.int(report.rows_loaded),
                "rows_total": dg.MetadataValue.int(total),
                "status": NOT_DELIVERED[source] if not total else "delivered",
                "days": f"{start} to {end} (exclusive)",
                "days_with_rows": dg.MetadataValue.int(len(report.days)),
                "rows_already_loaded": dg.MetadataValue.int(report.rows_already_loaded),
                "rows_of_new_files_outside_these_days": dg.MetadataValue.int(report.rows_outside_window),
                "rows_quarantined": dg.MetadataValue.int(report.rows_quarantined),
                "quarantined_total": dg.MetadataValue.int(int(quarantined)),
                "files_new": dg.MetadataValue.int(report.files_loaded),
                "files_reread": dg.MetadataValue.int(report.files_reread),
                "files_skipped_as_redelivered_or_bad": dg.MetadataValue.int(report.files_skipped),
                "files_quarantined": dg.MetadataValue.int(report.files_quarantined),
                "quarantine_reasons": dg.MetadataValue.md("| reason | rows or files |\n|---|---|\n" + reasons),
                "seconds": dg.MetadataValue.float(round(report.seconds, 2)),
                **table_metadata(store, staged_table(source), total),
            },
            check_results=[window_quality(store, source, start, end)],
        )

    return _ingest


def window_quality(store, source: str, start, end) -> dg.AssetCheckResult:
    """The suite over the rows this run loaded, read in chunks; uniqueness over the whole table.

    Days outside the window were validated when they were loaded: re-reading a year of contacts
    for each day's file would make a daily load as slow as the first.
    """
    table = staged_table(source)
    if not store.has_table(table):
        return dg.AssetCheckResult(check_name=quality_check_name(source), passed=True, metadata={"rows": 0})
    duplicates = {
        column: int(store.scalar(f"select count({column}) - count(distinct {column}) from {table}"))
        for column in unique_columns(table)
    }
    where = in_window(SOURCE_DEFS[source].day, start, end)
    result = validate_in_chunks(
        table, store.read_chunks(f"select * from {table} where {where}", rows=200_000), duplicates
    )
    return dg.AssetCheckResult(
        check_name=quality_check_name(source),
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": result.rows,
            "days": f"{start} to {end} (exclusive)",
            "failed": ", ".join(result.failed) or "none",
            "expectations": dg.MetadataValue.md(result.markdown()),
        },
    )


def written_tables() -> list[dg.AssetSpec]:
    """Tables every ingest asset writes besides its own: declared, so the lineage shows them."""
    deps = [ingest_key(source) for source in SOURCES]
    common = {"deps": deps, "group_name": "ingest", "kinds": {"table"}, "owners": ["team:data"]}
    return [
        dg.AssetSpec(
            QUARANTINE_KEY,
            description="Contract table `quarantine`: one row per rejected row or file, with source, file, line "
            "(empty for a whole file) and reason. Written by the ingest assets as they load.",
            **common,
        ),
        dg.AssetSpec(
            MANIFEST_KEY,
            description="Every landing file loaded, once, by checksum, with its first and last day: why a "
            "re-delivered export never double-counts and which files a day's re-load reads again.",
            **common,
        ),
        dg.AssetSpec(
            WINDOWS_KEY,
            description="Every window of days each ingest asset loaded, and when: with the manifest it tells "
            "which days of known files no load has covered yet (rows dated in the future when they came, or "
            "before the first partition), so that a later run loads them.",
            **common,
        ),
    ]


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    return [*(build_ingest_asset(source, partitions.days) for source in SOURCES), *written_tables()]
