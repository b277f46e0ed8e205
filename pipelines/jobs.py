"""Jobs: everything at once, and ingestion with everything downstream of it."""

import dagster as dg

ALL_JOB = "onodig_all"
INGEST_JOB = "ingest_new_files"


def build_jobs(executor: dg.ExecutorDefinition) -> list:
    return [
        dg.define_asset_job(
            ALL_JOB,
            selection=dg.AssetSelection.all(),
            description="Every asset once: ingest new landing files, classify, link, publish marts and reports.",
            executor_def=executor,
        ),
        dg.define_asset_job(
            INGEST_JOB,
            selection=dg.AssetSelection.groups("ingest").downstream(),
            description="Load newly landed files and bring everything that depends on them up to date.",
            executor_def=executor,
        ),
    ]
