"""The person a question asks for: names of people in a sentence (after a title, or a bare
capitalised run that is no body, place or heading), and of several, the one the question's
words describe ("the Australian co-chair")."""

from __future__ import annotations

import re

from indexer.terms import light_stems

from .closeness import Span, asked_names, closest, not_in_question, shares_stem
from .question_kinds import answer_kind
from .span_patterns import ACRONYM, NAME, NOT_PERSON, PROPER, ROMAN, TITLES, TITLE_WORDS


def proper_runs(sentence: str, pattern: re.Pattern = PROPER) -> list[Span]:
    out = []
    for m in pattern.finditer(sentence):
        text = sentence[m.start() : m.end()].rstrip(".,'’")
        if text:
            out.append(Span(m.start(), m.start() + len(text)))
    return out


_POST_NOMINAL = re.compile(r"\s+(?:MP|QC|KC|OBE|CBE|MBE|AO|AM|PhD|Jr\.?|Sr\.?)$")


def _people(sentence: str) -> list[Span]:
    found = []
    for span in _people_with_post_nominals(sentence):
        m = _POST_NOMINAL.search(sentence[span.start : span.end])  # "Julian Whitford MP" is Julian Whitford
        found.append(Span(span.start, span.start + m.start()) if m else span)
    return found


def _people_with_post_nominals(sentence: str) -> list[Span]:
    """Names of people: after a title ("Ambassador Lynn Bell", "H.E. Dewi Kartika Sari"), or a
    capitalised run of two to four words none of which is a title, place or heading word."""
    titled = []
    for m in re.finditer(rf"(?:{TITLES})\.?\s+({NAME.pattern})", sentence):
        start, text = m.start(1), m.group(1).rstrip(".,'’")
        # "Foreign Secretary Ambassador Masud Bin Momen": titles may stack.
        while (lead := re.match(rf"(?:{TITLES})\.?\s+", text)) is not None:
            start, text = start + lead.end(), text[lead.end():]
        # "the Royal Thai Police Anti-Trafficking Division": a rank's word before a body's name.
        if text and not any(s.start <= start < s.end for s in titled) \
                and not any(w.strip(".,'’").lower() in NOT_PERSON for w in text.split()):
            titled.append(Span(start, start + len(text)))
    full = [t for t in titled if len(sentence[t.start:t.end].split()) >= 2]
    if full:
        return full
    # "Fuad Adriansyah, RSO Co-Manager (Indonesia) and Deputy Chief of Mission": a lone
    # capitalised word after a title is a rank, not a name, when a full name stands untitled.
    out = []
    for span in proper_runs(sentence, NAME):
        raw = [w.strip(".,'’") for w in sentence[span.start:span.end].split()]
        words = [w.lower() for w in raw]
        if not 2 <= len(words) <= 4 or any(w in NOT_PERSON or w in TITLE_WORDS for w in words):
            continue
        if any(ACRONYM.fullmatch(w) and not ROMAN.fullmatch(w) for w in raw):
            continue  # "UN Women", "IOM Bangkok": a body's initials, not a person's name
        before = sentence[max(0, span.start - 40) : span.start]
        # "the Global Slavery Index" is a thing and "in Kuala Lumpur" a place: people come bare.
        if re.search(r"\b(the|in|at|to|from|of)\s+$", before.lower()):
            continue
        # "...Welfare and Overseas Employment" ends a body's name; "Colombo, Sri Lanka" a place.
        if re.search(r"[A-Z][\w'’]*(?:\s+and|,)\s+$", before):
            continue
        out.append(span)
    return out or titled


# Where the sentence's verb comes back after the last of several names: ", co-chaired the ...",
# "... have been appointed as the first Co-Managers" (the verb and what follows are everyone's;
# "who is" or "which has" still describes the name before it).
_VERB_BACK = re.compile(r",\s+(?:[a-z]+-)?[a-z]+ed\b|(?<!\bwho)(?<!\bwhich)(?<!\bthat)\s+(?:have|has|had|were|was|are|is|will|would|shall)\s")

_VERB_BEFORE = re.compile(r"\b(?:[a-z]+-)?[a-z]+ed(?:\s+by)?\b")


def person_span(question: str, sentence: str) -> Span | None:
    """The person the question describes: where a sentence names several ("co-chaired by Julian
    Whitford MP, Minister for Foreign Affairs of Australia, and Dewi Kartika Sari, Minister for
    Foreign Affairs of Indonesia"), the one whose own stretch of the sentence holds the
    question's names ("for Indonesia"). Stretches part at the "and" between two names, so a
    description before a name ("of Indonesia, Mr Caka Awal") or after it is the name's own."""
    people = sorted(not_in_question(question, _people(sentence), sentence), key=lambda s: s.start)
    # "Who wrote the brief?" may be answered by two people; "Who is the Indonesian Co-Manager?" by one.
    if answer_kind(question) == "agent":
        people = _joined(sentence, people)
    names = asked_names(question)
    if len(people) < 2 or not names:
        return closest(question, sentence, people)
    # Before the first name, its description begins after the sentence's verb ("The Conference
    # was co-chaired by H.E. ...": what comes before is everyone's).
    verbs = [m.end() for m in _VERB_BEFORE.finditer(sentence, 0, people[0].start)]
    splits = [verbs[-1] if verbs else 0]
    for before, after in zip(people, people[1:]):
        gap = sentence[before.end : after.start]
        # ", and" parts two descriptions before a bare "and" does ("Security and Disarmament").
        m = re.search(r",\s*and\s", gap) or re.search(r";", gap) or re.search(r"\sand\s", gap)
        splits.append(before.end + (m.start() if m else len(gap)))
    splits.append(len(sentence))

    def own_stretch(i: int) -> int:
        # After the last name, its description ends where the sentence's verb comes back
        # (", co-chaired the ... Working Group Meeting" is everyone's).
        end = splits[i + 1]
        if i == len(people) - 1 and (verb := _VERB_BACK.search(sentence, people[i].end)):
            end = verb.start()
        stretch = sentence[splits[i] : people[i].start] + " " + sentence[people[i].end : end]
        words = light_stems(stretch)
        return sum(any(shares_stem(n, w) for w in words) for n in names)

    scores = [own_stretch(i) for i in range(len(people))]
    if max(scores) == 0 or scores.count(max(scores)) > 1:
        return closest(question, sentence, people)
    return people[scores.index(max(scores))]


def _joined(sentence: str, people: list[Span]) -> list[Span]:
    """People named together with nothing but "and" and titles between them ("written by Dr Maya
    Lindqvist and Ms Nguyen Thi Lan") are one answer; "Ms A (Australia) and Mr B (Indonesia)",
    "Ms A, Director ..., and Mr B" or "Foreign Secretary A and Secretary B" (an office between
    them) are two."""
    out: list[Span] = []
    for person in people:
        if out and _AND_TITLED.fullmatch(sentence, out[-1].end, person.start):
            out[-1] = Span(out[-1].start, person.end)
        else:
            out.append(person)
    return out


_AND_TITLED = re.compile(r"\s+and\s+(?:(?:Mr|Mrs|Ms|Dr|Prof|Professor|Sir|Dame)\.?\s+)?")
