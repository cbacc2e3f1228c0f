"""Spans for two kinds of "what" question that say what they want.

The name of a document, plan or law a question asks for ("Which 2023 strategy...?" ->
"Adelaide Strategy for Cooperation"; "What was the checklist renamed?" -> "the Bali Process
Regional Guide on Identifying Victims of Forced Criminality"): a run of capitalised words that
is a name by its head word ("Strategy", "Guide", "Act") or by the words before it ("renamed",
"entitled"), less what the question already says. None when the sentence names nothing so;
spans.py then falls back to the clause, as for any "what" question.

How often something happens ("How frequently are Ministerial Conferences held?" -> "every two
years"), for "how often"."""

from __future__ import annotations

import re

from indexer.terms import light_stem

from .closeness import Span, asked_stems, closeness
from .question_kinds import TITLE_NOUNS
from .span_patterns import JOIN, MONTHS, PROPER

_ASKED_NOUN = re.compile(rf"\b(?:which|what)\s+(?:[\w'’-]+\s+){{0,3}}?({TITLE_NOUNS})\b", re.I)
# Head words that make a capitalised run a name of a document, plan or law, in kinds: "which
# law" is answered by an Act, "which plan" by a Strategy, "which toolkit" by a Guide, but "which
# toolkit" not by the "Co-Chairs' Statement" a page is headed with.
_HEAD_KINDS = tuple({light_stem(w) for w in words.split()} for words in (
    "act acts law laws convention conventions protocol protocols bill code decree regulation",
    "strategy strategies plan plans framework frameworks roadmap agenda",
    "guide guides guidelines handbook handbooks manual manuals toolkit toolkits checklist checklists principles",
    "report reports statement statements declaration declarations publication publications communique charter",
))
_HEADS = set().union(*_HEAD_KINDS)


def _heads_for(noun: str | None) -> set[str]:
    """The head words a name of the asked kind may have (any, when the question names no kind:
    "What was the checklist renamed?")."""
    stem = light_stem(noun) if noun else None
    return next((kind for kind in _HEAD_KINDS if stem in kind), _HEADS)


# Words that introduce a name: "renamed the ...", "entitled ...", "known as ..." ("named" and
# "called" are too often plain verbs: "Ministers named Indonesia and Australia as Co-Chairs").
_NAMING = re.compile(r"\b(?:renamed|retitled|entitled|known as)\s+(?:as\s+|to\s+)?(?:the\s+)?[*_\"“‘']?$", re.I)
_SMALL = re.compile(rf"^(?:{JOIN})$", re.I)
_TOPIC = re.compile(r"^(?:on|about)$", re.I)


def title_span(question: str, sentence: str) -> Span | None:
    asked_noun = _ASKED_NOUN.search(question)
    noun = asked_noun.group(1).lower() if asked_noun else None
    asked, heads = asked_stems(question), _heads_for(noun)
    found: list[tuple[int, Span]] = []
    for m in PROPER.finditer(sentence):
        words = [(w.start() + m.start(), w.end() + m.start(), w.group(0)) for w in re.finditer(r"\S+", m.group(0))]
        # "... Border Data Sharing in May": a date after a name is no part of it.
        months = [i for i, (_, _, w) in enumerate(words) if w.strip(".,;:'’*").lower() in MONTHS]
        words = words[: months[0]] if months else words
        stems = [light_stem(w.strip(".,;:'’*")) for _, _, w in words]
        headed = any(s in heads or (noun and s == light_stem(noun)) for s in stems)
        named = _NAMING.search(sentence[: m.start()]) is not None
        # "the Policy Guides on Criminalizing Migrant Smuggling and Criminalizing Trafficking in
        # Persons" answers "which two policy guides": a plural head then "on" names several by topic.
        topics = next((i + 2 for i, stem in enumerate(stems) if noun and noun.endswith("s") and stem == light_stem(noun)
                       and i + 2 < len(words) and _TOPIC.match(words[i + 1][2])), None)
        if topics is not None:
            words = words[topics:]
        elif not named:
            # What the question already says is no part of the answer: "the 2023 Bali Process
            # Adelaide Strategy" answers "Which 2023 Bali Process strategy" with "Adelaide Strategy...".
            while words and (_SMALL.match(words[0][2]) or light_stem(words[0][2].strip(".,'’*")) in asked):
                words = words[1:]
        while words and _SMALL.match(words[-1][2]):
            words = words[:-1]
        if not words:
            continue
        words = _headed_part(words, heads) if topics is None else words
        if named or (headed and len(words) >= 2):
            last = words[-1]
            found.append((2 if named else 1, Span(words[0][0], last[0] + len(last[2].rstrip(".,;:'’*\"”)")))))
    if not found:
        return None
    best = max(found, key=lambda ps: (ps[0], closeness(question, sentence, ps[1]), -ps[1].start))
    return best[1]


def _headed_part(words: list[tuple[int, int, str]], heads: set[str]) -> list[tuple[int, int, str]]:
    """Of names joined by "and the" in one capitalised run ("the Co-Chairs' Statement and the
    Screening Toolkit"), the one with a head of the asked kind, when only one has one. A bare
    "and" stays inside a name: "Screening and Referral Toolkit"."""
    parts, part = [], []
    for i, word in enumerate(words):
        if word[2].lower() == "and" and part and i + 1 < len(words) and words[i + 1][2].lower() == "the":
            parts.append(part)
            part = []
        elif not (word[2].lower() == "the" and not part):
            part.append(word)
    parts.append(part)
    headed = [p for p in parts if p and any(light_stem(w.strip(".,;:'’*")) in heads for _, _, w in p)]
    return headed[0] if len(parts) > 1 and len(headed) == 1 else words


FREQUENCY = re.compile(
    r"\b(?:(?:every|each)\s+(?:other\s+|[\w-]+\s+)?(?:years?|months?|weeks?|days?|quarters?)"
    r"|(?:once|twice|thrice|[\w-]+\s+times)\s+(?:a|per|each|every)\s+(?:year|month|week|day|quarter)"
    r"|annually|biennially|biannually)\b", re.I)
# "meets monthly" says how often; "the daily lives of migrants" does not: an adverb, not before a noun.
ADVERB_FREQUENCY = re.compile(r"\b(?:quarterly|monthly|weekly|yearly|daily)\b(?!\s+[a-z])", re.I)


def frequency_span(question: str, sentence: str) -> Span | None:
    found = [Span(m.start(), m.end()) for m in FREQUENCY.finditer(sentence)] or \
        [Span(m.start(), m.end()) for m in ADVERB_FREQUENCY.finditer(sentence)]
    return max(found, key=lambda s: (closeness(question, sentence, s), -s.start), default=None)
