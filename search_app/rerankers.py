"""Reranking stages (Stages.rerankers): each takes the fused candidates and returns them reordered.

DocumentMatch: a question that names a year or a meeting ("At the 2025 Senior Officials Meeting,
how many members...", "the Ninth Annual Meeting") is about the statement of that year or that
meeting, though several statements speak of the same thing: candidates from a document whose
title or date holds what the question names move up, by `weight` times the share of it held.
"""

from __future__ import annotations

import re
import threading

from indexer.terms import light_stem

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
             "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
_ORDINAL = re.compile(r"\b(?:" + "|".join(_ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))\b", re.I)
# Words that, after an ordinal, say which meeting (kept as part of what the question names).
_MEETING_WORDS = {"ministerial", "conference", "senior", "officials", "meeting", "annual", "som", "intersessional",
                  "regional", "workshop", "roundtable", "consultation", "declaration", "virtual", "special"}
_WORD = re.compile(r"[\w'’-]+")
# How much a full match adds to a fused score (which lies in [0, 1] for convex fusion); chosen
# on our development questions (bench/tune_rerank.py, 0 / 0.1 / 0.2 / 0.4: dev set 2 hit@1 0.667 /
# 0.682 / 0.691 / 0.706, answer accuracy 0.500 / 0.516 / 0.516 / 0.532; SciFact dev unchanged).
DOCUMENT_MATCH_WEIGHT = 0.4


def named_occasion(query: str) -> list[str]:
    """The years and meeting names a query names ("2025", "ninth annual meeting"), lower case."""
    found = [m.group(0) for m in _YEAR.finditer(query)]
    words = _WORD.findall(query.lower())
    for i, word in enumerate(words):
        if _ORDINAL.fullmatch(word):
            tail = [w for w in words[i + 1 : i + 4] if w in _MEETING_WORDS]
            found.append(" ".join([word, *tail]))
    return found


class DocumentMatch:
    """Boosts candidates whose document's title or date holds the year or meeting the query names."""

    def __init__(self, weight: float = DOCUMENT_MATCH_WEIGHT):
        self.weight = weight
        self._described: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def rerank(self, query, candidates, generation):
        named = named_occasion(query.text)
        if not named or not candidates:
            return candidates
        spans = generation.chunk_spans([c.chunk for c in candidates])
        boosted = []
        for c in candidates:
            span = spans.get(c.chunk)
            share = self._share(generation, span.doc_id, named) if span else 0.0
            boosted.append((c.score + self.weight * share, c))
        boosted.sort(key=lambda pair: (-pair[0], pair[1].chunk))
        return [type(c)(c.chunk, score, c.dense, c.keyword) for score, c in boosted]

    def _share(self, generation, doc_id: str, named: list[str]) -> float:
        words = self._document_words(generation, doc_id)
        held = sum(all(light_stem(w) in words for w in name.split()) for name in named)
        return held / len(named)

    def _document_words(self, generation, doc_id: str) -> set[str]:
        key = (generation.name, doc_id)
        with self._lock:
            known = self._described.get(key)
        if known is None:
            info = generation.document_info(doc_id)
            text = f"{info.title} {info.date or ''}" if info else ""
            known = {light_stem(w) for w in _WORD.findall(text.lower().replace("-", " "))}
            known |= {w for w in _WORD.findall(text.lower())}
            with self._lock:
                if len(self._described) > 100_000:
                    self._described.clear()
                self._described[key] = known
        return known
