"""The patterns the span finders (spans.py) read a sentence with: dates, numbers, amounts,
names of people, bodies and places, and the words that are none of those."""

from __future__ import annotations

import re

MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
DAY = r"\d{1,2}(?:st|nd|rd|th)?"
YEAR = r"(?:1[89]\d\d|20\d\d)"
DATES = re.compile(
    rf"\b(?:{DAY}(?:\s*(?:-|–|to|and)\s*{DAY})?\s+{MONTH}(?:,?\s+{YEAR})?"  # 7-9 November 2023
    rf"|{MONTH}\s+{DAY}(?:\s*(?:-|–)\s*{DAY})?(?:,?\s+{YEAR})?"  # March 18, 2024
    rf"|{MONTH}\s+{YEAR}"  # April 2013
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"  # 2016-03-22
    rf"|{YEAR}\s*(?:-|–|to)\s*(?:{YEAR}|\d\d)\b"  # 2024-2026
    rf"|{YEAR})\b")
YEARS = re.compile(rf"\b{YEAR}\b")
# Nouns a count is of: "45 Member States", "131 traffickers" keep them with the number.
COUNT_NOUNS = {"states", "countries", "nations", "organisations", "organizations", "members", "observers", "officials",
                "participants", "delegates", "cases", "convictions", "people", "persons", "victims", "traffickers",
                "workshops", "courses", "activities", "meetings", "agencies", "governments", "representatives"}
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                 "hundred hundreds thousand thousands dozen dozens").split()
# Digits grouped in thousands ("1,350") or the South Asian way ("1,50,000"); a comma after the
# last group is punctuation ("staff: 17, up from nine").
DIGITS = r"(?:\d{1,3}(?:,\d{2})+,\d{3}|\d+(?:,\d{3})*)"
# (Never part of a figure: not after "1," and not before ",5": "EUR 1,5 million" is no "EUR 1".)
# A fraction is one figure: "one fifth", "two-thirds" ("twenty-fifth" is an ordinal: units only).
# ("two third-country nationals", "three third parties": a count of something else.)
FRACTION = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten)[- ](?:half|halves|thirds?|quarters?|fifths?|"
            r"sixths?|sevenths?|eighths?|ninths?|tenths?)(?![- ](?:countr|part(?:y|ies)))")
NUMBER = re.compile(r"(?<![\w.])(?<!\d,)(?:" + DIGITS + r"(?!,\d)(?:\.\d+)?(?:\s*(?:%|per cent|percent))?|" + FRACTION
                     + r"|(?:" + "|".join(NUMBER_WORDS) + r")(?:[- ](?:" + "|".join(NUMBER_WORDS) + r"))*)(?![\w])", re.I)
# A length of time: "two-day", "four years", "18 months" answer "how long".
DURATION = re.compile(rf"(?:{NUMBER.pattern})[- ](?:hour|day|week|month|year)s?\b", re.I)
# The ISO codes of the region's currencies and the world's main ones, and their signs.
_CURRENCY_CODES = ("USD AUD NZD EUR GBP IDR BDT THB MYR PHP INR LKR NPR PKR MMK VND KHR LAK JPY CNY KRW SGD HKD CAD "
                   "CHF FJD PGK AFN MVR MNT").split()
CURRENCY_CODE = re.compile("|".join(_CURRENCY_CODES))
# (Not inside a word: "the fraud 2 cases" holds no "aud 2".)
CURRENCY = rf"(?<![A-Za-z])(?:{'|'.join(_CURRENCY_CODES)}|US\$|A\$|NZ\$|S\$|\$|€|£|¥)"
# A currency named after the figure ("50,000 Bangladeshi Taka", "2 million baht"), a people's
# adjective before it or not.
CURRENCY_NAME = (r"(?:(?-i:[A-Z][a-z]+)\s+)?(?:dollars|USD|AUD|euros|rupiah|taka|baht|ringgit|pesos?|rupees|kyat|dong|"
                 r"riel|kip|yen|yuan|afghanis|rufiyaa|tugriks?|kina|pounds sterling)")
MAGNITUDE = r"(?:\s*(?:million|billion|thousand|m|bn|k))?"
AMOUNT = re.compile(rf"{CURRENCY}\s?{DIGITS}(?!,\d)(?:\.\d+)?{MAGNITUDE}(?![\w])"
                     rf"|(?<![\w.])(?<!\d,){DIGITS}(?!,\d)(?:\.\d+)?{MAGNITUDE}\s+(?:US\s+)?{CURRENCY_NAME}\b",
                     re.I)
# A run of capitalised words with the small words names and titles keep inside.
CAP = r"[A-Z][\w'’.&-]*"
JOIN = r"(?:of|for|the|on|and|in|to|de|da|bin|binti|van|al|el|&)"
PROPER = re.compile(rf"{CAP}(?:\s+(?:{JOIN}\s+)*{CAP})*")
# A person's name: capitalised words with the particles names keep (bin, van, de), not "of", on
# one line ("Syed Raiyan Amir\nResearch Associate" is a name above a job title).
NAME = re.compile(rf"{CAP}(?:[^\S\n]+(?:(?:bin|binti|van|von|de|da|al|el)[^\S\n]+)?{CAP})*")
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&-]{1,9}\b")
ROMAN = re.compile(r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")  # "II", "XIV"; not ICC
TITLES = (r"H\.E\.|Excellency|Ambassador|Mr|Mrs|Ms|Dr|Prof|Professor|Hon|Honourable|Minister|Secretary|Director|"
           r"Deputy|Senator|Commissioner|Judge|Justice|Datuk|Dato'?|Tan Sri|Md|"
           # Ranks of police and armed forces: "Police Major General Somchai Rattanakul".
           r"Police|Pol\.|Major|General|Lieutenant|Colonel|Brigadier|Captain|Commander|Admiral|Marshal|"
           r"Inspector|Superintendent|Sergeant")
# A place: capitalised words (no "of the ... for": those are bodies), with a country after a comma.
PLACE = re.compile(r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})(?:,\s+(?:the\s+)?([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?))?")
ORG_WORDS = {"office", "organization", "organisation", "agency", "commission", "ministry", "department", "group",
              "centre", "center", "foundation", "council", "fund", "programme", "program", "network", "force",
              "secretariat", "university", "institute", "association", "union", "alliance", "forum", "process",
              "committee", "bureau", "police", "court", "tribunal", "nations", "bank", "authority", "service",
              "services", "unit", "partnership", "initiative", "mechanism", "team", "taskforce"}
NOT_PLACES = ORG_WORDS | {"meeting", "conference", "statement", "declaration", "report", "workshop", "the",
                            "co-chairs", "members", "member", "states", "minister", "ambassador", "government",
                            # "Trafficking in Persons", "Cooperation in the Region": not places
                            "persons", "people", "trafficking", "smuggling", "crime", "migrants", "refugees",
                            "victims", "partnerships", "partnership", "cooperation", "region", "support", "relation"}
MONTHS = {m.lower().rstrip(".") for m in re.findall(r"[A-Za-z]+", MONTH)}
# Nouns that name an event (a date belongs to one; a name that ends in one is no body's).
EVENT_WORDS = frozenset({"workshop", "meeting", "conference", "symposium", "roundtable", "seminar", "summit",
                         "consultation"})
NOT_PERSON = ORG_WORDS | NOT_PLACES | MONTHS | {
    "index", "plan", "strategy", "action", "framework", "agenda", "act", "law", "day", "week", "guide", "toolkit",
    "policy", "principles", "guidelines", "protocol", "convention", "consultation", "event", "session", "working",
    # Platforms and tools are named like people ("Digital Recruitment Watch").
    "watch", "tracker", "platform", "portal", "database", "registry", "hub", "desk", "package", "system", "operation",
    "division", "assembly", "branch", "section"}
# Capitalised in titles and headings, but no one's name: without a title before it ("Ambassador",
# "H.E."), a run holding one of these is not taken for a person.
TITLE_WORDS = {
    "regional", "cooperation", "national", "international", "global", "annual", "senior", "officials", "ministerial",
    "human", "rights", "trafficking", "persons", "people", "smuggling", "related", "transnational", "crime", "asia",
    "pacific", "support", "protection", "victim", "victims", "migration", "migrants", "refugees", "border", "borders",
    "management", "security", "labour", "labor", "forced", "criminality", "online", "scam", "scams", "returns",
    "reintegration", "planning", "preparedness", "disruption", "criminal", "networks", "legal", "frameworks",
    "foreign", "affairs", "home", "interior", "justice", "law", "enforcement", "co-chairs", "co-chairs'", "chairs",
    "member", "members", "states", "state", "observer", "observers", "united", "republic", "kingdom", "democratic",
    "south", "north", "east", "west", "new", "sea", "bay", "islands", "island", "strategy", "declaration", "statement",
    "report", "summary", "news", "update", "overview", "introduction", "background", "recommendations", "outcomes",
    "next", "steps", "key", "points", "way", "forward", "work", "plan", "first", "second", "third", "fourth", "fifth",
    "sixth", "seventh", "eighth", "ninth", "tenth", "virtual", "joint", "special", "technical", "experts", "expert"}
REGIONS = {"asia", "pacific", "europe", "africa", "america", "americas", "oceania", "middle", "southeast", "south-east",
            "mekong", "andaman", "indian", "ocean", "gulf", "region"}
PLACE_PREPOSITION = re.compile(r"\b(?:in|at|to|from|near|venue)\s+(?:the\s+)?$", re.I)
REASON = re.compile(r"\b(?:because(?: of)?|due to|owing to|as a result of|in order to|so that|given that|"
                     r"(?:largely |partly |mainly |in part )?attributed to|driven by|thanks to|stemming from|caused by|"
                     r"recogni[sz](?:e|ed|es|ing) that|"
                     r"to address|to help|to ensure|to support|to strengthen|to improve|to respond to|to enable|"
                     r"to develop|to dismantle|to prevent|to protect|to combat|to reduce)\b", re.I)
# (A point inside "1.5 million" or "U.N." ends nothing.)
CLAUSE_END = re.compile(r"[;:.](?=\s|$)|,\s+(?:and|but|which|while|who)\b")
# Where one purpose ends and the next begins: "to develop contingency plans, to run exercises".
PURPOSE_END = re.compile(rf"{CLAUSE_END.pattern}|,\s+to\s")
# What a thing leads to: "..., which can result in less-severe penalties" answers "why is it a problem".
CONSEQUENCE = re.compile(r"(?:,\s*)?(?:which\s+(?:can|could|may|might|will|would|often)\s+)?"
                         r"\b(?:result(?:s|ed|ing)?\s+in|lead(?:s|ing)?\s+to|leading\s+to)\s+", re.I)
# A concern and what it is at: "expressed shared concern at the scale of these enterprises, ...".
CONCERN = re.compile(r"\b(?:concern(?:ed)?|worr(?:y|ied)|alarm(?:ed)?)\s+(?:at|over|about|regarding|by)\s+", re.I)
# Where the thing a "what" question asks for ends: a clause's end, or what it is for.
WHAT_END = re.compile(rf"{CLAUSE_END.pattern}|\s+(?:in order to|to be|to|which|that|so that)\s")
# "the Governments of Australia & Indonesia": the list is what the plural head names.
LIST_HEAD = re.compile(r"(?:the\s+)?(?:[A-Z][\w-]*\s+){0,2}[A-Z][\w-]*s\s+of\s+(?=.*\s(?:and|or|&)\s)")
WORDS = re.compile(r"\w+")
