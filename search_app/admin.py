"""Admin routes: upload a document into the corpus, reindex. Mounted only when an admin token
is configured, so without one they do not exist (404), not merely refuse.

The token is checked before the body is read: an unauthenticated client never gets a large
upload parsed. Builds run in a worker thread, one at a time within this server; a build by
another process (the CLI) gives 409.
"""

from __future__ import annotations

import hmac
import json
import threading
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from indexer.build import BuildReport, build_index
from indexer.errors import BuildLocked, IndexerError, IndexWriteFailed, NothingToIndex
from indexer.multilingual import multilingual_for_build

from .display import public_source
from .errors import BuildBusy, BuildFailed, InvalidParameter, InvalidUpload, Unauthorized
from .params import as_parameter, echo
from .schemas import BuildReportOut, ReindexBody, UploadOut, error_responses
from .uploads import safe_filename, save_upload

# Multipart framing around the file: headers, boundaries, the field name.
MULTIPART_OVERHEAD = 64 * 1024

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
REINDEX_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": ReindexBody.model_json_schema()}},
    }
}


class Admin:
    """The token check and this server's builds (queued: one at a time within the server)."""

    def __init__(self, settings, embedder, live_index):
        self.settings, self.embedder, self.live_index = settings, embedder, live_index
        self.expected = settings.admin_token.encode("utf-8")
        self.build_lock = threading.Lock()

    def check_token(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("this route needs an 'Authorization: Bearer <token>' header")
        if not hmac.compare_digest(token.strip().encode("utf-8"), self.expected):
            raise Unauthorized("the bearer token is not the admin token")

    def run_build(self, full: bool) -> BuildReport:
        with self.build_lock:
            try:
                # The server's encoder as it stands now (its start-up may have turned it off); an
                # index that has multilingual vectors keeps them.
                multilingual, message = multilingual_for_build(self.settings.index, self.live_index.multilingual)
                report = build_index(self.settings.corpus, self.settings.index, self.embedder, full=full,
                                     multilingual=multilingual)
                if message:
                    report.warnings.append(message)
            except BuildLocked as exc:
                raise BuildBusy(str(exc)) from None
            except NothingToIndex as exc:
                raise BuildFailed(422, "nothing_to_index", str(exc)) from None
            except IndexWriteFailed as exc:  # disk full or read-only: nothing published, still serving
                raise BuildFailed(507, "index_write_failed", str(exc)) from None
            except IndexerError as exc:  # corpus or index folder unusable: the server's set-up
                raise BuildFailed(500, "build_failed", str(exc)) from None
            # Serve the new generation now rather than at the watcher's next look.
            self.live_index.refresh()
            return report


async def receive_upload(request: Request, settings) -> tuple[Path, bool, str]:
    """Save the multipart field `file` into the corpus: (path, whether it is new, its name)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_upload_bytes + MULTIPART_OVERHEAD:
        raise InvalidUpload(413, "too_large", f"the upload is larger than the {settings.max_upload_mb:g} MB limit")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # malformed multipart: the client's fault, never a 500
        raise InvalidUpload(400, "bad_upload", f"the body is not a valid multipart upload ({exc})") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidUpload(422, "invalid_parameter", "send the document as a multipart field named 'file'")
        name = safe_filename(upload.filename)
        path, is_new = await anyio.to_thread.run_sync(save_upload, upload.file, settings.corpus, name,
                                                      settings.max_upload_bytes)
    finally:
        await form.close()
    return path, is_new, name


def make_admin_router(settings, embedder, live_index) -> APIRouter:
    router = APIRouter(prefix="/api/admin", tags=["admin"])
    admin = Admin(settings, embedder, live_index)

    @router.post("/documents", response_model=UploadOut, openapi_extra=UPLOAD_BODY,
                 responses=error_responses(400, 401, 409, 413, 415, 422, 500, 507),
                 summary="Upload a document into the corpus and index it")
    async def upload_document(request: Request):
        admin.check_token(request)
        path, is_new, name = await receive_upload(request, settings)
        report = await anyio.to_thread.run_sync(admin.run_build, False)
        skipped = dict(report.skipped).get(name)
        if skipped is not None:
            if is_new:
                # Unreadable and new: take it back out so the corpus holds no junk.
                path.unlink(missing_ok=True)
            raise InvalidUpload(422, "unreadable_document", f"{name} cannot be indexed: {skipped}")
        return {"saved": public_source(name), "report": report_json(report)}

    @router.post("/reindex", response_model=BuildReportOut, openapi_extra=REINDEX_BODY,
                 responses=error_responses(401, 409, 422, 500, 507), summary="Rebuild the index (incremental unless full)")
    async def reindex(request: Request):
        admin.check_token(request)
        full = parse_reindex_body(await request.body())
        report = await anyio.to_thread.run_sync(admin.run_build, full)
        return report_json(report)

    return router


def parse_reindex_body(raw: bytes) -> bool:
    if not raw.strip():
        return False
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise InvalidParameter("body", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidParameter("body", "the request body must be a JSON object like {\"full\": true}")
    unknown = set(body) - {"full"}
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidParameter(as_parameter(field), f"unknown field {echo(field)}; the only field is 'full'")
    full = body.get("full", False)
    if not isinstance(full, bool):
        raise InvalidParameter("full", "full must be true or false")
    return full


def report_json(report: BuildReport) -> dict:
    return {
        "generation": report.generation,
        "added": report.added,
        "changed": report.changed,
        "removed": report.removed,
        "unchanged": len(report.unchanged),
        "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
        "documents": report.documents,
        "chunks": report.chunks,
        "chunks_embedded": report.chunks_embedded,
        "seconds": round(report.seconds, 3),
    }
