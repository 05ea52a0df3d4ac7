"""The per-district calendar: ``GET /calendar/TOKEN.ics`` without sign-in, and the form on a
district's project page that makes such a URL (shown once).

The token in the URL is the only key: it serves that district's deadlines in every round
and nothing else; a revoked or unknown token is 404. A district may make a URL for its own
project only, the coordinator for any; the other roles get 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ppss_workflow.calendar_feed import deadline_calendar
from ppss_workflow.calendar_tokens import (
    calendar_path,
    create_calendar_token,
    lookup_calendar_token,
)
from ppss_workflow.errors import NotFound
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.readmodels import Reads
from ppss_workflow.web.pages import CsrfField, require_csrf, signed_in
from ppss_workflow.web.render import Forbidden, render

__all__ = ["router"]

_log = get_logger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/calendar/{token}.ics")
def district_calendar(request: Request, token: str) -> Response:
    """The district's deadlines as iCalendar; 404 for a revoked or unknown token."""
    district = lookup_calendar_token(request.app.state.store, token)
    if district is None:
        raise NotFound("no such calendar (the link may have been revoked)")
    reads = Reads(request.app.state.store, request.app.state.clock)
    body = deadline_calendar(reads, district=district).to_ical()
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("/calendar/links", response_class=HTMLResponse)
def make_calendar_link(
    request: Request,
    district: Annotated[str, Form()] = "",
    csrf: CsrfField = "",
) -> Response:
    """Make a calendar URL for a district's deadlines and show it once."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    if principal.role not in ("coordinator", "district"):
        raise Forbidden(N_("Only the coordinator and the district make calendar links."))
    if principal.role == "district" and not principal.sees(district):
        raise NotFound(f"no district {district!r}")
    name, token = create_calendar_token(request.app.state.store, district)
    _log.info("calendar_token_created", name=name, district=district, by=principal.email)
    url = str(request.base_url).rstrip("/") + calendar_path(token)
    return render(request, "calendar_link.html", district=district.strip(), url=url, name=name)
