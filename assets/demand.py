"""Inquiries: every valid contact and e-service submission, once, with its demand type."""

from functools import partial
from pathlib import Path

import dagster as dg

from onodig.assets.classify import CLASSIFIER_KEY, EVALUATION_KEY
from onodig.assets.ingest import ingest_key
from onodig.assets.partitions import Partitions
from onodig.assets.resources import ClassifierResource, LandingResource, OutputsResource, WarehouseResource
from onodig.classifiers.model import TextClassifier
from onodig.classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES
from onodig.demand.table import NothingStaged, write_inquiries
from onodig.reports.spreadsheet import safe_frame

INQUIRIES_KEY = dg.AssetKey(["core", "inquiries"])
REVIEW_KEY = dg.AssetKey(["core", "review_queue"])
INQUIRIES_CHECK = "inquiries_expectations"
REVIEW_COLUMNS = ["inquiry_id", "occurred_at", "process", "channel", "demand_type", "confidence", "second_type", "text"]


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
    read = landing.corrections()
    processes = landing.processes()
    try:
        written = write_inquiries(
            warehouse.get(),
            processes,
            partial(model.predict, masked=True),  # staged text was masked at ingestion
            float(classifier.config()["review"]["threshold"]),
            classifier.duplicate_window_days,
            read.labels,
            log=context.log.info,
        )
    except NothingStaged as exc:
        raise dg.Failure(str(exc)) from exc
    summary, failed = written.summary, written.failed
    context.log.info(f"inquiries: {summary.rows:,} rows, {summary.share():.1%} avoidable")

    metadata = {
        "rows": dg.MetadataValue.int(summary.rows),
        "avoidable_share": dg.MetadataValue.float(round(summary.share(), 4)),
        "needs_review": dg.MetadataValue.int(summary.needs_review),
        "behavioural_duplicates": dg.MetadataValue.int(summary.by_origin["behaviour"]),
        "analyst_corrections": dg.MetadataValue.int(summary.by_origin["analyst"]),
        "corrections_ignored": dg.MetadataValue.int(read.ignored),
        "unmapped_inquiries": dg.MetadataValue.int(sum(summary.unmapped.values())),
        "unmapped_queues_and_services": dg.MetadataValue.json(dict(summary.unmapped)),
        "process_map": processes.origin,
        "demand_mix": dg.MetadataValue.md(demand_mix_markdown(summary.by_type, summary.rows)),
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
    "model's two best guesses, exported as CSV. Put corrected labels in the landing folder's corrections.csv "
    "(inquiry_id,demand_type): they override the label and join the training data on the next run.",
)
def review_queue(warehouse: WarehouseResource, outputs: OutputsResource) -> dg.MaterializeResult:
    store = warehouse.get()
    cols = ", ".join(REVIEW_COLUMNS)
    queue = store.read(f"select {cols} from inquiries where needs_review order by confidence, inquiry_id")
    store.replace("review_queue", queue)
    path = Path(outputs.exports) / "review_queue.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(queue).to_csv(path, index=False)  # opened in a spreadsheet: no cell runs as a formula
    preview = queue.head(10).assign(
        text=queue["text"].head(10).fillna("").str.slice(0, 80).str.replace("|", "/").str.replace("\n", " ")
    )
    return dg.MaterializeResult(
        metadata={
            "size": dg.MetadataValue.int(len(queue)),
            "csv": dg.MetadataValue.path(str(path)),
            "by_process": dg.MetadataValue.json({str(k): int(v) for k, v in queue["process"].value_counts().items()}),
            "least_sure": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)"),
        }
    )


def build(partitions: Partitions) -> list[dg.AssetsDefinition]:
    return [inquiries, review_queue]
