"""The pages people use: sign-in, rounds, a round's overview, a project, the payment form.

Every page is rendered on the server and works without JavaScript. Every form carries the
session's CSRF token; a post without it is refused (403) before anything is read or written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from policies.commands import Disburse
from ppss_workflow.access import Principal
from ppss_workflow.errors import ConditionNotMet, InvalidCommand
from ppss_workflow.handlers import Commands
from ppss_workflow.i18n import N_
from ppss_workflow.readmodels import Reads
from ppss_workflow.web.auth import (
    CsrfRefused,
    check_csrf_value,
    current_principal,
    demo_users,
    sign_in,
    sign_out,
)
from ppss_workflow.web.forms import parse_kronor
from ppss_workflow.web.render import Forbidden, SignInRequired, render, tr_for
from ppss_workflow.web.views import (
    Totals,
    parse_day,
    project_detail,
    rounds_for,
    visible_board,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CsrfField = Annotated[str, Form(alias="csrf_token")]


def reads(request: Request) -> Reads:
    return Reads(request.app.state.store, request.app.state.clock)


def signed_in(request: Request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise SignInRequired
    return principal


def reader(request: Request) -> Principal:
    principal = signed_in(request)
    if not principal.may_read:
        raise Forbidden(N_("This role sends reminders only; it has no pages to read."))
    return principal


def require_csrf(request: Request, sent: str) -> None:
    if not check_csrf_value(request, sent):
        raise CsrfRefused


# -- signing in and out ------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login(request: Request) -> Response:
    if current_principal(request) is not None:
        return RedirectResponse("/", status_code=303)
    oidc = bool(getattr(request.app.state, "oidc_login", False))  # set by install_oidc
    return render(request, "login.html", oidc=oidc)


def _demo_districts(request: Request) -> list[str]:
    r = reads(request)
    names = {row.district for rid in r.round_ids() for row in r.board(rid)}
    return sorted(names, key=str.casefold)


@router.get("/login/demo", response_class=HTMLResponse)
def demo_login_page(request: Request) -> Response:
    if not request.app.state.settings.demo:
        raise StarletteHTTPException(404, "the demo sign-in is only there in demo mode")
    return render(request, "demo_login.html", users=demo_users(_demo_districts(request)))


@router.post("/login/demo", response_class=HTMLResponse)
def demo_login(
    request: Request, csrf: CsrfField = "", user: Annotated[str, Form()] = ""
) -> Response:
    if not request.app.state.settings.demo:
        raise StarletteHTTPException(404, "the demo sign-in is only there in demo mode")
    require_csrf(request, csrf)
    chosen = {u.key: u.principal for u in demo_users(_demo_districts(request))}.get(user)
    if chosen is None:
        raise InvalidCommand(f"no demo user {user!r}")
    sign_in(request, chosen)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: CsrfField = "") -> Response:
    require_csrf(request, csrf)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


# -- reading ------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def rounds_page(request: Request) -> Response:
    principal = signed_in(request)
    found = rounds_for(reads(request), principal) if principal.may_read else []
    return render(request, "rounds.html", rounds=found)


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(
    request: Request, round_id: str, as_of: Annotated[str | None, Query()] = None
) -> Response:
    principal = reader(request)
    r = reads(request)
    rnd = r.round(round_id)
    try:
        day = parse_day(as_of, "as_of")
    except InvalidCommand:
        return render(
            request,
            "board.html",
            400,
            round=rnd,
            rows=[],
            totals=Totals.of([]),
            as_of=as_of,
            as_of_error=True,
        )
    rows = visible_board(r, principal, round_id, day)
    return render(
        request,
        "board.html",
        round=rnd,
        rows=rows,
        totals=Totals.of(rows),
        as_of=day.isoformat() if day else "",
        as_of_error=False,
    )


def _project_page(
    request: Request,
    principal: Principal,
    round_id: str,
    district: str,
    status: int = 200,
    **form: Any,
) -> Response:
    detail = project_detail(reads(request), principal, round_id, district)
    flash = request.session.pop("flash", None)
    values = {"amount": "", "reference": "", "purpose": "grant", "errors": {}, **form}
    return render(
        request,
        "project.html",
        status,
        p=detail,
        round=detail.view.round,
        flash=flash if isinstance(flash, dict) else None,
        form=values,
        may_pay=principal.role == "coordinator",
    )


@router.get("/rounds/{round_id}/projects/{district}", response_class=HTMLResponse)
def project_page(request: Request, round_id: str, district: str) -> Response:
    return _project_page(request, reader(request), round_id, district)


# -- acting -------------------------------------------------------------------------------


@router.post("/rounds/{round_id}/projects/{district}/payments", response_class=HTMLResponse)
def pay(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    amount: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "grant",
) -> Response:
    """Register a payment: the same payment again is "already recorded", never paid twice."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    detail = project_detail(reads(request), reader(request), round_id, district)
    if not principal.may_write:
        raise Forbidden(N_("This role reads only; it records nothing."))
    errors: dict[str, str] = {}
    tr = tr_for(request)
    amount_sek = 0
    try:
        amount_sek = parse_kronor(amount)
    except InvalidCommand:
        errors["amount"] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    if not reference.strip():
        errors["reference"] = tr.gettext("Give the payment's reference (verification number).")
    elif len(reference.strip()) > 200:
        errors["reference"] = tr.gettext("The reference is too long (at most 200 characters).")
    if purpose not in ("grant", "supervision"):
        errors["purpose"] = tr.gettext("Choose grant or supervision money.")
    form = {"amount": amount, "reference": reference, "purpose": purpose}
    if errors:
        return _project_page(request, principal, round_id, district, 422, errors=errors, **form)
    command = Disburse(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        payment_reference=reference.strip(),
        purpose="supervision" if purpose == "supervision" else "grant",
    )
    commands = Commands(request.app.state.store, request.app.state.clock)
    try:
        outcome = commands.execute(principal.actor(), command)
    except (ConditionNotMet, InvalidCommand) as exc:
        refusal = getattr(exc, "refusal", None)
        reason = tr.plain(refusal.message if refusal is not None else str(exc))
        return _project_page(
            request, principal, round_id, district, 422, errors={"refused": reason}, **form
        )
    request.session["flash"] = {
        "kind": "already" if outcome.already is not None else "paid",
        "amount": amount_sek,
        "reference": reference.strip(),
    }
    return RedirectResponse(
        f"/rounds/{detail.view.round.round_id}/projects/{detail.slug}", status_code=303
    )


def healthz(request: Request) -> dict[str, object]:
    """Alive, and the store answers (no sign-in needed): its head position."""
    head = request.app.state.store.head()
    return {"status": "ok", "position": head.position}
