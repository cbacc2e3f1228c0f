"""A period named in a query ("since 2020", "in 2016", "between 2015 and 2018"): the timeline
and its feed use it as a date filter and follow the topic without it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_YEAR = r"((?:19|20)\d\d)"
# Each form, its pattern, and how its years become [from, to].
_FORMS = (
    (re.compile(rf"\b(?:between|from|since)\s+{_YEAR}\s+(?:and|to|until|till|through|up\s+to|before)\s+{_YEAR}\b", re.I),
     "range"),
    (re.compile(rf"\b{_YEAR}\s*[-–—]\s*{_YEAR}\b"), "range"),
    (re.compile(rf"\b(?:since|from|after)\s+{_YEAR}\b", re.I), "since"),
    (re.compile(rf"\b(?:before|until|till|up\s+to|through|by)\s+{_YEAR}\b", re.I), "until"),
    (re.compile(rf"\b(?:in|during|of)\s+{_YEAR}\b", re.I), "in"),
)


@dataclass(frozen=True)
class Period:
    date_from: date | None
    date_to: date | None
    text: str  # as the query wrote it: "since 2020"


def find_period(query: str) -> tuple[str, Period | None]:
    """(the query without its period, the period) — or (query, None) when it names none. The
    topic keeps the query's words when nothing else is left ("2016")."""
    for pattern, form in _FORMS:
        m = pattern.search(query)
        if not m:
            continue
        years = [int(y) for y in m.groups()]
        if form == "range":
            lo, hi = sorted(years)
            # "before 2018" as the end of a range ends with 2017.
            if re.search(r"\bbefore\s+\d{4}\b", m.group(0), re.I) and hi > lo:
                hi -= 1
            period = Period(date(lo, 1, 1), date(hi, 12, 31), m.group(0))
        elif form == "since":
            # "after 2019" starts with 2020; "since" and "from" include their year.
            year = years[0] + 1 if m.group(0).lower().startswith("after") else years[0]
            period = Period(date(year, 1, 1), None, m.group(0))
        elif form == "until":
            # "before 2020" ends with 2019; "until", "through", "by" include their year.
            year = years[0] - 1 if m.group(0).lower().startswith("before") else years[0]
            period = Period(None, date(year, 12, 31), m.group(0))
        else:
            period = Period(date(years[0], 1, 1), date(years[0], 12, 31), m.group(0))
        topic = " ".join((query[: m.start()] + " " + query[m.end() :]).split()).strip(" ,;:-")
        return (topic or query), period
    return query, None


def narrow(date_from: date | None, date_to: date | None, period: Period | None) -> tuple[date | None, date | None]:
    """The dates both the request and the query's period allow (may be empty: from > to)."""
    if period is None:
        return date_from, date_to
    starts = [d for d in (date_from, period.date_from) if d]
    ends = [d for d in (date_to, period.date_to) if d]
    return (max(starts) if starts else None), (min(ends) if ends else None)
