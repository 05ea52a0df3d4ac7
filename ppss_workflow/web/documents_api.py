"""Documents on the API, bytes first: upload a file (multipart), download it as an attachment.

``POST /api/v1/rounds/{round}/projects/{district}/documents`` takes the file itself as
``multipart/form-data`` (fields ``file`` and ``attached_to``). The server checks the size
before it reads more than the limit (``PPSS_DOCUMENTS_MAX_BYTES``, 20 MB by default), then
hashes, sizes and sniffs the bytes (the type is read from the bytes, never from the name or
the header: PDF, Word/Excel/PowerPoint and OpenDocument files, RTF, and pictures: png, jpg,
tif, heic, webp), keeps them in the content store and records the attachment. Who may attach
is answered before the body is read. The generic ``attach-document`` command names a hash;
its decision refuses a hash the content store does not hold.

``GET /api/v1/documents/{sha256}`` answers the bytes as an attachment (never shown inline)
with ``X-Content-Type-Options: nosniff``; a district reads its own project's documents only.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from events.documents import AttachedTo
from policies.commands import AttachDocument
from policies.state import slug
from ppss_workflow.access import Principal
from ppss_workflow.documents import ALLOWED_TYPES, DocumentSettings, attach, fetch, sniff
from ppss_workflow.errors import (
    WEB_UPLOAD_ATTACHED_TO,
    WEB_UPLOAD_MULTIPART,
    WEB_UPLOAD_NO_FILE,
    WEB_UPLOAD_TOO_LARGE,
    InvalidCommand,
)
from ppss_workflow.handlers import Commands
from ppss_workflow.web.api import api_principal, api_reader
from ppss_workflow.web.api import router as api_router
from ppss_workflow.web.commands_api import may_give
from ppss_workflow.web.render import language
from ppss_workflow.words import say

__all__ = ["DocumentOut", "router"]

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=dict(api_router.responses))

_ATTACHED_TO: tuple[str, ...] = get_args(AttachedTo)

_UPLOAD_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "attached_to"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "attached_to": {"type": "string", "enum": list(_ATTACHED_TO)},
                    },
                }
            }
        },
    }
}


class DocumentOut(BaseModel):
    """What an upload did: the bytes' hash, size and sniffed type, and the attachment."""

    recorded: bool
    already_recorded: bool
    sha256: str
    size_bytes: int
    media_type: str
    note: str | None = None
    position: int | None = None


@router.post(
    "/rounds/{round_id}/projects/{district}/documents",
    response_model=DocumentOut,
    status_code=201,
    responses={200: {"model": DocumentOut, "description": "already attached: nothing written"}},
    openapi_extra=_UPLOAD_SCHEMA,
    summary="Upload a document",
)
async def api_upload(
    request: Request,
    round_id: str,
    district: str,
    principal: Annotated[Principal, Depends(api_principal)],
) -> Any:
    """Upload a file to attach to the project's application, plan, report or account."""
    may_give(principal, AttachDocument)  # before a byte of the body is read
    limit = DocumentSettings().max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise InvalidCommand(
            f"the upload is {int(declared):,} bytes; the largest file taken is {limit:,} bytes",
            reason=WEB_UPLOAD_TOO_LARGE(size=int(declared), limit=limit),
        )
    try:
        form = await request.form(max_files=1, max_fields=2)
    except HTTPException as exc:  # a body that is not a well-formed multipart form
        raise InvalidCommand(
            f"send the file as multipart/form-data with the fields 'file' and 'attached_to' "
            f"({exc.detail})",
            reason=WEB_UPLOAD_MULTIPART(field="attached_to", cause=str(exc.detail)),
        ) from None
    upload, attached_to = form.get("file"), form.get("attached_to")
    if not isinstance(upload, UploadFile):
        raise InvalidCommand(
            "send the file itself as the multipart field 'file'", reason=WEB_UPLOAD_NO_FILE()
        )
    if attached_to not in _ATTACHED_TO:
        raise InvalidCommand(
            f"attached_to: one of {', '.join(_ATTACHED_TO)}",
            reason=WEB_UPLOAD_ATTACHED_TO(field="attached_to", allowed=", ".join(_ATTACHED_TO)),
        )
    content = await upload.read(limit + 1)
    name = (upload.filename or "dokument").replace("\\", "/").rsplit("/", 1)[-1] or "dokument"
    commands = Commands(request.app.state.store, request.app.state.clock)
    outcome, sha = await run_in_threadpool(
        lambda: attach(
            commands,
            principal.actor(),
            round_id=round_id,
            district=district,
            attached_to=str(attached_to),
            name=name,
            content=content,
        )
    )
    body = DocumentOut(
        recorded=outcome.already is None,
        already_recorded=outcome.already is not None,
        sha256=sha,
        size_bytes=len(content),
        media_type=sniff(content),
        note=say(outcome.already, language(request)) if outcome.already else None,
        position=outcome.results[-1].last_position if outcome.results else None,
    )
    return JSONResponse(body.model_dump(), status_code=200 if outcome.already else 201)


@router.get(
    "/documents/{sha256}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ALLOWED_TYPES}, "description": "the file"}},
    summary="Download a document",
)
def api_download(
    request: Request, sha256: str, principal: Annotated[Principal, Depends(api_reader)]
) -> Response:
    """The document's bytes, as an attachment (never shown inline), checked against the hash."""
    found = fetch(
        request.app.state.store,
        sha256,
        role=principal.role,
        district=slug(principal.district) if principal.district else None,
    )
    latest = found.latest
    return Response(
        found.content,
        media_type=latest.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(latest.name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
