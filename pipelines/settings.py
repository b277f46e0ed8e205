"""Where everything lives, from flags, then environment variables, then defaults.

This is the one place that reads the environment; everything else gets its settings passed in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_DATA = "data"
DEFAULT_FIRST_DAY = date(2025, 1, 1)
# real questions kept beside the project, for evaluation only; looked for from where onodig is started
DEFAULT_REALDATA = Path("..") / "shared" / "realdata" / "swefaq_questions.csv"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing: Path
    warehouse_url: str
    outbox: Path
    pseudonym_key: str | None
    realdata: Path | None = None
    report_language: str = "sv"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "onodig@localhost"
    smtp_username: str = ""
    smtp_starttls: bool = False
    smtp_password_set: bool = False  # the password itself is only ever read through dg.EnvVar
    executor: str = "in_process"  # or "multiprocess" (PostgreSQL only: DuckDB has one writer)
    max_concurrent: int = 0  # multiprocess: steps at once; 0 means the number of cores
    first_day: date = DEFAULT_FIRST_DAY  # the first daily partition; its Monday starts the weekly ones

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"


def resolve(
    landing: str | None = None,
    warehouse_url: str | None = None,
    outbox: str | None = None,
    data_dir: str | None = None,
    pseudonym_key: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    data = Path(data_dir or env.get("ONODIG_DATA") or DEFAULT_DATA).resolve()
    realdata = Path(env["ONODIG_REALDATA"]) if env.get("ONODIG_REALDATA") else None
    if realdata is None and DEFAULT_REALDATA.is_file():
        realdata = DEFAULT_REALDATA.resolve()
    return Settings(
        data_dir=data,
        landing=Path(landing or env.get("ONODIG_LANDING") or data / "landing").resolve(),
        warehouse_url=warehouse_url or env.get("ONODIG_WAREHOUSE_URL") or f"duckdb:///{data / 'onodig.duckdb'}",
        outbox=Path(outbox or env.get("ONODIG_OUTBOX") or data / "outbox").resolve(),
        pseudonym_key=pseudonym_key or env.get("ONODIG_PSEUDONYM_KEY") or None,
        realdata=realdata,
        report_language=env.get("ONODIG_REPORT_LANGUAGE", "sv"),
        smtp_host=env.get("ONODIG_SMTP_HOST", ""),
        smtp_port=int(env.get("ONODIG_SMTP_PORT", "25")),
        smtp_sender=env.get("ONODIG_SMTP_SENDER", "onodig@localhost"),
        smtp_username=env.get("ONODIG_SMTP_USERNAME", ""),
        smtp_starttls=env.get("ONODIG_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        smtp_password_set=bool(env.get("ONODIG_SMTP_PASSWORD")),
        executor=env.get("ONODIG_EXECUTOR", "in_process"),
        max_concurrent=int(env.get("ONODIG_MAX_CONCURRENT", "0")),
        first_day=_first_day(env.get("ONODIG_FIRST_DAY")),
    )


class BadSetting(ValueError):
    pass


def _first_day(value: str | None) -> date:
    if not value:
        return DEFAULT_FIRST_DAY
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadSetting(f"ONODIG_FIRST_DAY must be a date, YYYY-MM-DD (got {value!r})") from None
