"""One form of a text for the masking patterns: Unicode dashes, spaces and fullwidth signs made ASCII.

A personnummer written with U+2212 minus, a phone number with thin spaces or an address with a
fullwidth ``＠`` is the same data as its ASCII spelling, and the patterns should not each list
every look-alike. Invisible characters (zero-width space, BOM, soft hyphen) are dropped, so
they cannot split a number; the positions of the characters kept map every match back onto
the original text, which is what gets masked, so text outside a mask stays byte-identical.
"""

from __future__ import annotations

import re

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_LOOK_ALIKES = {ord(c): "-" for c in _DASHES} | {ord(c): " " for c in _SPACES}
_LOOK_ALIKES |= {0xFE6B: "@", 0x2024: ".", 0x2215: "/", 0x2044: "/"}
# Fullwidth ASCII (U+FF01..U+FF5E) is ASCII shifted by 0xFEE0.
_LOOK_ALIKES |= {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if code != 0xFF0D}
_ASCII_FORMS = str.maketrans(_LOOK_ALIKES)
# soft hyphen, Mongolian vowel separator, zero-width space/non-joiner/joiner, word joiner, BOM
INVISIBLE_CHARACTERS = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = INVISIBLE_CHARACTERS
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_HAS_LOOK_ALIKE = re.compile("[" + "".join(chr(code) for code in _LOOK_ALIKES) + _INVISIBLE + "]")


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text the patterns read, and for each of its characters the index it had in ``text``.

    The index list is ``None`` when no character was dropped: positions are then the same.
    """
    if _HAS_LOOK_ALIKE.search(text) is None:  # nearly every text: a search is cheaper than a translate
        return text, None
    same_length = text.translate(_ASCII_FORMS)
    if not _HAS_INVISIBLE.search(same_length):
        return same_length, None
    kept = [i for i, ch in enumerate(same_length) if ch not in _INVISIBLE]
    return "".join(same_length[i] for i in kept), kept


def original_span(start: int, end: int, kept: list[int] | None) -> tuple[int, int]:
    """A span of the normalised text as a span of the original one."""
    if kept is None:
        return start, end
    return kept[start], kept[end - 1] + 1
