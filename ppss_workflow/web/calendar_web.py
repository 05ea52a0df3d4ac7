"""The per-district calendar: ``GET``/``HEAD /calendar/TOKEN.ics`` without sign-in, and the
page of a district's calendar links (``/calendar/links?district=…``) where one is made (its
address shown once), and the active ones are listed by name and date (never the secret) so
one can be revoked and a new one made.

The token in the URL is the only key: it serves that district's deadlines in every round
and nothing else; a revoked or unknown token is 404. A district may make and revoke links
for its own project only, the coordinator for any; the other roles get 403. Addresses are
made from ``PPSS_PUBLIC_URL`` when it is set (the site as people reach it, not as a proxy
passed the request on).

The feed answers ``ETag`` (its bytes' hash) and ``Last-Modified`` (its newest change), and a
``304`` to a client that sends the same ``If-None-Match`` (or an ``If-Modified-Since`` not
before it), so polling clients fetch it only when it changed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ppss_workflow.access import Principal
from ppss_workflow.calendar_feed import deadline_calendar, last_modified
from ppss_workflow.calendar_tokens import (
    calendar_path,
    create_calendar_token,
    list_calendar_tokens,
    lookup_calendar_token,
    revoke_calendar_token,
)
from ppss_workflow.errors import (
    WEB_CALENDAR_GONE,
    WEB_CALENDAR_LINK_UNKNOWN,
    WEB_DISTRICT_UNKNOWN,
    WEB_NAME_DISTRICT,
    NotFound,
)
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.readmodels import Reads
from ppss_workflow.web.pages import CsrfField, require_csrf, signed_in
from ppss_workflow.web.render import Forbidden, render

__all__ = ["public_base", "router"]

_log = get_logger(__name__)
router = APIRouter(include_in_schema=False)


def public_base(request: Request) -> str:
    """The site's address for links used elsewhere: ``PPSS_PUBLIC_URL``, else the request's."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


@router.api_route("/calendar/{token}.ics", methods=["GET", "HEAD"])
def district_calendar(request: Request, token: str) -> Response:
    """The district's deadlines as iCalendar; 404 for a revoked or unknown token."""
    district = lookup_calendar_token(request.app.state.store, token)
    if district is None:
        raise NotFound(
            "no such calendar (the link may have been revoked)", reason=WEB_CALENDAR_GONE()
        )
    reads = Reads(request.app.state.store, request.app.state.clock)
    cal = deadline_calendar(reads, district=district)
    body = cal.to_ical()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = last_modified(cal).astimezone(UTC).replace(microsecond=0)
    headers = {
        "Cache-Control": "private, max-age=300",
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
    }
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(
        b"" if request.method == "HEAD" else body,
        media_type="text/calendar; charset=utf-8",
        headers={**headers, "Content-Length": str(len(body))},
    )


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return when.tzinfo is not None and modified <= when


def _may_manage(principal: Principal, district: str) -> None:
    if principal.role not in ("coordinator", "district"):
        raise Forbidden(N_("Only the coordinator and the district make calendar links."))
    if principal.role == "district" and not principal.sees(district):
        raise NotFound(f"no district {district!r}", reason=WEB_DISTRICT_UNKNOWN(district=district))


@router.get("/calendar/links", response_class=HTMLResponse)
def calendar_links(
    request: Request, district: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """A district's active calendar links, by name and date; each can be revoked."""
    principal = signed_in(request)
    _may_manage(principal, district)
    if not district.strip():
        raise NotFound(
            "name a district: /calendar/links?district=Farsta", reason=WEB_NAME_DISTRICT()
        )
    active = [
        t
        for t in list_calendar_tokens(request.app.state.store)
        if t.revoked_at is None and t.district.casefold() == district.strip().casefold()
    ]
    return render(request, "calendar_links.html", district=district.strip(), links=active)


@router.post("/calendar/links", response_class=HTMLResponse)
def make_calendar_link(
    request: Request,
    district: Annotated[str, Form()] = "",
    csrf: CsrfField = "",
) -> Response:
    """Make a calendar URL for a district's deadlines and show it once."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    _may_manage(principal, district)
    name, token = create_calendar_token(request.app.state.store, district)
    _log.info("calendar_token_created", name=name, district=district, by=principal.email)
    url = public_base(request) + calendar_path(token)
    return render(request, "calendar_link.html", district=district.strip(), url=url, name=name)


@router.post("/calendar/links/revoke")
def revoke_calendar_link(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    district: Annotated[str, Form(max_length=200)] = "",
    csrf: CsrfField = "",
) -> Response:
    """Revoke one of the district's links: its address answers 404 from now on."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    _may_manage(principal, district)
    owned = {
        t.name
        for t in list_calendar_tokens(request.app.state.store)
        if t.district.casefold() == district.strip().casefold()
    }
    if name not in owned:
        raise NotFound(
            f"no calendar link {name!r} for {district!r}",
            reason=WEB_CALENDAR_LINK_UNKNOWN(name=name, district=district),
        )
    revoke_calendar_token(request.app.state.store, name)
    _log.info("calendar_token_revoked", name=name, district=district, by=principal.email)
    return RedirectResponse(f"/calendar/links?{urlencode({'district': district.strip()})}", 303)
