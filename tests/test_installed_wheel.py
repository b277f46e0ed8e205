"""The wheel, as a Kubernetes image or a data team installs it: one import root, every SQL model
inside, and an installed ``onodig run`` started outside the checkout builds every table."""

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from onodig.warehouse import Warehouse
from onodig.warehouse.sql_models import discover

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_TABLES = {"inquiries", "quarantine", "avoidable_demand_weekly", "review_queue", "ingest_manifest"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist, source = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("source") / "onodig"
    # built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "data", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("onodig-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment holding only the wheel; its dependencies are borrowed from the
    test environment by a plain path in a .pth file, which does not run that environment's own .pth
    files, so the checkout's editable install stays out of it."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return venv


def test_the_wheel_installs_one_import_root_with_every_sql_model(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    roots = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert roots == {"onodig"}
    shipped = {Path(name).stem for name in names if name.startswith("onodig/dbt_like_sql/") and name.endswith(".sql")}
    assert shipped == {model.name for model in discover()} and len(shipped) >= 10
    assert any(name.startswith("onodig/classifiers/corpus/train/") for name in names)
    assert "onodig/classifiers/config.yaml" in names


def test_installed_onodig_run_outside_the_checkout_builds_every_table(installed, tmp_path):
    outside = tmp_path / "somewhere_else"
    outside.mkdir()
    env = {
        "PATH": f"{installed / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ONODIG_DATA": str(outside / "data"),
        "ONODIG_PSEUDONYM_KEY": "wheel-test-key",
        "GX_ANALYTICS_ENABLED": "False",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import onodig.warehouse.sql_models as m; print(m.SQL_ROOT)"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed)  # the wheel's copy, not the checkout's

    onodig = str(installed / "bin" / "onodig")
    generate = [onodig, "generate", "--weeks", "2", "--per-week", "150", "--seed", "5"]
    subprocess.run(generate, cwd=outside, env=env, check=True, capture_output=True)
    run = subprocess.run([onodig, "run"], cwd=outside, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    store = Warehouse(f"duckdb:///{outside / 'data' / 'onodig.duckdb'}")
    expected = CONTRACT_TABLES | {model.name for model in discover()}
    assert {table for table in expected if not store.has_table(table)} == set()
    assert store.scalar("select count(*) from avoidable_demand_weekly") > 0
