"""The short answer inside an answering sentence: the words that answer the question (a date,
a number, an amount, a person, an organisation, a place, a list of names, an acronym's long form,
or the clause for "why" and "what"), as offsets into the sentence.

    kind = answer_kind(question)           what sort of thing it asks for (question_kinds.py)
    span = find_span(question, kind, sentence, long_forms)   (start, end) in the sentence, or None

A question that asks for a kind of thing the sentence does not hold gets no span; the answer
picker then says there is no answer rather than quote a sentence that only shares the topic.
Names of documents and frequencies (what_spans.py) and reasons (reason_spans.py) are the
exceptions: where a sentence has none, the clause stands in, as for any "what" question; the
picker first prefers sentences that have a name or a frequency (FALLBACKS).
Rules, not a model: no extractive reader with bundled weights exists on the registries.
"""

from __future__ import annotations

import re
from itertools import islice

from indexer.abbreviations import defined_acronyms
from indexer.facets import country_spans
from indexer.terms import STOPWORDS, light_stem, light_stems

from .closeness import (
    Span,
    asked_stems,
    closest,
    coordinated,
    not_in_question,
    with_bound,
)
from .acronyms import query_acronyms
from .count_spans import number_span
from .people_spans import person_span, proper_runs
from .place_spans import place_span
from .reason_spans import reason_span
from .what_spans import frequency_span, title_span
from .span_patterns import (
    ACRONYM,
    AMOUNT,
    CAP,
    CURRENCY_CODE,
    DATES,
    EVENT_WORDS,
    JOIN,
    LIST_HEAD,
    ORG_WORDS,
    PROPER,
    ROMAN,
    WHAT_END,
    WORDS,
    YEARS,
)


def find_span(question: str, kind: str | None, sentence: str, long_forms: tuple[str, ...] = (),
              fallback: bool = True, before: str = "", typos: frozenset[str] = frozenset()) -> Span | None:
    """Where in `sentence` the short answer to `question` stands; None when the sentence holds
    nothing of the kind asked for. A question of no kind gets its clause, or the sentence; so
    does one asking for a name or a frequency the sentence lacks, unless not `fallback` (the
    answer picker first looks for a sentence that has one: kinds_to_try). `before`: the text
    before the sentence in its passage, which a share's "of it" may point into; `typos`: the
    question's words no statement holds (a count's noun typed one letter off still counts)."""
    if kind is None:
        return _clause(question, sentence)
    if kind == "definition":
        return _definition(question, sentence, long_forms)
    if kind == "number":
        return number_span(question, sentence, before, typos)
    span = _FINDERS[kind](question, sentence)
    if span is None and fallback and None in FALLBACKS.get(kind, ()):
        return _clause(question, sentence)
    return span


# ------------------------------------------------------------------ finders



def _date(question: str, sentence: str) -> Span | None:
    found = not_in_question(question, [Span(m.start(), m.end()) for m in DATES.finditer(sentence)], sentence)
    # "On what exact date...", "On which day...": a year alone does not say.
    if _DAY_ASKED.search(question):  # nor a span of years ("2005-2006")
        found = [s for s in found if not YEARS.fullmatch(sentence[s.start:s.end])
                 and not _YEAR_SPAN.fullmatch(sentence[s.start:s.end])]
    # "On what date in 2006...": a date of another year is no answer ("2007-2009").
    if asked := _WHEN_IN_YEAR.search(question):
        found = [s for s in found if _within_year(sentence[s.start:s.end], int(asked.group(1)))]
    # "On what exact day...": "January 2026" does not say either.
    if _EXACT_DAY_ASKED.search(question):
        found = [s for s in found if re.search(r"(?<![\d-])\d{1,2}(?!\d)|\d{4}-\d{2}-\d{2}", sentence[s.start:s.end])]
    if not found:
        return None
    # The most specific expressions ("18 March 2024" over "2024"), then the nearest the question's words.
    longest = max(s.end - s.start for s in found)
    chosen = closest(question, sentence, [s for s in found if s.end - s.start >= min(longest, 8)])
    return with_bound(sentence, coordinated(sentence, chosen, found), date=True)


_YEAR_SPAN = re.compile(r"(?:19|20)\d{2}\s*[-–—/]\s*(?:(?:19|20)\d{2}|\d{2})")
_WHEN_IN_YEAR = re.compile(r"\b(?:when|dates?|days?|months?)\s+in\s+((?:19|20)\d{2})\b", re.I)


def _within_year(text: str, year: int) -> bool:
    """Whether a date falls in `year`: it names the year, or a span of years holding it, or no year."""
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)]
    return not years or year in years or (len(years) == 2 and years[0] <= year <= years[1])


_EXACT_DAY_ASKED = re.compile(r"\b(?:exact|precise|specific)\s+(?:date|day)\b|\b(?:what|which)\s+day\b", re.I)
_DAY_ASKED = re.compile(r"\b(?:on\s+)?(?:what|which)\s+(?:exact\s+|precise\s+)?(?:date|day)\b|\bexact date\b", re.I)


def _year(question: str, sentence: str) -> Span | None:
    found = not_in_question(question, [Span(m.start(), m.end()) for m in YEARS.finditer(sentence)], sentence)
    return closest(question, sentence, found)


def _amount(question: str, sentence: str) -> Span | None:
    spans = [Span(m.start(), m.end()) for m in AMOUNT.finditer(sentence)]
    # "50,000 Bangladeshi Taka (BDT) ($476)": an amount alone in brackets after another is the
    # same sum converted ("AUD 2 million (AUD 500,000 in the first year)" is a part of it).
    spans = [s for i, s in enumerate(spans) if not (i and _CONVERSION.fullmatch(sentence, spans[i - 1].end, s.start)
                                                     and sentence[s.end:s.end + 1] == ")")]
    found = not_in_question(question, spans, sentence)
    chosen = closest(question, sentence, found)
    return with_bound(sentence, chosen) if chosen else number_span(question, sentence)


_CONVERSION = re.compile(r"(?:\s*\([A-Z]{3}\))?\s*\((?:about|approximately|approx\.|around|some|c\.)?\s*")


def _agent(question: str, sentence: str) -> Span | None:
    """Who did it: a person when the sentence names one, else a body or a country, or the
    bodies it names together ("published by IOM and the RSO"): "who" can be several."""
    person = person_span(question, sentence)
    if person is not None:
        return person
    found = [_without_post(sentence, s) for s in _organisations(question, sentence)]
    chosen = _organisation(question, sentence, found)
    # "led by Malaysia and IOM": a country joined to a body acts with it.
    countries = [Span(a, b) for a, b in country_spans(sentence)]
    return coordinated(sentence, chosen, found + countries) if chosen else None


def _organisation(question: str, sentence: str, found: list[Span] | None = None) -> Span | None:
    if found is None:
        found = [_without_post(sentence, s) for s in _organisations(question, sentence)]
    # "The TEG-RR has been renamed the Working Group on ...": a body is now called what follows.
    renamed = [s for s in found if _RENAMED.search(sentence[: s.start])]
    chosen = closest(question, sentence, renamed or found)
    return with_initials(sentence, chosen) if chosen else None


_ROLE_LEAD = re.compile(r"(?:[A-Z][\w-]*\s+){0,2}?(?:Secretary(?:-General)?|Director(?:-General)?|Minister|Head|"
                        r"Chair(?:person)?|Chief|President|Ambassador|Commissioner|(?:Co-)?Manager|Representative)"
                        r"\s+(?:of|for|to)\s+(?:the\s+)?")
_RENAMED = re.compile(r"\b(?:renamed|now called|now known as)\s+(?:as\s+|to\s+)?(?:the\s+)?$", re.I)
_BRACKETED = re.compile(r"\s*\(([^()]{2,15})\)")
# "the Ad Hoc Group (AHG) of Senior Officials": the name goes on after its initials.
_NAME_GOES_ON = re.compile(r"\s+of\s+(?:the\s+)?(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                           r"January|February|March|April|May|June|July|August|September|October|November|December)\b)"
                           r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def _without_post(sentence: str, span: Span) -> Span:
    """"Deputy Secretary-General of the Ministry of Home Affairs" asked as a body: the ministry,
    not the post ("who" keeps the post: a person's office answers it)."""
    role = _ROLE_LEAD.match(sentence[span.start : span.end])
    return Span(span.start + role.end(), span.end) if role and role.end() < span.end - span.start else span


def with_initials(sentence: str, span: Span) -> Span:
    """A body's name with the initials the sentence gives it in brackets ("ASEAN-Australia
    Counter-Trafficking (ASEAN-ACT)"), whether the name or the initials were chosen: the
    statement's own way of naming it."""
    defined = defined_acronyms(sentence)
    text = sentence[span.start : span.end]
    after = _BRACKETED.match(sentence, span.end)
    if after and after.group(1) in defined and text.lower().endswith(defined[after.group(1)].lower()):
        end = after.end()
        goes_on = _NAME_GOES_ON.match(sentence, end)
        return Span(span.start, goes_on.end() if goes_on else end)
    if text in defined and sentence[span.start - 1 : span.start] == "(" and sentence[span.end : span.end + 1] == ")":
        long_form = defined[text]
        at = sentence.lower().rfind(long_form.lower(), 0, span.start)
        if at >= 0 and not sentence[at + len(long_form) : span.start - 1].strip():
            return with_initials(sentence, Span(at, at + len(long_form)))
    return span


def _organisations(question: str, sentence: str) -> list[Span]:
    asked = light_stems(question)
    found = []
    for span in proper_runs(sentence):
        words = {w.lower() for w in WORDS.findall(sentence[span.start:span.end])}
        # "The Co-chairs of the Bali Process" only echoes "Who co-chaired the Bali Process...?"
        # A run led by initials is a body too: "UN Women", "IOM Thailand".
        run = sentence[span.start:span.end].split()
        led_by_initials = ACRONYM.fullmatch(run[0]) is not None and all(w[:1].isupper() for w in run) \
            and not CURRENCY_CODE.fullmatch(run[0])
        if (words & ORG_WORDS or led_by_initials) and not {light_stem(w) for w in words} <= asked | {"the", "of", "co"} \
                and not _is_event(run):
            found.append(span)
    found += [Span(m.start(), m.end()) for m in ACRONYM.finditer(sentence)  # "Track II" is no body, "AUD" none
              if len(m.group(0)) >= 2 and not ROMAN.fullmatch(m.group(0)) and not CURRENCY_CODE.fullmatch(m.group(0))]
    # "With which agency did the RSO develop its toolkit?" is not answered by "The Bali Process
    # RSO", nor "...with the RSO?" by "the Regional Support Office (RSO)": a body the question
    # names by its initials is what it asks about (the initials in the name or in brackets after it).
    named = {a for a in ACRONYM.findall(question) if len(a) >= 2}
    found = [f for f in found if not named & set(ACRONYM.findall(_with_bracketed(sentence, f)))]
    # "Lao PDR": a country's name is no body's.
    countries = country_spans(sentence)
    found = [f for f in found if not any(a <= f.start and f.end <= b for a, b in countries)]
    return not_in_question(question, found, sentence)


def _is_event(run: list[str]) -> bool:
    """"Bali Process Regional Workshop on ...": a body's name before an event's noun names the
    event, not a body ("Ministerial Conference Secretariat" is a body: its body word comes last)."""
    words = [w.lower().strip(".,;:()'’") for w in run]
    events = [i for i, w in enumerate(words) if w in EVENT_WORDS]
    bodies = [i for i, w in enumerate(words) if w in ORG_WORDS]
    return bool(events) and (not bodies or events[0] > bodies[-1])


def _with_bracketed(sentence: str, span: Span) -> str:
    """The span's text with the brackets right after it ("Regional Support Office (RSO)")."""
    after = _BRACKETED.match(sentence, span.end)
    return sentence[span.start : after.end() if after else span.end]


def _list(question: str, sentence: str) -> Span | None:
    """A run of two or more names joined by commas and "and"."""
    item = rf"(?:(?:the\s+)?{CAP}(?:\s+(?:{JOIN}\s+)?{CAP}){{0,6}}(?:\s+\([^()]{{1,40}}\))?|[A-Z]{{2,}})"
    pattern = re.compile(rf"{item}(?:\s*,\s*{item})*(?:\s*,?\s+(?:and|or|&)\s+{item})")
    found = []
    for m in pattern.finditer(sentence):
        text = m.group(0).rstrip(".,;:")
        if ("," in text or re.search(r"\s(?:and|or|&)\s", text)) and not text.isupper():
            # "the Governments of Australia & Indonesia": the list is what the plural head names.
            head = LIST_HEAD.match(text)
            start = m.start() + (head.end() if head else 0)
            # "Summaries in Bahasa Indonesia and Thai will be added": the question's own word
            # ("in which languages will summaries...") leads the list, it is no item.
            lead = _ASKED_LEAD.match(sentence, start)
            if lead and light_stem(lead.group(1).lower()) in asked_stems(question):
                start = lead.end()
            found.append(Span(start, m.start() + len(text)))
    found = not_in_question(question, found, sentence)
    if not found and _COMMON_ITEMS.search(question):
        found = not_in_question(question, _lower_case_lists(sentence), sentence)
    chosen = max(found, key=lambda s: s.end - s.start, default=None) or _organisation(question, sentence)
    # "Which countries took part?" is not answered by "the RSO and IOM": a list of countries names one.
    if chosen and _COUNTRIES.search(question) and not country_spans(sentence[chosen.start:chosen.end]):
        return None
    return chosen


_ASKED_LEAD = re.compile(r"([A-Z][a-z]+)\s+(?:in|of|from|for|by|with)\s+(?=[A-Z])")
# The list asked for is of countries: "which (three / member) countries", "what governments".
_COUNTRIES = re.compile(r"\b(?:which|what)\s+(?:(?!(?:organi[sz]ations|agencies|bodies|partners|groups)\b)[\w-]+\s+){0,2}?"
                        r"(?:countries|(?<!united\s)nations|states|governments)\b"
                        r"(?!\s+(?:agencies|bodies|organi[sz]ations|entities|offices|programmes|members)\b)", re.I)


# Things listed in lower case: "which sectors" -> "cyber-scam centres, agriculture, fisheries, and
# the hospitality sector"; names are listed in capitals (above).
_COMMON_ITEMS = re.compile(r"\b(?:topics|themes|areas|priorities|issues|sectors|industries|challenges|factors|forms|"
                           r"types|kinds|activities|crimes)\b", re.I)
# Items of lower-case words, none "and" or "or", each taken whole (atomic: one way to read a
# list, so a long one without "and" fails in linear time).
_LOWER_WORD = r"(?!(?:and|or)\b)[a-z][\w'’-]*"
_LOWER_LIST = re.compile(rf"(?>{_LOWER_WORD}(?:\s+{_LOWER_WORD}){{0,3}})(?:\s*,\s*(?>{_LOWER_WORD}(?:\s+{_LOWER_WORD}){{0,3}}))+"
                         rf"\s*,?\s+(?:and|or)\s+(?>{_LOWER_WORD}(?:\s+{_LOWER_WORD}){{0,2}})")
# "across sectors, including fishing, ...": such a list is read only after what introduces it
# (without one, "discussed the issues, noting progress, and agreed" would be a list too).
_LIST_LEAD = re.compile(r"\b(?:including|such as|namely|notably|especially|particularly|like)\s+|[:—–]\s*", re.I)


_MAX_LEADS = 8  # lists read per sentence: each is a scan to the sentence's end


def _lower_case_lists(sentence: str) -> list[Span]:
    out = []
    for lead in islice(_LIST_LEAD.finditer(sentence), _MAX_LEADS):
        m = _LOWER_LIST.match(sentence, lead.end())
        if m is None or _LIST_LEAD.match(sentence, lead.end()):  # "—including ...": read after "including"
            continue
        out.append(_without_small_words(sentence, m))
    return out


def _without_small_words(sentence: str, m: re.Match) -> Span:
    """The last item ends at its last word that is not a small one: "construction in the" is "construction"."""
    words = list(WORDS.finditer(sentence, m.start(), m.end()))
    while len(words) > 1 and words[-1].group(0).lower() in STOPWORDS:
        words.pop()
    return Span(m.start(), words[-1].end())


def _definition(question: str, sentence: str, long_forms: tuple[str, ...] = ()) -> Span | None:
    lowered = sentence.lower()
    for form in long_forms:
        at = lowered.find(form.lower())
        if at >= 0:
            return Span(at, at + len(form))
    return None if long_forms else bracketed_name(question, sentence)


def bracketed_name(question: str, sentence: str) -> Span | None:
    """"Indonesian Chamber of Commerce and Industry (KADIN)": the name just before one of the
    question's acronyms in brackets. Where no statement spells the letters out (they abbreviate
    another language's words, Kamar Dagang dan Industri), that name is what they stand for."""
    for acronym in query_acronyms(question):
        m = re.search(rf"({PROPER.pattern})\s*\(\s*(?i:{re.escape(acronym)})\s*\)", sentence)
        if m is None:
            continue
        # The name alone: not "The" before it, nor what "and the" joins to it ("Australia and the
        # Indonesian Chamber of Commerce and Industry (KADIN)").
        start = m.start(1)
        for cut in re.finditer(r"^(?:The|A|An)\s+|\s(?:and|&)\s+the\s+", m.group(1)):
            start = m.start(1) + cut.end()
        words = [w for w in sentence[start:m.end(1)].split() if not re.fullmatch(JOIN, w)]
        if len(words) >= 2:
            return Span(start, m.end(1))
    return None


# What ends a clause but for the ", and" before a list's last item.
_LIST_BREAK = re.compile(r"[;:.](?=\s|$)|,\s+(?:but|which|while|who)\b|\s+(?:in order to|to be|to|which|that|so that)\s")


def _clause(question: str, sentence: str) -> Span:
    """For a "what" question: the part of the sentence after the last word it shares with the
    question, when that is a clause of a few words; else the whole sentence."""
    asked = asked_stems(question)
    words = list(WORDS.finditer(sentence))
    last = max((i for i, w in enumerate(words) if light_stem(w.group(0)) in asked), default=None)
    whole = Span(0, len(sentence.rstrip()))
    if last is None or last >= len(words) - 2:
        return whole
    rest = words[last + 1 :]
    while rest and rest[0].group(0).lower() in STOPWORDS | {"to", "that", "as"}:
        if len(rest) > 1 and rest[0].group(0).lower() == "at" and rest[1].group(0).lower() in ("least", "most"):
            break  # "at least 50,000 Taka": the bound is part of the answer
        rest = rest[1:]
    if len(rest) < 2:
        return whole
    # "drafted concept notes": the thing, not the doing ("to" is already left off above).
    if len(rest) > 3 and re.fullmatch(r"[a-z]+ed", rest[0].group(0)):
        rest = rest[1:]
    end = WHAT_END.search(sentence, rest[0].start())
    stop = end.start() if end else len(sentence.rstrip(". "))
    # "three pillars: prevention, protection of victims, and prosecution of offenders": the ", and"
    # that ends a clause ends no list.
    listed = _LOWER_LIST.match(sentence, rest[0].start())
    # (Not a list of things done: "discussed the budget, reviewed the workplan, and adopted the report".)
    if listed and listed.end() > stop and not _LIST_BREAK.search(sentence, rest[0].start(), listed.end()) \
            and not re.search(r"(?:,|\band)\s+[a-z]+ed\b", sentence[rest[0].start():listed.end()]):
        stop = _without_small_words(sentence, listed).end
    return Span(rest[0].start(), stop)


# (A number is found by number_span in find_span: it also reads the text before the sentence.)
_FINDERS = {"date": _date, "year": _year, "amount": _amount, "person": person_span, "agent": _agent,
            "organisation": _organisation, "place": place_span, "list": _list,
            # A reason given by a cue, else the clause, in every sentence alike (preferring the
            # sentences with a cue, as FALLBACKS does for names, was measured: reason_spans.py).
            "reason": lambda question, sentence: reason_span(question, sentence) or _clause(question, sentence),
            "title": title_span, "frequency": frequency_span}

# Where no sentence holds the kind asked for, the next kind that may answer: "who" is a person,
# else a body; a name or a frequency, else the clause as for any "what" question (None).
FALLBACKS: dict[str | None, tuple[str | None, ...]] = {
    "agent": ("person", "agent"), "title": ("title", None), "frequency": ("frequency", None)}


def kinds_to_try(kind: str | None) -> tuple[str | None, ...]:
    return FALLBACKS.get(kind, (kind,))
