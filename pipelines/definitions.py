"""The one place where onodig's Dagster definitions are assembled.

Assets are collected from their modules and SQL models from their files; resources are chosen
here once, from :mod:`pipelines.settings`, and referenced by parameter name everywhere else.
"""

from __future__ import annotations

import os

import dagster as dg

from onodig.assets.classify import classifier_correction, classifier_evaluation, demand_classifier
from onodig.assets.config_tables import config_tables
from onodig.assets.demand import inquiries, review_queue
from onodig.assets.ingest import build_ingest_assets
from onodig.assets.partitions import daily_partitions, weekly_partitions
from onodig.assets.publish import process_reports
from onodig.assets.resources import (
    ClassifierResource,
    LandingResource,
    OutputsResource,
    PseudonymResource,
    SmtpResource,
    WarehouseResource,
)
from onodig.assets.sql_models import build_sql_assets
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB, build_jobs
from onodig.pipelines.schedules import build_schedule
from onodig.pipelines.sensors import build_sensors
from onodig.pipelines.settings import Settings, resolve

__all__ = ["INGEST_JOB", "LINK_JOB", "PUBLISH_JOB", "build_definitions", "defs"]


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
    days, weeks = daily_partitions(settings.first_day), weekly_partitions(settings.first_day)
    python_assets = [
        *build_ingest_assets(days),
        config_tables,
        demand_classifier,
        classifier_evaluation,
        classifier_correction,
        inquiries,
        review_queue,
    ]
    upstream = [spec.key for assets_def in python_assets for spec in assets_def.specs]
    sql_assets = build_sql_assets(upstream, weeks)
    reports = [process_reports]  # reads the marts, so after them
    jobs = build_jobs(executor_for(settings))
    return dg.Definitions(
        assets=[*python_assets, *sql_assets, *reports],
        jobs=list(jobs.values()),
        schedules=[build_schedule(jobs)],
        sensors=build_sensors(days, jobs),
        resources=build_resources(settings),
    )


defs = build_definitions()
