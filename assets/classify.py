"""The demand classifier: trained from the repository's corpus, evaluated on the independent split."""

import hashlib
from pathlib import Path

import dagster as dg
import pandas as pd

from onodig.assets.partitions import Partitions
from onodig.assets.resources import ClassifierResource, LandingResource, WarehouseResource
from onodig.assets.table_metadata import table_metadata, written_beside
from onodig.classifiers.corpus import corrections_as_training, load_corpus
from onodig.classifiers.evaluate import correction_weights, evaluate_splits, value_demand_kept
from onodig.classifiers.model import TextClassifier
from onodig.demand.audit import audit_table, correction_basis, measure, statement

CLASSIFIER_KEY = dg.AssetKey(["classifier", "demand_classifier"])
EVALUATION_KEY = dg.AssetKey(["classifier", "classifier_evaluation"])
CORRECTION_KEY = dg.AssetKey(["classifier", "classifier_correction"])
CONFUSION_KEY = dg.AssetKey(["classifier", "classifier_confusion"])
METRICS_KEY = dg.AssetKey(["classifier", "classifier_metrics"])
AUDIT_KEY = dg.AssetKey(["classifier", "classifier_audit"])
AUDIT_CONFUSION_KEY = dg.AssetKey(["classifier", "classifier_audit_confusion"])
INQUIRIES_KEY = dg.AssetKey(["core", "inquiries"])  # assets/demand.py's: it imports this module
MACRO_F1_CHECK = "macro_f1_above_floor"


@dg.asset(
    key=CLASSIFIER_KEY,
    group_name="classifier",
    kinds={"scikitlearn", "spacy"},
    owners=["team:data"],
    description="The Swedish demand classifier (spaCy text processing, TF-IDF n-grams, calibrated linear model), "
    "trained on the labelled corpus plus analysts' corrections. The artefact is versioned by the hashes of corpus, "
    "config and corrections, and only retrained when one of them changes.",
)
def demand_classifier(
    context: dg.AssetExecutionContext,
    classifier: ClassifierResource,
    landing: LandingResource,
    warehouse: WarehouseResource,
) -> dg.Output[TextClassifier]:
    corrections = landing.corrections().labels
    # only the corrected inquiries' texts: the table may hold millions
    texts = warehouse.get().read_where_in("inquiries", ["inquiry_id", "text"], "inquiry_id", corrections["inquiry_id"])
    extra = corrections_as_training(corrections, texts)
    artefact = classifier.load(extra=extra, log=context.log.info)
    return dg.Output(
        artefact.classifier,
        data_version=dg.DataVersion(artefact.version),
        metadata={
            "version": artefact.version,
            "artefact": dg.MetadataValue.path(str(artefact.path)),
            "trained_this_run": artefact.trained_now,
            "train_seconds": dg.MetadataValue.float(round(artefact.train_seconds, 2)),
            "corrections_used": dg.MetadataValue.int(len(extra)),
        },
    )


@dg.asset(
    key=EVALUATION_KEY,
    group_name="classifier",
    kinds={"scikitlearn"},
    owners=["team:data"],
    ins={"model": dg.AssetIn(key=CLASSIFIER_KEY)},
    check_specs=[
        dg.AssetCheckSpec(
            MACRO_F1_CHECK,
            asset=EVALUATION_KEY,
            blocking=True,
            description="Stops publishing when macro-F1 on the independent split is below the floor.",
        )
    ],
    description="How well the classifier does on the evaluation split, which other writers wrote apart from the "
    "training data: per-class precision, recall and F1, the confusion matrix (also kept as a table, used to correct "
    "published shares), the short-question split's ordinary questions kept as value demand, and the share of real "
    "SweFAQ value-demand questions kept as value demand.",
)
def classifier_evaluation(
    context: dg.AssetExecutionContext,
    model: TextClassifier,
    classifier: ClassifierResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    store = warehouse.get()
    floor = float(classifier.config()["quality"]["macro_f1_floor"])
    evaluated_for = evaluation_key(model_version_in_use(context), classifier.realdata_path)
    if (earlier := earlier_evaluation(context, store, evaluated_for)) is not None:
        context.log.info("the model and the evaluation files are those evaluated last: its scores stand")
        return _scored(earlier | {"reused": True}, float(earlier["macro_f1"].value), floor)
    corpus = load_corpus()
    splits = evaluate_splits(model, corpus)
    result, out_of_genre = splits["eval"], splits["eval_ood"]
    # the published shares are corrected with the confusion over both evaluation splits: real
    # inquiries are written like neither, and the out-of-genre one is the nearer of the two
    confusion = (
        (result.evaluation.confusion + out_of_genre.evaluation.confusion)
        .rename_axis("true_type")
        .reset_index()
        .melt(id_vars="true_type", var_name="predicted_type", value_name="n")
    )
    store.replace("classifier_confusion", confusion)
    store.replace(
        "classifier_metrics",
        pd.concat([split.evaluation.per_class.assign(split=name) for name, split in splits.items()], ignore_index=True),
    )
    for event in written_beside(store, {CONFUSION_KEY: "classifier_confusion", METRICS_KEY: "classifier_metrics"}):
        context.log_event(event)
    real = value_demand_kept(model.predict, classifier.realdata_path) if classifier.realdata_path else None
    metadata = {
        "macro_f1": dg.MetadataValue.float(round(result.macro_f1, 4)),
        "accuracy": dg.MetadataValue.float(round(result.accuracy, 4)),
        "eval_examples": dg.MetadataValue.int(result.n),
        "macro_f1_out_of_genre": dg.MetadataValue.float(round(out_of_genre.macro_f1, 4)),
        "avoidable_accuracy_out_of_genre": dg.MetadataValue.float(round(out_of_genre.avoidable_accuracy, 4)),
        "calibration_error_out_of_genre": dg.MetadataValue.float(round(out_of_genre.ece, 4)),
        "confident_wrong_out_of_genre": dg.MetadataValue.int(out_of_genre.confident_wrong),
        "eval_ood_examples": dg.MetadataValue.int(out_of_genre.n),
        "scores": dg.MetadataValue.md(result.evaluation.markdown()),
        "scores_out_of_genre": dg.MetadataValue.md(out_of_genre.evaluation.markdown()),
    }
    if (short := splits.get("eval_short")) is not None:
        metadata["macro_f1_short_questions"] = dg.MetadataValue.float(round(short.macro_f1, 4))
        metadata["value_kept_short_questions"] = dg.MetadataValue.float(round(short.value_kept, 4))
    if real is not None:
        metadata["swefaq_value_kept"] = dg.MetadataValue.float(round(real[0], 4))
        metadata["swefaq_value_questions"] = dg.MetadataValue.int(real[1])
    context.log.info(
        f"macro-F1 on the independent split: {result.macro_f1:.3f} (floor {floor}), "
        f"out of genre: {out_of_genre.macro_f1:.3f}"
    )
    return _scored(metadata | {"evaluated_for": evaluated_for, "reused": False}, result.macro_f1, floor)


def _scored(metadata: dict, macro_f1: float, floor: float) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=MACRO_F1_CHECK,
                passed=macro_f1 >= floor,
                metadata={"macro_f1": round(macro_f1, 4), "floor": floor},
            )
        ],
    )


def evaluation_key(model_version: str, realdata_path: str) -> str:
    """What an evaluation's scores follow from: the model version (corpus, config and corrections)
    and the real-data file, by its path and content (a copy of the same file, with a new
    modification time, scores the same: a checkout or a deploy need not evaluate again)."""
    path = Path(realdata_path) if realdata_path else None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path is not None and path.is_file() else ""
    return f"{model_version}|{realdata_path}|{digest}"


def earlier_evaluation(context: dg.AssetExecutionContext, store, evaluated_for: str) -> dict | None:
    """The last evaluation's metadata when it scored the same model on the same files and its tables
    are still there: a daily run need not predict the evaluation splits again (about a second)."""
    event = context.instance.get_latest_materialization_event(EVALUATION_KEY)
    metadata = event.asset_materialization.metadata if event and event.asset_materialization else {}
    found = metadata.get("evaluated_for")
    if found is None or found.value != evaluated_for or "macro_f1" not in metadata:
        return None
    if not (store.has_table("classifier_confusion") and store.has_table("classifier_metrics")):
        return None
    return dict(metadata)


def model_version_in_use(context: dg.AssetExecutionContext) -> str:
    """The version of the classifier materialized last: the one whose artefact this run loaded."""
    event = context.instance.get_latest_materialization_event(CLASSIFIER_KEY)
    materialization = event.asset_materialization if event else None
    value = materialization.metadata.get("version") if materialization else None
    return str(value.value) if value is not None else ""


def _pivot(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot(index="true_type", columns="predicted_type", values="n")


@dg.asset(
    key=AUDIT_KEY,
    group_name="classifier",
    kinds={"table"},
    owners=["team:data"],
    deps=[INQUIRIES_KEY, CONFUSION_KEY],
    ins={"model": dg.AssetIn(key=CLASSIFIER_KEY)},
    description="How right the classifier is on the municipality's own inquiries (contract table `classifier_audit`, "
    "one row per model version): accuracy with its 95 % Wilson interval on the audited inquiries (analysts' labels "
    "in the landing folder's audit.csv for the sample in audit_queue.csv) that the model did not train on. Audit "
    "labels are never training data; the confusion matrix beside it corrects the published shares once enough "
    "inquiries are audited.",
)
def classifier_audit(
    context: dg.AssetExecutionContext,
    model: TextClassifier,
    warehouse: WarehouseResource,
    classifier: ClassifierResource,
) -> dg.MaterializeResult:
    store = warehouse.get()
    version = model_version_in_use(context)
    audited = store.read(
        "select inquiry_id, text, demand_type from inquiries where label_origin = 'audit' order by inquiry_id"
    )
    predicted = model.predict(audited["text"].fillna("").tolist(), masked=True).labels if len(audited) else []
    corpus = load_corpus()
    corrected = store.read("select text from inquiries where label_origin = 'analyst'")["text"]
    result = measure(
        version, audited, predicted, pd.concat([corpus.loc[corpus["split"] == "train", "text"], corrected])
    )
    evaluation = _pivot(store.read("select * from classifier_confusion"))
    test_accuracy = float(evaluation.to_numpy().trace() / max(evaluation.to_numpy().sum(), 1))
    row = result.row(test_accuracy)
    previous = store.read_table("classifier_audit") if store.has_table("classifier_audit") else None
    table = audit_table(previous, row)
    store.replace("classifier_audit", table)
    store.replace("classifier_audit_confusion", result.confusion_rows())
    for event in written_beside(store, {AUDIT_CONFUSION_KEY: "classifier_audit_confusion"}):
        context.log_event(event)
    threshold = int(classifier.config()["audit"]["min_for_correction"])
    said = statement(row, threshold)
    context.log.info(said)
    metadata = {
        "model_version": version,
        "audited": dg.MetadataValue.int(result.audited),
        "trained_on_left_out": dg.MetadataValue.int(result.trained_on),
        "test_accuracy": dg.MetadataValue.float(round(test_accuracy, 4)),
        "statement": dg.MetadataValue.md(said),
        "versions": dg.MetadataValue.md(table.to_markdown(index=False)),
        **table_metadata(store, "classifier_audit", len(table)),
    }
    if result.audited:
        low, high = result.interval
        metadata["accuracy"] = dg.MetadataValue.float(round(result.accuracy, 4))
        metadata["accuracy_low"] = dg.MetadataValue.float(round(low, 4))
        metadata["accuracy_high"] = dg.MetadataValue.float(round(high, 4))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=CORRECTION_KEY,
    group_name="classifier",
    kinds={"numpy"},
    owners=["team:data"],
    deps=[EVALUATION_KEY, CONFUSION_KEY, AUDIT_KEY, AUDIT_CONFUSION_KEY],
    description="Weights that undo the classifier's known errors in published shares: the inverse of its confusion "
    "rates (a misclassification-matrix correction), one row per true and predicted demand type. The rates come from "
    "the audit of the municipality's own inquiries once `audit.min_for_correction` are audited, before that from the "
    "independent evaluation split; `accuracy_margin` (half the 95 % interval of that accuracy) widens the corrected "
    "share's interval.",
)
def classifier_correction(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, classifier: ClassifierResource
) -> dg.MaterializeResult:
    store = warehouse.get()
    evaluation = _pivot(store.read("select * from classifier_confusion"))
    audit = store.read("select * from classifier_audit where in_use") if store.has_table("classifier_audit") else None
    row = audit.iloc[0].to_dict() if audit is not None and len(audit) else None
    audited = int(row["audited"]) if row else 0
    confusion = _pivot(store.read_table("classifier_audit_confusion")) if audited else None
    threshold = int(classifier.config()["audit"]["min_for_correction"])
    chosen = correction_basis(evaluation, confusion, audited, threshold)
    weights = correction_weights(chosen.confusion).assign(
        basis=chosen.basis, accuracy_margin=chosen.accuracy_margin, audited=chosen.audited
    )
    store.replace("classifier_correction", weights)
    matrix = weights.pivot(index="true_type", columns="predicted_type", values="weight").round(3)
    said = statement(row, threshold) if row else "No audit table yet: the evaluation split's confusion matrix is used."
    context.log.info(f"correction from the {chosen.basis} confusion matrix: {said}")
    return dg.MaterializeResult(
        metadata={
            "basis": chosen.basis,
            "audited": dg.MetadataValue.int(audited),
            "audited_needed": dg.MetadataValue.int(threshold),
            "accuracy_margin": dg.MetadataValue.float(round(chosen.accuracy_margin, 4)),
            "statement": dg.MetadataValue.md(said),
            "weights": dg.MetadataValue.md(matrix.to_markdown()),
            **table_metadata(store, "classifier_correction", len(weights)),
        }
    )


def written_tables() -> list[dg.AssetSpec]:
    """The tables ``classifier_evaluation`` writes beside its own page: declared, so the lineage shows them."""
    common = {"deps": [EVALUATION_KEY], "group_name": "classifier", "kinds": {"table"}, "owners": ["team:data"]}
    return [
        dg.AssetSpec(
            CONFUSION_KEY,
            description="The confusion matrix over both evaluation splits (in genre and out of genre), one row per "
            "true and predicted type: what the published shares are corrected with until enough are audited.",
            **common,
        ),
        dg.AssetSpec(
            METRICS_KEY,
            description="Precision, recall and F1 per demand type on each evaluation split (column `split`).",
            **common,
        ),
        dg.AssetSpec(
            AUDIT_CONFUSION_KEY,
            description="The confusion matrix on the audited inquiries for the model version in use, one row per "
            "analyst's and model's type: what the published shares are corrected with once enough are audited.",
            **{**common, "deps": [AUDIT_KEY]},
        ),
    ]


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    return [demand_classifier, classifier_evaluation, classifier_audit, classifier_correction, *written_tables()]
