"""Swedish text processing on spaCy: tokenisation, masking, normalisation, lemmas.

The pipeline is ``spacy.blank("sv")`` plus two components of our own, so it needs no downloaded
model. Stop words are kept on purpose: "inte fått" carries the signal for invoice and case status.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from privacy.masking import find_personal_data

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})

if not Token.has_extension("feature"):
    Token.set_extension("feature", default=None)


def fold(text: str) -> str:
    return text.lower().translate(_FOLD)


@Language.component("mask_personal_data")
def mask_personal_data(doc: Doc) -> Doc:
    """Merge each personnummer, e-mail, phone number or name into one token whose norm is its mask."""
    spans = find_personal_data(doc.text)
    if not spans:
        return doc
    with doc.retokenize() as retokenizer:
        merged = []
        for start, end, label in spans:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or any(span.start < s.end and s.start < span.end for s, _ in merged):
                continue
            merged.append((span, label))
            retokenizer.merge(span, attrs={"NORM": label})
    return doc


def make_nlp(use_lemmas: bool = False) -> Language:
    nlp = spacy.blank("sv")
    nlp.add_pipe("mask_personal_data")
    if use_lemmas:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    return nlp


class TextProcessor:
    """Turns raw inquiry text into the normalised token string the models read."""

    def __init__(self, fold_diacritics: bool = True, use_lemmas: bool = False):
        self.fold_diacritics = fold_diacritics
        self.use_lemmas = use_lemmas
        self.nlp = make_nlp(use_lemmas)
        self._lemma_table = None
        if use_lemmas:
            self._lemma_table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")

    def _norm(self, token: Token) -> str:
        if token.norm_.startswith("["):
            return token.norm_
        word = token.lower_
        if self._lemma_table is not None:
            # the lookup table is case-sensitive and keyed on lower-case forms
            word = self._lemma_table.get(word, word)
        return fold(word) if self.fold_diacritics else word

    def doc_features(self, doc: Doc) -> str:
        return " ".join(self._norm(t) for t in doc if not t.is_space)

    def pipe(self, texts: Iterable[str], batch_size: int = 2000) -> Iterator[str]:
        disable = [] if self.use_lemmas else []
        for doc in self.nlp.pipe((t or "" for t in texts), batch_size=batch_size, disable=disable):
            yield self.doc_features(doc)

    def transform(self, texts: Iterable[str]) -> list[str]:
        return list(self.pipe(texts))
