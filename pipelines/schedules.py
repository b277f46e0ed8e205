"""The weekly publication: Monday morning, Swedish time, before process owners start their week."""

import dagster as dg

from onodig.pipelines.plan import PUBLISH_JOB, scheduled_run

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
        run = scheduled_run(context.scheduled_execution_time.date())
        return dg.RunRequest(run_key=run.run_key, tags=dict(run.tags))

    return weekly_publication
