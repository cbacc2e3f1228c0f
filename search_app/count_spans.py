"""The number that answers "how many": the count of what the question counts, with the counted
noun when it follows ("how many members" -> "48 members"), or the length of time for "how
long". A count of something else ("seven additional members" for "how many staff") is none."""

from __future__ import annotations

import re

from indexer.terms import STOPWORDS, light_stem, one_edit_apart

from .closeness import Span, closeness, closest, coordinated, not_in_question, with_bound
from .span_patterns import AMOUNT, COUNT_NOUNS, DATES, DURATION, NUMBER, WORDS, YEARS


_PLANNED = re.compile(r"\b(?:targets?|aims?|goals?|plans?|intends?|expected|expects?|hopes?|should|will|would)\b"
                      r"(?:\s+(?:of|to|for))?(?:\s+[\w-]+){0,2}\s*$", re.I)
_PLAN_ASKED = re.compile(r"\b(?:targets?|aim\w*|goals?|plan\w*|intend\w*|expect\w*|hope\w*|will|would|should|"
                         r"meant|supposed)\b", re.I)
_SHARE_ASKED = re.compile(r"\b(?:what|which)\s+(?:portion|share|proportion|percentage|fraction)\b", re.I)
_SHARE = re.compile(r"%|\bper\s?cent\b|\bpercent\b|\bhalf\b|\bhalves\b|\bthirds?\b|\bquarters?\b|"
                    r"\b(?:fifth|sixth|seventh|eighth|ninth|tenth)s?\b", re.I)


def _count_candidates(question: str, sentence: str) -> list[Span]:
    """The numbers of the sentence that may answer: not days of dates, nor years unless asked,
    nor what the question says itself."""
    # "3" of "3-4 December 2015" and "22" of "22 March 2016" are days, not counts.
    dates = [m.span() for m in DATES.finditer(sentence) if not YEARS.fullmatch(m.group(0))]
    candidates = [Span(m.start(), m.end()) for m in NUMBER.finditer(sentence)
                  if not (YEARS.fullmatch(m.group(0)) and not re.search(r"\byears?\b", question, re.I))
                  and not any(a <= m.start() < b for a, b in dates)]
    candidates = [c for c in not_in_question(question, candidates, sentence) if sentence[c.start:c.end].strip()]
    # "How many officials had completed the course by 2017?" is not answered by "a target of
    # training 300 officials by the end of 2017", nor "The Network should train 120 inspectors":
    # a target or plan is no outcome, unless asked for.
    if not _PLAN_ASKED.search(question):
        candidates = [c for c in candidates if not _PLANNED.search(sentence[max(0, c.start - 40) : c.start])]
    # "What portion of the budget...": a share ("one fifth", "40 per cent"), not "AUD 6.2 million".
    if _SHARE_ASKED.search(question):
        candidates = [c for c in candidates if _SHARE.search(sentence[c.start:c.end] + sentence[c.end:c.end + 12])]
    return candidates


def number_span(question: str, sentence: str, before: str = "", typos: frozenset[str] = frozenset()) -> Span | None:
    """The number counting what the question counts, with the counted noun when it follows
    ("how many members" -> "48 members"); years are dates, not counts. `typos`: the question's
    words no statement holds, which a word one letter off may stand for ("trafickers")."""
    if re.search(r"\bhow long\b", question, re.I):
        durations = [Span(m.start(), m.end()) for m in DURATION.finditer(sentence)]
        if chosen := closest(question, sentence, not_in_question(question, durations, sentence)):
            bounded = with_bound(sentence, chosen)  # "more than two years"; "over two days" is when, not how long
            return chosen if sentence[bounded.start : chosen.start].lower().startswith("over") else bounded
    candidates = _count_candidates(question, sentence)
    if not candidates:
        return None
    counted = _counted_nouns(question)
    if _SHARE_ASKED.search(question):  # the share is the answer, not what it is a share of
        # "What share of trafficking cases...": a share of something neither the sentence nor the
        # one before it names ("one fifth of it is allocated to the programme") is a share of
        # something else.
        previous = re.split(r"(?<=[.!?])\s+", before.strip())[-1] if before.strip() else ""
        kin, words = _kin(counted), {light_stem(w) for w in WORDS.findall(f"{previous} {sentence}")}
        if counted and not any(w.startswith(k) for w in words for k in kin):
            return None
        return with_bound(sentence, closest(question, sentence, candidates))

    def counted_after(span: Span) -> Span:
        end = span.end
        for m in re.finditer(r"\s+([\w'’-]+)", sentence[span.end : span.end + 60]):
            word = m.group(1)
            if m.start() != end - span.end or (light_stem(word) not in counted and word.lower() not in COUNT_NOUNS):
                break
            end = span.end + m.end()
        return Span(span.start, end)

    def stems_of(span: Span) -> set[str]:
        return {light_stem(w) for w in WORDS.findall(sentence[span.start : span.end])}

    def counts_what_is_asked(span: Span) -> int:
        """How many of the question's counted words the span holds ("member states": 2)."""
        return len(stems_of(span) & counted)

    extended = [counted_after(c) for c in candidates]
    # "How many staff..." is not answered by "seven additional members": a count of something
    # else. Where the question says what it counts, a number must count that (or its kin:
    # countries, states and members; delegates, participants and officials), within a few words.
    if counted and re.search(r"\bhow many\b", question, re.I):
        kin = _kin(counted)
        typed = {c for c in counted if c in {light_stem(t) for t in typos}}
        extended = [s for s in extended if _counts_within(sentence, s, kin, typed)]
        if not extended:
            return None
    chosen = max(extended, key=lambda s: (counts_what_is_asked(s), closeness(question, sentence, s), -s.start))
    # "How many members and observers": "44 members and 16 observers" (a count of something else
    # the question asks for; "45 member states and 4 member organisations" answer "how many
    # member states" with the first alone).
    def counts_more(span: Span) -> bool:
        return bool(stems_of(span) & counted - stems_of(chosen))

    found = coordinated(sentence, chosen, extended, keep=counts_more) if counts_what_is_asked(chosen) else chosen
    # "How much starting capital...": a number with its currency is an amount ("USD 4 million").
    amount = next((Span(*m.span()) for m in AMOUNT.finditer(sentence) if m.start() <= found.start < m.end()), None)
    return with_bound(sentence, amount if amount and amount.end >= found.end else found)


# Words one count may be given in: "how many countries" is answered by "45 Member States".
_COUNT_KIN = ({"countri", "state", "nation", "member", "government", "economi", "jurisdiction"},
              {"delegat", "participant", "official", "representativ", "attende", "people", "person", "staff",
               "expert", "practitioner"},
              {"case", "conviction", "convict", "prosecution", "investigation", "trafficker", "offender", "perpetrator"})
COUNT_REACH = 5  # words after a number that may name what it counts ("60 frontline immigration and police officials")


def _kin(counted: set[str]) -> set[str]:
    stems = {c[:-1] if c.endswith(("y", "e")) else c for c in counted if len(c) >= 4}
    out = set(stems)
    for group in _COUNT_KIN:
        if any(any(c.startswith(g) or g.startswith(c) for g in group) for c in stems):
            out |= group
    return out


# What counts may stand before its number: "a staff of nine", "RSO staff: 17", "membership stood at 45".
_COUNTED_BEFORE = re.compile(r"([\w'’-]+)\s*(?::|\bof|\b(?:stood|was|were) at|\b(?:totall?ed|numbered|reached|"
                             r"(?:rose|grew|increased|fell|dropped) to))\s*$", re.I)


# A word after the number that may not be what it counts ("45 following the 2023 conference").
_TIME_WORDS = {"after", "following", "during", "before", "since", "until", "last", "next", "year", "years"}  # and STOPWORDS


def _counts_within(sentence: str, span: Span, kin: set[str], typed: set[str] = frozenset()) -> bool:
    """Whether the number at `span` counts one of `kin`, or a word one letter off one of `typed`
    (the question's counted words that no statement holds: "how many trafickers"; never real
    words, "countries" is one letter from "counts", nor their kin, "participating" from
    "participant")."""
    def is_kin(w: str) -> bool:
        return any(w.startswith(k) or (len(w) >= max(4, len(k) - 2) and k.startswith(w)) for k in kin) \
            or any(one_edit_apart(light_stem(w), t) for t in typed)

    words = [w.lower() for w in WORDS.findall(sentence[span.start : span.end + 60])][: COUNT_REACH + 1]
    if any(is_kin(w) for w in words[1:] or words):
        return True
    # Counted before, only when no other noun follows the number: "Members of 12 agencies" counts agencies.
    before = _COUNTED_BEFORE.search(sentence[max(0, span.start - 40) : span.start])
    return bool(before and is_kin(before.group(1).lower()) and not _counts_another(sentence, span.end))


def _counts_another(sentence: str, at: int) -> bool:
    """Whether a content word follows the number at `at` ("12 agencies", "3 days"): then it
    counts that, not what stands before it."""
    after = re.match(r"\s+([A-Za-z][\w'’-]*)", sentence[at:])
    return bool(after) and after.group(1).lower() not in STOPWORDS and after.group(1).lower() not in _TIME_WORDS


def _counted_nouns(question: str) -> set[str]:
    m = re.search(r"\bhow (?:many|much)\s+((?:[\w'’-]+\s+){0,4})", question, re.I) or \
        re.search(r"\b(?:number|count|total|percentage|share) of\s+((?:[\w'’-]+\s+){0,4})", question, re.I)
    words = []
    for word in WORDS.findall(m.group(1)) if m else []:
        if word.lower() in _VERBS or (words and word.lower().endswith("ed")):
            break  # "how many members and observers took part": the counted words end at the verb
        words.append(word)
    return {light_stem(w) for w in words if w.lower() not in STOPWORDS}


_VERBS = {"did", "do", "does", "is", "was", "were", "are", "has", "have", "had", "will", "would", "can", "could",
          "took", "take", "takes", "went", "came", "met", "gave", "held", "sent", "made", "got", "saw"}
