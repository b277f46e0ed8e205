from pathlib import Path

import pytest

from classifiers.training import load_or_train
from generator.landing import GeneratorConfig, write_landing
from privacy import Pseudonymiser
from warehouse import Warehouse

TEST_KEY = "onodig-test-key"


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    monkeypatch.setenv("ONODIG_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "False")
    return TEST_KEY


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(TEST_KEY)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'test.duckdb'}")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """One trained classifier for the whole session: training is the slow part."""
    path = tmp_path_factory.mktemp("models")
    load_or_train(path, log=lambda _m: None)
    return path


@pytest.fixture(scope="session")
def trained(model_dir):
    return load_or_train(model_dir, log=lambda _m: None).classifier


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """A small generated landing folder with every contract quirk, and its truth file."""
    root = tmp_path_factory.mktemp("generated")
    write_landing(GeneratorConfig(weeks=4, per_week=400, seed=3), root / "landing", root / "truth.csv")
    return root / "landing", root / "truth.csv"
