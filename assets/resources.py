"""Dagster resources: bound once in definitions.py and referenced by parameter name."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.classifiers.settings import DEFAULT_CONFIG, load_config
from onodig.classifiers.training import ModelArtefact, load_or_train
from onodig.demand.corrections import AUDIT_FILE, CORRECTIONS_FILE, Corrections, read_corrections
from onodig.demand.processes import BadProcessMap, ProcessMap
from onodig.demand.topic_names import BadTopicNames, TopicNames
from onodig.demand.trend_settings import BadTrendSettings, TrendSettings
from onodig.privacy import Pseudonymiser
from onodig.reports.mail import SmtpSettings
from onodig.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The SQLAlchemy URL of the warehouse: DuckDB by default, PostgreSQL in production."""

    url: str

    def get(self) -> Warehouse:
        return Warehouse(self.url)


class LandingResource(dg.ConfigurableResource):
    """The landing folder: one sub-folder per source, an optional processes.yaml, corrections.csv and audit.csv."""

    path: str
    parse_processes: int = 0  # worker processes that parse landing files; 0: one per core

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def processes_for_parsing(self) -> int:
        return self.parse_processes or os.cpu_count() or 1

    def processes(self) -> ProcessMap:
        """The landing folder's process map; a map that cannot be used fails the step with its one-line reason."""
        try:
            return ProcessMap.for_landing(self.root)
        except BadProcessMap as exc:
            raise dg.Failure(str(exc).splitlines()[0]) from None

    def trends(self) -> TrendSettings:
        """The trend watch's settings: the built-in trends.yaml with the landing folder's laid over it."""
        try:
            return TrendSettings.for_landing(self.root)
        except BadTrendSettings as exc:
            raise dg.Failure(str(exc)) from None

    def topic_names(self) -> TopicNames:
        """The topics analysts have named in the landing folder's topics.yaml (none without one)."""
        try:
            return TopicNames.for_landing(self.root)
        except BadTopicNames as exc:
            raise dg.Failure(str(exc)) from None

    def corrections(self) -> Corrections:
        """Analysts' corrections (``inquiry_id;demand_type``); later lines win, unknown types are ignored."""
        return read_corrections(self.root / CORRECTIONS_FILE)

    def audits(self) -> Corrections:
        """Analysts' labels for the audit sample, same format; they measure the model and are never trained on."""
        return read_corrections(self.root / AUDIT_FILE)


class PseudonymResource(dg.ConfigurableResource):
    """The pseudonymisation key; only ever bound from ``ONODIG_PSEUDONYM_KEY``."""

    key: str

    def get(self) -> Pseudonymiser:
        return Pseudonymiser(self.key)


class ClassifierResource(dg.ConfigurableResource):
    """Where trained models live and which config trains them."""

    model_dir: str
    config_path: str = str(DEFAULT_CONFIG)
    duplicate_window_days: int = 14
    realdata_path: str = ""  # real questions for evaluation only (../shared/realdata); empty to skip

    def config(self) -> dict:
        return load_config(Path(self.config_path))

    def load(self, extra: pd.DataFrame | None = None, log=print) -> ModelArtefact:
        return load_or_train(Path(self.model_dir), self.config(), extra=extra, log=log)


class OutputsResource(dg.ConfigurableResource):
    """Folders for files people read: the outbox of weekly reports and CSV exports, and their language."""

    outbox: str
    exports: str
    language: str = "sv"


class SmtpResource(dg.ConfigurableResource):
    """Where weekly reports are e-mailed from; an empty host means reports stay in the outbox."""

    host: str = ""
    port: int = 25
    sender: str = ""  # required with a host: onodig run checks it before it starts
    username: str = ""
    password: str = ""
    starttls: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def settings(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.host,
            port=self.port,
            sender=self.sender,
            username=self.username or None,
            password=self.password or None,
            starttls=self.starttls,
        )
