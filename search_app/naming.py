"""How statements are named in questions: a date as the words people use for it ("18 March
2024"), and the acronyms a run of capitalised words may go by ("SOM" for "Senior Officials
Meeting"). The answer picker and DocumentMatch both read them."""

from __future__ import annotations

import re

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
        return f"{iso} {int(parts[2])} {_MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    return iso


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
