"""How fast masking is on ordinary and on adversarial text, and how much of ordinary text it masks.

    .venv/bin/python benchmarks/masking.py [--n 20000] [--adversarial 200000]

Masking runs on every text and structured field at ingestion, so its cost is the cost of a load;
a pattern that is quadratic on some input turns one hostile row into a run that never ends.
The adversarial inputs are the shapes that made the old e-mail pattern quadratic (a long word run
before an ``@``) and their cousins for the other patterns. The mask counts per placeholder on
the training corpus and on generated texts show what a change to the rules adds or removes.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from importlib.resources import files

from onodig.generator.landing import sample_texts
from onodig.privacy.masking import find_personal_data, mask_text


def adversarial(size: int) -> dict[str, str]:
    return {
        "word run, then @": "a" * size + " x@example.se",
        "word run glued to @": "a" * size + "@example.se",
        "many @": "a@" * (size // 2),
        "dotted run": "a." * (size // 2) + "@",
        "digit run": "1" * size + " 070-123 45 67",
        "digits and dashes": "12-" * (size // 3),
        "space run, then at": " " * size + "x at example punkt se",
        "capitalised words": "Anna " * (size // 5),
        "one capitalised word": "A" + "b" * size,
    }


def rate(texts: list[str]) -> float:
    chars = sum(len(t) for t in texts)
    started = time.perf_counter()
    for text in texts:
        mask_text(text)
    return chars / (time.perf_counter() - started)


def corpus_texts() -> list[str]:
    folder = files("onodig.classifiers") / "corpus" / "train"
    texts = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".jsonl"):
            texts += [json.loads(line)["text"] for line in entry.read_text("utf-8").splitlines() if line.strip()]
    return texts


def mask_counts(texts: list[str]) -> Counter:
    counts: Counter = Counter()
    for text in texts:
        counts.update(label for _s, _e, label in find_personal_data(text))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="generated texts for the normal-text figure")
    parser.add_argument("--adversarial", type=int, default=200_000, help="characters per adversarial input")
    args = parser.parse_args()

    generated = [text for text, _label in sample_texts(args.n)]
    corpus = corpus_texts()
    print(f"normal text, {len(generated):,} generated texts: {rate(generated):>14,.0f} chars/s")
    print(f"normal text, {len(corpus):,} corpus texts:    {rate(corpus):>14,.0f} chars/s")
    for name, text in adversarial(args.adversarial).items():
        print(f"adversarial, {name:<22} ({len(text):,} chars): {rate([text]):>14,.0f} chars/s")
    for name, texts in (("corpus (train)", corpus), ("generated", generated)):
        counts = mask_counts(texts)
        shown = ", ".join(f"{label} {counts[label]:,}" for label in sorted(counts)) or "none"
        print(f"masks in {name}, {len(texts):,} texts: {shown}")


if __name__ == "__main__":
    main()
