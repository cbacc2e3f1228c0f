"""What the answer picker reads off a question once, before looking at any sentence: its terms
and their weights, the names and numbers it is about, the other words ("predicates") an answer
should say, and those of them an answer may leave out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.terms import light_stem, query_words

from .evidence import AnswerEvidence
from .question_kinds import answer_kind
from .sentence_reading import asks_for_definition, expected_kind, question_entities, weighted_coverage

_WORD = re.compile(r"\w+")

# A question word that most chunks contain ("Bali", "Process") names the whole corpus, not
# what the question is about: it is not an entity an answer must repeat. In units of
# WordStats.term_weight, log(1 + N / (1 + df)): below this, more than about half the chunks hold it.
COMMON_ENTITY_WEIGHT = 1.1
# Words by which a question names its source ("according to the March 2024 article", "per the
# 2013 slides"): they say where to look, not what the answer must say.
SOURCE_WORDS = frozenset({"according", "per", "article", "summary", "slides", "slide", "presentation", "piece"})
# Words by which a where or when question asks that an event happened ("Where did the Eleventh SOM
# take place?", "When was the Fifth Ministerial Meeting held?"): a dateline ("Eleventh Senior
# Officials Meeting, Canberra, 18-19 March 2026") or "was convened in Bangkok" says it without them,
# so they are not words an answer must repeat.
OCCURRENCE_WORDS = frozenset("""hold holds held holding take takes took taken taking place meet meets met convene
    convenes convened occur occurs occurred happen happens happened""".split())
# Nor is the noun by which such a question names the kind it asks for: "In which city was the
# Roundtable held?" is answered by "(Manila, 3-4 December 2015)", "In what year..." by "in 2012".
KIND_NOUNS = {
    "date": frozenset("date dates day days month months year years period".split()),
    "place": frozenset("city cities country town place venue location capital province island region district suburb village port".split()),
}
KIND_NOUNS["year"] = KIND_NOUNS["date"]


@dataclass(frozen=True)
class QuestionView:
    """What the picker reads off a question once, before looking at any sentence."""

    terms: list[str]  # its content words, word by word
    weights: dict[str, float]  # each term's inverse document frequency
    kind: str | None  # what sort of thing it asks for
    entities: list[str]  # names and numbers it is specifically about
    predicates: list[str]  # its other terms ("founded" in "Who founded the Walk Free Foundation?")
    # Those of them a sentence may leave out: "held" in "When was the meeting held?" (OCCURRENCE_WORDS)
    optional: frozenset[str]
    long_forms: list[str]  # what its acronyms stand for, when it asks that
    vector: object  # its embedding


def view_question(evidence: AnswerEvidence, question: str) -> QuestionView:
    """The question as the picker reads it, for every sentence of every answer passage."""
    # Word-level terms: "co-chairs" must meet "Co-Chairs" split into words in the sentence.
    terms = list(dict.fromkeys(w for t in query_words(question) for w in _WORD.findall(t)))
    named_in_question = question_entities(question)
    # "Who founded the Walk Free Foundation?": the names may be there while "founded" is not.
    named = {light_stem(w) for e in named_in_question for w in _WORD.findall(e)}
    predicates = [t for t in terms if light_stem(t) not in named and t.lower() not in SOURCE_WORDS]
    kind = answer_kind(question)
    optional = KIND_NOUNS[kind] | OCCURRENCE_WORDS if kind in KIND_NOUNS else frozenset()
    return QuestionView(
        terms=terms,
        weights={t: evidence.term_weight(t) for t in terms},
        kind=expected_kind(question),
        entities=[e for e in named_in_question if e.isdigit() or evidence.term_weight(e) >= COMMON_ENTITY_WEIGHT],
        predicates=predicates,
        optional=frozenset(t for t in predicates if t.lower() in optional),
        # A question about an acronym is answered by the sentence that spells it out.
        long_forms=[e.lower() for e in evidence.expansions(question)] if asks_for_definition(question) else [],
        vector=evidence.query_vector(question),
    )


def predicate_coverage(view: QuestionView, words: set[str]) -> float:
    """Share of the question's predicates among `words`; the optional ones count where they are
    there and are not missed where they are not."""
    core = [t for t in view.predicates if t not in view.optional]
    if not core:
        return 1.0
    full = weighted_coverage(view.predicates, view.weights, words)
    return max(full, weighted_coverage(core, view.weights, words)) if view.optional else full
