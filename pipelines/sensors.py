"""Start ingestion when new files land, without waiting for the weekly schedule."""

import hashlib
import json

import dagster as dg

from ingestion.contract import SOURCES
from ingestion.files import landing_files
from pipelines.jobs import INGEST_JOB
from pipelines.resources import LandingResource

LANDING_SENSOR = "new_landing_files"


def landing_snapshot(landing: LandingResource) -> dict[str, list[int]]:
    """Every landing file with its size and modification time: what the sensor compares between ticks."""
    snapshot = {}
    for source in SOURCES:
        for path in landing_files(landing.root / source):
            stat = path.stat()
            snapshot[f"{source}/{path.name}"] = [stat.st_size, int(stat.st_mtime)]
    return snapshot


@dg.sensor(
    name=LANDING_SENSOR,
    job_name=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the landing folder and starts ingestion (and everything downstream) when files arrive or change.",
)
def new_landing_files(context: dg.SensorEvaluationContext, landing: LandingResource):
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_snapshot(landing)
    new = sorted(name for name, stamp in current.items() if seen.get(name) != stamp)
    if not new:
        return dg.SkipReason(f"no new files among {len(current)} in {landing.root}")
    context.update_cursor(json.dumps(current, sort_keys=True))
    run_key = hashlib.sha256(json.dumps([(n, current[n]) for n in new]).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"onodig/new_files": str(len(new))})
