"""Each inquiry's content words, worked out once and kept: spaCy is what the trend watch costs.

Tokenising and lemmatising a masked text is the same work every time it is read, and the daily
run reads the same week and trailing weeks every day. ``inquiry_words`` keeps the tokeniser's
output per inquiry (its lemmas and the surface forms they came from), keyed by ``inquiry_id``,
the MD5 of the masked text and the tokeniser's version: a changed text or a new spaCy has no key
yet and is tokenised again, once. Only the built-in stop words are dropped before keeping them;
trends.yaml's own (a landing folder may change them) are dropped when the words are read, which
gives the same words as a tokeniser built with them (a pair is dropped when its lemma or its
surface form is a stop word, whichever list holds it). Rows whose inquiry is gone or of another
tokeniser version are dropped on every read, and an inquiry tokenised again loses its earlier
words, so the table holds one row per inquiry read so far: its current words, or, for a text
changed since it was last read, the words no read matches any more. Plain SQL (``md5``,
``coalesce``, a left join, ``not exists``): DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from onodig.demand.topics import Tokeniser, Words, paired
from onodig.warehouse import Warehouse
from onodig.warehouse.store import literal

TABLE = "inquiry_words"
COLUMNS = ["inquiry_id", "text_md5", "tokeniser", "lemmas", "forms"]
TOKENISE_ROWS = 50_000  # texts tokenised and kept at a time
SCRATCH = "_onodig_words_new_"  # + a name of the call's own: the words of a chunk before they are kept
WORDS_FORMAT = "1"  # raise when the Tokeniser's rules change: every text is tokenised again, once


@dataclass(frozen=True)
class WithWords:
    """The inquiries asked for, each with its ``words``, and how many had to be tokenised."""

    frame: pd.DataFrame
    tokenised: int
    reused: int


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def tokeniser_version() -> str:
    """What the kept words depend on besides the text: the rules, spaCy and its lemma tables."""
    return f"words {WORDS_FORMAT}, spacy {_installed('spacy')}, spacy-lookups-data {_installed('spacy-lookups-data')}"


def ensure_table(store: Warehouse) -> None:
    """An empty ``inquiry_words`` unless it is there already."""
    store.create_like(TABLE, pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS}))


def encode(words: list[Words]) -> tuple[list[str], list[str]]:
    """Lemmas and surface forms as two space-separated strings per inquiry (neither holds a space)."""
    return [" ".join(lemma for lemma, _ in w) for w in words], [" ".join(form for _, form in w) for w in words]


def read_with_words(
    store: Warehouse,
    columns: list[str],
    where: str | None = None,
    tokenise: Callable[[list[str]], list[Words]] | None = None,
    split: bool = True,
    text_where: str | None = None,
    tidy: bool = True,
) -> WithWords:
    """The ``inquiries`` rows ``where`` holds (``columns``, which must include ``inquiry_id`` and
    ``text``), ordered by ``inquiry_id``, each with its ``words`` (built-in stop words dropped):
    kept words where the text is unchanged, the others tokenised now and kept.

    ``split=False`` gives the kept ``lemmas`` and ``forms`` strings instead of ``words`` (a list of
    pairs per inquiry costs more to make than a reader that counts words needs). With
    ``text_where`` (SQL on ``inquiries``) ``text`` is read only for the rows it holds and those
    that must be tokenised; it is missing for the others (emerging_topics shows the week's texts only).

    ``tidy=False`` skips :func:`drop_stale`, for a read of a few rows beside one that tidies.

    ``tokenise`` must drop only the built-in stop words (``Tokeniser()``, the default): what it
    returns is kept for every later reader.
    """
    ensure_table(store)
    current = literal(tokeniser_version())
    wanted = "i.text" if text_where is None else "case when i.text_wanted or w.lemmas is null then i.text end"
    selected = ", ".join(f"{wanted} as text" if c == "text" else f"i.{c}" for c in columns)
    frame = store.read(
        f"""
        with i as (
            select *, md5(coalesce(text, '')) as text_md5{f", ({text_where}) as text_wanted" if text_where else ""}
            from inquiries {f"where {where}" if where else ""}
        )
        select {selected}, i.text_md5, w.lemmas, w.forms
        from i
        left join {TABLE} as w
            on w.inquiry_id = i.inquiry_id and w.text_md5 = i.text_md5 and w.tokeniser = {current}
        order by i.inquiry_id
        """
    )
    # two steps writing at once (multiprocess on PostgreSQL) may both have kept an inquiry's words
    frame = frame.drop_duplicates("inquiry_id", ignore_index=True)
    missing = frame["lemmas"].isna().to_numpy()
    if missing.any():
        tokeniser = tokenise or Tokeniser()
        rows = frame.index[missing]
        # a chunk at a time: a first run tokenises every inquiry, and a list of word pairs per text
        # for a million texts at once is gigabytes; the kept strings are a fraction of that
        for first in range(0, len(rows), TOKENISE_ROWS):
            chunk = rows[first : first + TOKENISE_ROWS]
            lemmas, forms = encode(tokeniser(frame.loc[chunk, "text"].fillna("").tolist()))
            frame.loc[chunk, "lemmas"], frame.loc[chunk, "forms"] = lemmas, forms
            new = frame.loc[chunk, ["inquiry_id", "text_md5", "lemmas", "forms"]].assign(tokeniser=tokeniser_version())
            _keep(store, new[COLUMNS].astype("string"))
    if tidy:
        drop_stale(store)
    if split:
        out = frame.drop(columns=["text_md5", "lemmas", "forms"]).assign(words=paired(frame["lemmas"], frame["forms"]))
    else:
        out = frame.drop(columns=["text_md5"])
    return WithWords(out, tokenised=int(missing.sum()), reused=int((~missing).sum()))


def _keep(store: Warehouse, new: pd.DataFrame) -> None:
    """Keep the words just made, in place of the same inquiries' earlier ones (of a text since changed)."""
    scratch = SCRATCH + uuid.uuid4().hex[:12]  # two steps keeping words at once (PostgreSQL) each have their own
    store.replace(scratch, new)
    listed = ", ".join(COLUMNS)
    with store.connect() as conn:
        conn.exec_driver_sql(f"delete from {TABLE} where inquiry_id in (select inquiry_id from {scratch})")
        conn.exec_driver_sql(f"insert into {TABLE} ({listed}) select {listed} from {scratch}")
        conn.exec_driver_sql(f"drop table {scratch}")


def drop_stale(store: Warehouse) -> None:
    """Words of inquiries no longer there or of another tokeniser: nobody reads them.

    A changed text's earlier words go when it is tokenised again (:func:`_keep`), not here: that
    took an MD5 of every inquiry's text on every read, 0.7 s of a daily run at a million inquiries.
    """
    store.execute(
        f"""
        delete from {TABLE}
        where tokeniser <> {literal(tokeniser_version())}
            or not exists (select 1 from inquiries as i where i.inquiry_id = {TABLE}.inquiry_id)
        """
    )
