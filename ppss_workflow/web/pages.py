"""The pages people use: sign-in, rounds, a round's overview and its replay, a project, and
the forms on it (a payment, the steering group's plan decision, the T2 follow-up and financial
report).

Every page is rendered on the server and works without JavaScript. Every form carries the
session's CSRF token; a post without it is refused (403) before anything is read or written.
Every post is authorised on the server; a rule of the round that refuses it is shown beside
the form (422) with the policy's reason, and nothing is written.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from policies.commands import (
    Command,
    DecidePlan,
    Disburse,
    SubmitFinancialReport,
    SubmitFollowUp,
)
from policies.decision_records import decision_records
from policies.recusal import recused_from
from policies.state import STOCKHOLM, end_of_day
from policies.submissions import NO_T2_RULE
from ppss_workflow.access import Principal
from ppss_workflow.demo import DISTRICTS_2014
from ppss_workflow.errors import WEB_NO_DEMO_USER, ConditionNotMet, InvalidCommand, NotFound
from ppss_workflow.grants import grant_for
from ppss_workflow.handlers import Commands, Outcome
from ppss_workflow.i18n import N_
from ppss_workflow.integrity import chain_warning
from ppss_workflow.projections import BoardQuery
from ppss_workflow.readmodels import Reads
from ppss_workflow.web.auth import (
    CsrfRefused,
    check_csrf_value,
    current_principal,
    demo_users,
    sign_in,
    sign_out,
)
from ppss_workflow.web.forms import (
    form_id_of,
    parse_count,
    parse_instant,
    parse_kronor,
    unprintable,
)
from ppss_workflow.web.portal_forms import portal_context
from ppss_workflow.web.queues import Queues, queues_for
from ppss_workflow.web.render import Forbidden, SignInRequired, render, tr_for
from ppss_workflow.web.views import (
    ProjectDetail,
    Totals,
    parse_day,
    project_detail,
    rounds_for,
    visible_board,
)
from ppss_workflow.words import say, say_refusal

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
    """The districts on the demo's sign-in page: those in the store's rounds, and the city's
    districts of the 2014 round (so that a district can apply to a new round on the web).

    Choice (not in the documents): the demo offers the 2014 round's districts even on an
    empty store, since a district that has never applied must be able to sign in to apply.
    """
    r = reads(request)
    names = {row.district for rid in r.round_ids() for row in r.board(rid)}
    names.update(name for name, _, _ in DISTRICTS_2014)
    return sorted(names, key=str.casefold)


#: The host names the demo sign-in answers to: this machine only. A page on another site
#: that rebinds its DNS name to 127.0.0.1 still sends its own name as ``Host``, so it is
#: refused here and cannot sign in as anyone on a developer's machine.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _loopback_only(request: Request) -> None:
    """The demo sign-in answers to a loopback ``Host`` only (localhost, 127.0.0.1, [::1])."""
    host = (request.url.hostname or "").strip("[]").lower()
    if host not in LOOPBACK_HOSTS:
        raise Forbidden(N_("The demo sign-in answers on this machine only: open it as localhost."))


@router.get("/login/demo", response_class=HTMLResponse)
def demo_login_page(request: Request) -> Response:
    if not request.app.state.settings.demo:
        raise StarletteHTTPException(404, "the demo sign-in is only there in demo mode")
    _loopback_only(request)
    return render(request, "demo_login.html", users=demo_users(_demo_districts(request)))


@router.post("/login/demo", response_class=HTMLResponse)
def demo_login(
    request: Request, csrf: CsrfField = "", user: Annotated[str, Form()] = ""
) -> Response:
    if not request.app.state.settings.demo:
        raise StarletteHTTPException(404, "the demo sign-in is only there in demo mode")
    _loopback_only(request)
    require_csrf(request, csrf)
    chosen = {u.key: u.principal for u in demo_users(_demo_districts(request))}.get(user)
    if chosen is None:
        raise InvalidCommand(f"no demo user {user!r}", reason=WEB_NO_DEMO_USER(user=user))
    sign_in(request, chosen)
    store = getattr(request.app.state, "store", None)
    grant = grant_for(store, chosen.email) if store is not None else None
    if grant is not None and grant.role == chosen.role:
        # A demo member with a grant on record (a steering-group member tied to a district):
        # the session holds while that grant does, as a sign-in through OIDC would.
        request.session["user"] = {**request.session["user"], "granted": str(grant.position)}
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
    r = reads(request)
    found = rounds_for(r, principal) if principal.may_read else []
    work = queues_for(r, principal) if principal.may_read else Queues()
    return render(request, "rounds.html", rounds=found, q=work, today=r.today())


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(
    request: Request,
    round_id: str,
    as_of: Annotated[str | None, Query()] = None,
    status: Annotated[str, Query()] = "",
    blocks: Annotated[str, Query()] = "",
    district: Annotated[str, Query()] = "",
    sort: Annotated[str, Query()] = "district",
    order: Annotated[str, Query()] = "asc",
    page: Annotated[str, Query()] = "1",
) -> Response:
    principal = reader(request)
    r = reads(request)
    rnd = r.round(round_id)
    common: dict[str, Any] = {
        "round": rnd,
        "may_replay": principal.role in REPLAYING_ROLES,
        "overview": None,
        "chain_warning": chain_warning(r.store, tr_for(request)),
    }
    try:
        day = parse_day(as_of, "as_of")
    except InvalidCommand:
        return render(
            request,
            "board.html",
            400,
            rows=[],
            totals=Totals.of([]),
            as_of=as_of,
            as_of_error=True,
            **common,
        )
    if day is None and principal.district is None:
        try:
            query = BoardQuery(
                status=status.strip(),
                blocking=blocks.strip(),
                district=district.strip()[:200],
                sort=sort,
                descending=order == "desc",
                page=int(page),
            )
        except ValueError:
            return render(
                request,
                "error.html",
                400,
                title=tr_for(request).t("The request could not be read"),
                detail=tr_for(request).t(
                    "The overview's sort or page is not one it offers: start again from the "
                    "round's page."
                ),
                code=400,
            )
        found = r.board_page(round_id, query)
        totals = Totals(
            found.projects, found.awarded_sek, found.paid_sek, found.payable_sek, found.owed_sek,
            *found.supervision,
        )  # fmt: skip
        common["overview"] = found
        return render(
            request,
            "board.html",
            rows=found.rows,
            totals=totals,
            as_of="",
            as_of_error=False,
            query=query,
            pages=found.pages(query.per_page),
            link=partial(overview_link, round_id, query),
            **common,
        )
    rows = visible_board(r, principal, round_id, day)
    return render(
        request,
        "board.html",
        rows=rows,
        totals=Totals.of(rows),
        as_of=day.isoformat() if day else "",
        as_of_error=False,
        **common,
    )


def overview_link(round_id: str, query: BoardQuery, **changes: object) -> str:
    """The overview's URL with ``query`` changed by ``changes`` (sort, order, page)."""
    params: dict[str, object] = {
        "district": query.district,
        "status": query.status,
        "blocks": query.blocking,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
        "page": 1,
        **changes,
    }
    kept = {k: v for k, v in params.items() if v not in ("", None)}
    return f"/rounds/{round_id}?{urlencode(kept)}"


#: Who may replay a round as of a date and as known at an instant.
REPLAYING_ROLES = frozenset({"auditor", "coordinator"})
#: Who may submit a project's follow-ups and financial reports (a district: its own only).
REPORTING_ROLES = frozenset({"district", "coordinator"})

_PAYMENT_FORM = {"amount": "", "reference": "", "purpose": "grant", "errors": {}}
_PLAN_FORM = {"plan_id": "", "decision": "approve", "meeting_on": "", "reason": "", "errors": {}}
_FOLLOW_UP_FIELDS = (
    "target_group_size",
    "pupils_reached",
    "unplanned_dropouts",
    "unauthorised_absence_hours",
    "pupils_with_improved_attendance",
)
_FOLLOW_UP_FORM: dict[str, Any] = {
    **dict.fromkeys(_FOLLOW_UP_FIELDS, ""),
    "period_start": "",
    "period_end": "",
    "self_financing_plan": "",
    "form_id": "",
    "errors": {},
}
_REPORT_FORM = {"spent": "", "forecast": "", "form_id": "", "errors": {}}


def _project_page(
    request: Request,
    principal: Principal,
    round_id: str,
    district: str,
    status: int = 200,
    *,
    payment: dict[str, Any] | None = None,
    plan: dict[str, Any] | None = None,
    follow_up: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    portal: dict[str, Any] | None = None,
) -> Response:
    """The project page; a form given here comes back as typed, with its errors."""
    detail = project_detail(reads(request), principal, round_id, district)
    flash = request.session.pop("flash", None)
    submitted_plans = [p for p in detail.view.state.plans if p.status == "submitted"]
    kind = request.query_params.get("purpose")
    if payment is None and kind in ("grant", "supervision"):
        # A work queue's link to one kind of money: the form comes filled for that kind with
        # what may be paid of it now (the grant and the supervision money are paid apart).
        may = detail.assessment.payable.for_purpose(kind)
        payment = {"purpose": kind, "amount": str(may) if may else ""}
    has_t2 = any(c.code.startswith("t2") for c in detail.assessment.conditions)
    recusal = _recusal(request, principal, detail)
    return render(
        request,
        "project.html",
        status,
        p=detail,
        round=detail.view.round,
        flash=flash if isinstance(flash, dict) else None,
        form={**_PAYMENT_FORM, **(payment or {})},
        plan_form={**_PLAN_FORM, **(plan or {})},
        follow_up_form=_with_form_id({**_FOLLOW_UP_FORM, **(follow_up or {})}),
        report_form=_with_form_id({**_REPORT_FORM, **(report or {})}),
        portal=portal_context(principal, detail, portal),
        submitted_plans=submitted_plans,
        may_pay=principal.role == "coordinator",
        may_decide=principal.role == "steering_group"
        and (bool(submitted_plans) or plan is not None),
        recusal=recusal,
        decisions=decision_records(detail.view.state, detail.view.round),
        may_report=principal.role in REPORTING_ROLES
        and (has_t2 or follow_up is not None or report is not None),
    )


def _recusal(request: Request, principal: Principal, detail: ProjectDetail) -> str:
    """Why the signed-in steering-group member does not decide this district's matters
    (jäv, :mod:`policies.recusal`), in words; "" when they may. The form is then not
    offered, and the server refuses it if it is posted anyway."""
    if principal.role != "steering_group":
        return ""
    store = getattr(request.app.state, "store", None)
    member = grant_for(store, principal.email) if store is not None else None
    reason = recused_from(detail.district, principal.role, member)
    return say(reason, tr_for(request).lang) if reason is not None else ""


def _with_form_id(form: dict[str, Any]) -> dict[str, Any]:
    """A form's own id (kept when the form comes back with errors, new otherwise)."""
    return {**form, "form_id": form_id_of(form.get("form_id"))}


@router.get("/rounds/{round_id}/projects/{district}", response_class=HTMLResponse)
def project_page(request: Request, round_id: str, district: str) -> Response:
    return _project_page(request, reader(request), round_id, district)


@router.get("/rounds/{round_id}/replay", response_class=HTMLResponse)
def replay_page(
    request: Request,
    round_id: str,
    as_of: Annotated[str | None, Query()] = None,
    known_at: Annotated[str | None, Query()] = None,
) -> Response:
    """The round's board as of the end of a date (the rules' time) and as the store knew it
    at an instant (what had been recorded by then): for auditors and coordinators."""
    principal = reader(request)
    if principal.role not in REPLAYING_ROLES:
        raise Forbidden(N_("Only auditors and coordinators replay a round."))
    r = reads(request)
    rnd = r.round(round_id)  # an unknown round: 404
    errors: dict[str, str] = {}
    tr = tr_for(request)
    day = moment = None
    try:
        day = parse_day(as_of, "as_of")
    except InvalidCommand:
        errors["as_of"] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
    try:
        moment = parse_instant(known_at, STOCKHOLM)
    except InvalidCommand:
        errors["known_at"] = tr.gettext(
            "Write the time as YYYY-MM-DD HH:MM, e.g. 2015-02-01 09:30."
        )
    values = {"as_of": as_of or "", "known_at": known_at or ""}
    rows = []
    unknown = False
    if not errors:
        try:
            board = r.board(round_id, as_of=end_of_day(day) if day else None, known_at=moment)
        except NotFound:
            unknown = True  # the round itself was not yet on record at that instant
        else:
            rows = sorted(
                (row for row in board if principal.sees(row.district)),
                key=lambda row: row.district.casefold(),
            )
    return render(
        request,
        "replay.html",
        400 if errors else 200,
        round=rnd,
        rows=rows,
        totals=Totals.of(rows),
        values=values,
        errors=errors,
        day=day.isoformat() if day else "",
        moment=tr.moment(moment) if moment else "",
        unknown=unknown,
    )


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
    principal, detail = _writer(request, csrf, round_id, district)
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
    elif bad := unprintable(reference, one_line=True):
        errors["reference"] = tr.gettext(bad)
    if purpose not in ("grant", "supervision"):
        errors["purpose"] = tr.gettext("Choose grant or supervision money.")
    form = {"amount": amount, "reference": reference, "purpose": purpose}
    if errors:
        return _project_page(
            request, principal, round_id, district, 422, payment={**form, "errors": errors}
        )
    command = Disburse(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        payment_reference=reference.strip(),
        purpose="supervision" if purpose == "supervision" else "grant",
    )
    flash = {"kind": "paid", "amount": amount_sek, "reference": reference.strip()}
    return _record(
        request, principal, (round_id, district), detail, command, "payment", form, flash
    )


def _execute(
    request: Request, principal: Principal, command: Command, command_id: UUID | None = None
) -> tuple[Outcome | None, str]:
    """Run ``command`` as the signed-in person: the outcome, or None and the policy's reason
    in plain words (nothing was written). ``command_id``: the form's own id, so the same
    form sent again is "already recorded"."""
    commands = Commands(request.app.state.store, request.app.state.clock)
    tr = tr_for(request)
    try:
        return commands.execute(principal.actor(), command, command_id=command_id), ""
    except (ConditionNotMet, InvalidCommand) as exc:
        refusal = exc.refusal
        if refusal is not None and refusal.rule == NO_T2_RULE:
            return None, tr.gettext(
                "This round has no T2: its rules ask for no T2 follow-up and no T2 financial "
                "report."
            )
        return None, say_refusal(refusal, tr.lang) if refusal is not None else str(exc)


def _record(
    request: Request,
    principal: Principal,
    where: tuple[str, str],
    detail: ProjectDetail,
    command: Command,
    section: str,
    form: dict[str, Any],
    flash: dict[str, Any],
    command_id: UUID | None = None,
) -> Response:
    """Run ``command`` from the form ``section`` of the project page: a refusal comes back
    beside that form (422, nothing written); otherwise the page again, saying what was
    recorded, or that it was already on record. ``where``: the round and district as the
    request named them."""
    outcome, refused = _execute(request, principal, command, command_id)
    if outcome is None:
        forms: dict[str, Any] = {section: {**form, "errors": {"refused": refused}}}
        return _project_page(request, principal, *where, 422, **forms)
    request.session["flash"] = {
        **flash,
        "kind": "already" if outcome.already is not None else flash["kind"],
    }
    return _back_to(detail)


def _back_to(detail: ProjectDetail, anchor: str = "") -> Response:
    url = f"/rounds/{detail.view.round.round_id}/projects/{detail.slug}"
    return RedirectResponse(url + (f"#{anchor}" if anchor else ""), status_code=303)


def _writer(
    request: Request, csrf: str, round_id: str, district: str
) -> tuple[Principal, ProjectDetail]:
    """The signed-in person and the project, for a post: CSRF first, then a project this
    person may see (else 404, as for one that does not exist)."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    return principal, project_detail(reads(request), reader(request), round_id, district)


@router.post("/rounds/{round_id}/projects/{district}/plans", response_class=HTMLResponse)
def decide_plan(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    plan_id: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    meeting_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The steering group approves or rejects a submitted work plan."""
    principal, detail = _writer(request, csrf, round_id, district)
    if principal.role != "steering_group":
        raise Forbidden(N_("Only the steering group decides on work plans."))
    tr = tr_for(request)
    errors: dict[str, str] = {}
    plans = {p.plan_id for p in detail.view.state.plans}
    if plan_id not in plans:
        errors["plan_id"] = tr.gettext("Choose one of the project's work plans.")
    if decision not in ("approve", "reject"):
        errors["decision"] = tr.gettext("Choose approve or reject.")
    day = None
    try:
        day = parse_day(meeting_on, "meeting_on")
    except InvalidCommand:
        errors["meeting_on"] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
    else:
        if day is None:
            errors["meeting_on"] = tr.gettext("Give the date of the steering group's meeting.")
    if decision == "reject" and not reason.strip():
        errors["reason"] = tr.gettext(
            "Say why the plan is rejected, so the district knows what to fix."
        )
    if len(reason.strip()) > 2000:
        errors["reason"] = tr.gettext("The reason is too long (at most 2 000 characters).")
    elif bad := unprintable(reason, one_line=False):
        errors["reason"] = tr.gettext(bad)
    form = {"plan_id": plan_id, "decision": decision, "meeting_on": meeting_on, "reason": reason}
    if errors or day is None:
        return _project_page(
            request, principal, round_id, district, 422, plan={**form, "errors": errors}
        )
    command = DecidePlan(
        round_id=detail.view.round.round_id,
        district=detail.district,
        plan_id=plan_id,
        approve=decision == "approve",
        meeting_on=day,
        reason=reason.strip() or None,
    )
    flash = {"kind": f"plan_{decision}", "plan": plan_id}
    return _record(request, principal, (round_id, district), detail, command, "plan", form, flash)


def _reporter(
    request: Request, csrf: str, round_id: str, district: str
) -> tuple[Principal, ProjectDetail]:
    principal, detail = _writer(request, csrf, round_id, district)
    if principal.role not in REPORTING_ROLES:
        raise Forbidden(N_("Only the district itself or a coordinator submits reports."))
    return principal, detail


@router.post("/rounds/{round_id}/projects/{district}/follow-ups", response_class=HTMLResponse)
def submit_follow_up(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    target_group_size: Annotated[str, Form()] = "",
    pupils_reached: Annotated[str, Form()] = "",
    unplanned_dropouts: Annotated[str, Form()] = "",
    unauthorised_absence_hours: Annotated[str, Form()] = "",
    pupils_with_improved_attendance: Annotated[str, Form()] = "",
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    self_financing_plan: Annotated[str, Form()] = "",
    form_id: Annotated[str, Form()] = "",
) -> Response:
    """The T2 follow-up: aggregate counts for the period, never anything about one pupil.
    The form's own id makes the same form sent twice "already recorded"."""
    principal, detail = _reporter(request, csrf, round_id, district)
    submission = form_id_of(form_id)
    tr = tr_for(request)
    typed = {
        "target_group_size": target_group_size,
        "pupils_reached": pupils_reached,
        "unplanned_dropouts": unplanned_dropouts,
        "unauthorised_absence_hours": unauthorised_absence_hours,
        "pupils_with_improved_attendance": pupils_with_improved_attendance,
    }
    errors: dict[str, str] = {}
    indicators: dict[str, int] = {}
    for name, text in typed.items():
        try:
            count = parse_count(text, required=name in ("target_group_size", "pupils_reached"))
        except InvalidCommand:
            errors[name] = tr.gettext("Write a whole number, e.g. 24.")
            continue
        if count is not None:
            indicators[name] = count
    reached = indicators.get("pupils_reached")
    for name in ("unplanned_dropouts", "pupils_with_improved_attendance"):
        if reached is not None and indicators.get(name, 0) > reached:
            errors[name] = tr.gettext("This cannot be more than the pupils reached.")
    target = indicators.get("target_group_size")
    if reached is not None and target is not None and reached > target:
        errors["pupils_reached"] = tr.gettext("This cannot be more than the target group.")
    days = {}
    for name, text in (("period_start", period_start), ("period_end", period_end)):
        try:
            days[name] = parse_day(text, name)
        except InvalidCommand:
            errors[name] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
    if len(self_financing_plan.strip()) > 2000:
        errors["self_financing_plan"] = tr.gettext(
            "The text is too long (at most 2 000 characters)."
        )
    elif bad := unprintable(self_financing_plan, one_line=False):
        errors["self_financing_plan"] = tr.gettext(bad)
    form = {
        **typed,
        "period_start": period_start,
        "period_end": period_end,
        "self_financing_plan": self_financing_plan,
        "form_id": str(submission),
    }
    if errors:
        return _project_page(
            request, principal, round_id, district, 422, follow_up={**form, "errors": errors}
        )
    command = SubmitFollowUp(
        round_id=detail.view.round.round_id,
        district=detail.district,
        kind="t2",
        indicators=indicators,
        period_start=days.get("period_start"),
        period_end=days.get("period_end"),
        self_financing_plan=self_financing_plan.strip() or None,
    )
    return _record(
        request,
        principal,
        (round_id, district),
        detail,
        command,
        "follow_up",
        form,
        {"kind": "follow_up"},
        submission,
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/financial-reports", response_class=HTMLResponse
)
def submit_financial_report(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    spent: Annotated[str, Form()] = "",
    forecast: Annotated[str, Form()] = "",
    form_id: Annotated[str, Form()] = "",
) -> Response:
    """The T2 financial report: spent so far and the forecast for the year, in kronor."""
    principal, detail = _reporter(request, csrf, round_id, district)
    submission = form_id_of(form_id)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    amounts: dict[str, int] = {}
    for name, text in (("spent", spent), ("forecast", forecast)):
        try:
            amounts[name] = parse_kronor(text, minimum=0)
        except InvalidCommand:
            errors[name] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    form = {"spent": spent, "forecast": forecast, "form_id": str(submission)}
    if errors:
        return _project_page(
            request, principal, round_id, district, 422, report={**form, "errors": errors}
        )
    command = SubmitFinancialReport(
        round_id=detail.view.round.round_id,
        district=detail.district,
        kind="t2",
        spent_sek=amounts["spent"],
        forecast_sek=amounts["forecast"],
    )
    flash = {"kind": "report", "amount": amounts["spent"]}
    return _record(
        request, principal, (round_id, district), detail, command, "report", form, flash, submission
    )


def healthz(request: Request) -> dict[str, object]:
    """Alive, and the store answers (no sign-in needed): its head position."""
    head = request.app.state.store.head()
    return {"status": "ok", "position": head.position}
