"""Cloze-style training pairs for the reader experiment (issue 12, bench/train_reader.py
--pretrain): questions made from corpus sentences by taking out a date, a number or a name,
each paired with the sentence it came from (1) and with sentences of the same document that
talk about the same things but do not hold what was taken out (0: the near-miss case), plus a
random sentence of the same document (0).

Only development text goes in: the seed statements, bench/dev-corpus and SciFact's corpus.
Never a held-out statement or question.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from indexer.chunking import split_sentences
from search_app.span_patterns import DATES, NUMBER, PROPER

STOP = set("""a an the of to in on at by for and or with from as is was were be been are that this these those
it its their his her which who whom what when where why how also has have had not no into than then there""".split())
WORD = re.compile(r"[A-Za-z][\w'-]*|\d[\d,.]*")
PREPOSITION_BEFORE = re.compile(r"\b(?:on|in|at|by|of|from|since|until|between)\s*$", re.I)


def sentences_of(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text) if 8 <= len(text[a:b].split()) <= 60]


def content_words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text) if w.lower() not in STOP and len(w) > 2}


def _blank(sentence: str, start: int, end: int, wh: str, rng: random.Random) -> str:
    """The question: the wh-word, then the sentence without the span (and the preposition that
    led into it), with a fifth of its words dropped so it is not the sentence word for word."""
    before = PREPOSITION_BEFORE.sub("", sentence[:start])
    rest = f"{before} {sentence[end:]}".strip().rstrip(".;:")
    words = [w for w in rest.split() if rng.random() > 0.2]
    if words:
        words[0] = words[0][:1].lower() + words[0][1:] if not words[0][1:2].isupper() else words[0]
    return f"{wh} {' '.join(words)}?"


def _target(sentence: str, rng: random.Random) -> tuple[str, int, int, re.Pattern] | None:
    """A span to take out: a date, a number or a capitalised name that does not open the sentence."""
    options = []
    for m in DATES.finditer(sentence):
        options.append(("When", m.start(), m.end(), DATES))
    dates = [(m.start(), m.end()) for m in DATES.finditer(sentence)]
    for m in NUMBER.finditer(sentence):
        if not any(a <= m.start() < b for a, b in dates):
            options.append(("How many", m.start(), m.end(), NUMBER))
    for m in PROPER.finditer(sentence):
        if m.start() > 0 and len(m.group()) > 3 and not any(a <= m.start() < b for a, b in dates):
            options.append(("Who or what", m.start(), m.end(), PROPER))
    return rng.choice(options) if options else None


def pairs_from_document(sentences: list[str], rng: random.Random, per_document: int) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    order = list(range(len(sentences)))
    rng.shuffle(order)
    for i in order[:per_document]:
        sentence = sentences[i]
        target = _target(sentence, rng)
        if target is None:
            continue
        wh, start, end, pattern = target
        question = _blank(sentence, start, end, wh, rng)
        if len(question.split()) < 6:
            continue
        asked, answer = content_words(question), sentence[start:end].lower()
        out.append((question, sentence, 1.0))
        # Near-misses: the same subject, but the asked kind (or the answer itself) is absent.
        close = sorted((j for j in range(len(sentences)) if j != i and answer not in sentences[j].lower()),
                       key=lambda j: -len(asked & content_words(sentences[j])))
        for j in close[:2]:
            if len(asked & content_words(sentences[j])) >= 2 and not pattern.search(sentences[j]):
                out.append((question, sentences[j], 0.0))
        others = [j for j in range(len(sentences)) if j != i and answer not in sentences[j].lower()]
        if others:
            out.append((question, sentences[rng.choice(others)], 0.0))
    return out


def cloze_pairs(statement_texts: list[str], scifact: Path | None, limit: int, seed: int = 0) -> list[tuple[str, str, float]]:
    """Up to `limit` pairs: every statement first (they are the product's domain), then SciFact
    abstracts (a question each) until the limit."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str, float]] = []
    for text in statement_texts:
        pairs += pairs_from_document(sentences_of(text), rng, per_document=10_000)
    if scifact is not None and (scifact / "corpus.jsonl").exists():
        lines = (scifact / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        rng.shuffle(lines)
        for line in lines:
            if len(pairs) >= limit:
                break
            row = json.loads(line)
            pairs += pairs_from_document(sentences_of(row.get("text", "")), rng, per_document=2)
    rng.shuffle(pairs)
    return pairs[:limit]
