"""Turning a phrase from the bank into a message as it arrives: channel form, personal data, noise."""

from __future__ import annotations

import random
import re

from onodig.generator.world import (
    CHAT_OPENERS,
    EMAIL_GREETINGS,
    EMAIL_SIGNOFFS,
    FIRST_NAMES,
    LAST_NAMES,
    NOTE_PREFIXES,
)

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O", "é": "e"})
_SLOT = re.compile(r"\{(case_ref|invoice_ref|amount|date|street)\}")


def fake_phone(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return f"07{rng.randrange(10)}-{rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
    if shape == 1:
        return f"08-{rng.randrange(100, 1000)} {rng.randrange(100, 1000)} {rng.randrange(10, 100)}"
    if shape == 2:
        return f"+46 7{rng.randrange(10)} {rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
    return f"07{rng.randrange(10)}{rng.randrange(1000000, 10000000)}"


def fake_email(rng: random.Random, first: str, last: str) -> str:
    user = f"{first}.{last}".lower().translate(_FOLD)
    return f"{user}{rng.choice(['', str(rng.randrange(10, 99))])}@{rng.choice(['example.se', 'mail.example.com', 'exempel.nu'])}"


def fill_slots(phrase: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values.get(m.group(1), ""), phrase)


def add_typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.6 else w[:j] + w[j + 1 :]
    return " ".join(words)


def add_noise(text: str, rng: random.Random, channel: str) -> str:
    if rng.random() < 0.15:
        text = text.translate(_FOLD)
    if rng.random() < 0.18:
        text = add_typo(text, rng)
    if channel == "chat" and rng.random() < 0.5:
        text = text.lower()
    return text


def dress(phrase: str, channel: str, rng: random.Random, pnr: str | None) -> str:
    """Put a phrase into the shape its channel gives it, with the personal data such messages carry."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    body = phrase
    if pnr and rng.random() < 0.25:
        body += rng.choice([f" Mitt personnummer är {pnr}.", f" Pnr {pnr}.", f" ({pnr})"])
    if channel == "email":
        greeting = rng.choice(EMAIL_GREETINGS)
        signoff = rng.choice(EMAIL_SIGNOFFS)
        signature = f"{signoff}\n{first} {last}"
        if rng.random() < 0.4:
            signature += f"\n{fake_phone(rng)}"
        if rng.random() < 0.3:
            signature += f"\n{fake_email(rng, first, last)}"
        return f"{greeting}\n\n{body}\n\n{signature}".strip()
    if channel == "chat":
        return rng.choice(CHAT_OPENERS) + body
    if channel in ("phone", "visit"):
        note = rng.choice(NOTE_PREFIXES) + body
        if rng.random() < 0.15:
            note += f" Återkoppling på {fake_phone(rng)}."
        return note
    return body
