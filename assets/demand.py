"""Inquiries: every valid contact and e-service submission, once, with its demand type."""

from pathlib import Path

import dagster as dg

from onodig.assets.classify import CLASSIFIER_KEY, EVALUATION_KEY, model_version_in_use
from onodig.assets.ingest import ingest_key
from onodig.assets.partitions import Partitions
from onodig.assets.resources import ClassifierResource, LandingResource, OutputsResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata, written_beside
from onodig.classifiers.model import TextClassifier
from onodig.classifiers.pooled import PooledPredictor
from onodig.classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES
from onodig.demand.audit import QUEUE_COLUMNS, audit_queue
from onodig.demand.changes import CHANGES, RunChanges, file_outcome, write_changes
from onodig.demand.exports import for_analysts, write_excel_csv
from onodig.demand.inquiry_inputs import TABLE as INPUTS
from onodig.demand.predictions import TABLE as PREDICTIONS
from onodig.demand.table import NothingStaged, write_inquiries
from onodig.demand.words import TABLE as WORDS

INQUIRIES_KEY = dg.AssetKey(["core", "inquiries"])
REVIEW_KEY = dg.AssetKey(["core", "review_queue"])
AUDIT_QUEUE_KEY = dg.AssetKey(["core", "audit_queue"])
CHANGES_KEY = dg.AssetKey(["core", CHANGES])
PREDICTIONS_KEY = dg.AssetKey(["core", PREDICTIONS])
INPUTS_KEY = dg.AssetKey(["core", INPUTS])
WORDS_KEY = dg.AssetKey(["core", WORDS])
INQUIRIES_CHECK = "inquiries_expectations"
REVIEW_COLUMNS = ["inquiry_id", "occurred_at", "process", "channel", "demand_type", "confidence", "second_type", "text"]
# in the CSV the model's label is model_type: demand_type is the empty column the analyst fills in
REVIEW_CSV_COLUMNS = [
    "inquiry_id",
    "occurred_at",
    "process",
    "channel",
    "model_type",
    "confidence",
    "second_type",
    "text",
]


def demand_mix_markdown(counts, total: int) -> str:
    lines = ["| demand type | Swedish | inquiries | share |", "|---|---|---|---|"]
    for key in DEMAND_TYPES:
        n = int(counts.get(key, 0))
        lines.append(f"| `{key}` | {SWEDISH_NAMES[key]} | {n:,} | {n / max(total, 1):.1%} |")
    return "\n".join(lines)


@dg.asset(
    key=INQUIRIES_KEY,
    group_name="core",
    kinds={"pandas"},
    owners=["team:kundcenter"],
    deps=[ingest_key("contacts"), ingest_key("eservice"), ingest_key("cases"), EVALUATION_KEY],
    ins={"model": dg.AssetIn(key=CLASSIFIER_KEY)},
    check_specs=[
        dg.AssetCheckSpec(
            INQUIRIES_CHECK,
            asset=INQUIRIES_KEY,
            blocking=True,
            description="great-expectations suite: unique ids, known demand types, confidence in "
            "0..1, a process for each, pseudonyms only, no raw personal data in the text.",
        )
    ],
    description="One row per inquiry (contract table `inquiries`): each valid contact and e-service submission with "
    "its process, demand type, whether it is avoidable, the model's confidence and whether an analyst should review it. "
    "E-service re-submissions within the window are duplicates by behaviour; empty submissions are value demand.",
)
def inquiries(
    context: dg.AssetExecutionContext,
    model: TextClassifier,
    warehouse: WarehouseResource,
    landing: LandingResource,
    classifier: ClassifierResource,
) -> dg.MaterializeResult:
    read, audits = landing.corrections(), landing.audits()
    processes = landing.processes()
    version = model_version_in_use(context)
    # staged text was masked at ingestion; a first run's million texts are classified by a worker per core
    predictor = PooledPredictor(model, landing.processes_for_parsing, masked=True)
    try:
        with predictor:
            written = write_inquiries(
                warehouse.get(),
                processes,
                predictor,
                float(classifier.config()["review"]["threshold"]),
                classifier.duplicate_window_days,
                read.labels,
                log=context.log.info,
                audits=audits.labels,
                model_version=version,
            )
    except NothingStaged as exc:
        raise dg.Failure(str(exc)) from exc
    summary, failed = written.summary, written.failed
    context.log.info(
        f"inquiries: {summary.rows:,} rows, {summary.share():.1%} avoidable; the model classified "
        f"{written.classified:,} and {written.reused:,} kept their label from an earlier run; "
        + ("every inquiry was built" if written.rebuilt_whole else f"{written.rebuilt:,} rebuilt")
    )
    store = warehouse.get()
    changes = RunChanges(
        version, file_outcome(store, read, "analyst"), file_outcome(store, audits, "audit"), written.relabelled
    )
    write_changes(store, changes)
    context.log.info(changes.line())
    for event in written_beside(store, {CHANGES_KEY: CHANGES, PREDICTIONS_KEY: PREDICTIONS, INPUTS_KEY: INPUTS}):
        context.log_event(event)

    metadata = {
        "rows": dg.MetadataValue.int(summary.rows),
        "avoidable_share": dg.MetadataValue.float(round(summary.share(), 4)),
        "needs_review": dg.MetadataValue.int(summary.needs_review),
        "behavioural_duplicates": dg.MetadataValue.int(summary.by_origin["behaviour"]),
        "analyst_corrections": dg.MetadataValue.int(summary.by_origin["analyst"]),
        "corrections_ignored": dg.MetadataValue.int(changes.corrections.ignored),
        "audited": dg.MetadataValue.int(summary.by_origin["audit"]),
        "audits_ignored": dg.MetadataValue.int(changes.audits.ignored),
        "analyst_files": dg.MetadataValue.md(
            f"- corrections.csv: {changes.corrections.text()}\n- audit.csv: {changes.audits.text()}"
        ),
        "model_version": version,
        "classified_this_run": dg.MetadataValue.int(written.classified),
        "classified_by_workers": dg.MetadataValue.int(predictor.pooled_texts),
        "reused_predictions": dg.MetadataValue.int(written.reused),
        "inquiries_rebuilt": dg.MetadataValue.int(written.rebuilt),
        "rebuilt_whole": written.rebuilt_whole,
        "labels_changed": dg.MetadataValue.int(written.relabelled.changed),
        "relabelled_by_new_model": dg.MetadataValue.int(written.relabelled.by_new_model),
        "moved_process_weeks": dg.MetadataValue.md(
            "\n".join(f"- {week.text()}" for week in written.relabelled.moved) or written.relabelled.text()
        ),
        "unmapped_inquiries": dg.MetadataValue.int(sum(summary.unmapped.values())),
        "unmapped_queues_and_services": dg.MetadataValue.json(dict(summary.unmapped)),
        "process_map": processes.origin,
        "demand_mix": dg.MetadataValue.md(demand_mix_markdown(summary.by_type, summary.rows)),
        **table_metadata(store, "inquiries", summary.rows),
    }
    for process in sorted(summary.by_process):
        metadata[f"avoidable_share_{process}"] = dg.MetadataValue.float(round(summary.share(process), 4))
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=INQUIRIES_CHECK,
                passed=not failed,
                metadata={"failed": ", ".join(sorted(failed)) or "none", "rows": summary.rows},
            )
        ],
    )


@dg.asset(
    key=REVIEW_KEY,
    group_name="core",
    kinds={"csv"},
    owners=["team:kundcenter"],
    deps=[INQUIRIES_KEY],
    description="Inquiries the model was unsure of (confidence below the review threshold), with masked text and the "
    "model's two best guesses, exported as CSV for Excel (`;`, UTF-8 with BOM) with an empty demand_type column. "
    "Fill it in and save the rows as the landing folder's corrections.csv (inquiry_id;demand_type, a key or its "
    "Swedish name): they override the label and join the training data on the next run.",
)
def review_queue(warehouse: WarehouseResource, outputs: OutputsResource) -> dg.MaterializeResult:
    store = warehouse.get()
    cols = ", ".join(REVIEW_COLUMNS)
    queue = store.read(f"select {cols} from inquiries where needs_review order by confidence, inquiry_id")
    store.replace("review_queue", queue)
    shown = for_analysts(queue.rename(columns={"demand_type": "model_type"}), REVIEW_CSV_COLUMNS)
    path = write_excel_csv(shown, Path(outputs.exports) / "review_queue.csv")
    preview = queue.head(10).assign(
        text=queue["text"].head(10).fillna("").str.slice(0, 80).str.replace("|", "/").str.replace("\n", " ")
    )
    return dg.MaterializeResult(
        metadata=queue_metadata(queue, path)
        | table_metadata(store, "review_queue", len(queue))
        | {"least_sure": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)")}
    )


@dg.asset(
    key=AUDIT_QUEUE_KEY,
    group_name="core",
    kinds={"csv"},
    owners=["team:kundcenter"],
    deps=[INQUIRIES_KEY],
    description="A random sample of the model's labels to audit, per process and week (`audit.per_process_week` in "
    "classifiers/config.yaml, less those audited already), exported as audit_queue.csv for Excel (`;`, UTF-8 with "
    "BOM): masked text, the model's label and confidence, and an empty demand_type column. Fill it in with the "
    "right type, whatever the model said, and save the rows as the landing folder's audit.csv "
    "(inquiry_id;demand_type): the next run measures the model's accuracy on them (classifier_audit). The draw is "
    "stable across runs, so the file only changes when new weeks come or rows are audited.",
)
def audit_queue_export(
    warehouse: WarehouseResource, outputs: OutputsResource, classifier: ClassifierResource
) -> dg.MaterializeResult:
    store = warehouse.get()
    config = classifier.config()["audit"]
    queue = audit_queue(store, int(config["per_process_week"]), config.get("salt", ""))
    store.replace("audit_queue", queue)
    path = write_excel_csv(for_analysts(queue, QUEUE_COLUMNS), Path(outputs.exports) / "audit_queue.csv")
    audited = int(store.scalar("select count(*) from inquiries where label_origin = 'audit'"))
    return dg.MaterializeResult(
        metadata=queue_metadata(queue, path)
        | table_metadata(store, "audit_queue", len(queue))
        | {"audited_so_far": dg.MetadataValue.int(audited)}
    )


def queue_metadata(queue, path: Path) -> dict:
    """What a queue exported for analysts shows on its page: how long it is, where, per process."""
    return {
        "size": dg.MetadataValue.int(len(queue)),
        "csv": dg.MetadataValue.path(str(path)),
        "by_process": dg.MetadataValue.json({str(k): int(v) for k, v in queue["process"].value_counts().items()}),
    }


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    changes = dg.AssetSpec(
        CHANGES_KEY,
        deps=[INQUIRIES_KEY],
        group_name="core",
        kinds={"table"},
        owners=["team:kundcenter"],
        description="What the last run of inquiries changed, one row: analysts' corrections and audit labels applied "
        "and ignored, how many earlier inquiries changed label (and how many a new model version re-labelled), and "
        "the process-weeks whose avoidable share moved by more than a percentage point. The onodig run summary "
        "prints it.",
    )
    predictions = dg.AssetSpec(
        PREDICTIONS_KEY,
        deps=[ingest_key("contacts"), ingest_key("eservice"), CLASSIFIER_KEY],
        group_name="core",
        kinds={"table"},
        owners=["team:kundcenter"],
        description="The model's label, confidence and second type per inquiry, keyed by inquiry_id, the staged row's "
        "row_hash and model_version, written by inquiries: a row is classified once per model version, so a daily run "
        "classifies only new and changed rows, and a new model version re-labels everything once. Corrections, audits "
        "and behavioural duplicates are applied on top every run without the model.",
    )
    inputs = dg.AssetSpec(
        INPUTS_KEY,
        deps=[ingest_key("contacts"), ingest_key("eservice"), ingest_key("cases"), CLASSIFIER_KEY],
        group_name="core",
        kinds={"table"},
        owners=["team:data"],
        description="What each row of inquiries was built from, written by inquiries: per inquiry_id an MD5 over the "
        "staged row, its correction and audit label, the model version, the process map, the review threshold, the "
        "duplicate window and the code, and for a submission the citizen's previous submission of the service and "
        "that case's decisions. A run rebuilds only the inquiries whose key is new or changed (and drops those whose "
        "row is gone); a change every row depends on rebuilds the table whole.",
    )
    words = dg.AssetSpec(
        WORDS_KEY,
        deps=[INQUIRIES_KEY],
        group_name="core",
        kinds={"table"},
        owners=["team:data"],
        description="Each inquiry's content words as the trend watch reads them (lemmas and the surface forms they "
        "came from, built-in stop words dropped), keyed by inquiry_id, the MD5 of the masked text and the tokeniser's "
        "version, written by trends/emerging_topics and core/inquiry_topics: an inquiry is tokenised once, and again "
        "only when its text or the tokeniser changes. Rows of inquiries no longer there are dropped.",
    )
    return [inquiries, review_queue, audit_queue_export, changes, predictions, inputs, words]
