"""Keyed pseudonyms for citizen identifiers.

HMAC-SHA256 with a key that lives only in configuration: without the key a pseudonym cannot be
reversed by hashing every possible personnummer, which a plain hash would allow.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_DIGITS = re.compile(r"\D")
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


class MissingPseudonymKey(RuntimeError):
    """Raised when no pseudonymisation key is configured: there is no safe default."""


def normalise_identifier(value: str) -> str:
    """One canonical form per person: digits only, century dropped.

    ``19850312-1234``, ``198503121234``, ``850312-1234`` and ``8503121234`` are the same person and
    must get the same pseudonym. Organisationsnummer already have ten digits.
    """
    digits = _DIGITS.sub("", value)
    if len(digits) == 12:
        digits = digits[2:]
    return digits or value.strip().lower()


class Pseudonymiser:
    def __init__(self, key: str | None):
        if not key:
            raise MissingPseudonymKey(
                "ONODIG_PSEUDONYM_KEY is not set: onodig refuses to write citizen data without a pseudonymisation key"
            )
        self._key = key.encode("utf-8")
        self._cache: dict[str, str] = {}

    def __reduce__(self):
        """Sent to a worker process as its key alone: the cache stays behind."""
        return (Pseudonymiser, (self._key.decode("utf-8"),))

    def pseudonym(self, value: str | None) -> str | None:
        if value is None or value != value or not str(value).strip():
            return None
        canonical = normalise_identifier(str(value))
        cached = self._cache.get(canonical)
        if cached is None:
            digest = hmac.new(self._key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
            cached = "c_" + digest[:20]
            self._cache[canonical] = cached
        return cached

    def token(self, kind: str, value: str) -> str:
        """A keyed token for one piece of personal data inside a structured value, letters only.

        The same data gives the same token (a personnummer in every form, a name in any case),
        so masked ids and references still link and stay unique; letters only, so a token can
        never look like a personnummer or phone number to a later check.
        """
        canonical = normalise_identifier(value) if kind == "PNR" else " ".join(value.casefold().split())
        digest = hmac.new(self._key, f"{kind}:{canonical}".encode(), hashlib.sha256).hexdigest()
        return digest[:12].translate(_LETTERS)
