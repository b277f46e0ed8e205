"""How fast ``onodig classify`` is, next to the floor any Swedish NLP pipeline pays.

    .venv/bin/python benchmarks/classify.py [--n 200000]

The floor is reading the same CSV with pandas and running ``spacy.blank("sv").tokenizer.pipe``
over its texts. ``onodig classify`` is timed as a whole process (start-up, loading the model,
reading, classifying, writing), after one warm-up run that trains the model if there is none.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import spacy

from onodig.generator.landing import sample_texts

ROOT = Path(__file__).resolve().parent.parent


def floor(path: Path) -> float:
    started = time.perf_counter()
    texts = pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
    tokenizer = spacy.blank("sv").tokenizer
    for _ in tokenizer.pipe(texts, batch_size=2000):
        pass
    return time.perf_counter() - started


def classify(path: Path, out: Path, data: Path) -> float:
    command = [str(ROOT / ".venv" / "bin" / "onodig"), "classify", str(path), "-o", str(out), "--data", str(data)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark onodig classify against the tokenizer floor")
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="data folder holding the trained model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "texts.csv", Path(tmp) / "out.csv"
        samples = sample_texts(args.n)
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            writer.writerows((f"T{i:07d}", text) for i, (text, _) in enumerate(samples))
        mean_chars = sum(len(t) for t, _ in samples) / len(samples)
        warm = Path(tmp) / "warm.csv"
        pd.DataFrame({"id": ["w"], "text": ["hej"]}).to_csv(warm, index=False)
        classify(warm, Path(tmp) / "warm_out.csv", args.data)  # trains the model on first use

        floor_s = floor(source)
        classify_s = classify(source, out, args.data)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result = pd.read_csv(out)
        truth = [label for _, label in samples]
        accuracy = (result["demand_type"] == truth).mean()
    print(f"texts: {args.n:,} generated contact texts, mean {mean_chars:.0f} characters")
    print(f"floor (pandas read + spaCy sv tokenizer): {floor_s:6.1f} s  {args.n / floor_s:10,.0f} texts/s")
    print(f"onodig classify (whole process):          {classify_s:6.1f} s  {args.n / classify_s:10,.0f} texts/s")
    print(f"ratio classify / floor: {classify_s / floor_s:.2f}x (target: at most 4x)")
    print(f"peak memory of onodig classify: {peak_mb:,.0f} MB; accuracy against the generator's truth: {accuracy:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
