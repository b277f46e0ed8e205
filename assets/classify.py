"""The demand classifier: trained from the repository's corpus, evaluated on the independent split."""

import dagster as dg
import pandas as pd

from onodig.assets.partitions import Partitions
from onodig.assets.resources import ClassifierResource, LandingResource, WarehouseResource
from onodig.classifiers.corpus import corrections_as_training, load_corpus
from onodig.classifiers.evaluate import correction_weights, evaluate_splits, value_demand_kept
from onodig.classifiers.model import TextClassifier

CLASSIFIER_KEY = dg.AssetKey(["classifier", "demand_classifier"])
EVALUATION_KEY = dg.AssetKey(["classifier", "classifier_evaluation"])
CORRECTION_KEY = dg.AssetKey(["classifier", "classifier_correction"])
CONFUSION_KEY = dg.AssetKey(["classifier", "classifier_confusion"])
METRICS_KEY = dg.AssetKey(["classifier", "classifier_metrics"])
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
    "published shares), and the share of real SweFAQ value-demand questions kept as value demand.",
)
def classifier_evaluation(
    context: dg.AssetExecutionContext,
    model: TextClassifier,
    classifier: ClassifierResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    corpus = load_corpus()
    splits = evaluate_splits(model, corpus)
    result, out_of_genre = splits["eval"], splits["eval_ood"]
    store = warehouse.get()
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
    floor = float(classifier.config()["quality"]["macro_f1_floor"])
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
    if real is not None:
        metadata["swefaq_value_kept"] = dg.MetadataValue.float(round(real[0], 4))
        metadata["swefaq_value_questions"] = dg.MetadataValue.int(real[1])
    context.log.info(
        f"macro-F1 on the independent split: {result.macro_f1:.3f} (floor {floor}), "
        f"out of genre: {out_of_genre.macro_f1:.3f}"
    )
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=MACRO_F1_CHECK,
                passed=result.macro_f1 >= floor,
                metadata={"macro_f1": round(result.macro_f1, 4), "floor": floor},
            )
        ],
    )


@dg.asset(
    key=CORRECTION_KEY,
    group_name="classifier",
    kinds={"numpy"},
    owners=["team:data"],
    deps=[EVALUATION_KEY, CONFUSION_KEY],
    description="Weights that undo the classifier's known errors in published shares: the inverse of its confusion "
    "rates on the independent evaluation split (a misclassification-matrix correction), one row per true and "
    "predicted demand type.",
)
def classifier_correction(warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = warehouse.get()
    confusion = store.read("select * from classifier_confusion").pivot(
        index="true_type", columns="predicted_type", values="n"
    )
    weights = correction_weights(confusion.loc[confusion.index, confusion.index])
    store.replace("classifier_correction", weights)
    matrix = weights.pivot(index="true_type", columns="predicted_type", values="weight").round(3)
    return dg.MaterializeResult(metadata={"weights": dg.MetadataValue.md(matrix.to_markdown())})


def written_tables() -> list[dg.AssetSpec]:
    """The tables ``classifier_evaluation`` writes beside its own page: declared, so the lineage shows them."""
    common = {"deps": [EVALUATION_KEY], "group_name": "classifier", "kinds": {"table"}, "owners": ["team:data"]}
    return [
        dg.AssetSpec(
            CONFUSION_KEY,
            description="The confusion matrix on the evaluation split, one row per true and predicted type: what "
            "the published shares are corrected with.",
            **common,
        ),
        dg.AssetSpec(
            METRICS_KEY,
            description="Precision, recall and F1 per demand type on the evaluation split.",
            **common,
        ),
    ]


def build(partitions: Partitions) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    return [demand_classifier, classifier_evaluation, classifier_correction, *written_tables()]
