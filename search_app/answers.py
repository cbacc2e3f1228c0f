"""Short answers: the sentence of the top passages that answers a question, with a citation
pointing at exactly that sentence and a calibrated confidence, or no answer at all.

Each sentence of the top passages is described by a few features: how much of the question's
rare vocabulary it covers (with the sentence before it as context), whether it holds the kind of
thing asked for (a date, a number, a name), whether it names what the question names, its own
embedding's similarity to the question and its passage's, and whether it is only a heading. A
linear ranker over them picks the sentence; a logistic model over the winner's features decides
whether to answer at all (a numbered meeting's own date, place or sums, from that meeting's
statement, need less: answer_floor). Both are fitted by bench/calibrate_answers.py on our
development sets (the ranker on own and dev sets 2-5, the calibration on own and dev set 2),
never on benchmark test queries or the held-out questions, and kept in answer_model.json. The
picker reads the question's evidence (evidence.py) only. The features and both scores are
candidates.py's; the choice among the grounded sentences (the newest statement's, a reason's
cue) is sentence_choice.py's.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field, replace

from indexer.chunking import split_sentences
from indexer.facets import countries_named
from indexer.terms import STOPWORDS, light_stem, light_stems, one_edit_apart

from .answer_model import AnswerModel, load_answer_model
from .candidates import CALIBRATING, RANKING, Candidate, SentenceFeatures, calibrated_confidence, selection_score
from .question_view import QuestionView, predicate_coverage, view_question
from .event_dates import belongs_to_another_event, counts_another_year, gives_another_year, numbers_another_meeting
from .evidence import AnswerEvidence
from .language import mostly_unknown, reads_as_english
from .naming import (countries_or_adjectives, initialisms, long_date, meeting_ordinals, named_bodies,
                     names_another_body, names_another_country, numbered_meetings)
from .requests import SearchRequest
from .results import Citation, Hit
from .question_kinds import answer_kind
from .closeness import Span
from .sentence_reading import (
    asks_for_definition,
    covers,
    describes,
    holds_kind,
    is_heading,
    mentions,
    question_entities,
    question_identifiers,
    weighted_coverage,
)
from .reason_spans import reason_span
from .spans import bracketed_name, find_span, kinds_to_try
from .sentence_choice import best_aligned

# Passages whose sentences compete for the answer: six, not three, since the right passage is
# often fourth or fifth (dev: answer accuracy own 0.850->0.867, dev2 0.691->0.706, near-miss
# declines unchanged; eight gave the same; /api/ask ~1.3 ms slower at p50 on SciFact).
ANSWER_PASSAGES = 6
# A sentence shorter than this is a heading or a fragment, not an answer.
MIN_ANSWER_WORDS = 4


def default_answer_model() -> AnswerModel:
    """answer_model.json beside this module, checked against the features this code computes."""
    return load_answer_model(ranking=RANKING, calibrating=CALIBRATING)


@dataclass(frozen=True)
class AnswerSpan:
    """The words that answer, with offsets into the document text like every citation."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    text: str  # the sentence that answers, for context
    confidence: float
    citation: Citation  # points at the sentence
    span: AnswerSpan | None = None  # the words inside it that answer


@dataclass(frozen=True)
class AskResult:
    query: str
    took_ms: float
    answer: Answer | None
    passages: list[Hit] = field(default_factory=list)
    generation: str = ""
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # as SearchResult's
    # Why there is no answer when it is not the statements: "language" (the reader reads English).
    declined: str | None = None


def answer_question(searcher, request: SearchRequest, model: AnswerModel) -> AskResult:
    """Search, then pick the answering sentence from the top passages (or abstain)."""
    started = time.perf_counter()
    # The answer is read from ANSWER_PASSAGES passages whatever the page shows: /api/ask's
    # default of 5 passages read one fewer than the benchmarks' k=10 (dev: 1 right answer fewer
    # in each of the five sets). A later page (offset) is read as it is asked.
    reading = replace(request, k=max(request.k, ANSWER_PASSAGES)) if request.offset == 0 else request
    result = searcher.search(reading)
    answer = extract_answer(searcher.evidence, request.query, result.hits, model)
    passages = result.hits[: request.k]
    if answer is not None:
        # Within the page only: an answer read from a passage past it leaves the page as ranked
        # (its card cites it), so the next page (offset=k) neither repeats nor skips a passage.
        passages = lead_with_answer(passages, answer)
        # the sentence's own paragraph, not its passage's first
        answer = replace(answer, citation=searcher.documents.locate(answer.citation))
    declined = None if answer is not None or reads_as_english(request.query) else "language"
    took = (time.perf_counter() - started) * 1000
    return AskResult(result.query, round(took, 2), answer, passages, result.generation, result.total, result.facets,
                     declined)


def lead_with_answer(hits: list[Hit], answer: Answer) -> list[Hit]:
    """The passages with the one the answer is quoted from first, ranks renumbered, scores kept.
    The reader sees the answer's passage where the card says the answer is; and having read
    the passages for a sentence that holds what was asked, the answer's passage is more often
    the right one than the fused ranking's first (dev: hit@1 own 0.800 -> 0.883, dev2 0.754 ->
    0.857, no question's right first passage lost). Only when answering: a declined question's
    best sentence is no evidence (always leading with it lost 3 right first passages on dev2)."""
    c = answer.citation
    at = next((i for i, h in enumerate(hits) if h.citation.doc_id == c.doc_id
               and h.citation.start <= c.start < h.citation.end), None)
    if at is None or at == 0:  # not among the passages (never expected), or already first
        return hits
    order = [hits[at], *hits[:at], *hits[at + 1:]]
    return [replace(hit, rank=rank) for hit, rank in zip(order, sorted(h.rank for h in hits))]


def extract_answer(evidence: AnswerEvidence, question: str, hits: list[Hit], model: AnswerModel) -> Answer | None:
    """The best sentence that holds what the question asks for, with the words that answer;
    None when no sentence does, or the calibrated confidence is too low."""
    # The reader's kinds, spans and word features are English (language.py).
    if not reads_as_english(question) or mostly_unknown(evidence.unknown, question):
        return None
    found = grounded_candidate(evidence, question, hits, model.selection_weights(RANKING))
    if found is None:
        return None
    candidate, span = found
    confidence = calibrated_confidence(candidate.features.calibration(), model.calibration_weights(CALIBRATING))
    if confidence < answer_floor(question, candidate, model.min_confidence):
        return None
    c = candidate.hit.citation
    start = c.start + candidate.start
    citation = replace(c, start=start, end=c.start + candidate.end)
    short = AnswerSpan(candidate.text[span.start:span.end], start + span.start, start + span.end)
    return Answer(candidate.text, round(confidence, 3), citation, short)


# The least confidence an answer about a numbered meeting needs when its statement is that
# meeting's (or the sentence names it) and the sentence holds the kind of thing asked for.
MEETING_CONFIDENCE = 0.3


def answer_floor(question: str, candidate: Candidate, min_confidence: float) -> float:
    """The least confidence the candidate needs to answer: `min_confidence`, or MEETING_CONFIDENCE
    (never more) for a numbered meeting's own facts (_of_asked_meeting). The product and the
    abstention curve (bench/abstention_curve.py) both read it."""
    return min(MEETING_CONFIDENCE, min_confidence) if _of_asked_meeting(question, candidate) else min_confidence


def _of_asked_meeting(question: str, candidate: Candidate) -> bool:
    """"Where was the Tenth Senior Officials Meeting held?": "Tenth Senior Officials Meeting,
    Yogyakarta, 15-16 November 2022" in that meeting's own statement. A dateline reads unlike the
    question, and the calibration asks much of a sentence's likeness; the meeting named, in the
    statement of that meeting, and the kind of thing asked held, say more."""
    asked = numbered_meetings(question)
    return bool(asked) and answer_kind(question) in _MEETING_FACTS and bool(candidate.features.kind_found) and \
        asked <= numbered_meetings(f"{candidate.hit.citation.title}. {candidate.text}")


# A meeting's own facts: when, where, and sums pledged at it. (Dev: with names of people and bodies
# too, 2 right answers more for 2 wrong ones more: "Which tech company represented the private
# sector at the ninth annual meeting?" is not answered by "The Ninth Annual Meeting gave members
# an opportunity ...".)
_MEETING_FACTS = frozenset({"date", "year", "place", "amount"})


def grounded_candidate(evidence: AnswerEvidence, question: str, hits: list[Hit],
                       weights: tuple[float, ...]) -> tuple[Candidate, Span] | None:
    """The best-ranked sentence holding what the question asks for, and where in it. Grounded:
    a question asking for a date, a place, a person... is answered only by a sentence that holds
    one, never by one that merely shares its topic."""
    grounded = grounded_candidates(evidence, question, answer_candidates(evidence, question, hits, align=False))
    return best_aligned(evidence, question, grounded, weights)


def grounded_candidates(evidence: AnswerEvidence, question: str,
                        candidates: list[Candidate]) -> list[tuple[Candidate, Span]]:
    """The candidates that may answer, in their order, each with its span: those holding what
    the question asks for. The one grounding rule, for the product and for the fit."""
    # "When was the Eleventh Annual Meeting held?" is not answered by the Tenth's statement: the
    # ordinals and numbers a question names must be in the passage or its statement's title and date.
    # "How many convictions did the Chittagong tribunal record?": a name that no statement holds
    # anywhere is something the statements do not speak about, whatever else a sentence shares.
    if any(evidence.unknown(e) for e in question_entities(question) if not e.isdigit()):
        return []
    identifiers, meetings = question_identifiers(question), numbered_meetings(question)
    if identifiers:
        hits = {c.hit.chunk_id: c.hit for c in candidates}
        ordinals = meeting_ordinals(question)
        holds = {chunk_id: describes(hit, identifiers, meetings, ordinals) for chunk_id, hit in hits.items()}
        candidates = [c for c in candidates if holds[c.hit.chunk_id]]
    # "When will the Working Group on Technology-Facilitated Trafficking meet?" is not answered by a
    # sentence about the Working Group on Trafficking in Persons.
    # "What was the core budget for 2020?" is not answered by "the core budget for 2023".
    # "Who co-chaired the first meeting of the Working Group on the Disruption of Criminal
    # Networks?" is not answered by "It was co-chaired by ..." in a statement on another group:
    # where the sentence names no body, its statement's title and the passage before it speak.
    # (Dev: near-miss declined dev4 22 -> 23 of 26, dev5 18 -> 19 of 26; no answer lost.)
    candidates = [c for c in candidates if not _names_another(question, c)]
    kind, expansions = answer_kind(question), evidence.expansions(question)
    if kind is None and expansions and asks_for_definition(question):
        kind = "definition"  # a bare acronym ("JCLEC") asks what it stands for
    long_forms = expansions if kind == "definition" else ()
    # "Who ...?" is a person where any sentence names one, a body or a country only otherwise;
    # "how often" is answered by the sentences that say how often, where any does.
    # "how many trafickers": the question's long words no statement holds, which a count's noun
    # one letter off may stand for.
    def unknown(word: str) -> bool:  # no statement holds it
        return evidence.stats.document_frequency(word) == 0

    typos = frozenset(w for w in re.findall(r"[a-z]{7,}", question.lower()) if unknown(w)) \
        if "number" in kinds_to_try(kind) else frozenset()
    for wanted in kinds_to_try(kind):
        found = [(_with_kind_found(c, question, wanted), span) for c in candidates
                 if (span := find_span(question, wanted, c.text, long_forms, fallback=False,
                                       before=_text_before(c), typos=typos)) is not None
                 and not (wanted in ("date", "year", "place") and belongs_to_another_event(question, c.text, span))
                 and not (wanted in ("number", "amount")
                          and (counts_another_year(question, c.text, _sentence_before(c), c.hit.citation.date)
                               or _misses_asked_country(question, c)))
                 and not names_another_country(question, c.text, (span.start, span.end),
                                               f"{c.hit.citation.title}. {c.hit.text[:c.start]}")]
        if found:
            return _saying_what_was_done(question, found, unknown) \
                if kind == "agent" else found
    return []


def _misses_asked_country(question: str, candidate: Candidate) -> bool:
    """"How many grants did the Fund award to organisations in Malaysia?" is not answered by "the
    second funding round awarded 12 grants": a count of the question's country where neither the
    sentence, its passage nor its statement's title names that country is a count of something else."""
    # (Any kind but those a country may be, places, agents, lists, bodies, clauses, was measured:
    # on dev one right answer more, "When was Nauru admitted?", for two lost where only a city or a
    # ministry stood for the country: counts and amounts only.)
    # The countries it names by name: "the Australian minister" describes a person, not the count.
    asked = _countries_by_name(question)
    return bool(asked) and not asked & _countries_in(f"{candidate.hit.citation.title}. {candidate.hit.text}")


# Read once per question and once per passage, not once per candidate sentence.
@functools.lru_cache(maxsize=1024)
def _countries_by_name(question: str) -> frozenset[str]:
    return frozenset(name for _, _, name in countries_named(question))


@functools.lru_cache(maxsize=1024)
def _countries_in(text: str) -> frozenset[str]:
    return frozenset(name for _, _, name in countries_or_adjectives(text))


def _text_before(candidate: Candidate) -> str:
    """The passage's text before the candidate's sentence, as far as a sentence or two reach."""
    return candidate.hit.text[max(0, candidate.start - 300):candidate.start]


def _sentence_before(candidate: Candidate) -> str:
    """The passage's sentence before the candidate's ("Figures for 2014:" may head a list)."""
    text = _text_before(candidate).rstrip()
    return re.split(r"(?<=[.!?])\s+|\n", text)[-1] if text else ""  # a line (a slide's bullet) ends one too


def _names_another(question: str, candidate: Candidate) -> bool:
    """Whether the sentence is about another body, year or meeting than the question's."""
    if names_another_body(question, candidate.text) or gives_another_year(question, candidate.text):
        return True
    if numbers_another_meeting(question, candidate.hit.citation.title, candidate.text):
        return True
    context = f"{candidate.hit.citation.title}. {candidate.hit.text[:candidate.end]}"
    return names_another_body(question, context) and not named_bodies(candidate.text)


# "Who chaired...", "Who will co-chair...", "Who has been appointed...": the verb of a "who"
# question, after its auxiliaries (none for "who is/was", or "who will be the next...").
_WHO_DID = re.compile(r"^\s*who\s+(?:(?:will|would|shall|should|can|could|may|might|must|has|have|had|did|does|do)\s+)*"
                      r"(?:(?:been|be|being)\s+)?([\w-]+)", re.I)
# "Whom did Olivia Brennan replace as co-chair?": the verb after the one who did it.
_WHOM_DID = re.compile(r"^\s*(?i:whom|who)\s+(?i:did|does|do)\s+(?:[\w.'’-]+\s+){1,5}?"
                       r"([a-z][\w-]*)(?=\s+(?:as|at|in|on|for|from|to)\b|\s*\??\s*$)")
_NOT_DEEDS = {"is", "was", "are", "were", "be", "been", "being", "the", "a", "an", "its", "their"}


def _saying_what_was_done(question: str, found: list[tuple[Candidate, Span]],
                          unknown=lambda word: False) -> list[tuple[Candidate, Span]]:
    """"Who chaired the Symposium?", "Who will publish the briefs?": of the sentences that name
    someone, those that say the question's verb ("chaired by", "will be published by"); a
    sentence naming someone who only "briefed" or "thanked" is no answer. (Dev, over keeping
    every sentence where none says the verb: near-miss declined dev3 25 -> 27 of 31, dev4 20 ->
    21 of 26; no answer lost.)"""
    m = _WHO_DID.match(question)
    if not m or m.group(1).lower() in _NOT_DEEDS:  # "Who did the Co-Chairs thank?": the verb comes later
        m = _WHOM_DID.match(question)
    if not m or m.group(1).lower() in _NOT_DEEDS or m.group(1).lower() in STOPWORDS:
        return found
    typed = m.group(1).split("-")[-1].lower()
    verb = light_stem(typed)  # which folds most irregular past forms ("led": "lead")
    forms = {verb} | _SAME_DEED.get(typed, frozenset())
    read = [(c, sp, light_stems(c.text)) for c, sp in found]
    saying = [(c, sp) for c, sp, words in read if any(covers(words, f) for f in forms)]
    # "who co-chared ...": a verb typed one letter off, where no statement holds it as typed
    # ("Who funded ...?" is not "founded").
    if not saying and len(typed) >= 5 and unknown(typed):
        saying = [(c, sp) for c, sp in found if any(one_edit_apart(typed, w) for w in re.findall(r"[a-z]+", c.text.lower()))]
    if saying:
        return saying
    # No sentence says the verb: those that say every other word the question asks with (its
    # lower-case words: "represented Indonesia as co-chair of the working group meeting") may
    # still answer; a question of names alone ("Who co-chaired the Eleventh Annual Meeting?") gets
    # none from a sentence where someone only "briefed members".
    rest = {light_stem(w) for w in re.findall(r"\b[a-z]+\b", question[m.end():])
            if w not in STOPWORDS and len(w) > 2} - {verb}
    return [(c, sp) for c, sp, words in read if rest and all(covers(words, w) for w in rest)]


# Forms of a verb that light_stem does not fold together, any of which says the others: the
# participles it leaves alone as words of their own ("given", "won", "found"), short forms it does
# not cut ("runs", "pays"), and two verbs that stand for each other ("Whom did she replace?": "she
# succeeded ..."). (light_stem folds the rest: "led", "held", "wrote", "taken"...)
_VERB_GROUPS = ("give gives gave given", "write writes wrote written", "choose chooses chose chosen",
                "speak speaks spoke spoken", "run runs ran", "undertake undertakes undertook undertaken",
                "oversee oversees oversaw overseen", "win wins won", "pay pays paid", "see sees saw seen",
                "buy buys bought", "find finds found", "replace replaces replaced succeed succeeds succeeded")
_SAME_DEED = {form: frozenset(light_stem(w) for w in group.split()) for group in _VERB_GROUPS for form in group.split()}


def _with_kind_found(candidate: Candidate, question: str, wanted: str | None) -> Candidate:
    # A reason falls back to the clause inside its finder: only a cue ("because", "to ...") is one.
    found = wanted is not None and (wanted != "reason" or reason_span(question, candidate.text) is not None)
    return replace(candidate, features=replace(candidate.features, kind_found=float(found))) if found else candidate


def best_candidate(evidence: AnswerEvidence, question: str, hits: list[Hit],
                   weights: tuple[float, ...]) -> Candidate | None:
    candidates = answer_candidates(evidence, question, hits)
    return max(candidates, key=lambda c: selection_score(c.features, weights), default=None)


def answer_candidates(evidence: AnswerEvidence, question: str, hits: list[Hit], align: bool = True) -> list[Candidate]:
    """Every sentence of the top passages that could be an answer, with its features; without
    `align`, alignment is left unread (None) for best_aligned to read where it matters."""
    if not hits:
        return []
    view = view_question(evidence, question)
    out: list[Candidate] = []
    for position, hit in enumerate(hits[:ANSWER_PASSAGES]):
        out.extend(_passage_candidates(evidence, view, question, hit, position, align))
    return out


def _passage_candidates(evidence: AnswerEvidence, view: QuestionView, question: str, hit: Hit,
                        position: int, align: bool) -> list[Candidate]:
    terms, weights, entities = view.terms, view.weights, view.entities
    cosine = evidence.passage_cosine(question, hit)
    passage_words = light_stems(hit.text)
    passage_coverage = weighted_coverage(terms, weights, passage_words)
    # "the 2016 meeting" is a 2016 statement even if no sentence repeats the year.
    document_words = light_stems(f"{hit.citation.title} {long_date(hit.citation.date)}")
    # "the 2020 SOM" names a "Senior Officials Meeting": a question's acronym is mentioned where
    # the words it abbreviates are.
    document_words |= initialisms(hit.citation.title)
    described = passage_words | document_words | initialisms(hit.text)
    missing_entity = float(not all(mentions(described, e) for e in entities))
    document_match = sum(mentions(document_words, e) for e in entities) / len(entities) if entities else 1.0
    # "What does KADIN stand for?" where no statement spells its letters out: "... (KADIN)" defines it.
    # (A question the reader files as a definition, as grounding does: not "KADIN annual meeting".)
    bracketed = not view.long_forms and answer_kind(question) == "definition"
    spans, previous = [], set()
    for start, end in split_sentences(hit.text):
        sentence = hit.text[start:end]
        words = light_stems(sentence)
        # "Penalties for these offenses..." answers about the Act the sentence before
        # names: the previous sentence lends its words.
        context, previous = words | previous, words
        if len(sentence.split()) < MIN_ANSWER_WORDS:
            continue
        coverage = weighted_coverage(terms, weights, words)
        features = dict(
            coverage=coverage,
            context_gain=weighted_coverage(terms, weights, context) - coverage,
            kind_match=holds_kind(view.kind, sentence),
            entity_share=sum(mentions(context, e) for e in entities) / len(entities) if entities else 1.0,
            passage_cosine=cosine, position=float(position),
            defines=float(any(form in sentence.lower() for form in view.long_forms)
                          or (bracketed and bracketed_name(question, sentence) is not None)),
            heading=float(is_heading(sentence)),
            passage_coverage=passage_coverage, missing_entity=missing_entity, document_match=document_match,
            # "What did the 2020 SOM set up...": words the statement's title holds are covered.
            predicate_coverage=predicate_coverage(view, context | document_words),
        )
        spans.append((start, end, features))
    ranges = [(a, b) for a, b, _ in spans]
    vectors = evidence.sentence_vectors(hit, ranges) if spans else []
    aligned = evidence.alignments(question, hit, ranges) if spans and align else [None] * len(spans)
    return [Candidate(hit, start, end, SentenceFeatures(sentence_cosine=float(vector @ view.vector), alignment=value,
                                                        **features))
            for (start, end, features), vector, value in zip(spans, vectors, aligned)]
