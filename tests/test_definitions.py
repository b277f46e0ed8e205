"""The code location loads, and every asset says what it is and where it belongs."""

import dagster as dg

from onodig.pipelines.definitions import INGEST_JOB, LINK_JOB, PUBLISH_JOB, defs


def test_definitions_load_with_every_asset_grouped_and_described():
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert {k.to_user_string() for k in keys} >= {
        "ingest/landed_contacts",
        "ingest/landed_eservice",
        "ingest/landed_cases",
        "ingest/landed_invoices",
        "classifier/demand_classifier",
        "classifier/classifier_evaluation",
        "core/inquiries",
        "core/review_queue",
        "marts/avoidable_demand_weekly",
    }
    for key in keys:
        node = graph.get(key)
        assert node.group_name and node.group_name != "default", key
        assert node.description and len(node.description) > 40, key
        assert key.path[0] == node.group_name, key  # keys and groups do not drift apart


def test_sql_model_dependencies_resolve_to_python_assets():
    graph = defs.resolve_asset_graph()
    weekly = graph.get(dg.AssetKey(["marts", "avoidable_demand_weekly"]))
    assert dg.AssetKey(["classifier", "classifier_correction"]) in weekly.parent_keys
    assert dg.AssetKey(["core", "inquiries"]) in graph.get(dg.AssetKey(["intermediate", "int_inquiries"])).parent_keys


def test_quality_checks_exist_and_blocking_ones_guard_publishing():
    check_keys = {str(k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert {
        "landed_contacts_expectations",
        "inquiries_expectations",
        "macro_f1_above_floor",
        "grain_is_unique",
    } <= check_keys
    publish = defs.resolve_job_def(PUBLISH_JOB)
    assert {k.path[0] for k in publish.asset_layer.executable_asset_keys} == {"marts", "trends", "reports"}


def test_each_job_holds_one_kind_of_partition_and_together_they_hold_every_asset():
    graph = defs.resolve_asset_graph()
    kinds, covered = {}, set()
    for name in (INGEST_JOB, LINK_JOB, PUBLISH_JOB):
        job = defs.resolve_job_def(name)
        keys = job.asset_layer.executable_asset_keys
        covered |= set(keys)
        kinds[name] = {type(graph.get(k).partitions_def).__name__ for k in keys}
    assert kinds == {
        INGEST_JOB: {"DailyPartitionsDefinition"},
        LINK_JOB: {"NoneType"},
        PUBLISH_JOB: {"WeeklyPartitionsDefinition"},  # the reports too: every week a run publishes
    }
    assert covered == {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    weeks = graph.get(dg.AssetKey(["marts", "avoidable_demand_weekly"])).partitions_def
    assert weeks.get_first_partition_window().start.weekday() == 0  # weeks start on Mondays, like week_start
    assert str(weeks.timezone) == "Europe/Stockholm"


def test_definitions_load_with_a_multiprocess_executor_for_postgresql():
    import pytest

    from onodig.pipelines.definitions import UnsupportedExecutor, build_definitions
    from onodig.pipelines.settings import resolve

    environ = {
        "ONODIG_EXECUTOR": "multiprocess",
        "ONODIG_MAX_CONCURRENT": "3",
        "ONODIG_WAREHOUSE_URL": "postgresql+psycopg://onodig@db.example/onodig",
    }
    parallel = build_definitions(resolve(environ=environ))
    for name in (INGEST_JOB, LINK_JOB, PUBLISH_JOB):
        assert parallel.resolve_job_def(name).executor_def.name == "multiprocess"
    assert len(parallel.resolve_asset_graph().get_all_asset_keys()) == len(
        defs.resolve_asset_graph().get_all_asset_keys()
    )
    with pytest.raises(UnsupportedExecutor, match="DuckDB"):
        build_definitions(resolve(environ={"ONODIG_EXECUTOR": "multiprocess"}))


def test_every_asset_has_an_owner_by_its_group():
    graph = defs.resolve_asset_graph()
    owners = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners, f"{key.to_user_string()} has no owner"
        assert all(owner.startswith("team:") for owner in node.owners), key
        owners.setdefault(node.group_name, set()).update(node.owners)
    assert owners["marts"] == {"team:kundcenter"} and owners["staging"] == {"team:data"}
