"""What sort of thing a question asks for: a date, a year, an amount, a number, a list, a
place, the name of a document, plan or law ("title"), how often ("frequency"), an
organisation, a person, who did it ("agent"), a reason, an acronym's long form, or nothing in
particular (None: a "what" question answered by a clause, or a bare keyword query).
The span finders (spans.py) and the answer picker read it."""

from __future__ import annotations

import functools
import re

# "What does X stand for?", "jclec meaning": the question asks for an acronym's long form (when it
# names one the statements define: answers.asks_for_definition, acronyms.query_acronyms). The
# "definition" kind below leaves out "mean": "what does the plan mean for victims" is no acronym.
DEFINITION_CUE = re.compile(r"\b(stands? for|abbreviat\w*|acronym|full (name|form)|short for|meaning|means?)\b", re.I)
# "which (two / tech / civil society) ...", but not "what did members ...": no verb in between.
_ADJ = r"(?:(?!(?:did|do|does|is|was|were|are|has|have|had|will|would|can|could|should)\b)[\w'’-]+\s+){0,3}"
# The words that may describe an office before its noun ("the New Zealand-funded victim support
# officer"): no relative clause or preposition ("the report that the minister launched").
_BEFORE_OFFICE = r"(?:(?!(?:that|which|who|whom|the|a|an|of|at|in|for|on|to)\b)[\w'’-]+ ){0,4}?"


# What a named document, plan or law is asked for by: "which strategy", "what law", "which two
# policy guides" (the answer is its name: "Adelaide Strategy for Cooperation").
# Not projects, initiatives or topics: those are as often described in plain words as named.
TITLE_NOUNS = (r"strateg(?:y|ies)|guides?|plans?|declarations?|frameworks?|acts?|laws?|conventions?|protocols?|"
               r"reports?|toolkits?|checklists?|guidelines|handbooks?|manuals?|roadmaps?|publications?")
# Up to three words between "which" and the noun, none a verb or a preposition ("what changes to
# the law" asks about changes), and the noun not followed by what makes it a verb or a part
# ("what guides the work", "what acts of exploitation").
_TITLE = (rf"\b(?:which|what) (?:(?!(?:did|do|does|is|was|were|are|has|have|had|will|would|can|could|should|"
          rf"to|of|on|in|for|under|about|with|by|from|at|into)\b)[\w'’-]+\s+){{0,3}}(?:{TITLE_NOUNS})\b"
          rf"(?!\s+(?:the|a|an|its|their|our|of)\b)"
          # "What was the checklist renamed?": what something is called now.
          rf"|^\s*(?:what|which)\b.*\b(?:renamed|retitled)\b"
          # "What name was given to the database?": the name a sentence gives it ("known as ...").
          rf"|^\s*(?:what|which) name\b|\bwhat (?:is|was|will be) the name given\b")


@functools.lru_cache(maxsize=1024)  # asked once per candidate sentence by the person finder
def answer_kind(question: str) -> str | None:
    """What sort of thing the question asks for, if it says (None: a "what"/"how" question
    answered by a clause, or a bare keyword query). "agent" is who did something: a person,
    or a body or country when no person is named."""
    q = " ".join(question.lower().split())
    acronym = re.search(r"\b(?i:what|who) (?i:is|are|was) (?:(?i:the|a|an) )?([A-Z][A-Z0-9&-]{1,9})\b", question)
    rules = (
        ("definition", r"\b(stands? for|abbreviat\w*|acronym|full (name|form)|short for|meaning)\b"),
        ("year", r"\b(what|which|in what|in which) year\b|^\s*year\b"),
        ("date", r"^\s*when\b|\bwhen (is|are|was|were|did|do|does|will|has|have|had|should|must|can)\b|\bby when\b"
                 r"|\b(what|which) (?:exact |precise |specific )?(dates?|days?|months?)\b"
                 r"|(?<!\bto )(?<!\bup-to-)\bdates?\b|\bdeadline\b|\bsince when\b|\b(what|which) (years|period)\b|\bon what day\b"),
        # "What portion of the 2021 budget went to...": a share of a sum, not a sum.
        ("number", r"\b(what|which) (portion|share|proportion|percentage|fraction)\b"),
        ("amount", r"\bhow much (money|funding|fund\w*)\b|\b(what|which) (amount|sum|budget|funding)\b|\bbudget\b"
                   r"|\b(what|which) (?:is|was|will be) the (?:total|combined|maximum|minimum|estimated|overall|average|"
                   r"largest|smallest) (?:[\w-]+ )?(?:value|price)\b"
                   # "What did Australia's total commitment amount to?", "What did it cost to build the platform?"
                   r"|\bamount(?:ed|s)? to\b|\bwhat (?:did|does|will|would) (?:it|[\w'’-]+(?: [\w'’-]+){0,4}) cost\b"
                   # "the smallest fine a trafficker can receive", "Minimum fine for trafficking offences?"
                   r"|\b(?:minimum|maximum|smallest|largest|highest|lowest|what|which)\s+fines?\b|\bfines?\s+(?:of|for)\b"
                   r"|\bcontribution\b|\bhow much (did|does|do|is|are|was|were|has|have|will)\b.*\b(pledge\w*|fund\w*|budget\w*|cost\w*|"
                   r"allocat\w*|provid\w*|contribut\w*|commit\w*|spen[dt])\b"),
        ("frequency", r"\bhow (often|frequently)\b|\b(what|which|at what) (frequency|intervals?)\b"),
        ("number", r"\bhow (many|much|long|old)\b|\b(what|which) (number|percentage|share|proportion)\b"
                   r"|^\s*(number|count|total) of\b"),
        ("list", rf"\b(which|what|name the|list the|in which) {_ADJ}(countries|states|nations|members|organi[sz]ations|"
                 r"agencies|bodies|partners|governments|topics|themes|areas|priorities|issues|sectors|groups|languages|"
                 r"officials|ministries|companies)\b|\bwhat are the\b.*\b(members|organi[sz]ations|countries)\b"),
        ("place", r"^\s*where\b|\bwhere (is|was|were|did|do|does|will|has|have|had)\b|\b(what|which|in which|in what) "
                  r"(?:[\w-]+ or )?(city|country|town|place|venue|hotel|location|capital|province|island|region|district|"
                  r"suburb|village|port)\b"),
        ("organisation", rf"\b(which|what) {_ADJ}(organi[sz]ation|agency|body|institution|ministry|office|department|"
                         r"group|entity|partner|foundation|company|programme|program|platform|mechanism|fund)\b"
                         r"|\bwhich un\b|\bwhat is (?:it|the [\w\s-]+) called\b"),
        ("title", _TITLE),
        ("person", rf"\b(which|what) {_ADJ}(minister|ambassador|official|secretary|director|person|chair|co-chair|"
                   r"officer|head|speaker|representative|co-manager|manager|author|president|judge)\b"
                   rf"|\bname of the {_BEFORE_OFFICE}"
                   r"(minister|ambassador|director|official|officer|chair|manager|"
                   r"co-manager|secretary|head|president|representative|speaker|author)\b|^\s*name the\b"),
        # "What is the estimated cost of the platform?", "workshop cost": a sum of money (after the
        # kinds above: "which country covers the costs" asks for a country).
        ("amount", r"^(?!\s*(?:who|whom|whose|why)\b)(?:.*\bwhat (?:is|was|will be) the (?:[\w-]+ ){0,2}cost\b|.*\bcost\s*\??\s*$)"),
        # "Who is the RSO's Indonesian Co-Manager?": an office only a person holds (a co-chair may be a country).
        ("person", rf"^\s*who (?:is|was|are|were|will be|has been|had been) (?:the|a|an|[\w-]+['’]s) {_BEFORE_OFFICE}"
                   r"(?:co-manager|manager|minister|ambassador|secretary|director|officer|head|president|commissioner|"
                   r"spokesperson|author|judge)\b"),
        ("agent", r"^\s*who\b|\b(who|whom|whose)\b"),
        ("reason", r"^\s*why\b|\bwhy (is|was|were|did|do|does|has|have|can|could|would|should)\b|\bfor what reason\b"
                   r"|\bwhat (was|is|were|are) the (reason|purpose|aim|goal|objective)s?\b|\bpurpose\b"),
    )
    for kind, pattern in rules:
        if re.search(pattern, q):
            return kind
    return "definition" if acronym else None
