"""The pipeline's figures against the generator's truth: the linkage issue's targets.

    .venv/bin/python benchmarks/accuracy.py [--weeks 12] [--per-week 1500] [--seed 21] [--audit]

Generates a landing folder, runs every asset, and prints: label accuracy, the per-process
avoidable share against the truth (raw and corrected), recall of re-submitted applications and
first submissions wrongly called duplicates, and the share of linkable invoice, case and
completion inquiries that get a root cause other than unknown. With ``--audit`` the generator's
truth then answers the run's audit sample (``audit_queue.csv`` back as ``audit.csv``), the run is
repeated, and the corrected share is measured again, now corrected by the audit's confusion matrix.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from onodig.generator.landing import GeneratorConfig, write_landing
from onodig.pipelines.settings import resolve
from onodig.warehouse import Warehouse


def figures(store: Warehouse, truth: pd.DataFrame) -> dict:
    truth = truth[truth["expect"] == "inquiry"]
    inquiries = store.read("select inquiry_id, demand_type, label_origin, source from inquiries")
    joined = inquiries.merge(truth, on="inquiry_id", suffixes=("", "_true"))
    true_share = truth.assign(a=truth["demand_type"] != "value_demand").groupby("process")["a"].mean()
    weekly = store.read(
        "select process, sum(inquiries) as n, sum(avoidable_inquiries) as a, "
        "sum(corrected_avoidable_share * inquiries) as c from avoidable_demand_weekly group by process"
    ).set_index("process")
    shares = pd.DataFrame(
        {"measured": weekly["a"] / weekly["n"], "corrected": weekly["c"] / weekly["n"], "true": true_share}
    )
    eservice = joined[joined["source"] == "eservice"]
    duplicate = eservice["demand_type_true"] == "duplicate_request"
    flagged = eservice["label_origin"] == "behaviour"
    causes = store.read("select * from int_root_causes")
    linkable = causes[
        causes["demand_type"].isin(["invoice_status", "case_status", "missing_information"])
        & (causes["linked_case_ref"].notna() | causes["linked_invoice_ref"].notna())
    ]
    return {
        "shares": shares,
        "accuracy": (joined["demand_type"] == joined["demand_type_true"]).mean(),
        "share_error_pp": 100 * (shares["measured"] - shares["true"]).abs().mean(),
        "corrected_error_pp": 100 * (shares["corrected"] - shares["true"]).abs().mean(),
        "resubmission_recall": (flagged & duplicate).sum() / max(duplicate.sum(), 1),
        "first_submissions_called_duplicate": int((flagged & ~duplicate).sum()),
        "root_cause_known": (linkable["root_cause"] != "unknown").mean(),
        "linkable": len(linkable),
    }


def onodig_run(landing: Path, data: Path) -> None:
    """``onodig run`` as the data team runs it: its own process, which lets go of the warehouse file."""
    command = [sys.executable, "-m", "onodig", "run", "--landing", str(landing), "--data", str(data)]
    if subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        raise SystemExit(f"onodig run failed on {landing}")


def answer_audit(queue_path: Path, truth: pd.DataFrame, answers: Path) -> int:
    """The analyst, played by the generator: each sampled inquiry's true type, as ``audit.csv``."""
    queue = pd.read_csv(queue_path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    true_type = truth.set_index("inquiry_id")["demand_type"]
    filled = queue.assign(demand_type=queue["inquiry_id"].map(true_type)).dropna(subset=["demand_type"])
    filled[["inquiry_id", "demand_type"]].to_csv(answers, sep=";", index=False)
    return len(filled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-week", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--audit", action="store_true", help="answer the audit sample with the truth and run again")
    args = parser.parse_args()
    os.environ.setdefault("ONODIG_PSEUDONYM_KEY", "benchmark-key")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counts = write_landing(
            GeneratorConfig(weeks=args.weeks, per_week=args.per_week, seed=args.seed),
            root / "landing",
            root / "truth.csv",
        )
        settings = resolve(landing=str(root / "landing"), data_dir=str(root / "data"))
        truth = pd.read_csv(root / "truth.csv", dtype=str)
        onodig_run(root / "landing", root / "data")
        with Warehouse(settings.warehouse_url) as store:  # closed: the next run opens the file itself
            result = figures(store, truth)
        if args.audit:
            audited = answer_audit(settings.exports / "audit_queue.csv", truth, root / "landing" / "audit.csv")
            onodig_run(root / "landing", root / "data")
            with Warehouse(settings.warehouse_url) as store:
                after = figures(store, truth)
    print(f"{counts['inquiries']:,} generated inquiries over {args.weeks} weeks (seed {args.seed})\n")
    print((result["shares"] * 100).round(1).to_string(), "\n")
    print(f"label accuracy against the truth:          {result['accuracy']:.3f}")
    print(f"per-process avoidable share, mean error:   {result['share_error_pp']:.2f} pp (target: at most 3)")
    print(f"  corrected for the classifier's errors:   {result['corrected_error_pp']:.2f} pp")
    if args.audit:
        print(f"  corrected by an audit of {audited:,} inquiries: {after['corrected_error_pp']:.2f} pp")
    print(f"re-submissions found as duplicates:        {result['resubmission_recall']:.3f} (target: at least 0.9)")
    print(f"first submissions called duplicates:       {result['first_submissions_called_duplicate']} (target: 0)")
    print(
        f"linkable inquiries with a known root cause: {result['root_cause_known']:.3f} of {result['linkable']:,} (target: at least 0.95)"
    )


if __name__ == "__main__":
    main()
