"""The weekly publication: Monday morning, Swedish time, before process owners start their week."""

import dagster as dg

from onodig.pipelines.jobs import PUBLISH_JOB
from onodig.pipelines.orchestration import previous_week

WEEKLY_SCHEDULE = "weekly_publication"


def build_schedule(jobs: dict) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=WEEKLY_SCHEDULE,
        job=jobs[PUBLISH_JOB],
        cron_schedule="0 6 * * 1",
        execution_timezone="Europe/Stockholm",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every Monday 06:00 Europe/Stockholm: rebuild the week that just ended and write the process "
        "owners' weekly reports. What landed before is loaded and linked by the landing sensor's chain.",
    )
    def weekly_publication(context: dg.ScheduleEvaluationContext):
        week = previous_week(context.scheduled_execution_time.date())
        return dg.RunRequest(run_key=f"week-{week.first}", tags=week.tags())

    return weekly_publication
