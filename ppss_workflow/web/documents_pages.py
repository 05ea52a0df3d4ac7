"""A project's documents on the web: the list, and each file downloaded as it was handed in.

``GET /rounds/{round}/projects/{district}/documents`` lists what is attached to the
project's reports (what it belongs to, the file's name, type, size, when), each a link to
``GET /rounds/{round}/projects/{district}/documents/{sha256}``, which answers the bytes as an
attachment (never shown inline, ``X-Content-Type-Options: nosniff``), checked against their
hash, as the API's download does. A district sees its own project's documents only; another
district's project is "not found" (whether it has documents is not told).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from events.documents import DocumentAttached
from policies.documents import may_read
from policies.state import STOCKHOLM, slug
from ppss_workflow.documents import fetch
from ppss_workflow.errors import WEB_NO_DOCUMENT, WEB_NO_PROJECT, NotFound
from ppss_workflow.web import pages
from ppss_workflow.web.command_forms import CHOICE_LABELS
from ppss_workflow.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _acting_for(request: Request) -> tuple[str, str | None]:
    principal = pages.reader(request)
    return principal.role, slug(principal.district) if principal.district else None


@router.get("/rounds/{round_id}/projects/{district}/documents", response_class=HTMLResponse)
def document_list(request: Request, round_id: str, district: str) -> Response:
    """The documents attached to a project, newest last, each a download link."""
    role, acting_for = _acting_for(request)
    stream = f"project:{round_id}:{slug(district)}"
    if not may_read(role, acting_for, stream):
        raise NotFound(
            f"no project {district!r} in round {round_id!r} that you may see",
            reason=WEB_NO_PROJECT(district=district, round=round_id),
        )
    view = pages.reads(request).project(round_id, district)
    history = request.app.state.store.read_stream(view.state.stream_id)
    rows: list[Any] = [r for r in history if isinstance(r.event, DocumentAttached)]
    application = view.state.application
    return render(
        request,
        "documents.html",
        round=view.round,
        district=application.event.district if application else district,
        district_slug=slug(district),
        rows=rows,
        labels=CHOICE_LABELS,
        stockholm=STOCKHOLM,
    )


@router.get("/rounds/{round_id}/projects/{district}/documents/{sha256}")
def document_download(request: Request, round_id: str, district: str, sha256: str) -> Response:
    """The document's bytes as an attachment, checked against the hash."""
    role, acting_for = _acting_for(request)
    found = fetch(request.app.state.store, sha256, role=role, district=acting_for)
    stream = f"project:{round_id}:{slug(district)}"
    if not any(r.stream_id == stream for r in found.attachments):
        raise NotFound(
            f"no document {sha256} on project {district!r} that you may see",
            reason=WEB_NO_DOCUMENT(sha=sha256, district=district),
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
