"""Who and where a passage names: its countries, organisations and people, found at build time
and stored per chunk, so that a search can count them and filter by them.

- Countries come from pycountry's ISO 3166 list (maintained; every name, common and official
  form without a comma) plus the spellings the statements use ("Viet Nam", "Lao PDR", "the
  Republic of Korea", "Türkiye"); each is shown by one name, so "Laos" and "Lao PDR" count once.
- Organisations are the bodies the statements cite (UNHCR, IOM, UNODC, ...), by acronym or
  long name, and every acronym a statement defines whose long form names a body ("Regional
  Support Office (RSO)"); shown by acronym.
- People are names after a title or honorific ("H.E. Ms Retno Marsudi", "Minister Penny Wong").

Word lists are matched case-sensitively on word boundaries: "Chad" and "Jordan" are rare in
these texts as names; "Niger" is not "Nigeria"; the longest name wins ("Papua New Guinea").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from .abbreviations import defined_acronyms

# Bumped when extraction changes: files are read again at the next build (documents.py).
FACETS_VERSION = 2  # 2: "State of Palestine" without "the" counts (NameMatcher)
COUNTRIES, ORGANISATIONS, PEOPLE = "countries", "organisations", "people"
FACET_NAMES = (COUNTRIES, ORGANISATIONS, PEOPLE)

# How a country is shown: the statements' own usage where ISO's name is awkward.
_COUNTRY_SHOWN = {
    "BOL": "Bolivia", "BRN": "Brunei Darussalam", "CIV": "Côte d'Ivoire", "COD": "DR Congo", "FSM": "Micronesia",
    "GBR": "United Kingdom", "IRN": "Iran", "KOR": "Republic of Korea", "LAO": "Lao PDR", "MDA": "Moldova",
    "PRK": "DPRK", "PSE": "Palestine", "RUS": "Russia", "SYR": "Syria", "TWN": "Taiwan", "TZA": "Tanzania",
    "USA": "United States", "VEN": "Venezuela", "VNM": "Viet Nam", "TUR": "Türkiye", "HKG": "Hong Kong",
    "MAC": "Macau", "NLD": "Netherlands", "CZE": "Czechia", "MMR": "Myanmar", "TLS": "Timor-Leste",
}
# Other spellings, beyond pycountry's names.
_COUNTRY_ALIASES = {
    "Lao PDR": "LAO", "Laos": "LAO", "Lao People's Democratic Republic": "LAO",
    "Republic of Korea": "KOR", "South Korea": "KOR", "DPRK": "PRK", "North Korea": "PRK",
    "Vietnam": "VNM", "Burma": "MMR", "East Timor": "TLS", "Timor Leste": "TLS", "Brunei": "BRN",
    "UK": "GBR", "Britain": "GBR", "Great Britain": "GBR", "United States of America": "USA", "USA": "USA",
    "Iran": "IRN", "Syria": "SYR", "Russia": "RUS", "Turkey": "TUR", "Hong Kong SAR": "HKG", "Macao": "MAC",
    "Macau": "MAC", "People's Republic of China": "CHN", "PRC": "CHN", "Czech Republic": "CZE",
    "Ivory Coast": "CIV", "Holland": "NLD", "Federated States of Micronesia": "FSM",
}
# Bodies the statements cite, by acronym with their long names.
KNOWN_BODIES = {
    "UNHCR": ("United Nations High Commissioner for Refugees", "UN Refugee Agency", "UN High Commissioner for Refugees"),
    "IOM": ("International Organization for Migration", "International Organisation for Migration"),
    "UNODC": ("United Nations Office on Drugs and Crime", "UN Office on Drugs and Crime"),
    "ILO": ("International Labour Organization", "International Labour Organisation", "International Labor Organization"),
    "ASEAN": ("Association of Southeast Asian Nations", "Association of South-East Asian Nations"),
    "RSO": ("Regional Support Office", "Bali Process Regional Support Office"),
    "OHCHR": ("Office of the High Commissioner for Human Rights", "UN Human Rights Office"),
    "UNICEF": ("United Nations Children's Fund",),
    "UN Women": ("United Nations Entity for Gender Equality and the Empowerment of Women",),
    "UNDP": ("United Nations Development Programme",),
    "UNFPA": ("United Nations Population Fund",),
    "UN": ("United Nations",),
    "INTERPOL": ("Interpol", "International Criminal Police Organization"),
    "Europol": ("European Union Agency for Law Enforcement Cooperation",),
    "EU": ("European Union",),
    "ASEANAPOL": ("ASEAN Chiefs of Police",),
    "GABF": ("Government and Business Forum", "Bali Process Government and Business Forum"),
    "APEC": ("Asia-Pacific Economic Cooperation",),
    "ADB": ("Asian Development Bank",),
    "World Bank": (),
    "ICMPD": ("International Centre for Migration Policy Development",),
    "UNESCAP": ("United Nations Economic and Social Commission for Asia and the Pacific", "ESCAP"),
    "JCLEC": ("Jakarta Centre for Law Enforcement Cooperation",),
    "FATF": ("Financial Action Task Force",),
    "ICRC": ("International Committee of the Red Cross",),
    "IFRC": ("International Federation of Red Cross and Red Crescent Societies",),
}
# A defined acronym is an organisation when its long form ends in (or holds) one of these.
_BODY_WORDS = re.compile(
    r"\b(?:Organi[sz]ation|Office|Agency|Commission(?:er)?|Council|Association|Fund|Programme|Program|Bank|Forum|"
    r"Cent(?:re|er)|Institute|Foundation|Union|Secretariat|Network|Alliance|Police|Court|Authority|Committee|"
    r"Society|Federation|Coalition|Mission|Bureau|Department|Ministry|Service|Entity)\b")
# A title or honorific, then the name: two to four capitalised words or initials.
_PERSON = re.compile(
    r"\b(?:H\.\s?E\.|His Excellency|Her Excellency|Mr|Ms|Mrs|Dr|Prof|Professor|Hon|Honourable|Senator|Ambassador|"
    r"Minister|Secretary|Director|Commissioner|Deputy|General|Judge|Justice)\.?\s+"
    r"(?:(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+)?"
    r"((?:[A-Z][a-z'’-]+|[A-Z]\.(?:\s?[A-Z]\.)*)(?:\s+(?:bin\s+|binti\s+|van\s+|de\s+|da\s+)?(?:[A-Z][a-z'’-]+|[A-Z]\.(?:\s?[A-Z]\.)*)){1,3})")
# Capitalised words after a title that are roles or places, not names ("Minister for Foreign Affairs").
_NOT_NAME_WORDS = {"For", "Of", "General", "Foreign", "Affairs", "Home", "Immigration", "Justice", "Minister", "Deputy",
                   "Director", "Secretary", "Senior", "Officials", "Regional", "Support", "Office", "Co-Chair",
                   "Co-Chairs", "Government", "Department", "Ministry", "Chief", "Executive", "Assistant", "Permanent",
                   "Special", "Representative", "Envoy", "Ambassador", "The", "United", "Nations", "Republic"}


@dataclass(frozen=True)
class Mention:
    facet: str  # COUNTRIES, ORGANISATIONS or PEOPLE
    value: str  # as shown: "Viet Nam", "IOM", "Retno Marsudi"


@lru_cache(maxsize=1)
def _country_names() -> tuple["NameMatcher", dict[str, str]]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        shown = _COUNTRY_SHOWN.get(code) or getattr(country, "common_name", None) or country.name
        for name in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
            if name and "," not in name:
                # "the State of Palestine": a leading "the" is no part of the name (nor of the span)
                names[name.removeprefix("the ")] = shown
    for alias, code in _COUNTRY_ALIASES.items():
        country = pycountry.countries.get(alpha_3=code)
        names[alias] = _COUNTRY_SHOWN.get(code) or getattr(country, "common_name", None) or country.name
    return NameMatcher(names), names


def country_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names a country (ISO 3166 names, common names and our aliases), as
    (start, end) of the name without a leading "the"."""
    matcher, _ = _country_names()
    return [(a, b) for a, b, _ in matcher.find(text)]


def countries_named(text: str) -> list[tuple[int, int, str]]:
    """Where `text` names a country, with the name it is shown under ("Vietnam": "Viet Nam")."""
    matcher, shown = _country_names()
    return [(a, b, shown[name]) for a, b, name in matcher.find(text)]


@lru_cache(maxsize=1)
def _body_names() -> dict[str, str]:
    names = {}
    for acronym, long_forms in KNOWN_BODIES.items():
        names[acronym] = acronym
        for form in long_forms:
            names[form] = acronym
    return names


class NameMatcher:
    """Where a text names any of a list of names, each whole (no word character or hyphen on
    either side), leftmost first, the longest name at a place ("Papua New Guinea", not "Papua"),
    never overlapping. What one regex alternation of every name found, but a lookup per word
    instead of a try of every name at every character: ~500 country names made facets most of
    a build's non-encoding time (bench/scale.py, SQLite rows 0.06 -> 0.48 ms a passage)."""

    # Where a name may start: after no word character or hyphen; at a capital when every name
    # starts with one (far fewer tries), at a word character when every name starts with one.
    _CAPITAL_START = re.compile(r"(?<![\w-])[A-ZÀ-Þ]")
    _WORD_START = re.compile(r"(?<![\w-])\w")
    _ANY_START = re.compile(r"(?<![\w-])\S")

    def __init__(self, names):
        self._by_lead: dict[str, list[str]] = {}
        for name in sorted(set(names) - {""}, key=len, reverse=True):  # the longest first
            self._by_lead.setdefault(name[:2], []).append(name)
        leads = list(self._by_lead)
        self._starts = next((p for p in (self._CAPITAL_START, self._WORD_START)
                            if all(p.match(lead) for lead in leads)), self._ANY_START)
        self._one_character = any(len(lead) == 1 for lead in leads)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        found, after = [], 0
        for m in self._starts.finditer(text):
            at = m.start()
            if at < after:
                continue
            names = self._by_lead.get(text[at : at + 2], ())
            if self._one_character:  # a one-character name, the shortest, is tried last
                names = (*names, *self._by_lead.get(text[at], ()))
            for name in names:
                end = at + len(name)
                if text.startswith(name, at) and not (end < len(text) and (text[end].isalnum() or text[end] in "_-")):
                    found.append((at, end, name))
                    after = end
                    break
        return found


class FacetFinder:
    """The mentions in each passage of one document; built once per document, since the
    organisations a document defines count in all of its passages."""

    def __init__(self, document_text: str):
        bodies = dict(_body_names())
        for acronym, long_form in defined_acronyms(document_text).items():
            if acronym not in bodies and _BODY_WORDS.search(long_form):
                bodies[acronym] = acronym
                bodies.setdefault(long_form, acronym)
        self._bodies = bodies
        self._body_names = NameMatcher(bodies)

    def mentions(self, text: str) -> list[Mention]:
        """Each thing the text names, once, in order of first mention."""
        found: dict[Mention, None] = {}
        body_spans = []
        for start, end, name in self._body_names.find(text):
            found[Mention(ORGANISATIONS, self._bodies[name])] = None
            body_spans.append((start, end))
        matcher, countries = _country_names()
        for start, _, name in matcher.find(text):
            # "the Asian Development Bank", "UN Office on Drugs": a country inside a body's name is not named.
            if not any(a <= start < b for a, b in body_spans):
                found[Mention(COUNTRIES, countries[name])] = None
        for m in _PERSON.finditer(text):
            name = _person_name(m.group(1))
            if name:
                found[Mention(PEOPLE, name)] = None
        return list(found)


def _person_name(raw: str) -> str | None:
    words = raw.split()
    # Leading role words are not the name: "Minister for ..." never gets here, "Deputy Secretary Jane Doe" does.
    while words and words[0].strip(".") in _NOT_NAME_WORDS:
        words = words[1:]
    if len(words) < 2 or any(w in _NOT_NAME_WORDS for w in words):
        return None
    if all(re.fullmatch(r"[A-Z]\.(?:\s?[A-Z]\.)*", w) for w in words):
        return None
    return " ".join(words)
