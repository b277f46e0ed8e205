"""Swedish text processing on spaCy: tokenisation, masking, normalisation, lemmas.

The pipeline is ``spacy.blank("sv")`` plus two components of our own, so it needs no downloaded
model. Stop words are kept on purpose: "inte fått" carries the signal for invoice and case status.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache

import spacy
from spacy.attrs import NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from onodig.privacy.masking import EMAIL, NAME, PHONE, PNR, find_personal_data, mask_text

PLACEHOLDERS = (PNR, EMAIL, PHONE, NAME)
# The most of one text the models read. spaCy refuses texts over 1,000,000 characters (E088), and
# an inquiry's question is at its start: ingestion stores no more than this either, but staged
# rows from before that, and ``onodig classify``'s input, may hold more. Shorter texts are unchanged.
MAX_TEXT_CHARS = 100_000

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})


def capped(text: str | None) -> str:
    """The text, or its first :data:`MAX_TEXT_CHARS` characters."""
    return (text or "")[:MAX_TEXT_CHARS]


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


def make_nlp() -> Language:
    """``spacy.blank("sv")`` with the masks as tokens; lemmas come from :func:`lemma_lookup`."""
    nlp = spacy.blank("sv")
    for placeholder in PLACEHOLDERS:  # text masked earlier keeps each mask as one token
        nlp.tokenizer.add_special_case(placeholder, [{ORTH: placeholder, NORM: placeholder}])
    nlp.add_pipe("mask_personal_data")
    return nlp


@cache
def lemma_lookup() -> Mapping[str, str]:
    """spacy-lookups-data's Swedish lemma table (lower-case form to lemma), read once per process.

    The lookup lemmatizer is this table and nothing more: our readers look each lower-cased form up
    themselves, so the pipe, which sets a lemma on every token, would be work nobody reads. Read as
    a plain dict it loads in 0.4 s; spaCy's ``Table`` over the same 660,000 entries took 1.2 s, and
    each ``TextProcessor`` or ``Tokeniser`` used to load its own.
    """
    from spacy.util import load_language_data, registry

    return load_language_data(registry.lookups.get("sv")["lemma_lookup"])


class TextProcessor:
    """Turns raw inquiry text into the normalised token string the models read."""

    def __init__(self, fold_diacritics: bool = True, use_lemmas: bool = False):
        self.fold_diacritics = fold_diacritics
        self.use_lemmas = use_lemmas
        self.nlp = make_nlp()
        self._lemma_table = lemma_lookup() if use_lemmas else None

    def doc_features(self, doc: Doc) -> str:
        """Token norms (masks for personal data) joined by spaces, lower-cased and folded once."""
        if self._lemma_table is None:
            text = " ".join([t.norm_ for t in doc])
        else:
            # the lookup table is case-sensitive and keyed on lower-case forms
            table = self._lemma_table
            text = " ".join([t.norm_ if t.norm_[:1] == "[" else table.get(t.lower_, t.lower_) for t in doc])
        return fold(text) if self.fold_diacritics else text.lower()

    def pipe(self, texts: Iterable[str], batch_size: int = 2000, masked: bool = False) -> Iterator[str]:
        """The bulk path: mask each string first (the same spans the component finds), then tokenize.

        Replacing spans in a string is far cheaper than merging tokens, and with the placeholders
        as tokenizer special cases the docs come out the same as through ``mask_personal_data``.
        """
        ready = (capped(t) for t in texts) if masked else (mask_text(capped(t)) for t in texts)
        for doc in self.nlp.pipe(ready, batch_size=batch_size, disable=["mask_personal_data"]):
            yield self.doc_features(doc)

    def transform(self, texts: Iterable[str], masked: bool = False) -> list[str]:
        """``masked=True`` for text masked at ingestion already: masking again would find nothing new."""
        return list(self.pipe(texts, masked=masked))
