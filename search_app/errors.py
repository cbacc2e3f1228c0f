"""Search-side domain errors; api.py and pages.py translate them once each."""

from __future__ import annotations

# How much of a bad value an error message echoes back: enough to recognise it.
ECHO_CHARS = 60


def echo(value) -> str:
    """A bad value as an error message shows it: repr'd (so control characters and lone
    surrogates are escaped) and cut short."""
    text = repr(value)
    return text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1] + "…"


class SearchError(Exception):
    status = 400
    code = "bad_request"


class InvalidParameter(SearchError):
    """A request parameter we cannot use; `name` is the parameter as the API spells it."""

    status = 422
    code = "invalid_parameter"

    def __init__(self, name: str, message: str):
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


class UnknownDocument(SearchError):
    status = 404
    code = "unknown_document"

    def __init__(self, doc_id: str, parameter: str = "doc"):
        self.name = parameter
        self.doc_id = doc_id
        self.message = f"no document with id {echo(doc_id)}"
        super().__init__(self.message)


class IndexUnavailable(SearchError):
    status = 503
    code = "index_unavailable"

    def __init__(self, message: str):
        self.name = None
        self.message = message
        super().__init__(message)


class InvalidUpload(SearchError):
    """An uploaded file we will not take: `status` says why (400 name, 413 size, 415 type,
    422 unreadable)."""

    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.name = "file"
        self.message = message
        super().__init__(message)


class Unauthorized(SearchError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str):
        self.name = None
        self.message = message
        super().__init__(message)


class BuildBusy(SearchError):
    status = 409
    code = "build_running"

    def __init__(self, message: str):
        self.name = None
        self.message = message
        super().__init__(message)


class BuildFailed(SearchError):
    """A build started by an admin route that could not publish (status says whose fault)."""

    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.name = None
        self.message = message
        super().__init__(message)
