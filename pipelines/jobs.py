"""Three jobs, one per kind of partition: a Dagster job holds assets of one partitioning only.

``ingest_days`` loads days (daily partitions), ``classify_and_link`` rebuilds what needs every
day at once (the classifier, inquiries, case and invoice links: unpartitioned), and
``publish_weeks`` rebuilds weeks of marts (weekly partitions) and writes the reports. The sensors
chain them, and ``onodig run`` runs them in that order (see :mod:`pipelines.orchestration`).
"""

import dagster as dg

INGEST_JOB = "ingest_days"
LINK_JOB = "classify_and_link"
PUBLISH_JOB = "publish_weeks"

INGEST_GROUPS = ("ingest",)
LINK_GROUPS = ("config", "classifier", "core", "staging", "intermediate")
PUBLISH_GROUPS = ("marts", "reports")
JOB_ORDER = (INGEST_JOB, LINK_JOB, PUBLISH_JOB)


def build_jobs(executor: dg.ExecutorDefinition) -> dict:
    return {
        INGEST_JOB: dg.define_asset_job(
            INGEST_JOB,
            selection=dg.AssetSelection.groups(*INGEST_GROUPS),
            description="Load a range of days from the landing folder: each day's rows are deleted and re-read "
            "from every file that holds rows for it. Launched by the landing sensor for the days new files hold.",
            executor_def=executor,
        ),
        LINK_JOB: dg.define_asset_job(
            LINK_JOB,
            selection=dg.AssetSelection.groups(*LINK_GROUPS),
            description="Train or load the classifier, classify every inquiry, link inquiries to cases and "
            "invoices and find root causes: the steps that need every day at once. Follows ingest_days.",
            executor_def=executor,
        ),
        PUBLISH_JOB: dg.define_asset_job(
            PUBLISH_JOB,
            selection=dg.AssetSelection.groups(*PUBLISH_GROUPS),
            description="Rebuild a range of weeks of the marts (delete each week, insert it again) and write the "
            "process owners' reports. Follows classify_and_link for the weeks new data touched; weekly schedule.",
            executor_def=executor,
        ),
    }
