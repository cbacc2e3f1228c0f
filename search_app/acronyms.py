"""Acronyms the statements define, found when a query uses one.

The statements are dense with acronyms (TEG-RR, JCLEC, TFPP, CTiP) that the encoder reads as
noise and BM25 finds only where the acronym itself is written. When a query holds one, the
passages that define it ("Technical Experts Group on Returns and Reintegration (TEG-RR)") give
its long form, which then joins the keyword query and the text the encoder reads, and tells the
answer picker which sentence explains the term.

Definitions are recognised with the Schwartz & Hearst (2003) rule: a parenthesised short form
whose characters appear, in order, in the words just before it, the first at a word start; the
reverse order "TFPP (Task Force on Planning and Preparedness)" is accepted too.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

from indexer.terms import query_words

from .question_kinds import DEFINITION_CUE

# A token with two or more capitals (TEG-RR, CTiP, JCLEC), short: a candidate acronym.
_ACRONYM = re.compile(r"\b(?=(?:\w*[A-Z]){2})[A-Za-z][\w&-]{1,11}\b")
_WORDS = re.compile(r"\S+")
# Words before "(" that may hold a long form: Schwartz & Hearst's min(|A| + 5, 2|A|).
_EXTRA_WORDS = 5
# Acronym long forms looked up per query: at most this many definitions are read, and a
# generation remembers this many acronyms.
ACRONYM_SCAN_CHUNKS = 50
ACRONYM_CACHE_SIZE = 4096
# A query with more content words than this carries its own context: its acronyms are not
# expanded (SciFact claims outside the test set: 0.879 expanding all, 0.880 with this bound;
# our own questions: no change).
EXPAND_MAX_TERMS = 8
_LETTERS_OR_DIGITS = re.compile(r"\w+")
# Words before "(" that may hold the long form of a hyphenated acronym.
_HYPHENATED_WORDS = 20


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


def _letters(acronym: str) -> str:
    return "".join(c.lower() for c in acronym if c.isalnum())


def _match_long_form(acronym: str, words: list[str]) -> str | None:
    """The shortest tail of `words` whose characters spell the acronym backwards, with its
    first letter at the start of a word; None when there is none."""
    letters = _letters(acronym)
    if len(letters) < 2 or not words:
        return None
    text = " ".join(words)
    i = len(text) - 1
    for n, c in enumerate(reversed(letters)):
        first = n == len(letters) - 1
        while i >= 0:
            here = text[i].lower() == c
            at_word_start = i == 0 or not text[i - 1].isalnum()
            if here and (not first or at_word_start):
                break
            i -= 1
        if i < 0:
            return None
        i -= 1
    long_form = text[i + 1 :].strip(" ,;:-–")
    # A long form is words, more of them than... well, one; and not the acronym itself.
    if len(long_form.split()) < 2 or _letters(long_form) == letters:
        return None
    return long_form


def find_definitions(acronym: str, text: str) -> list[str]:
    """Long forms that `text` gives for `acronym`, in order of appearance."""
    found = []
    max_words = min(len(acronym) + _EXTRA_WORDS, 2 * len(acronym))
    if "-" in acronym:  # "WG-D" abbreviates a name of a dozen words or more, by its head
        max_words = _HYPHENATED_WORDS
    # "Long Form (ACR)"
    for m in re.finditer(r"\(\s*" + re.escape(acronym) + r"\s*\)", text, re.IGNORECASE):
        before = text[max(0, m.start() - 300) : m.start()]
        # Stay inside the sentence: a long form does not cross a full stop or a line break.
        before = re.split(r"[.;:!?\n]\s", before)[-1]
        words = _WORDS.findall(before)[-max_words:]
        long_form = _match_long_form(acronym, words)
        # In the wide window of a hyphenated acronym, only a name counts: "Working Group on ...",
        # not "welcomed the good work done by the new group (WG-D)".
        if long_form and (max_words < _HYPHENATED_WORDS or long_form[:1].isupper()):
            found.append(long_form)
    # "ACR (Long Form)"
    for m in re.finditer(r"\b" + re.escape(acronym) + r"\s*\(([^()]{3,200})\)", text, re.IGNORECASE):
        inside = _WORDS.findall(m.group(1))
        long_form = _match_long_form(acronym, inside)
        if long_form and _letters(inside[0])[:1] == _letters(acronym)[:1]:
            found.append(long_form)
    return list(dict.fromkeys(found))


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
