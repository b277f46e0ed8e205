"""Masking structured values: queues, services, case and invoice references, ids, file names.

These values link an inquiry to its case and invoice and are checked for uniqueness and
re-delivery, so a value without personal data must come back byte-identical, and one with
personal data must be masked the same way every time. Each span the free-text masker finds is
replaced by its placeholder with a keyed token: ``19850312-1234`` becomes ``[PNR-kfjd...]``
wherever it appears (as ``850312-1234`` too), ``BYGG 2026-000123`` stays as it is.
"""

from __future__ import annotations

from onodig.privacy.masking import EMAIL, NAME, PHONE, PNR, find_personal_data
from onodig.privacy.pseudonym import Pseudonymiser

_LABELS = (PNR, EMAIL, PHONE, NAME)


def mask_value(value: str | None, pseudonymiser: Pseudonymiser) -> str | None:
    """``value`` with each piece of personal data replaced by a keyed placeholder."""
    if value is None or value != value or not value:  # None, NaN or empty
        return value
    spans = find_personal_data(value)
    if not spans:
        return value
    parts, last = [], 0
    for start, end, label in spans:
        raw = value[start:end]
        masked = (
            raw if raw == label or label not in _LABELS else f"[{label[1:-1]}-{pseudonymiser.token(label[1:-1], raw)}]"
        )
        parts += [value[last:start], masked]
        last = end
    parts.append(value[last:])
    return "".join(parts)
