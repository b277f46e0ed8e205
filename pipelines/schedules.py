"""The weekly publication: Monday morning, Swedish time, before process owners start their week."""

import dagster as dg

from pipelines.jobs import ALL_JOB

WEEKLY_SCHEDULE = "weekly_publication"

weekly_publication = dg.ScheduleDefinition(
    name=WEEKLY_SCHEDULE,
    job_name=ALL_JOB,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every Monday 06:00 Europe/Stockholm: ingest what landed, bring last week's marts up to date "
    "and write the process owners' weekly reports.",
)
