"""Acronym definitions in a text: "Technical Experts Group on Returns and Reintegration (TEG-RR)".

Recognised with the Schwartz & Hearst (2003) rule: a parenthesised short form whose characters
appear, in order, in the words just before it, the first at a word start; the reverse order
"TFPP (Task Force on Planning and Preparedness)" is accepted too. The search app expands a
query's acronyms with them (search_app/acronyms.py); the indexer finds the organisations a
statement defines (facets.py).
"""

from __future__ import annotations

import functools
import re

_WORDS = re.compile(r"\S+")
# Words before "(" that may hold a long form: Schwartz & Hearst's min(|A| + 5, 2|A|).
_EXTRA_WORDS = 5
# Words before "(" that may hold the long form of a hyphenated acronym.
_HYPHENATED_WORDS = 20


# Small lower-case words a long form does not start with when a capitalised word can start it.
_SMALL_WORD = re.compile(r"(?:of|the|for|and|on|in|to|at|an?)(?=\s)")


def _letters(acronym: str) -> str:
    return "".join(c.lower() for c in acronym if c.isalnum())


def _match_long_form(acronym: str, words: list[str]) -> str | None:
    """The shortest tail of `words` whose characters spell the acronym backwards, with its
    first letter at the start of a word; None when there is none."""
    letters = _letters(acronym)
    if len(letters) < 2 or not words:
        return None
    text = " ".join(words)
    i = len(text) - 1
    fallback = None
    for n, c in enumerate(reversed(letters)):
        first = n == len(letters) - 1
        while i >= 0:
            here = text[i].lower() == c
            at_word_start = i == 0 or not text[i - 1].isalnum()
            if here and (not first or at_word_start):
                # "Office of the ... (OHCHR)": its O is "Office", not "of", when a capitalised word
                # before has it; else the small word does.
                if first and fallback is None and _SMALL_WORD.match(text, i):
                    fallback = i
                elif not (first and fallback is not None and not text[i].isupper()):
                    break
            i -= 1
        if i < 0:
            if fallback is None:
                return None
            i = fallback
        i -= 1
    long_form = text[i + 1 :].strip(" ,;:-–")
    # A long form is words, more of them than... well, one; and not the acronym itself.
    if len(long_form.split()) < 2 or _letters(long_form) == letters:
        return None
    return long_form


@functools.lru_cache(maxsize=8192)  # re's own cache holds 512: a corpus defines thousands (a build compiled them again and again)
def _definition_patterns(acronym: str) -> tuple[re.Pattern, re.Pattern]:
    """"Long Form (ACR)" and "ACR (Long Form)" for one acronym."""
    escaped = re.escape(acronym)
    return (re.compile(r"\(\s*" + escaped + r"\s*\)", re.IGNORECASE),
            re.compile(r"\b" + escaped + r"\s*\(([^()]{3,200})\)", re.IGNORECASE))


def find_definitions(acronym: str, text: str) -> list[str]:
    """Long forms that `text` gives for `acronym`, in order of appearance."""
    found = []
    max_words = min(len(acronym) + _EXTRA_WORDS, 2 * len(acronym))
    if "-" in acronym:  # "WG-D" abbreviates a name of a dozen words or more, by its head
        max_words = _HYPHENATED_WORDS
    # "Long Form (ACR)"
    forward, reverse = _definition_patterns(acronym)
    for m in forward.finditer(text):
        before = text[max(0, m.start() - 300) : m.start()]
        # Stay inside the sentence: a long form does not cross a full stop or a line break.
        before = re.split(r"[.;:!?\n]\s", before)[-1]
        words = _WORDS.findall(before)[-max_words:]
        long_form = _match_long_form(acronym, words)
        # In the wide window of a hyphenated acronym, only a name counts: "Working Group on ...",
        # not "welcomed the good work done by the new group (WG-D)".
        if long_form and (max_words < _HYPHENATED_WORDS or long_form[:1].isupper()):
            found.append(long_form)
    # "ACR (Long Form)"
    for m in reverse.finditer(text):
        inside = _WORDS.findall(m.group(1))
        long_form = _match_long_form(acronym, inside)
        if long_form and _letters(inside[0])[:1] == _letters(acronym)[:1]:
            found.append(long_form)
    return list(dict.fromkeys(found))


# A parenthesised short form: two or more capitals, or a capital and digits (TEG-RR, CTiP, G20).
_PARENTHESISED = re.compile(r"\(\s*((?=(?:[^()\s]*[A-Z]){2})[A-Za-z][\w&-]{1,11})\s*\)")


def defined_acronyms(text: str) -> dict[str, str]:
    """Every acronym `text` defines as "Long Form (ACR)", with its first long form."""
    found: dict[str, str] = {}
    for m in _PARENTHESISED.finditer(text):
        acronym = m.group(1)
        if acronym in found:
            continue
        forms = find_definitions(acronym, text[max(0, m.start() - 300) : m.end()])
        if forms:
            found[acronym] = forms[0]
    return found
