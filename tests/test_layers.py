"""The import contract: pipelines/ -> assets/ -> plain packages, never back, and a light command line.

ruff's banned-api rule (TID251, configured in pyproject.toml and assets/ruff.toml) holds the
layers; these tests run it as ``make lint`` does, and show it catches a break in each direction.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
HEAVY = ("dagster", "pandas", "sklearn", "spacy", "sqlalchemy", "great_expectations", "duckdb")


def contract(source: str, as_file: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RUFF, "check", "--select", "TID251", "--stdin-filename", as_file, "-"],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.skipif(RUFF is None, reason="ruff is a dev dependency")
def test_the_tree_keeps_the_contract():
    result = subprocess.run([RUFF, "check", "--select", "TID251", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(RUFF is None, reason="ruff is a dev dependency")
@pytest.mark.parametrize(
    ("source", "as_file"),
    [
        ("from onodig.pipelines.jobs import INGEST_JOB\n", "assets/new_stage.py"),
        ("import onodig.pipelines.definitions\n", "assets/new_stage.py"),
        ("import dagster as dg\n", "warehouse/new_module.py"),
        ("from dagster import asset\n", "demand/new_module.py"),
        ("from onodig.assets.resources import WarehouseResource\n", "reports/new_module.py"),
        ("from onodig.pipelines.settings import resolve\n", "ingestion/new_module.py"),
    ],
)
def test_an_import_against_the_layers_fails_lint(source, as_file):
    result = contract(source, as_file)
    assert result.returncode == 1 and "TID251" in result.stdout, result.stdout


@pytest.mark.skipif(RUFF is None, reason="ruff is a dev dependency")
@pytest.mark.parametrize(
    ("source", "as_file"),
    [
        ("import dagster as dg\n", "assets/new_stage.py"),
        ("from onodig.warehouse import Warehouse\n", "assets/new_stage.py"),
        ("from onodig.assets import build_assets\n", "pipelines/new_module.py"),
        ("from onodig.privacy import mask_text\n", "ingestion/new_module.py"),
    ],
)
def test_imports_along_the_layers_pass(source, as_file):
    assert contract(source, as_file).returncode == 0


def test_the_command_starts_without_the_heavy_libraries():
    probe = (
        "import sys\n"
        "from onodig.pipelines import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "usage: onodig" in result.stdout
