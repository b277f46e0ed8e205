"""Masks personal data in free text before it is stored anywhere.

The patterns are deliberately generous: a false mask costs a little signal, a missed
personnummer is a data-protection incident. Anything *shaped* like a personnummer is
masked, whether or not its check digit is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PNR = "[PNR]"
EMAIL = "[EPOST]"
PHONE = "[TELEFON]"
NAME = "[NAMN]"

# Text that was masked at ingestion carries these already; they must read the same as fresh masks.
_PLACEHOLDER_RE = re.compile(r"\[(?:PNR|EPOST|TELEFON|NAMN)\]")

# 10 or 12 digits in the personnummer shapes YYMMDD-NNNN, YYYYMMDD-NNNN (separator '-', '+',
# a space or none); also organisationsnummer, which share the shape.
_PNR_RE = re.compile(r"(?<![\d-])(?:\d{2})?\d{6}\s?[-+–]?\s?\d{4}(?![\d-])")

_EMAIL_RE = re.compile(r"[\w.+'-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)

# Swedish numbers: 0 or +46/0046 followed by 7-10 more digits, grouped by spaces or dashes
# ("070-123 45 67", "08-123 456 78", "+46 70 123 45 67", "0701234567").
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+46|0046|0)[\s-]?\(?\d{1,3}\)?(?:[\s-]?\d){5,9}(?!\d)")

_CAP = r"[A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?"
_NAME_WORDS = rf"{_CAP}(?:[ \t]+{_CAP})?"
_GREETING = r"(?:hej|hejsan|hallå|hälsningar|halsningar|mvh|m\.v\.h\.?|vänliga hälsningar|vanliga halsningar|med vänlig hälsning|med vanlig halsning|vänligen|tack på förhand|tack|kind regards|regards|best regards|best|dear|hi|hello)"
# Greeting or sign-off followed by one or two capitalised words on the same or next line that end
# the line or a clause ("Hej Kalle,", "Mvh\nAnna Svensson"); "Hej! Undrar om..." is no name.
_NAME_RE = re.compile(
    rf"(?m)(\b(?i:{_GREETING})[,!.:]?[ \t]*(?:\n[ \t]*)?)({_NAME_WORDS})(?=[ \t]*(?:[,!:;]|\.(?:\s|$)|$))"
)
# A signature line of its own: "/Anna", "// Anna Svensson".
_SLASH_SIG_RE = re.compile(rf"(?m)(^|\s)(/{{1,2}}[ \t]?)({_NAME_WORDS})\b")

_NOT_NAMES = frozenset(
    {
        "Nacka",
        "Kommun",
        "Kommunen",
        "Kundcenter",
        "Kundtjänst",
        "Ni",
        "Du",
        "Jag",
        "Vi",
        "Igen",
        "Alla",
        "Och",
        "Har",
        "Min",
        "Mitt",
        "Mina",
        "Det",
        "Den",
        "Som",
        "Vad",
        "När",
        "Hur",
        "Varför",
        "Om",
        "Angående",
        "Ang",
        "Gällande",
        "Bygglov",
        "Förskola",
        "Faktura",
        "Fakturan",
        "Ärende",
        "The",
        "My",
        "I",
        "We",
        "Again",
        "Team",
        "Sir",
        "Madam",
        "For",
        "In",
    }
)


_HAS_DIGIT = re.compile(r"\d")
# Substrings every greeting or sign-off of _GREETING contains: without one, no name to look for.
_GREETING_HINTS = (
    "hej",
    "hall",
    "hälsning",
    "halsning",
    "mvh",
    "m.v.h",
    "vänligen",
    "tack",
    "regards",
    "best",
    "dear",
    "hi",
    "hello",
)
_HAS_AT = re.compile(r"@|\(at\)|\[at\]", re.IGNORECASE)


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Character spans of personal data with the placeholder each gets, left to right, not overlapping.

    Cheap tests first: most texts have no '@' and no digits, and the pattern searches are the
    cost of masking on the bulk path.
    """
    spans: list[tuple[int, int, str]] = [(m.start(), m.end(), m.group(0)) for m in _PLACEHOLDER_RE.finditer(text)]
    patterns = []
    if _HAS_AT.search(text):
        patterns.append((_EMAIL_RE, EMAIL))
    if _HAS_DIGIT.search(text):
        patterns += [(_PNR_RE, PNR), (_PHONE_RE, PHONE)]
    for pattern, label in patterns:
        for m in pattern.finditer(text):
            if not any(m.start() < end and start < m.end() for start, end, _ in spans):
                spans.append((m.start(), m.end(), label))
    name_patterns = []
    lower = text.lower()
    if any(word in lower for word in _GREETING_HINTS):
        name_patterns.append((_NAME_RE, 2))
    if "/" in text:
        name_patterns.append((_SLASH_SIG_RE, 3))
    for pattern, group in name_patterns:
        for m in pattern.finditer(text):
            if m.group(group).split()[0] in _NOT_NAMES:
                continue
            start, end = m.start(group), m.end(group)
            if not any(start < e and s < end for s, e, _ in spans):
                spans.append((start, end, NAME))
    return sorted(spans)


def mask_text(text: str | None) -> str | None:
    """Return ``text`` with personnummer, e-mail addresses, phone numbers and names replaced."""
    if text is None or text != text or not text:  # None, NaN or empty
        return text
    spans = find_personal_data(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end, label in spans:
        parts += [text[last:start], label]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def mask_texts(texts: Iterable[str | None]) -> list[str | None]:
    return [mask_text(t) for t in texts]
