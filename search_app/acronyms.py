"""Acronyms the statements define, found when a query uses one.

The statements are dense with acronyms (TEG-RR, JCLEC, TFPP, CTiP) that the encoder reads as
noise and BM25 finds only where the acronym itself is written. When a query holds one, the
passages that define it ("Technical Experts Group on Returns and Reintegration (TEG-RR)") give
its long form, which then joins the keyword query and the text the encoder reads, and tells the
answer picker which sentence explains the term.

Definitions are recognised by indexer/abbreviations.py (the Schwartz & Hearst rule).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

from indexer.abbreviations import find_definitions
from indexer.terms import query_words

from .question_kinds import DEFINITION_CUE

# A token with two or more capitals (TEG-RR, CTiP, JCLEC), short: a candidate acronym.
_ACRONYM = re.compile(r"\b(?=(?:\w*[A-Z]){2})[A-Za-z][\w&-]{1,11}\b")
# Acronym long forms looked up per query: at most this many definitions are read, and a
# generation remembers this many acronyms.
ACRONYM_SCAN_CHUNKS = 50
ACRONYM_CACHE_SIZE = 4096
# A query with more content words than this carries its own context: its acronyms are not
# expanded (SciFact claims outside the test set: 0.879 expanding all, 0.880 with this bound;
# our own questions: no change).
EXPAND_MAX_TERMS = 8
_LETTERS_OR_DIGITS = re.compile(r"\w+")


@dataclass(frozen=True)
class Definition:
    acronym: str
    long_form: str


def query_acronyms(query: str) -> list[str]:
    """The tokens of a query that look like acronyms, in order, without duplicates; a query
    of one short word counts whatever its case ("jclec" typed in a search box)."""
    words = query.split()
    if len(words) == 1 and 2 <= len(words[0]) <= 12 and re.fullmatch(r"[A-Za-z][\w&-]*", words[0]):
        return [words[0]]
    found = [m.group(0) for m in _ACRONYM.finditer(query)]
    # "jclec meaning", "wg-d stands for": a short query asking what something stands for names
    # its acronym in whatever case it was typed.
    if not found and len(words) <= 6 and DEFINITION_CUE.search(query):
        found = [w for w in (t.strip("?.,!\"'") for t in words)
                 if 2 <= len(w) <= 12 and re.fullmatch(r"[A-Za-z][\w&-]*", w) and w.lower() not in _CUE_WORDS]
    return list(dict.fromkeys(found))


_CUE_WORDS = {"stand", "stands", "for", "meaning", "means", "mean", "acronym", "abbreviation", "abbreviated", "full",
              "name", "form", "short", "what", "does", "is", "the", "of"}


class AcronymExpander:
    """Long forms one generation's statements give for the acronyms in a query ("TEG-RR" ->
    "Technical Experts Group on Returns and Reintegration"), most used first; remembered per
    acronym. Thread-safe."""

    def __init__(self, generation):
        self.generation = generation
        self._cache: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def expansions(self, query: str) -> tuple[str, ...]:
        if len(query_words(query)) > EXPAND_MAX_TERMS:
            return ()
        out: list[str] = []
        for acronym in query_acronyms(query):
            key = acronym.lower()
            with self._lock:
                known = self._cache.get(key)
            if known is None:
                known = self._define(acronym)
                with self._lock:
                    if len(self._cache) >= ACRONYM_CACHE_SIZE:
                        self._cache.clear()
                    self._cache[key] = known
            out.extend(known)
        return tuple(dict.fromkeys(out))

    def _define(self, acronym: str) -> tuple[str, ...]:
        words = _LETTERS_OR_DIGITS.findall(acronym)
        if not words:
            return ()
        texts = self.generation.fts_texts('"' + " ".join(words) + '"', ACRONYM_SCAN_CHUNKS)
        counts = Counter(form for text in texts for form in find_definitions(acronym, text))
        # Two at most: an acronym with more meanings than that is not worth expanding.
        return tuple(form for form, _ in counts.most_common(2))
