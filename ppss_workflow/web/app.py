"""``create_app(settings)``: the FastAPI application, its middleware and its error answers."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policies.decisions import bad_fields
from ppss_workflow import __version__
from ppss_workflow.config import resolve_database_url
from ppss_workflow.db import create_store_engine, safe_url
from ppss_workflow.errors import (
    NO_STORE_WEB,
    WEB_NO_SECRET,
    ConcurrencyError,
    ConditionNotMet,
    ConfigurationError,
    IdempotencyConflict,
    InvalidCommand,
    InvalidEventError,
    NotAuthorised,
    NotFound,
    SchemaNotReady,
    StoreUnavailable,
    WorkflowError,
)
from ppss_workflow.faults import ChainBroken
from ppss_workflow.i18n import N_, translator
from ppss_workflow.logs import get_logger
from ppss_workflow.projections import keep_folded_states
from ppss_workflow.schema import ensure_schema
from ppss_workflow.store import EventStore
from ppss_workflow.web import (
    api,
    auditor,
    calendar_web,
    command_forms,
    commands_api,
    coordinator,
    documents_api,
    documents_pages,
    followup_pages,
    pages,
    portal,
)
from ppss_workflow.web.auth import CsrfRefused, current_actor, token_principal
from ppss_workflow.web.openapi_doc import install_openapi
from ppss_workflow.web.render import (
    ERROR_TITLES,
    Forbidden,
    SignInRequired,
    api_language,
    language,
    render_error,
)
from ppss_workflow.web.settings import WebSettings
from ppss_workflow.words import say

__all__ = ["ERROR_STATUS", "WebSettings", "create_app", "current_actor", "open_web_store"]

_log = get_logger(__name__)
Clock = Callable[[], datetime]

#: How each error the workflow raises is answered (pages and API alike). A rule of the
#: round that does not allow the request now (ConditionNotMet) is 409 Conflict on the API:
#: the request is well formed and may succeed later; a form shows it beside the form (422).
ERROR_STATUS: tuple[tuple[type[WorkflowError], int], ...] = (
    (NotAuthorised, 403),
    (NotFound, 404),
    (InvalidCommand, 422),
    (InvalidEventError, 422),
    (ConditionNotMet, 409),
    (IdempotencyConflict, 409),
    (ConcurrencyError, 409),
    (StoreUnavailable, 503),
    (SchemaNotReady, 503),
    # The newest event does not match its hash: nothing is recorded until it is verified.
    (ChainBroken, 503),
    (ConfigurationError, 500),
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Adds the security headers to every response (errors and static files included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def status_of(exc: WorkflowError) -> int:
    for kind, status in ERROR_STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def said(request: Request, exc: Exception) -> str:
    """What an error says to the person who asked, in their language: its reason (a policy's
    refusal or a lookup that found nothing), else its one line."""
    reason = getattr(exc, "reason", None)
    if reason is not None:
        return say(reason, language(request))
    return str(exc)


#: Starlette's own details (routing): said in plain words instead.
_HTTP_DETAILS = {
    404: N_("There is no such page. Check the address, or start from the front page."),
    405: N_("This page does not take that kind of request."),
}


def _api_problem(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """A problem document in the asker's language (Swedish unless ``Accept-Language: en``
    or ``?lang=en``)."""
    tr = translator(api_language(request))
    title = tr.gettext(ERROR_TITLES.get(status, N_("Something went wrong")))
    return problem(status, title, tr.gettext(detail), **extra)


def _install_errors(app: FastAPI) -> None:  # noqa: PLR0915 - one handler per error kind
    async def workflow_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WorkflowError)
        status = status_of(exc)
        if is_api(request):
            refusal = exc.refusal
            extra: dict[str, Any] = {"rule": refusal.rule} if refusal is not None else {}
            reason = getattr(exc, "reason", None)
            if reason is not None:
                extra["reason"] = reason.to_data()
                detail = say(reason, api_language(request))
                return _api_problem(request, status, detail, **extra)
            return _api_problem(request, status, str(exc), **extra)
        return render_error(request, status, said(request, exc))

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return render_error(request, 403, "csrf")

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        if is_api(request):
            return _api_problem(request, 401, N_("Send an API token: Authorization: Bearer TOKEN."))
        if request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return render_error(request, 401, "sign in")

    async def forbidden(request: Request, exc: Exception) -> Response:
        detail = str(exc) or "this role may not do this"
        if is_api(request):
            return _api_problem(request, 403, detail)
        return render_error(request, 403, detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = str(exc.detail)
        if exc.status_code in _HTTP_DETAILS and detail in (
            "Not Found",
            "Method Not Allowed",
        ):
            detail = _HTTP_DETAILS[exc.status_code]
        if is_api(request):
            return _api_problem(request, exc.status_code, detail)
        return render_error(request, exc.status_code, detail)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if is_api(request) and request.method == "POST":
            # Who may write is answered before what was sent: a body that is not even JSON
            # fails before any dependency runs, so the token is checked here first.
            principal = token_principal(request)
            if principal is None:
                return await sign_in_required(request, SignInRequired())
            kind = commands_api.KIND_OF_PATH.get(request.url.path)
            try:
                if kind is not None:
                    commands_api.may_give(principal, kind)
                elif not principal.may_write:
                    raise Forbidden(N_("this role may not record anything"))
            except Forbidden as refused:
                return await forbidden(request, refused)
        errors = [dict(e) for e in exc.errors()]
        lang = api_language(request) if is_api(request) else language(request)
        detail = (
            say(bad_fields(errors, skip=1), lang)
            if errors
            else N_("The request is not well formed.")
        )
        if is_api(request):
            return _api_problem(request, 422, detail)
        return render_error(request, 400, detail)

    async def invalid_model(request: Request, exc: Exception) -> Response:
        """A value a form took that its command's model refuses (a control character, a bidi
        mark, a line break in a one-line field): 422 with what is wrong, never a 500. The
        forms check their fields with the same types first, so this is the last net."""
        assert isinstance(exc, ValidationError)
        lang = api_language(request) if is_api(request) else language(request)
        detail = say(bad_fields([dict(e) for e in exc.errors()]), lang)
        if is_api(request):
            return _api_problem(request, 422, detail)
        return render_error(request, 422, detail)

    app.add_exception_handler(WorkflowError, workflow_error)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(ValidationError, invalid_model)

    async def server_error(request: Request, exc: Exception) -> Response:
        _log.error("web_server_error", path=request.url.path, error=type(exc).__name__)
        detail = N_("Something went wrong on our side; nothing was recorded. Try again later.")
        if is_api(request):
            return _api_problem(request, 500, detail)
        return render_error(request, 500, detail)

    app.add_exception_handler(Exception, server_error)


def open_web_store(database_url: str | None) -> EventStore:
    """The store by the CLI's rules (option, $PPSS_DATABASE_URL, the per-user file); it must
    exist and be at this program's schema (the web never creates or migrates one)."""
    location = resolve_database_url(database_url)
    url = make_url(location.url)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
        raise SchemaNotReady(
            f"no store at {safe_url(location.url)}: create one with `ppss db upgrade` "
            "(or `ppss demo --serve` for the demo)",
            reason=NO_STORE_WEB(store=safe_url(location.url)),
        )
    engine = create_store_engine(location.url)
    ensure_schema(engine, create=False)
    return EventStore(engine)


def create_app(
    settings: WebSettings, *, store: EventStore | None = None, clock: Clock | None = None
) -> FastAPI:
    """The application for ``settings``. ``store`` and ``clock`` are for tests and benchmarks:
    by default the store comes from ``settings.database_url`` and today is today."""
    if settings.secret_key is None and not settings.demo:
        raise ConfigurationError(
            "PPSS_WEB_SECRET_KEY is not set: give every process of the site the same long "
            "random secret (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)",
            reason=WEB_NO_SECRET(
                example="`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            ),
        )
    secret = (
        settings.secret_key.get_secret_value()
        if settings.secret_key is not None
        else secrets.token_urlsafe(48)
    )
    owned = store is None
    the_store = store if store is not None else open_web_store(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_store.close()

    app = FastAPI(
        title="ppss-workflow",
        version=__version__,
        description="Conditional grant payments of the City of Stockholm: rounds, boards, "
        "projects and payments. Every /api/v1 route needs `Authorization: Bearer TOKEN` "
        "(`ppss token create`); errors are application/problem+json (RFC 9457).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = the_store
    # A server lives long: a round event re-assesses the projects it folded before.
    keep_folded_states(the_store)
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="ppss_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=not settings.demo,
    )
    app.add_middleware(SecurityHeaders)
    _install_errors(app)
    app.mount(
        "/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="static",
    )
    app.include_router(pages.router)
    app.include_router(portal.router)
    app.include_router(auditor.router)
    app.include_router(api.router)
    app.include_router(coordinator.router)
    app.include_router(commands_api.router)
    app.include_router(command_forms.router)
    app.include_router(documents_api.router)
    app.include_router(documents_pages.router)
    app.include_router(calendar_web.router)
    app.include_router(followup_pages.router)
    app.add_api_route("/healthz", pages.healthz, methods=["GET"], tags=["health"])
    install_openapi(app)
    if settings.oidc_issuer:
        # Misconfigured sign-in stops the server (a ValueError naming the setting): it must
        # never quietly run without the city's sign-in.
        from ppss_workflow.web.oidc import install_oidc  # noqa: PLC0415 - Authlib only here

        install_oidc(app, settings)
    return app
