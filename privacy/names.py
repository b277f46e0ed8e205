"""Names of people in free text: known names, and capitalised words in a name's usual places.

Greetings alone miss most names ("Jag pratade med Hjalmar Gullberg", "Kund Ingrid Vesterlund
ringer"), so three signals are combined, each cheap and each checked on a run of capitalised
words (found by one linear pattern):

- a known first name (Swedish first names shipped as package data) or a known surname next to
  another capitalised word, or a surname ending in -sson alone;
- a cue right before the run: "heter", "mitt namn är", "pratade med", a role ("handläggare",
  "kund", "kontrollansvarig blir") or a title ("fru", "herr");
- a greeting or sign-off before it ("Mvh", "Thanks,", "Hej"), where the run must end its line
  or clause, since "Hej! Undrar om..." holds no name.

Words that are never a person (places, processes, months, weekdays, sentence openers) stop a
run; they are package data too. Lower-case names are masked only after a sign-off or a cue,
and only when the first word is a known first name: chat text is often all lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

_UPPER = "A-ZÅÄÖÉÈÜÆØ"
_LOWER = "a-zåäöéèüæøß"
_WORD = rf"(?:[{_UPPER}][{_LOWER}]+|[{_UPPER}]{{2,}})(?![^\W\d_])"
_PART = rf"{_WORD}(?:-{_WORD})?"
_PARTICLE = r"(?:von|af|van|der|de|la|di|da|du)"
# Up to four capitalised words on one line, with particles between ("Verner von Heidenstam").
_RUN_RE = re.compile(rf"(?<![^\W\d_])(?:(?:von|af)[ \t]+)?{_PART}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_PART}){{0,3}}")
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_HAS_UPPER = re.compile(f"[{_UPPER}]")

_SIGN_OFF = (
    r"mvh|m\.v\.h\.?|med vänlig(?:a)? hälsning(?:ar)?|med vanlig(?:a)? halsning(?:ar)?|vänlig(?:a)? hälsning(?:ar)?"
    r"|vanlig(?:a)? halsning(?:ar)?|hälsningar|halsningar|hälsning|tack på förhand|tack så mycket|tack"
    r"|thanks|thank you|cheers|kind regards|best regards|regards|best|sincerely|hej|hejsan|hallå|hi|hello|dear"
    r"|god dag|kram|vänligen|vanligen|högaktningsfullt|vördsamt|hälsn"
)
_CUE = (
    r"heter|mitt namn är|namnet är|namn|pratade med|talade med|pratat med|talat med|handläggare(?:n)?"
    r"|kontaktperson(?:en)?|kund(?:en)?|sökande(?:n)?|brukare(?:n)?|vårdnadshavare(?:n)?|kontrollansvarig(?:e)?"
    r"|(?:kontrollansvarig|handläggare|ansvarig|kontaktperson)(?:en|n)? (?:blir|är|heter)|fru|herr|frk|rektor(?:n)?"
    r"|enhetschef(?:en)?|förskolechef(?:en)?|min (?:man|fru|sambo|son|dotter|mamma|pappa)|signerat|underskrift"
)
_SIGN_OFF_BEFORE = re.compile(rf"(?i:(?<![^\W\d_])(?:{_SIGN_OFF})[ \t]*[,!.:]?[ \t]*\n?[ \t]*|(?<!\S)/{{1,2}}[ \t]?)\Z")
_CUE_BEFORE = re.compile(rf"(?i:(?<![^\W\d_])(?:{_CUE})[ \t]*:?[ \t]*)\Z")
_SIGN_OFF_WORDS = frozenset(("mvh", "hälsningar", "halsningar", "tack", "thanks", "cheers", "regards", "best"))
_SIGN_OFF_WORDS |= frozenset(("hej", "hejsan", "hallå", "hi", "hello", "dear", "kram", "sincerely", "vänligen"))
_CUE_WORDS = frozenset(("handläggare", "handläggaren", "kund", "kunden", "fru", "herr", "frk", "kontaktperson"))
_CUE_WORDS |= frozenset(("kontaktpersonen", "sökande", "sökanden", "rektor", "rektorn", "kontrollansvarig"))
# A name in sign-off position ends its line or clause, or a phone number or mask follows it.
_ENDS_CLAUSE = re.compile(r"[ \t]*(?:$|[,!:;)\n]|\.(?:\s|$)|[\d+\[])")
# Lower-case names: after a sign-off or a cue, up to three words.
_LOWER_AFTER = re.compile(
    rf"(?i:(?<![^\W\d_])(?:{_SIGN_OFF}|{_CUE}))[ \t]*[,!.:]?[ \t]*\n?[ \t]*"
    rf"([{_LOWER}]+(?:-[{_LOWER}]+)?(?:[ \t]+[{_LOWER}]+){{0,2}})(?![^\W\d_])"
)
_LOWER_HINTS = ("mvh", "häls", "hals", "tack", "thank", "cheers", "regards", "hej", "heter", "namn", "med ", "/")
# Words that look like a name's first letter but end the way organisations do.
_ORGANISATION = re.compile(
    r"(?:enheten|förvaltningen|kontoret|nämnden|center|centret|centrum|tjänst|tjänsten|skolan|avdelningen"
    r"|gruppen|verket|kassan|kommun|kommunen|bolaget|föreningen|gatan|vägen|torget|lov|lovet)$",
    re.IGNORECASE,
)
# First names that are also ordinary words: a name only with a surname or a cue beside them.
_AMBIGUOUS = frozenset(("Per", "Bo", "Max", "Dan", "Sten", "Stig", "Björn", "Hans", "Kim", "Siv", "Svea", "Vera"))
_LEADING_WORDS = _SIGN_OFF_WORDS | _CUE_WORDS
_PARTICLES = frozenset(("von", "af", "van", "der", "de", "la", "di", "da", "du"))
_WINDOW = 40


def _words(name: str) -> frozenset[str]:
    lines = (files("onodig.privacy") / name).read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    return _words("first_names.txt")


@cache
def surnames() -> frozenset[str]:
    return _words("surnames.txt")


@cache
def not_names() -> frozenset[str]:
    return frozenset(w.casefold() for w in _words("not_names.txt"))


def _title(word: str) -> str:
    return word if not word.isupper() else "-".join(p.capitalize() for p in word.split("-"))


def _is_first_name(word: str) -> bool:
    return _title(word).split("-")[0] in first_names()


def _is_surname(word: str) -> bool:
    title = _title(word)
    return title in surnames() or title.split("-")[0] in surnames()


def _never_a_name(word: str) -> bool:
    return word.casefold() in not_names() or _ORGANISATION.search(word) is not None


def _name_start(words: list[str]) -> int | None:
    """Where the name in a run of capitalised words starts, by the names known; None for no name.

    The word before the first known one is taken along: "Fatuma Hassan", "Xerxes Svensson".
    """
    for i, word in enumerate(words):
        known_first = _is_first_name(word) and (_title(word) not in _AMBIGUOUS or len(words) > 1)
        known_last = _is_surname(word) and (len(words) > 1 or _title(word).endswith("sson"))
        if known_first or known_last:
            return max(0, i - 1)
    return None


def _groups(tokens: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """The run split at words that are never a name, each group with at least one non-particle."""
    groups, group = [], []
    for token in [*tokens, None]:
        if token is not None and not _never_a_name(token[2]):
            group.append(token)
            continue
        if any(t[2] not in _PARTICLES for t in group):
            groups.append(group)
        group = []
    return groups


def _context(text: str, start: int, peeled: list[str]) -> tuple[bool, bool, bool]:
    """Whether a cue or a sign-off comes right before ``start`` (or was the run's own first
    word), and whether that context is all capitals. Only asked when the names known do not
    decide, since these searches are most of the cost of finding names."""
    before = text[max(0, start - _WINDOW) : start]
    if peeled:
        cued, signed = peeled[-1].casefold() in _CUE_WORDS, peeled[-1].casefold() in _SIGN_OFF_WORDS
    else:
        cued = _CUE_BEFORE.search(before) is not None
        signed = not cued and _SIGN_OFF_BEFORE.search(before) is not None
    shouting = not any(ch.islower() for ch in before + "".join(peeled))
    return cued, signed, shouting


def _runs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of names found in runs of capitalised words."""
    for run in _RUN_RE.finditer(text):
        tokens = [
            (run.start() + t.start(), run.start() + t.end(), t.group(0)) for t in _TOKEN_RE.finditer(run.group(0))
        ]
        peeled = []
        while tokens and tokens[0][2].casefold() in _LEADING_WORDS:
            peeled.append(tokens.pop(0)[2])
        for group in _groups(tokens):
            names = [t for t in group if t[2] not in _PARTICLES]
            start = _name_start([w for _s, _e, w in names])
            if start != 0 and group[0] is tokens[0]:  # context counts only right after it
                cued, signed, shouting = _context(text, run.start(), peeled)
                if (cued or (signed and _ENDS_CLAUSE.match(text, group[-1][1]) is not None)) and (
                    shouting or not any(w.isupper() for _s, _e, w in names)
                ):
                    start = 0
            if start is not None:
                yield (group[0][0] if start == 0 else names[start][0]), group[-1][1]


def _lower_case(text: str) -> Iterator[tuple[int, int]]:
    """Lower-case names after a sign-off or cue: "mvh anna svensson", "jag heter anna"."""
    lower = text.lower()
    if not any(hint in lower for hint in _LOWER_HINTS):
        return
    for m in _LOWER_AFTER.finditer(text):
        words = list(_TOKEN_RE.finditer(m.group(1)))
        if not words or not _is_first_name(words[0].group(0).capitalize()):
            continue
        end = words[0].end() if words[0].group(0).capitalize() not in _AMBIGUOUS else None
        for word in words[1:]:
            capital = word.group(0).capitalize()
            if _is_surname(capital) or (end is not None and _ENDS_CLAUSE.match(m.group(1), word.end())):
                end = word.end()
            else:
                break
        if end is not None:
            yield m.start(1), m.start(1) + end


def find_names(text: str) -> Iterator[tuple[int, int]]:
    """Spans of names in ``text``, possibly overlapping; the caller keeps the first of each overlap."""
    if _HAS_UPPER.search(text):
        yield from _runs(text)
    yield from _lower_case(text)
