"""Where everything lives, from flags, then environment variables, then defaults, and whether it makes sense.

This is the one place that reads the environment; everything else gets its settings passed in.
:func:`resolve` turns the environment into :class:`Settings`; :func:`check` says, in one line,
what to change when a setting cannot work. Both import nothing heavy (no pandas, SQLAlchemy or
Dagster), so a mistake is reported at once, before any work starts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path

from onodig.ingestion.contract import SOURCES  # plain dataclasses: nothing heavy

DEFAULT_DATA = "data"
DEFAULT_FIRST_DAY = date(2025, 1, 1)
# real questions kept beside the project, for evaluation only; looked for from where onodig is started
DEFAULT_REALDATA = Path("..") / "shared" / "realdata" / "swefaq_questions.csv"

LANGUAGES = ("sv", "en")
EXECUTORS = ("in_process", "multiprocess")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
# The warehouses onodig is tested on, and the module each SQLAlchemy driver needs installed
WAREHOUSE_DRIVERS = {
    "duckdb": "duckdb_engine",
    "postgresql": "psycopg",  # SQLAlchemy 2.1's default PostgreSQL driver
    "postgresql+psycopg2": "psycopg2",
    "postgresql+psycopg": "psycopg",
}
_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*$")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")
_URL_PASSWORD = re.compile(r"^(?P<head>[^:/?#]+://[^:/@?#]*):(?P<password>[^@]*)@")


class BadSetting(ValueError):
    """One setting cannot work; the message says which and what to change, in one line."""


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
    smtp_sender: str = ""
    smtp_username: str = ""
    smtp_starttls: bool = False
    smtp_password_set: bool = False  # the password itself is only ever read through dg.EnvVar
    executor: str = "in_process"  # or "multiprocess" (PostgreSQL only: DuckDB has one writer)
    max_concurrent: int = 0  # multiprocess: steps at once; 0 means the number of cores
    first_day_setting: date | None = None  # ONODIG_FIRST_DAY; None: the earliest day the landing exports hold

    @cached_property
    def first_day(self) -> date:
        """The first daily partition (its Monday starts the weekly ones): ``ONODIG_FIRST_DAY`` if set, else
        the Monday of the earliest row in the landing exports, else (an empty landing folder) 2025-01-01.

        Worked out once per settings, when first asked: the definitions and the run plan then agree.
        """
        if self.first_day_setting is not None:
            return self.first_day_setting
        from onodig.ingestion.first_day import earliest_landing_day  # reads files: only when asked

        if not self.landing.is_dir():
            return DEFAULT_FIRST_DAY
        processes = os.cpu_count() or 1  # a first run's million inquiries: every file's days, a worker per core
        return (
            earliest_landing_day(self.landing, self.warehouse_url, self.pseudonym_key, processes) or DEFAULT_FIRST_DAY
        )

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    @property
    def warehouse_shown(self) -> str:
        """The warehouse URL as it may be printed: without its password."""
        return redact_url(self.warehouse_url)


def resolve(
    landing: str | None = None,
    warehouse_url: str | None = None,
    outbox: str | None = None,
    data_dir: str | None = None,
    pseudonym_key: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """The settings from flags, then ``environ`` (default: the process environment), then defaults.

    Raises :class:`BadSetting` for a value that does not even parse (a port that is no number).
    """
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
        report_language=env.get("ONODIG_REPORT_LANGUAGE") or "sv",
        smtp_host=env.get("ONODIG_SMTP_HOST", "").strip(),
        smtp_port=_whole_number(env, "ONODIG_SMTP_PORT", 25, "a port number from 1 to 65535"),
        smtp_sender=env.get("ONODIG_SMTP_SENDER", "").strip(),
        smtp_username=env.get("ONODIG_SMTP_USERNAME", ""),
        smtp_starttls=_boolean(env, "ONODIG_SMTP_STARTTLS"),
        smtp_password_set=bool(env.get("ONODIG_SMTP_PASSWORD")),
        executor=env.get("ONODIG_EXECUTOR") or "in_process",
        max_concurrent=_whole_number(env, "ONODIG_MAX_CONCURRENT", 0, "a whole number of steps, 0 for one per core"),
        first_day_setting=_first_day(env.get("ONODIG_FIRST_DAY")),
    )


def check(
    settings: Settings,
    *,
    landing: str = "existing",
    key: bool = True,
    warehouse: bool = True,
    environ: dict[str, str] | None = None,
) -> None:
    """Raise :class:`BadSetting` for the first setting that cannot work, before any work starts.

    ``landing`` is ``"existing"`` (the folder must be there), ``"with_files"`` (and hold an export,
    as ``onodig run`` needs), ``"any"`` (it may not be there yet, as for ``generate``, ``demo`` and
    ``serve``; if it is, it must be a folder) or ``"unused"``. ``key``: the command writes citizen data, so it needs the pseudonymisation key.
    ``warehouse``: the command uses the warehouse, so its URL must name a supported, installed driver.
    """
    env = os.environ if environ is None else environ
    if landing in ("existing", "with_files") and not settings.landing.exists():
        raise BadSetting(f"landing folder not found: {settings.landing} (set --landing or ONODIG_LANDING)")
    if landing != "unused" and settings.landing.exists() and not settings.landing.is_dir():
        raise BadSetting(
            f"the landing folder {settings.landing} is a file: set --landing or ONODIG_LANDING to a folder"
        )
    if key:
        if not settings.pseudonym_key:
            raise BadSetting(
                "ONODIG_PSEUDONYM_KEY is not set: onodig will not write citizen data without a pseudonymisation key"
            )
        if not settings.pseudonym_key.strip():
            raise BadSetting("ONODIG_PSEUDONYM_KEY is only white space: set it to the key from your key vault")
    if warehouse:
        check_warehouse_url(settings.warehouse_url)
    if settings.report_language not in LANGUAGES:
        raise BadSetting(f"ONODIG_REPORT_LANGUAGE must be sv or en (got {settings.report_language!r})")
    _check_smtp(settings, env)
    if settings.executor not in EXECUTORS:
        raise BadSetting(f"ONODIG_EXECUTOR must be in_process or multiprocess (got {settings.executor!r})")
    if warehouse and settings.executor == "multiprocess" and settings.warehouse_url.startswith("duckdb"):
        raise BadSetting("ONODIG_EXECUTOR=multiprocess needs a PostgreSQL warehouse: DuckDB has one writer")
    if settings.max_concurrent < 0:
        raise BadSetting(f"ONODIG_MAX_CONCURRENT must be 0 or more (got {settings.max_concurrent})")
    if settings.realdata is not None and env.get("ONODIG_REALDATA") and not settings.realdata.is_file():
        raise BadSetting(f"ONODIG_REALDATA: no such file {settings.realdata} (unset it to skip that evaluation)")
    _check_writable(settings.data_dir, "the data folder", "--data or ONODIG_DATA")
    _check_writable(settings.outbox, "the outbox", "ONODIG_OUTBOX")
    if landing != "unused" and settings.landing.is_dir():
        _check_process_map(settings.landing)
        _check_trends(settings.landing)
    if landing == "with_files" and not has_exports(settings.landing):
        raise BadSetting(
            f"the landing folder {settings.landing} holds no exports: put .csv or .csv.gz files in one or more of "
            f"its sub-folders {', '.join(f'{s}/' for s in SOURCES)}"
        )


def check_warehouse_url(url: str) -> None:
    """Only DuckDB and PostgreSQL are supported, and the URL's driver must be installed."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+._-]*)://", url)
    if not match:
        raise BadSetting(
            f"bad warehouse URL: not a SQLAlchemy URL: {redact_url(url)!r} "
            "(e.g. duckdb:///data/onodig.duckdb or postgresql+psycopg://user@host/db)"
        )
    scheme = match.group(1).lower()
    if scheme not in WAREHOUSE_DRIVERS:
        backend = scheme.split("+")[0]
        supported = "duckdb://, postgresql://, postgresql+psycopg:// or postgresql+psycopg2://"
        what = "is not supported" if backend in ("duckdb", "postgresql") else "is not a supported warehouse"
        raise BadSetting(f"bad warehouse URL: {scheme}:// {what}; onodig runs on DuckDB or PostgreSQL: use {supported}")
    module = WAREHOUSE_DRIVERS[scheme]
    if find_spec(module) is None:
        raise BadSetting(f"bad warehouse URL: {scheme}:// needs the Python package {module}, which is not installed")


def redact_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` as ``postgresql://user:***@host/db``: URLs are printed without passwords."""
    return _URL_PASSWORD.sub(r"\g<head>:***@", url, count=1)


def url_password(url: str) -> str | None:
    """The password in a URL's ``user:password@`` part, if it has one."""
    match = _URL_PASSWORD.match(url)
    return match.group("password") if match and match.group("password") else None


def has_exports(landing: Path) -> bool:
    """Whether any source sub-folder holds a file that looks like an export (``.csv``, ``.csv.gz``)."""
    for source in SOURCES:
        folder = landing / source
        if folder.is_dir() and any(
            p.is_file() and p.name.lower().endswith((".csv", ".csv.gz")) for p in folder.rglob("*")
        ):
            return True
    return False


def _check_smtp(settings: Settings, env) -> None:
    if not 1 <= settings.smtp_port <= 65535:
        raise BadSetting(f"ONODIG_SMTP_PORT must be a port number from 1 to 65535 (got {settings.smtp_port})")
    if settings.smtp_host and not _HOST.match(settings.smtp_host):
        raise BadSetting(
            f"ONODIG_SMTP_HOST must be a host name or address, without scheme or port (got {settings.smtp_host!r})"
        )
    if settings.smtp_host and not settings.smtp_sender:
        raise BadSetting("ONODIG_SMTP_SENDER is not set: with ONODIG_SMTP_HOST set, give the address reports come from")
    if settings.smtp_sender and not _ADDRESS.match(settings.smtp_sender):
        raise BadSetting(
            f"ONODIG_SMTP_SENDER must be an e-mail address like onodig@kommun.se (got {settings.smtp_sender!r})"
        )
    if settings.smtp_password_set and not settings.smtp_username:
        raise BadSetting("ONODIG_SMTP_PASSWORD is set without ONODIG_SMTP_USERNAME: set both, or neither")
    if settings.smtp_username and not settings.smtp_password_set:
        raise BadSetting("ONODIG_SMTP_USERNAME is set without ONODIG_SMTP_PASSWORD: set both, or neither")


def _check_writable(folder: Path, what: str, where: str) -> None:
    """The folder exists and is writable, or could be created: its nearest existing ancestor is a writable folder."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise BadSetting(f"{what} {folder} cannot be created: {existing} is a file (set {where})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadSetting(f"{what} {folder} is not writable (set {where} to a folder onodig may write)")


def _check_process_map(landing: Path) -> None:
    from onodig.demand.processes import BadProcessMap, ProcessMap

    try:
        ProcessMap.for_landing(landing)
    except BadProcessMap as exc:
        raise BadSetting(str(exc).splitlines()[0]) from None


def _check_trends(landing: Path) -> None:
    """The landing folder's trends.yaml and topics.yaml, if any (plain YAML readers: nothing heavy)."""
    from onodig.demand.topic_names import BadTopicNames, TopicNames
    from onodig.demand.trend_settings import BadTrendSettings, TrendSettings

    try:
        TrendSettings.for_landing(landing)
        TopicNames.for_landing(landing)
    except (BadTrendSettings, BadTopicNames) as exc:
        raise BadSetting(str(exc).splitlines()[0]) from None


def _whole_number(env, name: str, default: int, meaning: str) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadSetting(f"{name} must be {meaning} (got {value!r})") from None


def _boolean(env, name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise BadSetting(f"{name} must be true or false (got {env.get(name)!r})")


def _first_day(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadSetting(f"ONODIG_FIRST_DAY must be a date, YYYY-MM-DD (got {value!r})") from None
