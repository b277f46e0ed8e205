"""The shapes of raw personal data that no staged table may hold, as the quality check tests them.

One definition for two readers: the great-expectations suite (``onodig.quality.suites``) and
the loader's safety net, which quarantines a row whose masked fields still match, so that the
blocking check never has to stop a run over rows already written. Both are written so that a
search over any text is linear: no repetition that can be retried from every position.
"""

from __future__ import annotations

import re

# 10 or 12 digits, YYMMDD-NNNN or YYYYMMDD-NNNN, with '-', '+' or no separator.
RAW_PNR_SHAPE = r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)"
# Something at something dot something; matches exactly where ``[\w.+-]+@[\w-]+\.[\w.]+``
# would, but needs one character before the '@', not a run, so it cannot go quadratic.
RAW_EMAIL_SHAPE = r"[\w.+-]@[\w-]+\.[\w.]"
RAW_SHAPES = (RAW_PNR_SHAPE, RAW_EMAIL_SHAPE)
_RAW = re.compile("|".join(f"(?:{shape})" for shape in RAW_SHAPES))


def looks_raw(value: str | None) -> bool:
    """True when ``value`` holds something shaped like a raw personnummer or e-mail address."""
    return isinstance(value, str) and _RAW.search(value) is not None
