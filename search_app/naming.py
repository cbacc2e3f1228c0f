"""How statements are named in questions: a date as the words people use for it ("18 March
2024"), the acronyms a run of capitalised words may go by ("SOM" for "Senior Officials
Meeting"), and the ordinals and numbers that pick one meeting of several ("the Ninth Annual
Meeting" is "the 9th"). The answer picker and DocumentMatch both read them."""

from __future__ import annotations

import functools
import re

from indexer.facets import countries_named

_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|on|and|for|in|the|to)\s+)*[A-Z][\w'’-]*)+")
_SMALL_WORDS = {"of", "on", "and", "for", "in", "the", "to"}


def initialisms(text: str) -> set[str]:
    """The initials of every run of two to six capitalised words ("Senior Officials Meeting" ->
    "som"; "Trafficking in Persons" -> "tip"), lower-cased: what an acronym may stand for."""
    out: set[str] = set()
    for m in _CAPITALISED_RUN.finditer(text):
        words = m.group(0).split()
        # "TP" and "TiP" both abbreviate "Trafficking in Persons".
        for initials in ([w[0].lower() for w in words if w not in _SMALL_WORDS], [w[0].lower() for w in words]):
            for i in range(len(initials)):
                for j in range(i + 2, min(len(initials), i + 6) + 1):
                    out.add("".join(initials[i:j]))
    return out


def long_date(iso: str | None) -> str:
    """"2024-03-18" as the words a question may use for it: "2024-03-18 18 March 2024"."""
    if not iso:
        return ""
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{iso} {int(parts[2])} {MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    return iso


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
                 "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
ORDINAL = re.compile(r"\b(?:" + "|".join(ORDINAL_WORDS) + r"|\d{1,3}(?:st|nd|rd|th))\b", re.I)
# Words that, after an ordinal, say which meeting ("the sixth Senior Officials Meeting").
MEETING_WORDS = {"ministerial", "conference", "senior", "officials", "meeting", "annual", "som", "intersessional",
                 "regional", "workshop", "roundtable", "consultation", "declaration", "virtual", "special",
                 "session", "summit", "forum", "edition"}
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_FOLLOWING = re.compile(r"\s+([\w'’-]+)")


def ordinal_number(word: str) -> int | None:
    """3 for "third" or "3rd"; None for anything else."""
    word = word.lower()
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS.index(word) + 1
    return int(word[:-2]) if word[:-2].isdigit() and word[-2:] in ("st", "nd", "rd", "th") else None


# The series of meetings an ordinal may number: "the Eleventh Ministerial Conference" is not the
# Eleventh Senior Officials Meeting, though both are "Eleventh". "Annual" only where neither
# follows ("the Fifth Annual Senior Officials Meeting" is a senior officials' one).
_SERIES = {"ministerial": "ministerial", "ministers": "ministerial", "senior": "som", "officials": "som",
           "som": "som", "annual": "annual"}


def numbered_meetings(text: str) -> set[tuple[int, str]]:
    """(ordinal, series) of each numbered meeting a text names: "the Fourth Bali Regional
    Ministerial Conference" -> (4, "ministerial"), "Eleventh SOM" -> (11, "som"). The series
    word must follow within four words of the same clause."""
    found = set()
    for m in ORDINAL.finditer(text):
        clause = re.split(r"[,.;:()]", text[m.end() : m.end() + 60], maxsplit=1)[0]
        following = [w.group(1).lower().strip("'’") for w in _FOLLOWING.finditer(clause)][:4]
        named = [_SERIES[w] for w in following if w in _SERIES]
        series = next((s for s in named if s != "annual"), named[0] if named else None)
        n = ordinal_number(m.group(0))
        if series and n:
            found.add((n, series))
    return found


def meeting_ordinals(text: str) -> set[int]:
    """The ordinals a text gives a meeting ("its first meeting", "the Ninth Annual Meeting"):
    not "First Assistant Secretary" or "for the first time"."""
    found = set()
    for m in ORDINAL.finditer(text):
        following = [w.group(1).lower() for w in _FOLLOWING.finditer(text[m.end() : m.end() + 60])][:3]
        # "its Fifth Annual Meeting"; "the Network first met in Bangkok".
        if any(w in MEETING_WORDS or w in _MEETING_VERBS for w in following[:1] + [w for w in following if w in MEETING_WORDS]) \
                and (n := ordinal_number(m.group(0))):
            found.add(n)
    # "meet for the second time"; "the inaugural meeting" is the first.
    found |= {n for m in _MEETS_FOR_THE.finditer(text) if (n := ordinal_number(m.group(1)))}
    if any(w.group(1).lower() in MEETING_WORDS for m in _INAUGURAL.finditer(text)
           for w in list(_FOLLOWING.finditer(text[m.end() : m.end() + 60]))[:3]):
        found.add(1)
    return found


_MEETS_FOR_THE = re.compile(rf"\b(?:meets?|met|meeting|convene[sd]?|gather(?:s|ed)?)\s+for\s+the\s+({ORDINAL.pattern})\s+time\b",
                            re.I)
_INAUGURAL = re.compile(r"\binaugural\b", re.I)
_MEETING_VERBS = {"met", "meet", "meets", "convened", "convenes", "gathered"}


def identifiers(text: str, named_only: bool = False) -> set[str]:
    """The ordinals ("ord:9" for "Ninth" and "9th") and whole numbers ("2000" for "2,000",
    "3.5") a text holds. `named_only`: an ordinal counts only where it names something (a
    capitalised or a meeting word follows within three words), so the adverb in "when was it
    first established" is no identifier."""
    found = set()
    for m in ORDINAL.finditer(text):
        if named_only:
            following = [w.group(1) for w in _FOLLOWING.finditer(text[m.end() : m.end() + 60])][:3]
            if not any(w[:1].isupper() or w.lower() in MEETING_WORDS for w in following):
                continue
        found.add(f"ord:{ordinal_number(m.group(0))}")
    found |= {re.sub(r",(?=\d{3}\b)", "", m.group(0)) for m in _NUMBER.finditer(text)}
    return found


# A body named by what it works on: "the Working Group on Trafficking in Persons", "the Taskforce
# on Planning and Preparedness". Two such names with one head and other subjects are two bodies.
_BODY_HEAD = re.compile(r"\b(?:[A-Z][\w-]*\s+){0,3}(Group|Taskforce|Task\s+Force|Forum|Committee|Network|Dialogue)\s+(?:on|for)\s+")
_SUBJECT = re.compile(r"(?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:(?:in|of|and|for|the|on|to|against)\s+)*[A-Z][\w'’-]*)*")


def named_bodies(text: str) -> set[tuple[str, str]]:
    """(head, subject) of each body the text names by its subject: "Working Group on
    Technology-Facilitated Trafficking" -> ("group", "technology-facilitated trafficking"). A
    subject ends where the next body's name begins ("... on Trafficking in Persons and the
    Working Group on ...")."""
    heads = list(_BODY_HEAD.finditer(text))
    found = set()
    for m, following in zip(heads, [*heads[1:], None]):
        end = following.start() if following else len(text)
        subject = _SUBJECT.match(text, m.end(), end)
        if subject:  # "Task Force" and "Taskforce" are one head
            # "the Working Group on Trafficking in Persons' plan": the possessive is no part of the name
            name = re.sub(r"['’]s?$", "", " ".join(subject.group(0).lower().split()).removeprefix("the "))
            found.add(("".join(m.group(1).lower().split()), name))
    return found


@functools.lru_cache(maxsize=1024)  # read once per question, not once per candidate sentence
def _asked_bodies(question: str) -> frozenset[tuple[str, str]]:
    return frozenset(named_bodies(question))


def names_another_body(question: str, sentence: str) -> bool:
    """Whether the sentence names, under the head of a body the question names, only bodies of
    other subjects: "the Working Group on Trafficking in Persons" for a question about "the
    Working Group on Technology-Facilitated Trafficking"."""
    asked = _asked_bodies(question)
    if not asked:
        return False
    held = named_bodies(sentence)
    for head, subject in asked:
        theirs = {s for h, s in held if h == head}
        if theirs and not any(s.startswith(subject) or subject.startswith(s) for s in theirs):
            return True
    return False


# A country's adjective names it ("the Australian co-chair", "Thai police"): the regular ones by
# their ending ("Indonesian", "Bangladeshi", "Japanese"), these by name.
_DEMONYMS = {"thai": "Thailand", "filipino": "Philippines", "philippine": "Philippines", "vietnamese": "Viet Nam",
             "burmese": "Myanmar", "lao": "Lao PDR", "chinese": "China", "nepali": "Nepal", "nepalese": "Nepal",
             "lankan": "Sri Lanka", "kiwi": "New Zealand", "afghan": "Afghanistan", "maldivian": "Maldives"}
_ADJECTIVE = re.compile(r"\b([A-Z][a-z]+?)(n|i|ese)\b(?!\s+(?:Ocean|Sea)\b)")  # not "the Indian Ocean"


@functools.lru_cache(maxsize=1024)
def asked_countries(question: str) -> frozenset[str]:
    """The countries a question names, by name or by adjective, as the facets show them."""
    return frozenset(name for _, _, name in countries_or_adjectives(question))


def countries_or_adjectives(text: str) -> list[tuple[int, int, str]]:
    """Where a text names a country, by name or by adjective, with the name it is shown under."""
    found = countries_named(text)
    for m in re.finditer(r"\b[A-Z][a-z]+\b", text):
        if m.group(0).lower() in _DEMONYMS:
            found.append((m.start(), m.end(), _DEMONYMS[m.group(0).lower()]))
    for m in _ADJECTIVE.finditer(text):
        for stem in (m.group(1) + "a", m.group(1)) if m.group(2) == "ese" else (m.group(1),):
            found += [(m.start(), m.end(), name) for a, b, name in countries_named(stem) if (a, b) == (0, len(stem))]
    return found


_WHERE_BEFORE = re.compile(r"\b(?:in|at|to|across|throughout|within)\s+(?:the\s+)?(?:[A-Z][\w'’-]*,?\s+){0,3}$")


def names_another_country(question: str, sentence: str, answer: tuple[int, int], context: str = "") -> bool:
    """Whether the sentence is about one other country than the question's: outside the words
    that answer it names one country, and neither it nor `context` (the statement's title and the
    passage before it) names the question's. "How many tribunals does Sri Lanka have?" is not
    answered by "Bangladesh reported that its seven tribunals...", nor "Who was the Australian
    Co-Manager?" by "Fuad Adriansyah, RSO Co-Manager (Indonesia)"; "Which countries did the
    Australian minister visit?" is by "The minister visited Thailand and Malaysia" (the answer's
    own countries), and a sentence naming several ("the Co-Chairs from Australia and Indonesia
    met the Foreign Secretary") is about them all. (Dev: any other country, not one, lost three
    right answers on our own set and dev set 2.)"""
    asked = asked_countries(question)
    if not asked:
        return False
    named = countries_or_adjectives(sentence)
    outside = [(a, name) for a, b, name in named if b <= answer[0] or a >= answer[1]]
    if len({name for _, name in outside}) != 1 or asked & {name for _, _, name in named}:
        return False
    # "held in Bali, Indonesia": where something happened is no country it is about.
    if all(_WHERE_BEFORE.search(sentence[max(0, a - 40):a]) for a, _ in outside):
        return False
    return not asked & {name for _, _, name in countries_or_adjectives(context)}
