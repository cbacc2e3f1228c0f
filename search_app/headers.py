"""Security headers on every response, as plain ASGI middleware (no per-request task or
body buffering, so it costs nothing measurable on the API's latency).

Our pages carry no inline script or style, so `default-src 'self'` holds everywhere. Only
/embed may be framed, by any site: that is what it is for.
"""

from __future__ import annotations

CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
FRAMEABLE_PREFIXES = ("/embed",)

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_NOT_FRAMEABLE = _COMMON + [
    (b"content-security-policy", f"{CSP}; frame-ancestors 'none'".encode()),
    (b"x-frame-options", b"DENY"),
]
_FRAMEABLE = _COMMON + [
    (b"content-security-policy", f"{CSP}; frame-ancestors *".encode()),
]


def is_frameable(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in FRAMEABLE_PREFIXES)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _FRAMEABLE if is_frameable(scope.get("path", "")) else _NOT_FRAMEABLE

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
