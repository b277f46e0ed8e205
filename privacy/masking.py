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
# Greeting or sign-off followed by one or two capitalised words on the same or next line.
_NAME_RE = re.compile(rf"(?im)(\b{_GREETING}[,!.:]?[ \t]*(?:\n[ \t]*)?)({_NAME_WORDS})")
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


def _replace_name(match: re.Match[str], prefix_group: int, name_group: int) -> str:
    words = match.group(name_group).split()
    if words[0] in _NOT_NAMES:
        return match.group(0)
    prefix = "".join(match.group(g) for g in range(1, name_group))
    return prefix + NAME


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Character spans of personal data with the placeholder each gets, left to right, not overlapping."""
    spans: list[tuple[int, int, str]] = [(m.start(), m.end(), m.group(0)) for m in _PLACEHOLDER_RE.finditer(text)]
    for pattern, label in ((_EMAIL_RE, EMAIL), (_PNR_RE, PNR), (_PHONE_RE, PHONE)):
        for m in pattern.finditer(text):
            if not any(m.start() < end and start < m.end() for start, end, _ in spans):
                spans.append((m.start(), m.end(), label))
    for pattern, group in ((_NAME_RE, 2), (_SLASH_SIG_RE, 3)):
        for m in pattern.finditer(text):
            if m.group(group).split()[0] in _NOT_NAMES:
                continue
            start, end = m.start(group), m.end(group)
            if not any(start < e and s < end for s, e, _ in spans):
                spans.append((start, end, NAME))
    return sorted(spans)


def mask_text(text: str | None) -> str | None:
    """Return ``text`` with personnummer, e-mail addresses, phone numbers and names replaced."""
    if text is None or text != text:  # None or NaN
        return text
    if not text:
        return text
    out = _EMAIL_RE.sub(EMAIL, text)
    out = _PNR_RE.sub(PNR, out)
    out = _PHONE_RE.sub(PHONE, out)
    out = _NAME_RE.sub(lambda m: _replace_name(m, 1, 2), out)
    out = _SLASH_SIG_RE.sub(lambda m: _replace_name(m, 1, 3), out)
    return out


def mask_texts(texts: Iterable[str | None]) -> list[str | None]:
    return [mask_text(t) for t in texts]
