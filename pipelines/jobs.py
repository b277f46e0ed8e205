"""Three jobs, one per kind of partition: a Dagster job holds assets of one partitioning only.

``ingest_days`` loads days (daily partitions), ``classify_and_link`` rebuilds what needs every
day at once (the classifier, inquiries, case and invoice links: unpartitioned), and
``publish_weeks`` rebuilds weeks of marts (weekly partitions) and writes the reports. The sensors
chain them, and ``onodig run`` runs them in that order (see :mod:`pipelines.plan`).
"""

import dagster as dg

from onodig.pipelines.plan import INGEST_JOB, LINK_JOB, PUBLISH_JOB

INGEST_GROUPS = ("ingest",)
LINK_GROUPS = ("config", "classifier", "core", "staging", "intermediate")
PUBLISH_GROUPS = ("marts", "trends", "reports")

JOBS = {  # name: (asset groups, what a run does)
    INGEST_JOB: (
        INGEST_GROUPS,
        "Load a range of days from the landing folder: each day's rows are deleted and re-read from every file "
        "that holds rows for it. Launched by the landing sensor for the days new files hold.",
    ),
    LINK_JOB: (
        LINK_GROUPS,
        "Train or load the classifier, classify every inquiry, link inquiries to cases and invoices and find root "
        "causes: the steps that need every day at once. Follows ingest_days.",
    ),
    PUBLISH_JOB: (
        PUBLISH_GROUPS,
        "Rebuild a range of weeks of the marts (delete each week, insert it again) and write the process owners' "
        "reports. Follows classify_and_link for the weeks new data touched; weekly schedule.",
    ),
}


def build_jobs(executor: dg.ExecutorDefinition) -> dict:
    return {
        name: dg.define_asset_job(
            name,
            selection=dg.AssetSelection.groups(*groups).materializable(),
            description=description,
            executor_def=executor,
        )
        for name, (groups, description) in JOBS.items()
    }
