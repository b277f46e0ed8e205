import os
import uuid
from pathlib import Path

import pytest
import yaml

from onodig.classifiers.training import load_or_train
from onodig.generator.landing import GeneratorConfig, PlantedTopic, write_landing
from onodig.generator.truth import truth_world
from onodig.privacy import Pseudonymiser
from onodig.warehouse import Warehouse

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


@pytest.fixture(params=["duckdb", "postgresql"])
def store_on_each_backend(request, tmp_path, postgres_database) -> Warehouse:
    """The same test on a DuckDB file and on a fresh PostgreSQL database (skipped without a server)."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    if request.param == "duckdb":
        return Warehouse(f"duckdb:///{tmp_path / f'{name}.duckdb'}")
    if postgres_database is None:
        pytest.skip("no PostgreSQL server: set ONODIG_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)")
    return Warehouse(postgres_database(name))


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
    # the landing folder's own process map, with owners who get the weekly report by e-mail
    processes = yaml.safe_load((Path(__file__).parent.parent / "demand" / "default_processes.yaml").read_text("utf-8"))
    processes["processes"]["bygglov"]["owners"] = ["bygglovschef@kommun.example"]
    processes["processes"]["forskola"]["owners"] = ["forskolechef@kommun.example", "analys@kommun.example"]
    (root / "landing" / "processes.yaml").write_text(yaml.safe_dump(processes, allow_unicode=True), encoding="utf-8")
    return root / "landing", root / "truth.csv"


@pytest.fixture(scope="session")
def postgres_database():
    """Makes fresh PostgreSQL databases on the server in ONODIG_TEST_POSTGRES_URL; None without one."""
    url = os.environ.get("ONODIG_TEST_POSTGRES_URL")
    if not url:
        yield None
        return
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    made = []

    def make(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'create database "{name}"')
        made.append(name)
        return str(sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False))

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
    admin.dispose()


TOPIC_START_WEEK = 5  # the week (0-based from the generator's first Monday) a new reason appears


@pytest.fixture(scope="session")
def topic_world(tmp_path_factory):
    """Seven weeks of inquiries (the generator's truth) with a new contact reason planted in week 5:
    what the trend watch's kept counts and kept topics are tested on."""
    config = GeneratorConfig(
        weeks=7,
        per_week=500,
        seed=11,
        quirks=False,
        planted_topics=(PlantedTopic("hamtschema", TOPIC_START_WEEK),),
    )
    return truth_world(tmp_path_factory.mktemp("world"), config)["inquiries"]
