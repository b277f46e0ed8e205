"""Every asset materialized in-process over a generated landing folder, checked against its truth."""

import re
import shutil
from datetime import date

import dagster as dg
import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from onodig.pipelines.definitions import build_definitions
from onodig.pipelines.orchestration import run_in_order
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse
from tests.servers import Mailbox, free_port

RAW_PNR = re.compile(r"(?<![\d-])(?:19|20)?\d{6}[-+]?\d{4}(?![\d-])")
RAW_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w+")
RAW_PHONE = re.compile(r"(?<![\d-])(?:\+46|0046|0)[\s-]?7\d[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")
HASH_COLUMNS = {
    "row_hash",
    "sha256",
    "citizen_key",
    "content_hash",
    "input_hash",
    "text_md5",
}  # hex digests, checked by shape elsewhere


BACKENDS = ["duckdb", "postgresql"]
FIRST_DAY = date(2026, 1, 1)  # before the generator's first day


COMPARED_TABLES = {  # table: its key, for comparing backends row for row
    "inquiries": ["inquiry_id"],
    "quarantine": ["file", "line", "reason"],
    "avoidable_demand_weekly": ["process", "week_start"],
    "root_causes_weekly": ["process", "week_start", "demand_type", "root_cause"],
    "repeat_contacts_weekly": ["process", "week_start"],
    "capacity_weekly": ["process", "week_start"],
    "int_root_causes": ["inquiry_id"],
}


def pipeline_run(landing, truth_path, model_dir, data, warehouse_url, environ=None):
    settings = resolve(landing=str(landing), data_dir=str(data), warehouse_url=warehouse_url, environ=environ or {})
    shutil.copytree(model_dir, settings.model_dir)  # the session's trained model: same corpus, same version
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()  # one instance, as onodig run keeps under the data folder

    def materialize():
        return run_in_order(defs, instance, Warehouse(settings.warehouse_url), landing, FIRST_DAY)

    first = materialize()
    store = Warehouse(settings.warehouse_url)
    snapshot = {
        t: store.scalar(f"select count(*) from {t}")
        for t in ("inquiries", "quarantine", "landed_contacts", "landed_cases")
    }
    second = materialize()
    return {
        "first": first,
        "second": second,
        "store": store,
        "truth": pd.read_csv(truth_path, dtype=str),
        "snapshot": snapshot,
        "outbox": settings.outbox,
    }


@pytest.fixture(scope="module")
def runs(generated, model_dir, tmp_path_factory, postgres_database):
    landing, truth_path = generated
    mp = pytest.MonkeyPatch()
    mp.setenv("ONODIG_PSEUDONYM_KEY", "e2e-key")
    data = tmp_path_factory.mktemp("e2e")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        environ = {
            "ONODIG_SMTP_HOST": "127.0.0.1",
            "ONODIG_SMTP_PORT": str(smtp.port),
            "ONODIG_SMTP_SENDER": "onodig@kommun.example",
        }
        duck = pipeline_run(landing, truth_path, model_dir, data / "duckdb", f"duckdb:///{data / 'w.duckdb'}", environ)
    finally:
        smtp.stop()
    results = {"duckdb": {**duck, "mailbox": mailbox.messages}}
    if postgres_database is not None:
        results["postgresql"] = pipeline_run(landing, truth_path, model_dir, data / "pg", postgres_database("e2e"))
    yield results
    mp.undo()


@pytest.fixture(params=BACKENDS)
def run(request, runs):
    if request.param not in runs:
        pytest.skip("no PostgreSQL server: set ONODIG_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)")
    return runs[request.param]


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Same values, same representation: drivers differ in nullable types (Int64 <NA> vs float nan)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]) or pd.api.types.is_numeric_dtype(out[column]):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def test_duckdb_and_postgresql_give_the_same_rows(runs):
    if "postgresql" not in runs:
        pytest.skip("no PostgreSQL server: set ONODIG_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)")
    for table, key in COMPARED_TABLES.items():
        frames = []
        for backend in ("duckdb", "postgresql"):
            frame = runs[backend]["store"].read_table(table).drop(columns=["quarantined_at"], errors="ignore")
            if "week_start" in frame:
                frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
            if "line" in frame:
                frame["line"] = pd.to_numeric(frame["line"]).astype("Int64")
            frames.append(comparable(frame).sort_values(key, ignore_index=True))
        duck, pg = frames
        assert list(duck.columns) == list(pg.columns), table
        assert len(duck) == len(pg) > 0, table
        pd.testing.assert_frame_equal(duck, pg, check_dtype=False, check_exact=False, rtol=1e-9, obj=table)


def test_every_step_and_check_succeeds(run):
    assert run["first"].success
    checks = [e.event_specific_data for e in run["first"].all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]


def test_every_valid_inquiry_exactly_once(run):
    inquiries = run["store"].read("select inquiry_id from inquiries")
    expected = set(run["truth"].loc[run["truth"]["expect"] == "inquiry", "inquiry_id"])
    assert inquiries["inquiry_id"].is_unique
    assert set(inquiries["inquiry_id"]) == expected


def test_bad_rows_and_the_truncated_file_are_quarantined_with_reasons(run):
    quarantine = run["store"].read("select * from quarantine")
    reasons = " | ".join(quarantine["reason"])
    for reason in (
        "missing required field text",
        "unparseable timestamp",
        "unknown channel",
        "whole number",
        "duplicate contact_id with different content",
        "gzip",
    ):
        assert reason in reasons
    expected = (run["truth"]["expect"].str.startswith("quarantine")).sum()
    assert len(quarantine) == expected


def test_rerunning_changes_nothing(run):
    assert run["second"].success
    store = run["store"]
    assert {t: store.scalar(f"select count(*) from {t}") for t in run["snapshot"]} == run["snapshot"]


def test_no_raw_personal_data_in_any_table(run):
    store = run["store"]
    tables = store.read(
        "select table_name from information_schema.tables where table_schema not in ('information_schema', 'pg_catalog')"
    )["table_name"]
    scanned = 0
    for table in tables:
        frame = store.read_table(table)
        for column in frame.columns:
            if column in HASH_COLUMNS or not (
                frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])
            ):
                continue
            values = frame[column].dropna().astype(str)
            for pattern in (RAW_PNR, RAW_EMAIL, RAW_PHONE):
                leaks = values[values.str.contains(pattern)]
                assert leaks.empty, f"{table}.{column}: {leaks.head(3).tolist()}"
            scanned += len(values)
    assert scanned > 10_000
    keys = store.read("select citizen_key from inquiries where citizen_key is not null")["citizen_key"]
    assert keys.str.fullmatch(r"c_[0-9a-f]{20}").all()


def test_every_table_the_warehouse_holds_is_an_asset_in_the_lineage(run):
    from onodig.pipelines.definitions import defs

    store = run["store"]
    tables = set(
        store.read(
            "select table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        )["table_name"]
    )
    declared = {key.path[-1] for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"quarantine", "ingest_manifest", "classifier_confusion"} <= tables  # report_deliveries: with SMTP
    assert tables - declared == set()


def test_labels_match_the_truth(run):
    got = run["store"].read("select inquiry_id, process, demand_type, label_origin from inquiries")
    joined = got.merge(run["truth"], on="inquiry_id", suffixes=("", "_true"))
    assert (joined["process"] == joined["process_true"]).all()
    accuracy = (joined["demand_type"] == joined["demand_type_true"]).mean()
    assert accuracy > 0.8, accuracy
    eservice = joined[joined["source"] == "eservice"]
    true_dup = eservice["demand_type_true"] == "duplicate_request"
    found = eservice["label_origin"] == "behaviour"
    assert true_dup.sum() > 5
    assert (found & true_dup).sum() / true_dup.sum() >= 0.9  # recall of re-submissions
    assert not (found & ~true_dup).any()  # no first submission called a duplicate


def test_weekly_table_adds_up_and_tracks_the_true_shares(run):
    store = run["store"]
    weekly = store.read("select * from avoidable_demand_weekly")
    assert weekly["inquiries"].sum() == store.scalar("select count(*) from inquiries")
    n_cols = [c for c in weekly.columns if c.startswith("n_")]
    assert len(n_cols) == 6 and (weekly[n_cols].sum(axis=1) == weekly["inquiries"]).all()
    assert weekly["avoidable_share"].between(0, 1).all()
    assert pd.to_datetime(weekly["week_start"]).dt.dayofweek.eq(0).all()
    truth = run["truth"][run["truth"]["expect"] == "inquiry"]
    true_share = truth.assign(a=truth["demand_type"] != "value_demand").groupby("process")["a"].mean()
    got = weekly.groupby("process")[["avoidable_inquiries", "inquiries"]].sum()
    got_share = got["avoidable_inquiries"] / got["inquiries"]
    assert (got_share - true_share).abs().mean() < 0.06


def test_root_causes_explain_linkable_inquiries(run):
    causes = run["store"].read("select * from int_root_causes")
    linkable = causes[
        causes["demand_type"].isin(["invoice_status", "case_status", "missing_information"])
        & (causes["linked_case_ref"].notna() | causes["linked_invoice_ref"].notna())
    ]
    assert len(linkable) > 100
    assert (linkable["root_cause"] != "unknown").mean() >= 0.95
    weekly = run["store"].read("select * from root_causes_weekly")
    assert weekly["inquiries"].sum() == len(causes)
    assert set(weekly["lever"]) >= {"payment_visibility", "status_notifications", "letter_wording"}


def test_capacity_and_repeat_contacts_cover_every_process_and_week(run):
    store = run["store"]
    capacity = store.read("select * from capacity_weekly")
    weekly = store.read("select process, week_start, inquiries from avoidable_demand_weekly")
    assert len(capacity) == len(weekly)
    assert capacity["hours"].sum() > capacity["avoidable_hours"].sum() > 0
    assert (capacity["growth_headroom_if_halved"] > 0).all()
    repeats = store.read("select * from repeat_contacts_weekly")
    assert repeats["repeat_rate"].between(0, 1).all() and repeats["repeat_inquiries"].sum() > 0


def test_shares_come_with_intervals_and_a_corrected_estimate(run):
    weekly = run["store"].read("select * from avoidable_demand_weekly")
    assert (weekly["avoidable_share_low"] <= weekly["avoidable_share"]).all()
    assert (weekly["avoidable_share"] <= weekly["avoidable_share_high"]).all()
    assert weekly["corrected_avoidable_share"].between(0, 1).all()


def materialization_metadata(result, *path: str, latest: bool = False) -> dict:
    """The first materialization of the asset in the run's events (``latest``: the last one, the one its
    page shows; a weekly mart's page is on the run's last week)."""
    for event in reversed(result.all_events) if latest else result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key == dg.AssetKey(list(path)):
                return materialization.metadata
    raise AssertionError(f"no materialization of {'/'.join(path)}")


def test_asset_pages_carry_tables_and_numbers_for_analysts(run):
    causes = materialization_metadata(run["first"], "marts", "root_causes_weekly", latest=True)
    assert causes["root_causes_12_weeks"].value.records and causes["levers_all_weeks"].value.records
    assert "lever_name" in causes["levers_all_weeks"].value.records[0].data
    weekly = materialization_metadata(run["first"], "marts", "avoidable_demand_weekly", latest=True)
    assert "Korrigerad andel" in weekly["latest_week_by_process"].value.records[0].data
    inquiries = materialization_metadata(run["first"], "core", "inquiries")
    assert 0 < inquiries["avoidable_share"].value < 1
    assert {f"avoidable_share_{p}" for p in ("bygglov", "forskola", "va_avfall")} <= set(inquiries)
    review = materialization_metadata(run["first"], "core", "review_queue")
    assert review["size"].value >= 0 and str(review["csv"].value).endswith("review_queue.csv")
    evaluation = materialization_metadata(run["first"], "classifier", "classifier_evaluation")
    assert evaluation["macro_f1"].value >= 0.85 and "| `case_status` |" in evaluation["scores"].value
    assert evaluation["reused"].value is False
    # the short questions' guard is shown where analysts read the scores, and the shipped model holds it
    assert evaluation["value_kept_short_questions"].value >= 0.95
    assert 0.85 <= evaluation["macro_f1_short_questions"].value <= 1
    # the second run loads the same model: its scores stand without predicting the splits again
    again = materialization_metadata(run["second"], "classifier", "classifier_evaluation")
    assert again["reused"].value is True and again["evaluated_for"].value == evaluation["evaluated_for"].value
    assert (
        again["macro_f1"].value == evaluation["macro_f1"].value and again["scores"].value == evaluation["scores"].value
    )


def test_table_pages_show_the_columns_as_each_warehouse_holds_them(run):
    store, checked = run["store"], 0
    for name in ("inquiries", "avoidable_demand_weekly", "ingest_manifest", "int_root_causes", "process_map"):
        key = next(k for k in {e.asset_key for e in run["first"].all_events if e.asset_key} if k.path[-1] == name)
        schema = materialization_metadata(run["first"], *key.path, latest=True)["dagster/column_schema"].value
        assert [column.name for column in schema.columns] == store.columns(name), name
        assert all(column.type for column in schema.columns), name
        checked += 1
    assert checked == 5


def test_one_report_per_process_in_the_outbox(run):
    processes = set(run["store"].read("select distinct process from avoidable_demand_weekly")["process"])
    pages = sorted(run["outbox"].glob("*-W*/*.html"))
    assert {p.stem for p in pages} == processes
    assert {p.stem for p in run["outbox"].glob("*-W*/*.csv")} == processes
    page = pages[0].read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2 and "Onödig efterfrågan" in page
    assert not RAW_PNR.search(page) and not RAW_EMAIL.search(page)


def test_reports_are_emailed_to_the_owners_in_processes_yaml(runs):
    messages = runs["duckdb"]["mailbox"]
    recipients = sorted(tuple(sorted(a.strip() for a in m["To"].split(","))) for m in messages)
    assert recipients == [("analys@kommun.example", "forskolechef@kommun.example"), ("bygglovschef@kommun.example",)]
    bygglov = next(m for m in messages if "bygglovschef" in m["To"])
    assert "Bygglov" in bygglov["Subject"]
    attachments = [part.get_filename() for part in bygglov.iter_attachments()]
    assert any(name and name.startswith("onodig_bygglov_") and name.endswith(".csv") for name in attachments)


def test_an_unchanged_report_is_not_emailed_again_on_a_rerun(runs):
    again = materialization_metadata(runs["duckdb"]["second"], "reports", "process_reports")
    assert again["emails_sent"].value == 0 and again["emails_unchanged_not_resent"].value == 2
