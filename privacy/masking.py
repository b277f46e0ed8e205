"""Masks personal data in free text before it is stored anywhere.

The patterns are deliberately generous: a false mask costs a little signal, a missed
personnummer is a data-protection incident. Anything *shaped* like a personnummer is
masked, whether or not its check digit is valid. The patterns read a normalised copy of the
text (:mod:`privacy.text_forms`), so look-alike dashes, spaces and fullwidth signs are the
same data as their ASCII forms, and every pattern is linear, so no input can stall a load.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator

from onodig.privacy.names import find_names
from onodig.privacy.patterns import email_addresses, personnummer, phone_numbers
from onodig.privacy.text_forms import normalise, original_span

PNR = "[PNR]"
EMAIL = "[EPOST]"
PHONE = "[TELEFON]"
NAME = "[NAMN]"

# Text that was masked at ingestion carries these already (structured fields with a keyed
# token, see privacy.fields); they must read the same as fresh masks.
_PLACEHOLDER_RE = re.compile(r"\[(?:PNR|EPOST|TELEFON|NAMN)(?:-[a-p]{12})?\]")
_HAS_DIGIT = re.compile(r"\d")
_HAS_AT = re.compile(r"@|\bat\b|snabel", re.IGNORECASE)


class _Spans:
    """Accepted spans, kept sorted: a candidate that overlaps one already accepted is dropped.

    Candidates come in priority order (placeholders, e-mail, personnummer, phone, names); a
    bisect keeps each check logarithmic, where a scan of all spans made many spans quadratic.
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.spans: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, label: str) -> None:
        i = bisect_left(self.starts, start)
        if i > 0 and self.spans[i - 1][1] > start:
            return
        if i < len(self.spans) and self.spans[i][0] < end:
            return
        self.starts.insert(i, start)
        self.spans.insert(i, (start, end, label))


def _candidates(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of ``text`` (already normalised) in priority order; cheap tests first, since most
    texts have no '@' and few digits, and the searches are the cost of masking on the bulk path."""
    for m in _PLACEHOLDER_RE.finditer(text):
        yield m.start(), m.end(), m.group(0)
    if _HAS_AT.search(text):
        for start, end in email_addresses(text):
            yield start, end, EMAIL
    if _HAS_DIGIT.search(text):
        for start, end in personnummer(text):
            yield start, end, PNR
        for start, end in phone_numbers(text):
            yield start, end, PHONE
    for start, end in find_names(text):
        yield start, end, NAME


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Character spans of personal data with the placeholder each gets, left to right, not overlapping."""
    normalised, kept = normalise(text)
    accepted = _Spans()
    for start, end, label in _candidates(normalised):
        accepted.add(*original_span(start, end, kept), label)
    return accepted.spans


def replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    parts, last = [], 0
    for start, end, label in spans:
        parts += [text[last:start], label]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def mask_text(text: str | None) -> str | None:
    """Return ``text`` with personnummer, e-mail addresses, phone numbers and names replaced."""
    if text is None or text != text or not text:  # None, NaN or empty
        return text
    spans = find_personal_data(text)
    return replace_spans(text, spans) if spans else text


def mask_texts(texts: Iterable[str | None]) -> list[str | None]:
    return [mask_text(t) for t in texts]
