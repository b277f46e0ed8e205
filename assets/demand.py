"""Inquiries: every valid contact and e-service submission, once, with its demand type."""

from functools import partial
from pathlib import Path

import dagster as dg

from assets.classify import CLASSIFIER_KEY, EVALUATION_KEY
from assets.ingest import ingest_key
from classifiers.model import TextClassifier
from classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES
from demand.inquiries import build_inquiries, unmapped_counts
from ingestion.load import staged_table
from pipelines.resources import ClassifierResource, LandingResource, OutputsResource, WarehouseResource
from quality.suites import validate

INQUIRIES_KEY = dg.AssetKey(["core", "inquiries"])
REVIEW_KEY = dg.AssetKey(["core", "review_queue"])
INQUIRIES_CHECK = "inquiries_expectations"
REVIEW_COLUMNS = ["inquiry_id", "occurred_at", "process", "channel", "demand_type", "confidence", "second_type", "text"]


def _read_staged(store, source: str):
    table = staged_table(source)
    return store.read_table(table) if store.has_table(table) else None


def demand_mix_markdown(frame) -> str:
    counts = frame["demand_type"].value_counts()
    lines = ["| demand type | Swedish | inquiries | share |", "|---|---|---|---|"]
    for key in DEMAND_TYPES:
        n = int(counts.get(key, 0))
        lines.append(f"| `{key}` | {SWEDISH_NAMES[key]} | {n:,} | {n / max(len(frame), 1):.1%} |")
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
    store = warehouse.get()
    contacts, eservice, cases = (_read_staged(store, s) for s in ("contacts", "eservice", "cases"))
    if contacts is None or eservice is None or cases is None:
        raise dg.Failure("No staged contacts, e-service submissions or cases: nothing has been ingested yet.")
    config = classifier.config()
    frame = build_inquiries(
        contacts,
        eservice,
        cases,
        landing.processes(),
        partial(model.predict, masked=True),
        window_days=classifier.duplicate_window_days,
        review_threshold=float(config["review"]["threshold"]),
        corrections=landing.corrections(),
    )
    store.replace("inquiries", frame)
    context.log.info(f"inquiries: {len(frame):,} rows, {frame['avoidable'].mean():.1%} avoidable")
    validation = validate("inquiries", frame)
    per_process = frame.groupby("process")["avoidable"].mean()
    unmapped = unmapped_counts(frame)
    metadata = {
        "rows": dg.MetadataValue.int(len(frame)),
        "avoidable_share": dg.MetadataValue.float(round(float(frame["avoidable"].mean()), 4)),
        "needs_review": dg.MetadataValue.int(int(frame["needs_review"].sum())),
        "behavioural_duplicates": dg.MetadataValue.int(int((frame["label_origin"] == "behaviour").sum())),
        "analyst_corrections": dg.MetadataValue.int(int((frame["label_origin"] == "analyst").sum())),
        "unmapped_inquiries": dg.MetadataValue.int(sum(unmapped.values())),
        "unmapped_queues_and_services": dg.MetadataValue.json(unmapped),
        "process_map": landing.processes().origin,
        "demand_mix": dg.MetadataValue.md(demand_mix_markdown(frame)),
    }
    for process, share in per_process.items():
        metadata[f"avoidable_share_{process}"] = dg.MetadataValue.float(round(float(share), 4))
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=INQUIRIES_CHECK,
                passed=validation.success,
                metadata={
                    "failed": ", ".join(validation.failed) or "none",
                    "expectations": dg.MetadataValue.md(validation.markdown()),
                },
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
    queue.to_csv(path, index=False)
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
