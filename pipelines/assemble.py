"""The one place where onodig's Dagster definitions are assembled, from settings.

Each asset module exports its own assets and SQL models come from their files; resources are chosen
here once, from :mod:`pipelines.settings`, and referenced by parameter name everywhere else. The code
location (:mod:`pipelines.definitions`) builds them from the environment when it is imported;
``onodig run`` builds them from its own settings, here, without building them twice.
"""

from __future__ import annotations

import os

import dagster as dg

from onodig.assets import build_assets
from onodig.assets.partitions import Partitions
from onodig.assets.resources import (
    ClassifierResource,
    LandingResource,
    OutputsResource,
    PseudonymResource,
    SmtpResource,
    WarehouseResource,
)
from onodig.pipelines.jobs import build_jobs
from onodig.pipelines.schedules import build_schedule
from onodig.pipelines.sensors import build_sensors
from onodig.pipelines.settings import Settings, resolve


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "landing": LandingResource(path=str(settings.landing)),
        "warehouse": WarehouseResource(url=settings.warehouse_url),
        # only ever from the environment: the key must not show up in run config or the UI
        "pseudonym": PseudonymResource(key=dg.EnvVar("ONODIG_PSEUDONYM_KEY")),
        "classifier": ClassifierResource(model_dir=str(settings.model_dir), realdata_path=str(settings.realdata or "")),
        "outputs": OutputsResource(
            outbox=str(settings.outbox), exports=str(settings.exports), language=settings.report_language
        ),
        "smtp": SmtpResource(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=dg.EnvVar("ONODIG_SMTP_PASSWORD") if settings.smtp_password_set else "",
            starttls=settings.smtp_starttls,
        ),
        "io_manager": dg.FilesystemIOManager(base_dir=str(settings.data_dir / "storage")),
    }


class UnsupportedExecutor(ValueError):
    pass


def executor_for(settings: Settings) -> dg.ExecutorDefinition:
    """In-process by default: DuckDB allows one writing process. With PostgreSQL, steps can run in
    parallel processes here, and the same jobs take dagster-k8s's or dagster-celery's executor."""
    if settings.executor == "in_process":
        return dg.in_process_executor
    if settings.executor == "multiprocess":
        if settings.warehouse_url.startswith("duckdb"):
            raise UnsupportedExecutor(
                "ONODIG_EXECUTOR=multiprocess needs a PostgreSQL warehouse: DuckDB has one writer"
            )
        limit = settings.max_concurrent or (os.cpu_count() or 2)
        return dg.multiprocess_executor.configured({"max_concurrent": limit})
    raise UnsupportedExecutor(f"unknown ONODIG_EXECUTOR {settings.executor!r} (in_process or multiprocess)")


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or resolve()
    partitions = Partitions.starting(settings.first_day)
    jobs = build_jobs(executor_for(settings))
    return dg.Definitions(
        assets=build_assets(partitions),
        jobs=list(jobs.values()),
        schedules=[build_schedule(jobs)],
        sensors=build_sensors(partitions.days, jobs),
        resources=build_resources(settings),
    )
