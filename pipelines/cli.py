"""The ``onodig`` command: run, classify, generate, demo, serve.

Exit codes scripts can trust: 0 success, 1 a pipeline step failed, 2 bad configuration or input.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

DEMO_KEY = "onodig-demo-key-not-for-production"


class ConfigError(Exception):
    """A one-line problem with the user's configuration or input; exit code 2."""


def _settings(args, landing: str = "existing", key: bool = False, warehouse: bool = True):
    """Every setting resolved and checked before anything heavy is imported; a mistake is a ConfigError.

    ``landing`` and ``key`` say what the command needs (see :func:`pipelines.settings.check`).
    """
    from onodig.pipelines.settings import BadSetting, check, resolve

    try:
        settings = resolve(
            landing=getattr(args, "landing", None),
            warehouse_url=getattr(args, "warehouse", None),
            outbox=getattr(args, "outbox", None),
            data_dir=getattr(args, "data", None),
        )
        check(settings, landing=landing, key=key, warehouse=warehouse)
    except BadSetting as exc:
        raise ConfigError(str(exc)) from None
    return settings


def _check_warehouse(settings) -> None:
    """The warehouse answers: after the settings are checked, the one check that needs its driver.

    SQLAlchemy alone, not the warehouse module (pandas): a wrong host is reported as fast as a typo.
    """
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = settings.warehouse_shown
    try:
        url = sa.engine.make_url(settings.warehouse_url)
        if url.get_backend_name() == "duckdb" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"bad warehouse URL {shown!r}: {_hide(_first_line(exc), settings)}") from None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(f"cannot connect to the warehouse {shown!r}: {_hide(_first_line(exc), settings)}") from None
    finally:
        engine.dispose()  # a DuckDB file stays locked while a connection is pooled


def _first_line(exc: BaseException) -> str:
    message = str(exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _hide(message: str, settings) -> str:
    """A driver's message without the URL's password, should it quote the URL."""
    from onodig.pipelines.settings import url_password

    password = url_password(settings.warehouse_url)
    return (
        message.replace(settings.warehouse_url, settings.warehouse_shown).replace(password, "***")
        if password
        else message
    )


def _quiet_libraries() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    for name in ("great_expectations", "alembic"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run_pipeline(settings, stream=sys.stdout) -> bool:
    """Materialize every asset once over the landing folder; True when every step succeeded."""
    from onodig.pipelines.settings import BadSetting, check

    try:
        check(settings, landing="with_files", key=True)
    except BadSetting as exc:
        raise ConfigError(str(exc)) from None
    _check_warehouse(settings)
    _quiet_libraries()
    from onodig.pipelines.orchestration import run_everything

    print(f"onodig run: landing {settings.landing}, warehouse {settings.warehouse_shown}", file=stream)
    outcome = run_everything(settings, log=lambda message: print(f"onodig run: {message}", file=stream, flush=True))
    print(f"\nonodig run finished in {outcome.seconds:.1f} s: {'OK' if outcome.success else 'FAILED'}", file=stream)
    for line in outcome.done.lines(outcome.seconds):
        print(f"  {line}", file=stream)
    if outcome.failed_steps:
        print(f"failed steps: {', '.join(outcome.failed_steps)}", file=stream)
    if outcome.failed_checks:
        print(f"failed checks: {', '.join(outcome.failed_checks)}", file=stream)
    if outcome.warnings:
        print(f"checks that warn (see demand_alerts): {', '.join(outcome.warnings)}", file=stream)
    return outcome.success


def summary(settings, stream=sys.stdout) -> None:
    import pandas as pd

    from onodig.demand.changes import summary_line as changes_line
    from onodig.ingestion.coverage import latest_covered_week, read_coverage
    from onodig.warehouse import Warehouse

    store = Warehouse(settings.warehouse_url)
    if not store.has_table("avoidable_demand_weekly"):
        return
    weekly = store.read("select * from avoidable_demand_weekly order by week_start, process")
    totals = store.read(
        "select count(*) as inquiries, sum(case when avoidable then 1 else 0 end) as avoidable, "
        "sum(case when needs_review then 1 else 0 end) as needs_review from inquiries"
    ).iloc[0]
    quarantined = store.scalar("select count(*) from quarantine") if store.has_table("quarantine") else 0
    reported = latest_covered_week(read_coverage(store))  # the week the e-mailed reports are for
    week = pd.Timestamp(reported) if reported else pd.Timestamp(weekly["week_start"].max())
    latest = weekly[pd.to_datetime(weekly["week_start"]) == week].copy()
    latest["95 % interval"] = [
        f"{lo:.0%}–{hi:.0%}"
        for lo, hi in zip(latest["avoidable_share_low"], latest["avoidable_share_high"], strict=True)
    ]
    cols = [
        "process",
        "week_start",
        "inquiries",
        "avoidable_inquiries",
        "avoidable_share",
        "95 % interval",
        "corrected_avoidable_share",
    ]
    percent = "{:.1%}".format
    later = sorted({str(pd.Timestamp(w).date()) for w in weekly["week_start"] if pd.Timestamp(w) > week})
    which = "the newest week the exports cover, e-mailed" if reported else "no week the exports cover yet"
    print(f"\nAvoidable demand, week of {week:%Y-%m-%d}: {which} (table avoidable_demand_weekly):", file=stream)
    table = latest[cols].rename(columns={"corrected_avoidable_share": "corrected"})
    print(table.to_string(index=False, formatters={"avoidable_share": percent, "corrected": percent}), file=stream)
    print(
        f"\n{int(totals['inquiries']):,} inquiries over {weekly['week_start'].nunique()} weeks, "
        f"{int(totals['avoidable']) / max(int(totals['inquiries']), 1):.1%} avoidable; "
        f"{int(totals['needs_review']):,} flagged for review; {int(quarantined)} quarantined rows/files.",
        file=stream,
    )
    if later:
        print(f"Later weeks, preliminär (in the outbox, not e-mailed): {', '.join(later)}.", file=stream)
    print(changes_line(store), file=stream)  # analysts' files applied and ignored, re-labelled history


def where(settings, stream=sys.stdout) -> None:
    print(
        "\nWhere the results are:\n"
        f"  warehouse      {settings.warehouse_shown}  (tables inquiries, avoidable_demand_weekly, quarantine, ...)\n"
        f"  weekly reports {settings.outbox}  (one HTML page and CSV per process and ISO week)\n"
        f"  review queue   {settings.exports / 'review_queue.csv'}\n"
        f"  audit sample   {settings.exports / 'audit_queue.csv'}  (fill in demand_type, save as audit.csv in the landing folder)\n"
        f"  models         {settings.model_dir}\n"
        f"  Dagster UI     onodig serve  (then http://127.0.0.1:3000)",
        file=stream,
    )


def dry_run(settings, stream=None) -> None:
    """What ``onodig run`` would do, and nothing else: no warehouse writes, no outbox, no mail.

    A DuckDB warehouse that is not there yet is planned as an empty one, not created.
    """
    from onodig.pipelines.settings import BadSetting, check

    try:
        check(settings, landing="with_files", key=True)
    except BadSetting as exc:
        raise ConfigError(str(exc)) from None
    import sqlalchemy as sa

    url = sa.engine.make_url(settings.warehouse_url)
    exists = url.get_backend_name() != "duckdb" or (url.database and Path(url.database).is_file())
    if exists:
        _check_warehouse(settings)
    _quiet_libraries()
    from onodig.pipelines.orchestration import plan_run
    from onodig.privacy import Pseudonymiser
    from onodig.warehouse import Warehouse

    store = Warehouse(settings.warehouse_url if exists else "duckdb:///:memory:")
    stream = stream or sys.stdout
    planned = plan_run(store, settings.landing, settings.first_day, pseudonymiser=Pseudonymiser(settings.pseudonym_key))
    print(
        f"onodig run --dry-run: landing {settings.landing}, warehouse {settings.warehouse_shown}; nothing is written",
        file=stream,
    )
    for line in planned.lines():
        print(f"  {line}", file=stream)


def cmd_run(args) -> int:
    settings = _settings(args, landing="with_files", key=True)
    if getattr(args, "dry_run", False):
        dry_run(settings)
        return 0
    ok = run_pipeline(settings)
    if ok:
        summary(settings)
    return 0 if ok else 1


MAX_ECHO_CHARS = 200  # how much of an input's header an error message repeats


def _echo(values) -> str:
    """An input's header as an error may repeat it: printable, and short, whatever the file holds."""
    shown = ", ".join("".join(ch if ch.isprintable() else "?" for ch in str(v)) for v in values)
    return shown if len(shown) <= MAX_ECHO_CHARS else shown[:MAX_ECHO_CHARS] + f"... ({len(values)} columns)"


def cmd_classify(args) -> int:
    settings = _settings(args, landing="unused", warehouse=False)
    source = Path(args.input)
    if not source.is_file():
        raise ConfigError(f"input file not found: {_echo([source])}")
    output = Path(args.output)
    if not output.parent.is_dir():
        raise ConfigError(f"the output's folder does not exist: {output.parent}")

    import pandas as pd

    from onodig.classifiers.pooled import PooledPredictor
    from onodig.classifiers.training import load_or_train
    from onodig.ingestion.files import UnreadableFile, read_table
    from onodig.reports.spreadsheet import safe_frame

    try:
        raw = read_table(source)
    except UnreadableFile as exc:
        raise ConfigError(f"cannot read {source}: {_echo([str(exc)])}") from None
    if "id" not in raw.header or "text" not in raw.header:
        raise ConfigError(f"{source} needs the columns id and text (found: {_echo(raw.header)})")
    width = len(raw.header)
    bad = next((line for row, line in zip(raw.rows, raw.lines, strict=True) if len(row) != width), None)
    if bad is not None:
        raise ConfigError(f"{source}, line {bad}: expected {width} fields (is a text with the delimiter unquoted?)")
    frame = pd.DataFrame(raw.rows, columns=raw.header, dtype=str)
    started = time.perf_counter()
    if frame.empty:  # a header and no rows: the answer is a header and no rows
        out = pd.DataFrame({"id": [], "demand_type": [], "confidence": []})
    else:
        artefact = load_or_train(settings.model_dir, log=lambda m: print(m, file=sys.stderr))
        # the model reads a long text's beginning itself (classifiers.text), as it does in the pipeline;
        # a big file is masked and classified by a worker per core, as a first run's inquiries are
        with PooledPredictor(artefact.classifier, os.cpu_count() or 1) as predict:
            predicted = predict(frame["text"].fillna("").tolist())
        out = pd.DataFrame(
            {"id": frame["id"], "demand_type": predicted.labels, "confidence": predicted.confidence.round(4)}
        )
    safe_frame(out).to_csv(output, index=False)  # ids from anywhere, opened in a spreadsheet: no formulas
    seconds = time.perf_counter() - started
    print(
        f"classified {len(out):,} texts in {seconds:.1f} s ({len(out) / max(seconds, 1e-9):,.0f} texts/s) -> {output}",
        file=sys.stderr,
    )
    return 0


def cmd_generate(args) -> int:
    settings = _settings(args, landing="any", warehouse=False)
    from onodig.generator.landing import BadPlanting, GeneratorConfig, planted_jump, planted_topic, write_landing

    truth = Path(args.truth) if args.truth else settings.landing.parent / "truth.csv"
    if args.stragglers < 0:
        raise ConfigError(f"--stragglers must be 0 or more (got {args.stragglers})")
    try:
        topics = tuple(planted_topic(spec, args.weeks) for spec in getattr(args, "plant_topic", None) or [])
        jumps = tuple(planted_jump(spec, args.weeks) for spec in getattr(args, "plant_jump", None) or [])
    except BadPlanting as exc:
        raise ConfigError(str(exc)) from None
    config = GeneratorConfig(
        weeks=args.weeks,
        per_week=args.per_week,
        seed=args.seed,
        quirks=not args.no_quirks,
        planted_topics=topics,
        planted_jumps=jumps,
        stragglers=args.stragglers,
    )
    started = time.perf_counter()
    counts = write_landing(config, settings.landing, truth)
    print(
        f"generated {counts['inquiries']:,} inquiries ({counts['contacts']:,} contacts, {counts['eservice']:,} e-service "
        f"submissions), {counts['cases']:,} case events and {counts['invoices']:,} invoices in "
        f"{time.perf_counter() - started:.1f} s\n  landing {settings.landing}\n  truth   {truth}"
    )
    return 0


def cmd_demo(args) -> int:
    os.environ.setdefault("ONODIG_PSEUDONYM_KEY", DEMO_KEY)
    settings = _settings(args, landing="any", key=True)
    if not any(settings.landing.glob("*/*.csv*")):
        print("No landing data yet: generating a sample landing folder...")
        args.truth, args.no_quirks = None, False
        cmd_generate(args)
    ok = run_pipeline(settings)
    if not ok:
        return 1
    summary(settings)
    where(settings)
    return 0


def cmd_serve(args) -> int:
    settings = _settings(args, landing="any", key=True)
    if not settings.landing.exists():
        print(
            f"the landing folder {settings.landing} does not exist yet: the sensor starts a load once it holds exports"
        )
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be from 1 to 65535 (got {args.port})")
    from onodig.pipelines.serve import serve

    print(f"Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={settings.dagster_home}); Ctrl-C stops it")
    return serve(settings, args.port, say=print)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="onodig", description="Avoidable demand in municipal contact-centre logs.")
    sub = top.add_subparsers(dest="command", required=True)

    def common(p, landing=True):
        if landing:
            p.add_argument("--landing", help="landing folder (default $ONODIG_LANDING or ./data/landing)")
        p.add_argument("--warehouse", help="SQLAlchemy URL (default $ONODIG_WAREHOUSE_URL or DuckDB in ./data)")
        p.add_argument(
            "--data", help="data folder for models, run storage and exports (default $ONODIG_DATA or ./data)"
        )
        return p

    p = common(sub.add_parser("run", help="materialize every asset once over the landing folder"))
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the days to load, the inquiries to classify and the weeks to rebuild, and do nothing",
    )
    p.set_defaults(func=cmd_run)
    p = common(sub.add_parser("classify", help="classify a CSV of id,text"), landing=False)
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_classify)
    for name, func, text in (
        ("generate", cmd_generate, "write a sample landing folder"),
        ("demo", cmd_demo, "generate sample data, run everything, print the weekly table"),
    ):
        p = common(sub.add_parser(name, help=text))
        p.add_argument("--weeks", type=int, default=12)
        p.add_argument("--per-week", type=int, default=1500)
        p.add_argument("--seed", type=int, default=7)
        p.add_argument(
            "--stragglers",
            type=int,
            default=5,
            help="e-service re-submissions on the two days after the last Sunday, as a real export has (default 5)",
        )
        if name == "generate":
            p.add_argument("--truth", help="where to write the truth file (default next to the landing folder)")
            p.add_argument("--no-quirks", action="store_true", help="plain UTF-8 ';' files, no bad rows")
        p.add_argument(
            "--plant-topic",
            action="append",
            metavar="NAME[:WEEK]",
            help="plant a new contact reason (hamtschema or boendezon), 20 contacts a week for two weeks from "
            "WEEK (0-based; default the last two weeks); repeatable",
        )
        p.add_argument(
            "--plant-jump",
            action="append",
            metavar="PROCESS:TYPE[:WEEK[:FACTOR]]",
            help="multiply one demand type's contacts in one process-week (default the last week, factor 3); "
            "repeatable",
        )
        p.set_defaults(func=func)
    p = common(sub.add_parser("serve", help="the Dagster UI on 127.0.0.1"))
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"onodig: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    """The console script: :func:`main`, then out without the interpreter's teardown.

    After a run the process holds Dagster, pandas, scikit-learn and spaCy with its 660,000-entry
    lemma table; freeing them object by object took about a second of a 17 s daily run, after the
    work was done. What must outlive the process is written first: the DuckDB files opened are
    checkpointed, the exit handlers run (logging flushes, worker pools stop), the streams are
    flushed. An exception still ends the process the usual way, with its traceback.
    """
    import atexit

    code = main()
    store = sys.modules.get("onodig.warehouse.store")  # --help and a bad setting never import it
    if store is not None:
        store.Warehouse.checkpoint_opened()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code or 0))


if __name__ == "__main__":
    entry()
