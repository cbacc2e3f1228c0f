"""Raw request values (query strings, JSON fields, form inputs) -> a SearchRequest.

Shared by the JSON API and the HTML pages so that both accept and refuse exactly the same
things, with the same messages; range checks stay in SearchRequest.validated().
"""

from __future__ import annotations

import re
from datetime import date

from .errors import InvalidParameter, echo
from .requests import DEFAULT_K, MODES, SearchRequest

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A JSON key the client made up is echoed as an error's `parameter` only when it looks like a
# name: it may be empty, or hold lone surrogates that cannot be sent back as UTF-8.
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][\w.-]{0,63}$", re.ASCII)


def as_parameter(key: str) -> str:
    """`key` as the `parameter` of an error, or "body" when it is not a plausible name."""
    return key if _PARAMETER_NAME.match(key) else "body"


def parse_date(name: str, raw: str | None) -> date | None:
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    try:
        if not _ISO_DATE.match(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(name, f"{name} must be a date as YYYY-MM-DD, got {echo(raw)}") from None


def parse_int(name: str, raw, default: int) -> int:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise InvalidParameter(name, f"{name} must be a whole number, got {echo(raw)}") from None


def _check_text(name: str, value: str) -> str:
    # JSON can carry lone surrogates ("\ud800"), which cannot be encoded back into a response.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameter(name, f"{name} is not valid Unicode text") from None
    if "\x00" in value:
        raise InvalidParameter(name, f"{name} contains a NUL character")
    return value


def as_doc_list(raw, name: str = "doc", what: str = "a document id") -> tuple[str, ...]:
    """`doc` (or `country`, `org`) may be absent, one value, or a list of them (GET repeats
    it, POST may send either)."""
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else list(raw)
    docs = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidParameter(name, f"{name} must be {what} or a list of them, got {echo(item)}")
        item = _check_text(name, item).strip()
        if item:
            docs.append(item)
    return tuple(docs)


def parse_search_request(
    q,
    *,
    k=None,
    offset=None,
    doc=None,
    date_from: str | None = None,
    date_to: str | None = None,
    mode: str | None = None,
    country=None,
    org=None,
    default_k: int = DEFAULT_K,
) -> SearchRequest:
    """A validated SearchRequest, or InvalidParameter naming the first bad value."""
    if q is None:
        raise InvalidParameter("q", "q is required")
    if not isinstance(q, str):
        raise InvalidParameter("q", f"q must be a string, got {echo(q)}")
    for name, value in (("date_from", date_from), ("date_to", date_to), ("mode", mode)):
        if value is not None:
            _check_text(name, value)
    mode = (mode or "").strip() or "hybrid"
    if mode not in MODES:
        # Checked here too so that a huge bad value is echoed cut short.
        raise InvalidParameter("mode", f"mode must be one of {', '.join(MODES)}, got {echo(mode)}")
    request = SearchRequest(
        query=_check_text("q", q),
        k=parse_int("k", k, default_k),
        offset=parse_int("offset", offset, 0),
        docs=as_doc_list(doc),
        date_from=parse_date("date_from", date_from),
        date_to=parse_date("date_to", date_to),
        mode=mode,
        countries=as_doc_list(country, "country", "a country name"),
        organisations=as_doc_list(org, "org", "an organisation's name"),
    )
    return request.validated()
