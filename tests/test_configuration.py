"""Every configuration mistake is exit 2 and one line that says what to change, before anything heavy is imported."""

import json
import subprocess
import sys

import pytest

from onodig.pipelines.cli import main
from onodig.pipelines.settings import BadSetting, check, redact_url, resolve
from tests.conftest import TEST_KEY

HEAVY = ("dagster", "pandas", "sqlalchemy", "sklearn", "spacy", "great_expectations", "duckdb")
# `onodig` itself, run as `python -m onodig` would be, reporting afterwards which heavy modules it imported
PROBE = (
    "import json, sys\n"
    "from onodig.pipelines.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    "sys.exit(code)\n"
)

# every documented variable with a bad value, and what the one line must name
BAD_SETTINGS = [
    ({"ONODIG_LANDING": "{tmp}/nope"}, "landing folder not found"),
    ({"ONODIG_LANDING": "{tmp}/a_file"}, "is a file"),
    ({"ONODIG_LANDING": "{tmp}/empty"}, "holds no exports: put .csv or .csv.gz files"),
    ({"ONODIG_WAREHOUSE_URL": "sqlite:///{tmp}/w.db"}, "sqlite:// is not a supported warehouse"),
    ({"ONODIG_WAREHOUSE_URL": "mysql://u:pw@db.example/onodig"}, "mysql:// is not a supported warehouse"),
    ({"ONODIG_WAREHOUSE_URL": "postgresql+pg8000://u@db.example/onodig"}, "postgresql+pg8000:// is not supported"),
    ({"ONODIG_WAREHOUSE_URL": "not a url"}, "bad warehouse URL"),
    ({"ONODIG_OUTBOX": "{tmp}/a_file/outbox"}, "the outbox"),
    ({"ONODIG_PSEUDONYM_KEY": ""}, "ONODIG_PSEUDONYM_KEY is not set"),
    ({"ONODIG_PSEUDONYM_KEY": "   "}, "ONODIG_PSEUDONYM_KEY is only white space"),
    ({"ONODIG_DATA": "{tmp}/a_file/data"}, "the data folder"),
    ({"ONODIG_REPORT_LANGUAGE": "de"}, "ONODIG_REPORT_LANGUAGE must be sv or en"),
    ({"ONODIG_SMTP_HOST": "smtp://mail.kommun.example"}, "ONODIG_SMTP_HOST must be a host name"),
    ({"ONODIG_SMTP_HOST": "mail.kommun.example"}, "ONODIG_SMTP_SENDER is not set"),
    ({"ONODIG_SMTP_PORT": "abc"}, "ONODIG_SMTP_PORT must be a port number"),
    ({"ONODIG_SMTP_PORT": "70000"}, "ONODIG_SMTP_PORT must be a port number"),
    ({"ONODIG_SMTP_SENDER": "onodig at kommun"}, "ONODIG_SMTP_SENDER must be an e-mail address"),
    ({"ONODIG_SMTP_USERNAME": "onodig"}, "ONODIG_SMTP_USERNAME is set without ONODIG_SMTP_PASSWORD"),
    ({"ONODIG_SMTP_PASSWORD": "secret"}, "ONODIG_SMTP_PASSWORD is set without ONODIG_SMTP_USERNAME"),
    ({"ONODIG_SMTP_STARTTLS": "maybe"}, "ONODIG_SMTP_STARTTLS must be true or false"),
    ({"ONODIG_EXECUTOR": "threads"}, "ONODIG_EXECUTOR must be in_process or multiprocess"),
    ({"ONODIG_EXECUTOR": "multiprocess"}, "needs a PostgreSQL warehouse"),
    ({"ONODIG_MAX_CONCURRENT": "many"}, "ONODIG_MAX_CONCURRENT must be a whole number"),
    ({"ONODIG_MAX_CONCURRENT": "-1"}, "ONODIG_MAX_CONCURRENT must be 0 or more"),
    ({"ONODIG_FIRST_DAY": "2025-13-01"}, "ONODIG_FIRST_DAY must be a date"),
    ({"ONODIG_REALDATA": "{tmp}/nope.csv"}, "ONODIG_REALDATA: no such file"),
]


@pytest.fixture
def landing(tmp_path):
    """A landing folder with one export, a file and an empty folder to point settings at."""
    (tmp_path / "landing" / "contacts").mkdir(parents=True)
    (tmp_path / "landing" / "contacts" / "contacts_20261102.csv").write_text(
        "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"
        "C1;phone;2026-11-02 09:00;;Bygglov;60;;;Fråga\n",
        encoding="utf-8",
    )
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "empty" / "contacts").mkdir(parents=True)
    return tmp_path / "landing"


def onodig(args, env, cwd):
    """`onodig ARGS` in a fresh interpreter: exit code, stderr lines, and the heavy modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stderr.strip().splitlines(), json.loads(done.stdout.strip().splitlines()[-1])


def clean_environment(tmp_path, landing) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONODIG_")}
    return env | {
        "ONODIG_PSEUDONYM_KEY": TEST_KEY,
        "ONODIG_LANDING": str(landing),
        "ONODIG_DATA": str(tmp_path / "data"),
        "ONODIG_REALDATA": "",
    }


@pytest.mark.parametrize(("bad", "says"), BAD_SETTINGS, ids=[f"{next(iter(b))}={v}" for b, v in BAD_SETTINGS])
def test_every_bad_setting_is_exit_2_and_one_line_before_any_heavy_import(tmp_path, landing, bad, says):
    env = clean_environment(tmp_path, landing) | {k: v.format(tmp=tmp_path) for k, v in bad.items()}
    code, err, heavy = onodig(["run"], env, tmp_path)
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith("onodig: ") and says in err[0], err
    assert heavy == [], f"imported before the mistake was reported: {heavy}"
    assert not (tmp_path / "data" / "onodig.duckdb").exists()  # no work was started


def test_serve_refuses_to_start_without_the_key(tmp_path, landing):
    env = clean_environment(tmp_path, landing)
    del env["ONODIG_PSEUDONYM_KEY"]
    code, err, heavy = onodig(["serve", "--port", "3999"], env, tmp_path)
    assert code == 2 and len(err) == 1 and "ONODIG_PSEUDONYM_KEY is not set" in err[0]
    assert heavy == []
    assert not (tmp_path / "data" / "dagster_home").exists()


def test_a_good_configuration_passes_the_check(tmp_path, landing):
    environ = {
        "ONODIG_SMTP_HOST": "mail.kommun.example",
        "ONODIG_SMTP_PORT": "587",
        "ONODIG_SMTP_SENDER": "onodig@kommun.example",
        "ONODIG_SMTP_USERNAME": "onodig",
        "ONODIG_SMTP_PASSWORD": "secret",
        "ONODIG_SMTP_STARTTLS": "yes",
        "ONODIG_REPORT_LANGUAGE": "en",
        "ONODIG_FIRST_DAY": "2026-01-01",
        "ONODIG_PSEUDONYM_KEY": TEST_KEY,
    }
    settings = resolve(landing=str(landing), data_dir=str(tmp_path / "data"), environ=environ)
    check(settings, landing="with_files", environ=environ)
    assert settings.smtp_port == 587 and settings.smtp_starttls and settings.smtp_sender == "onodig@kommun.example"


def test_smtp_without_a_sender_has_no_silent_default(tmp_path, landing):
    environ = {"ONODIG_SMTP_HOST": "mail.kommun.example", "ONODIG_PSEUDONYM_KEY": TEST_KEY}
    settings = resolve(landing=str(landing), data_dir=str(tmp_path / "data"), environ=environ)
    assert settings.smtp_sender == ""
    with pytest.raises(BadSetting, match="ONODIG_SMTP_SENDER is not set"):
        check(settings, environ=environ)


def test_an_empty_landing_folder_names_what_belongs_there(tmp_path, capsys):
    (tmp_path / "landing").mkdir()
    assert main(["run", "--landing", str(tmp_path / "landing"), "--data", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    for expected in ("contacts/", "eservice/", "cases/", "invoices/", ".csv", ".csv.gz"):
        assert expected in err[0]


def test_the_warehouse_password_is_never_printed(tmp_path, landing, capsys):
    url = "postgresql+psycopg://onodig:secretpw@127.0.0.1:1/onodig"  # nothing listens on port 1
    assert redact_url(url) == "postgresql+psycopg://onodig:***@127.0.0.1:1/onodig"
    assert main(["run", "--landing", str(landing), "--data", str(tmp_path / "data"), "--warehouse", url]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the warehouse" in err and "onodig:***@127.0.0.1" in err
    assert "secretpw" not in err


def test_the_run_announces_its_warehouse_without_the_password(tmp_path, landing, monkeypatch):
    import io

    from onodig.pipelines import cli, orchestration

    seen = {}
    monkeypatch.setattr(cli, "_check_warehouse", lambda settings: None)
    monkeypatch.setattr(
        orchestration,
        "run_everything",
        lambda settings, log: seen.setdefault("outcome", orchestration.Outcome(True, 0.0, [], [])),
    )
    settings = resolve(
        landing=str(landing),
        data_dir=str(tmp_path / "data"),
        warehouse_url="postgresql+psycopg://onodig:secretpw@db.kommun.example/onodig",
    )
    out = io.StringIO()
    assert cli.run_pipeline(settings, stream=out)
    first = out.getvalue().splitlines()[0]
    assert "onodig:***@db.kommun.example" in first and "secretpw" not in out.getvalue()
    where = io.StringIO()
    cli.where(settings, stream=where)
    assert "secretpw" not in where.getvalue()


def test_the_version_is_the_changelog_s_latest_entry():
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).parent.parent
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    changelog = (root / "README.md").read_text(encoding="utf-8").split("## Changelog", 1)[1]
    assert re.search(r"^- (\d+\.\d+\.\d+):", changelog, re.M).group(1) == version
