"""Personnummer, phone numbers and e-mail addresses in normalised text, found in linear time.

The patterns are generous (a false mask costs a little signal, a missed personnummer is a
data-protection incident) and every one is bounded: no unbounded repetition is retried from
each position of a long run, because one hostile field must not stall a load. E-mail
addresses are found from their '@' (or spelt-out "at") outwards, over bounded windows, which
is what keeps them linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# YYMMDD or YYYYMMDD, then NNNN, with at most one separator (dash, plus, dot, slash, underscore)
# and a space on either side of it; glued letters or dashes around it do not matter.
_PNR_RE = re.compile(r"(?<!\d)(?:\d{2})?\d{6}\s?[-+./_]?\s?\d{4}(?!\d)")

# Swedish numbers: +46, 0046 or 0, an area code, then 5 to 9 digits grouped by spaces or dashes,
# or by dots throughout ("070-111 01 10", "070.111.01.10", "070/111 01 11", "+46 (0)70 ...").
# A word may be glued before it ("mobil070..."), but not a capital letter or digit: "C0001234"
# is an id. A date "05.03.2026" is not a number.
_PHONE_RE = re.compile(
    r"(?<![\dA-ZÅÄÖ+])"
    r"(?![0-3]\d([./-])[01]\d\1\d{4}(?!\d))"
    r"(?:(?:\+ ?|00 ?)46[ ./-]?(?:\(0\)[ ./-]?)?\(?|\(?0)"
    r"\d{1,3}\)?[ ./-]?"
    r"(?:\d(?:[ \t-]?\d){4,8}|\d(?:\.?\d){4,8})"
    r"(?!\d)"
)
# The country code without its '+': only a mobile number, which has a fixed length.
_BARE_46_RE = re.compile(r"(?<![\dA-ZÅÄÖ+])46[ -]?7\d(?:[ -]?\d){7}(?!\d)")

# An '@' or a spelt-out one; the word "at" only between spaces.
_AT_RE = re.compile(r"@|\[at\]|\(at\)|\{at\}|(?<=\s)(?:at|snabel-a)(?=\s)", re.IGNORECASE)
_LOCAL_MAX, _DOMAIN_MAX = 64, 255
_LOCAL_REVERSED = re.compile(r"[\w.+'-]+")
_DOT = r"(?:\.|[ \t]?(?:\[(?:dot|punkt)\]|\((?:dot|punkt)\)|\{(?:dot|punkt)\})[ \t]?|[ \t](?:dot|punkt)[ \t])"
_DOMAIN_RE = re.compile(rf"[\w-]+(?:{_DOT}[\w-]+){{0,10}}", re.IGNORECASE)
_TLD_RE = re.compile(rf"{_DOT}[^\W\d_]{{2,6}}\Z", re.IGNORECASE)


def personnummer(text: str) -> Iterator[tuple[int, int]]:
    for m in _PNR_RE.finditer(text):
        yield m.span()


def phone_numbers(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_PHONE_RE, _BARE_46_RE):
        for m in pattern.finditer(text):
            yield m.span()


def _skip_blanks(text: str, at: int, step: int, most: int = 2) -> int:
    for _ in range(most):
        nxt = at + step if step > 0 else at - 1
        if 0 <= nxt < len(text) and text[nxt] in " \t":
            at += step
        else:
            break
    return at


def email_addresses(text: str) -> Iterator[tuple[int, int]]:
    """Spans of addresses: a local part right before an at-marker, a domain right after it.

    A plain '@' between two words needs no dot ("x@intranet"); a spaced or spelt-out one must
    be followed by a domain with a dot and a top-level domain, or "looking at it." would match.
    """
    for m in _AT_RE.finditer(text):
        left = _skip_blanks(text, m.start(), -1)
        right = _skip_blanks(text, m.end() - 1, 1) + 1
        window = text[max(0, left - _LOCAL_MAX) : left][::-1]
        local = _LOCAL_REVERSED.match(window)
        if local is None or not any(ch.isalnum() for ch in local.group(0)):
            continue
        domain = _DOMAIN_RE.match(text, right, min(len(text), right + _DOMAIN_MAX))
        if domain is None:
            continue
        glued = m.group(0) == "@" or m.group(0).startswith(("[", "(", "{"))
        spaced = left != m.start() or right != m.end()
        if (spaced or not glued) and _TLD_RE.search(domain.group(0)) is None:
            continue
        yield left - local.end(), domain.end()
