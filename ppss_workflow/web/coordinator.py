"""The coordinator's forms: open a round, set deadlines, allocate and award (the rule's table
shown before anything is recorded), network participation, supervision money, repayments,
corrections (annul an entry chosen in the timeline) and closing a round (after its loose ends
are listed).

Like the other forms: server-rendered, working without JavaScript, CSRF on every post, the
role checked on the server (only a coordinator; a district, an auditor or the steering group
is refused and nothing is written), a person's mistake said beside the field and a rule's
refusal beside the form (422, nothing written), and a flash saying what was recorded, or that
it was already on record (a repeated submit never records a second event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from uuid import NAMESPACE_URL, uuid5

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from policies.allocation import AllocationResult
from policies.commands import (
    Annul,
    AwardGrant,
    CloseRound,
    Command,
    DemandRepayment,
    GrantSupervision,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    ReviewReport,
    SetDeadline,
    SettleRepayment,
)
from policies.decisions import Refusal, allocation_from_applications, view_of
from policies.queues import waiting
from policies.registry import POLICIES, latest_version
from policies.state import RoundState, slug
from ppss_workflow.access import Principal
from ppss_workflow.errors import InvalidCommand, WorkflowError
from ppss_workflow.handlers import refused
from ppss_workflow.i18n import N_
from ppss_workflow.readmodels import group_streams
from ppss_workflow.web import pages
from ppss_workflow.web.auth import current_principal
from ppss_workflow.web.forms import form_id_of, parse_count, parse_kronor, unprintable
from ppss_workflow.web.render import Forbidden, environment, render, tr_for
from ppss_workflow.web.views import ProjectDetail, parse_day, project_detail
from ppss_workflow.words import say_refusal

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CsrfField = pages.CsrfField
Text = Annotated[str, Form()]
#: The page again with the form's errors, or the rule's refusal beside it (422).
Again = Callable[..., Response]
FLASH = "coordinator_flash"
#: The deadline codes a coordinator picks from (more may be typed).
DEADLINE_CODES = ("year_end_account", "t2_follow_up", "t2_financial_report", "annual_report")
OUTCOMES = ("attended", "absent", "make-up", "exemption")


def coordinator(request: Request, csrf: str) -> Principal:
    """The signed-in coordinator, for a post: sign-in, then CSRF, then the role."""
    principal = pages.signed_in(request)
    pages.require_csrf(request, csrf)
    if principal.role != "coordinator":
        raise Forbidden(N_("Only a coordinator does this."))
    return principal


# -- what the included templates read --------------------------------------------------------


@dataclass
class Forms:
    """The coordinator's forms on a page: typed values and errors of the one that failed,
    the flash of what was last recorded, and the choices the forms offer."""

    show: bool
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    flash: dict[str, Any] | None = None
    sessions: list[str] = field(default_factory=list)
    annullable: list[Any] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    #: Reports handed in and waiting for the coordinator's review (codes).
    reviewable: list[str] = field(default_factory=list)

    def form(self, section: str) -> dict[str, Any]:
        return self.failed.get(section, {"errors": {}})

    def value(self, section: str, name: str, default: str = "") -> str:
        return str(self.form(section).get(name, default))

    def error(self, section: str, name: str) -> str:
        return str(self.form(section)["errors"].get(name, ""))

    def form_id(self, section: str) -> str:
        """The form's own id: kept when the form comes back with an error, else a new one,
        so a double click or a resent form is one submission."""
        return str(form_id_of(self.form(section).get("form_id")))


def _forms(request: Request, extra: dict[str, Any]) -> Forms:
    principal = current_principal(request)
    show = principal is not None and principal.role == "coordinator"
    flash = request.session.pop(FLASH, None) if show else None
    failed = getattr(request.state, "coordinator_forms", {})
    return Forms(show, failed, flash if isinstance(flash, dict) else None, **extra)


def project_forms(request: Request, p: ProjectDetail) -> Forms:
    rnd = p.view.round
    annullable = [
        e
        for e in p.timeline
        if e.annulled_by is None and e.record.event_type not in ("EventAnnulled",)
    ]
    reviewable = list(waiting(p.view.state, p.view.policy.reviewed_reports).to_review)
    return _forms(
        request,
        {"sessions": sorted(rnd.sessions), "annullable": annullable, "reviewable": reviewable},
    )


def round_forms(request: Request, rnd: RoundState) -> Forms:
    codes = sorted({*DEADLINE_CODES, *rnd.deadlines})
    return _forms(request, {"codes": codes})


def form_id_for(request: Request, c: Forms | None, section: str | None) -> str:
    """The id a form carries: the one it was sent with when it is shown again after a refusal
    (sending it once more after a correction records it once), else a new one."""
    kept = getattr(request.state, "form_id", None)
    failed = c.failed.get(section, {}) if c is not None and section else {}
    if kept is not None and failed.get("errors"):
        return str(kept)
    return str(form_id_of(None))


environment().globals["form_id_for"] = form_id_for
environment().globals["coordinator_project_forms"] = project_forms
environment().globals["coordinator_round_forms"] = round_forms


# -- recording -----------------------------------------------------------------------------


def _remember_form_id(request: Request, form_id: Text = "") -> None:
    """The posted form's own id (its hidden field), kept for the handlers and for the page
    shown again after a refusal: the same form sent twice is "already recorded"."""
    request.state.form_id = form_id_of(form_id)


#: On every post of these forms: the form's own id against double submits.
FormId = [Depends(_remember_form_id)]


def _record(
    request: Request,
    principal: Principal,
    command: Command,
    again: Again,
    flash: dict[str, Any],
    back: str,
    district: str | None = None,
) -> Response:
    """Run ``command``: a refusal comes back beside the form (``again(refusal)``: the page
    with it, 422, nothing written); otherwise back to ``back`` with a flash of what was
    recorded, or that it was on record already (the rules say so, or the same form, by its
    id, was sent before)."""
    form_id = getattr(request.state, "form_id", None)
    outcome, reason = pages._execute(request, principal, command, form_id)
    if outcome is None:
        return again(reason)
    request.session[FLASH] = {**flash, "already": outcome.already is not None}
    return RedirectResponse(back, status_code=303)


def _project_again(
    request: Request,
    principal: Principal,
    where: tuple[str, str],
    section: str,
    form: dict[str, Any],
) -> Again:
    def again(refusal: str = "", errors: dict[str, str] | None = None) -> Response:
        found = {**(errors or {}), **({"refused": refusal} if refusal else {})}
        request.state.coordinator_forms = {section: {**form, "errors": found}}
        return pages._project_page(request, principal, *where, 422)

    return again


def _project_post(
    request: Request, csrf: str, round_id: str, district: str
) -> tuple[Principal, ProjectDetail]:
    principal = coordinator(request, csrf)
    return principal, project_detail(pages.reads(request), principal, round_id, district)


def _url(detail: ProjectDetail, anchor: str) -> str:
    return f"/rounds/{detail.view.round.round_id}/projects/{detail.slug}#{anchor}"


def _kronor(tr: Any, errors: dict[str, str], name: str, text: str) -> int:
    try:
        return parse_kronor(text)
    except InvalidCommand:
        errors[name] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
        return 0


def _day(tr: Any, errors: dict[str, str], name: str, text: str, *, required: bool) -> date | None:
    try:
        day = parse_day(text, name)
    except InvalidCommand:
        errors[name] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
        return None
    if day is None and required:
        errors[name] = tr.gettext("Give the date.")
    return day


def _line(tr: Any, errors: dict[str, str], name: str, text: str, *, limit: int = 200) -> str:
    value = text.strip()
    if not value:
        errors[name] = tr.gettext("Fill this in.")
    elif len(value) > limit or (limit == 200 and "\n" in value):
        errors[name] = tr.gettext("The text is too long (at most 200 characters, one line).")
    elif bad := unprintable(value, one_line=True):
        errors[name] = tr.gettext(bad)
    return value


def _free(tr: Any, errors: dict[str, str], name: str, text: str, *, required: bool) -> str:
    value = text.strip()
    if required and not value:
        errors[name] = tr.gettext("Say why: it is kept with the entry.")
    elif len(value) > 2000:
        errors[name] = tr.gettext("The text is too long (at most 2 000 characters).")
    elif bad := unprintable(value, one_line=False):
        errors[name] = tr.gettext(bad)
    return value


# -- a project's forms ---------------------------------------------------------------------


@router.post(
    "/rounds/{round_id}/projects/{district}/awards",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def award(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    amount: Text = "",
    decision_ref: Text = "",
    decided_on: Text = "",
    decided_by: Text = "",
    diary_number: Text = "",
    minutes_ref: Text = "",
) -> Response:
    """Award a grant to one project (outside an allocation decision), with the decision's
    record: the body, the day, the diary number and the minutes (the last three optional)."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {
        "amount": amount,
        "decision_ref": decision_ref,
        "decided_on": decided_on,
        "decided_by": decided_by,
        "diary_number": diary_number,
        "minutes_ref": minutes_ref,
    }
    again = _project_again(request, principal, (round_id, district), "award", form)
    amount_sek = _kronor(tr, errors, "amount", amount)
    ref = _line(tr, errors, "decision_ref", decision_ref)
    day = _day(tr, errors, "decided_on", decided_on, required=True)
    record = {
        name: _line(tr, errors, name, text) if text.strip() else None
        for name, text in (
            ("decided_by", decided_by),
            ("diary_number", diary_number),
            ("minutes_ref", minutes_ref),
        )
    }
    if errors or day is None:
        return again(errors=errors)
    command = AwardGrant(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        decision_ref=ref,
        decided_on=day,
        decided_by=record["decided_by"],
        diary_number=record["diary_number"],
        minutes_ref=record["minutes_ref"],
    )
    flash = {"kind": "award", "amount": amount_sek, "reference": ref}
    return _record(
        request, principal, command, again, flash, _url(detail, "award"), detail.district
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/network",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def network(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    session_id: Text = "",
    outcome: Text = "",
    excused: Text = "",
    note: Text = "",
    participants: Text = "",
    on: Text = "",
) -> Response:
    """Attendance, absence, a make-up or an exemption for one network session."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {
        "session_id": session_id,
        "outcome": outcome,
        "excused": excused,
        "note": note,
        "participants": participants,
        "on": on,
    }
    again = _project_again(request, principal, (round_id, district), "network", form)
    if session_id not in detail.view.round.sessions:
        errors["session_id"] = tr.gettext("Choose one of the round's network sessions.")
    if outcome not in OUTCOMES:
        errors["outcome"] = tr.gettext("Choose attended, absent, make-up or exemption.")
    count = 1
    try:
        count = parse_count(participants, required=False) or 1
    except InvalidCommand:
        errors["participants"] = tr.gettext("Write a whole number, e.g. 24.")
    text = _free(tr, errors, "note", note, required=outcome in ("make-up", "exemption"))
    day = _day(tr, errors, "on", on, required=False)
    if errors:
        return again(errors=errors)
    command = RecordNetwork(
        round_id=detail.view.round.round_id,
        district=detail.district,
        session_id=session_id,
        outcome=outcome,  # type: ignore[arg-type]
        excused=excused == "yes",
        note=text or None,
        participants=count,
        on=day,
    )
    flash = {"kind": "network", "outcome": outcome, "session": session_id}
    return _record(
        request, principal, command, again, flash, _url(detail, "network"), detail.district
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/supervision",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def supervision(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    amount: Text = "",
    decision_ref: Text = "",
) -> Response:
    """Grant supervision money on the project's request."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {"amount": amount, "decision_ref": decision_ref}
    again = _project_again(request, principal, (round_id, district), "supervision", form)
    amount_sek = _kronor(tr, errors, "amount", amount)
    ref = _line(tr, errors, "decision_ref", decision_ref)
    if errors:
        return again(errors=errors)
    command = GrantSupervision(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        decision_ref=ref,
    )
    flash = {"kind": "supervision", "amount": amount_sek, "reference": ref}
    return _record(
        request, principal, command, again, flash, _url(detail, "supervision"), detail.district
    )


@router.post("/rounds/{round_id}/projects/{district}/reviews", response_class=HTMLResponse)
def review(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    report: Text = "",
    decision: Text = "",
    reason: Text = "",
) -> Response:
    """Accept a report the district handed in, or return it with the reason (the district
    sees the reason and hands in a corrected one)."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    section = f"review-{report}" if report in detail.view.policy.reviewed_reports else "review"
    form = {"report": report, "decision": decision, "reason": reason}
    again = _project_again(request, principal, (round_id, district), section, form)
    if report not in detail.view.policy.reviewed_reports:
        errors["report"] = tr.gettext("Choose a report that this round's rules review.")
    if decision not in ("accept", "return"):
        errors["decision"] = tr.gettext("Choose accept or return.")
    why = _free(tr, errors, "reason", reason, required=decision == "return")
    if errors:
        return again(errors=errors)
    command = ReviewReport(
        round_id=detail.view.round.round_id,
        district=detail.district,
        report=report,
        accept=decision == "accept",
        reason=why or None,
    )
    flash = {"kind": f"review_{decision}", "report": report}
    return _record(
        request, principal, command, again, flash, _url(detail, "review"), detail.district
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/repayment-demands",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def demand(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    amount: Text = "",
    due_on: Text = "",
    reason: Text = "",
) -> Response:
    """Demand money back that the rules say is owed."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {"amount": amount, "due_on": due_on, "reason": reason}
    again = _project_again(request, principal, (round_id, district), "demand", form)
    amount_sek = _kronor(tr, errors, "amount", amount)
    day = _day(tr, errors, "due_on", due_on, required=True)
    why = _free(tr, errors, "reason", reason, required=True)
    if errors or day is None:
        return again(errors=errors)
    command = DemandRepayment(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        due_on=day,
        reason=why,
    )
    flash = {"kind": "demand", "amount": amount_sek, "day": day.isoformat()}
    return _record(
        request,
        principal,
        command,
        again,
        flash,
        _url(detail, "repayment"),
        detail.district,
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/repayment-settlements",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def settle(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    amount: Text = "",
    how: Text = "",
    reference: Text = "",
    reason: Text = "",
) -> Response:
    """Money owed back: received (with the payment's reference) or waived (with a reason)."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {"amount": amount, "how": how, "reference": reference, "reason": reason}
    again = _project_again(request, principal, (round_id, district), "settle", form)
    amount_sek = _kronor(tr, errors, "amount", amount)
    if how not in ("received", "waived"):
        errors["how"] = tr.gettext("Choose received or waived.")
    ref = _line(tr, errors, "reference", reference)
    why = _free(tr, errors, "reason", reason, required=how == "waived")
    if errors:
        return again(errors=errors)
    command = SettleRepayment(
        round_id=detail.view.round.round_id,
        district=detail.district,
        amount_sek=amount_sek,
        waive=how == "waived",
        reference=ref,
        reason=why or None,
    )
    flash = {"kind": f"settle_{how}", "amount": amount_sek, "reference": ref}
    return _record(
        request, principal, command, again, flash, _url(detail, "repayment"), detail.district
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/annulments",
    response_class=HTMLResponse,
    dependencies=FormId,
)
def annul(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    position: Text = "",
    reason: Text = "",
    money_never_left: Text = "",
) -> Response:
    """Correct an entry chosen in the timeline: annul it, with a reason (kept on record). A
    payment only if its money never left (ticked), and by a second person."""
    principal, detail = _project_post(request, csrf, round_id, district)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {"position": position, "reason": reason, "money_never_left": money_never_left}
    again = _project_again(request, principal, (round_id, district), "annul", form)
    positions = {str(e.record.position) for e in detail.timeline}
    if position not in positions:
        errors["position"] = tr.gettext("Choose an entry of the project's timeline.")
    why = _free(tr, errors, "reason", reason, required=True)
    if errors:
        return again(errors=errors)
    command = Annul(
        round_id=detail.view.round.round_id,
        district=detail.district,
        position=int(position),
        reason=why,
        money_never_left=money_never_left == "yes",
    )
    flash = {"kind": "annul", "position": int(position)}
    return _record(
        request, principal, command, again, flash, _url(detail, "timeline"), detail.district
    )


# -- a round's forms -----------------------------------------------------------------------


def _board_again(request: Request, round_id: str, form: dict[str, Any]) -> Again:
    def again(refusal: str = "", errors: dict[str, str] | None = None) -> Response:
        found = {**(errors or {}), **({"refused": refusal} if refusal else {})}
        request.state.coordinator_forms = {"deadline": {**form, "errors": found}}
        response = pages.round_page(request, round_id, None)
        response.status_code = 422
        return response

    return again


@router.post("/rounds/{round_id}/deadlines", response_class=HTMLResponse, dependencies=FormId)
def deadline(
    request: Request,
    round_id: str,
    csrf: CsrfField = "",
    code: Text = "",
    new_code: Text = "",
    due_on: Text = "",
    reason: Text = "",
    description: Text = "",
) -> Response:
    """Set a deadline of the round, or move one (the reason is kept on record)."""
    principal = coordinator(request, csrf)
    rnd = pages.reads(request).round(round_id)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {
        "code": code,
        "new_code": new_code,
        "due_on": due_on,
        "reason": reason,
        "description": description,
    }
    again = _board_again(request, round_id, form)
    chosen = slug(new_code).replace("-", "_") if new_code.strip() else code
    if not chosen or len(chosen) > 64:
        errors["code"] = tr.gettext("Choose a deadline, or name a new one.")
    day = _day(tr, errors, "due_on", due_on, required=True)
    why = _free(tr, errors, "reason", reason, required=True)
    note = _free(tr, errors, "description", description, required=False)
    if errors or day is None:
        return again(errors=errors)
    try:
        command = SetDeadline(
            round_id=rnd.round_id, code=chosen, due_on=day, reason=why, description=note or None
        )
    except ValueError:
        return again(errors={"code": tr.gettext("Choose a deadline, or name a new one.")})
    flash = {"kind": "deadline", "code": chosen, "day": day.isoformat()}
    return _record(request, principal, command, again, flash, f"/rounds/{rnd.round_id}")


def _policies() -> list[str]:
    return sorted({name for name, _ in POLICIES})


def _versions() -> list[int]:
    """The versions the open-round form offers beside "the latest" (as the CLI's
    ``--policy-version``): a round opened under an earlier version keeps its own numbers."""
    return sorted({version for _, version in POLICIES})


@router.get("/new-round", response_class=HTMLResponse)
def new_round_page(request: Request) -> Response:
    principal = pages.reader(request)
    if principal.role != "coordinator":
        raise Forbidden(N_("Only a coordinator does this."))
    return render(
        request,
        "coordinator_open.html",
        c=Forms(True, {"open": {"errors": {}}}),
        policies=_policies(),
        versions=_versions(),
    )


@router.post("/new-round", response_class=HTMLResponse, dependencies=FormId)
def open_round(
    request: Request,
    csrf: CsrfField = "",
    round_id: Text = "",
    title: Text = "",
    budget: Text = "",
    supervision_pool: Text = "",
    supervision_cap: Text = "",
    period_start: Text = "",
    period_end: Text = "",
    application_deadline: Text = "",
    policy: Text = "",
    policy_version: Text = "",
) -> Response:
    """Open a round: its money, period and rules (the latest version unless one is chosen)."""
    principal = coordinator(request, csrf)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {
        "round_id": round_id,
        "title": title,
        "budget": budget,
        "supervision_pool": supervision_pool,
        "supervision_cap": supervision_cap,
        "period_start": period_start,
        "period_end": period_end,
        "application_deadline": application_deadline,
        "policy": policy,
        "policy_version": policy_version,
    }

    def again(refusal: str = "", errors: dict[str, str] | None = None) -> Response:
        found = {**(errors or {}), **({"refused": refusal} if refusal else {})}
        return render(
            request,
            "coordinator_open.html",
            422,
            c=Forms(True, {"open": {**form, "errors": found}}),
            policies=_policies(),
            versions=_versions(),
        )

    rid = round_id.strip()
    if not rid or slug(rid) != rid or len(rid) > 64:
        errors["round_id"] = tr.gettext(
            "Give a short code of small letters, digits and dashes, e.g. ppss-2019."
        )
    name = _line(tr, errors, "title", title)
    budget_sek = _kronor(tr, errors, "budget", budget) if budget.strip() else None
    pool: int | None = None
    cap = 0
    try:
        pool = parse_kronor(supervision_pool, minimum=0) if supervision_pool.strip() else None
    except InvalidCommand:
        errors["supervision_pool"] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    try:
        cap = parse_kronor(supervision_cap, minimum=0) if supervision_cap.strip() else -1
    except InvalidCommand:
        errors["supervision_cap"] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    start = _day(tr, errors, "period_start", period_start, required=False)
    end = _day(tr, errors, "period_end", period_end, required=False)
    applications = _day(tr, errors, "application_deadline", application_deadline, required=False)
    if start and end and end < start:
        errors["period_end"] = tr.gettext("The period ends before it starts.")
    if policy not in _policies():
        errors["policy"] = tr.gettext("Choose the round's rules.")
    wanted = policy_version.strip()
    version = int(wanted) if wanted.isdigit() else 0 if wanted else latest_version(policy)
    if wanted and (policy, version) not in POLICIES and "policy" not in errors:
        errors["policy_version"] = tr.gettext("Choose a version these rules have.")
    if errors or version is None:
        return again(errors=errors)
    command = OpenRound(
        round_id=rid,
        title=name,
        budget_sek=budget_sek,
        supervision_pool_sek=pool,
        supervision_cap_sek=None if cap < 0 else cap,
        period_start=start,
        period_end=end,
        application_deadline=applications,
        policy=policy,
        policy_version=version,
    )
    flash = {"kind": "opened", "title": name}
    return _record(request, principal, command, again, flash, f"/rounds/{rid}")


# -- allocation: the rule's table first, then the decision ---------------------------------


def _preview(request: Request, command: RecordAllocation) -> AllocationResult:
    """The round's rule applied to its recorded applications, nothing written (as the CLI's
    ``ppss allocate --round R`` shows it)."""
    r = pages.reads(request)
    store = r.store
    command = command.model_copy(update={"replace": True})
    round_history = store.read_stream(f"round:{command.round_id}")
    streams = group_streams(store.read_streams(f"project:{command.round_id}:"))
    try:
        result, _ = allocation_from_applications(
            command, view_of(command, round_history, streams, r.today())
        )
    except Refusal as refusal:
        raise refused(refusal) from None
    return result


def _applicants(request: Request, round_id: str) -> list[str]:
    views = pages.reads(request).projects(round_id)
    return [
        v.state.district
        for v in views
        if v.state.district and v.state.application and v.state.withdrawn is None
    ]


def fingerprint(result: AllocationResult) -> str:
    """The table as shown: what the confirmation records must be exactly this."""
    return ";".join(f"{a.name}={a.allocated_sek}" for a in result.allocations)


@router.get("/rounds/{round_id}/allocation", response_class=HTMLResponse)
def allocation_page(request: Request, round_id: str) -> Response:
    principal = pages.reader(request)
    if principal.role != "coordinator":
        raise Forbidden(N_("Only a coordinator does this."))
    rnd = pages.reads(request).round(round_id)
    form = {"decided_on": pages.reads(request).today().isoformat(), "errors": {}}
    return _allocation(request, rnd, form)


def _allocation(
    request: Request,
    rnd: RoundState,
    form: dict[str, Any],
    status: int = 200,
    result: AllocationResult | None = None,
) -> Response:
    merged = {
        "decided_by": "Socialnämnden",
        "decision_ref": "",
        "diary_number": "",
        "minutes_ref": "",
        "total": "",
        "min_excess": "",
        "exclude": [],
        "replace": "",
        "table": "",
        **form,
    }
    return render(
        request,
        "coordinator_allocation.html",
        status,
        round=rnd,
        form=merged,
        c=Forms(True, {"allocation": merged}),
        applicants=_applicants(request, rnd.round_id),
        result=result,
    )


@router.post("/rounds/{round_id}/allocation", response_class=HTMLResponse, dependencies=FormId)
def allocate(
    request: Request,
    round_id: str,
    csrf: CsrfField = "",
    step: Text = "preview",
    decided_by: Text = "",
    decided_on: Text = "",
    decision_ref: Text = "",
    diary_number: Text = "",
    minutes_ref: Text = "",
    total: Text = "",
    min_excess: Text = "",
    exclude: Annotated[list[str] | None, Form()] = None,
    replace: Text = "",
    table: Text = "",
) -> Response:
    """``step=preview``: the rule's table, nothing written, and a button to record exactly
    that; ``step=record``: the decision and every award, in one transaction."""
    principal = coordinator(request, csrf)
    rnd = pages.reads(request).round(round_id)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {
        "decided_by": decided_by,
        "decided_on": decided_on,
        "decision_ref": decision_ref,
        "diary_number": diary_number,
        "minutes_ref": minutes_ref,
        "total": total,
        "min_excess": min_excess,
        "exclude": list(exclude or []),
        "replace": replace,
    }
    who = _line(tr, errors, "decided_by", decided_by)
    day = _day(tr, errors, "decided_on", decided_on, required=True)
    ref = decision_ref.strip()
    if step == "record" or ref:
        ref = _line(tr, errors, "decision_ref", decision_ref)
    # The decision's diary number and minutes (issue 21): optional, one line each.
    diary = _line(tr, errors, "diary_number", diary_number) if diary_number.strip() else None
    minutes = _line(tr, errors, "minutes_ref", minutes_ref) if minutes_ref.strip() else None
    total_sek = None
    if total.strip():
        total_sek = _kronor(tr, errors, "total", total)
    minimum = 0
    try:
        minimum = parse_kronor(min_excess, minimum=0) if min_excess.strip() else 0
    except InvalidCommand:
        errors["min_excess"] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    applicants = _applicants(request, rnd.round_id)
    if any(name not in applicants for name in form["exclude"]):
        errors["exclude"] = tr.gettext("Choose among the districts that applied.")
    if errors or day is None:
        return _allocation(request, rnd, {**form, "errors": errors}, 422)
    command = RecordAllocation(
        round_id=rnd.round_id,
        decided_by=who,
        decided_on=day,
        decision_ref=ref or "preview",
        diary_number=diary,
        minutes_ref=minutes,
        total_sek=total_sek,
        exclude=tuple(form["exclude"]),
        min_excess_sek=minimum,
        replace=replace == "yes",
    )
    try:
        result = _preview(request, command)
    except WorkflowError as exc:
        refusal = exc.refusal
        if refusal is None:
            raise
        reason = say_refusal(refusal, tr.lang)
        return _allocation(request, rnd, {**form, "errors": {"refused": reason}}, 422)
    shown = fingerprint(result)
    if step != "record":
        previewed = {**form, "errors": {}, "table": shown}
        return _allocation(request, rnd, previewed, 200, result)
    if table != shown:
        changed = tr.gettext(
            "The applications changed after the table was shown: check the new table, "
            "then record it."
        )
        again_shown = {**form, "errors": {"refused": changed}, "table": shown}
        return _allocation(request, rnd, again_shown, 409, result)

    def again(refusal: str = "", errors: dict[str, str] | None = None) -> Response:
        found = {**(errors or {}), **({"refused": refusal} if refusal else {})}
        return _allocation(request, rnd, {**form, "errors": found, "table": shown}, 422, result)

    # Confirming the same table under the same reference is one submission, whichever page
    # it was confirmed from (a preview shown again by the browser's Back gets a new form id).
    request.state.form_id = uuid5(NAMESPACE_URL, f"ppss:allocation:{rnd.round_id}:{ref}:{shown}")

    flash = {"kind": "allocation", "reference": ref, "amount": result.total_allocated_sek}
    return _record(request, principal, command, again, flash, f"/rounds/{rnd.round_id}")


# -- closing a round: its loose ends first --------------------------------------------------


@dataclass(frozen=True, slots=True)
class LooseEnd:
    district: str
    project: str
    unpaid_sek: int
    payable_sek: int
    owed_sek: int
    unaccounted: bool


#: The conditions that say a project has accounted for its money.
ACCOUNTING = frozenset({"year_end_account", "final_financial_report"})


def loose_ends(request: Request, round_id: str) -> list[LooseEnd]:
    """The projects that are not finished: money awarded and not paid, payable now, owed
    back, or not accounted for (from the read model's board)."""
    found = []
    for row in pages.reads(request).board(round_id):
        unaccounted = row.awarded_sek > 0 and any(
            c.code in ACCOUNTING and c.status != "met" for c in row.conditions
        )
        unpaid = max(0, row.awarded_sek - row.disbursed_sek)
        if unpaid or row.payable_sek or row.repayment_due_sek or unaccounted:
            found.append(
                LooseEnd(
                    row.district,
                    row.project.split(":", 1)[1],
                    unpaid,
                    row.payable_sek,
                    row.repayment_due_sek,
                    unaccounted,
                )
            )
    return sorted(found, key=lambda e: e.district.casefold())


def _close_page(
    request: Request, rnd: RoundState, form: dict[str, Any], status: int = 200
) -> Response:
    return render(
        request,
        "coordinator_close.html",
        status,
        round=rnd,
        ends=loose_ends(request, rnd.round_id),
        form={"reason": "", "confirm": "", **form},
        c=Forms(True, {"close": {"reason": "", "confirm": "", **form}}),
    )


@router.get("/rounds/{round_id}/close", response_class=HTMLResponse)
def close_page(request: Request, round_id: str) -> Response:
    principal = pages.reader(request)
    if principal.role != "coordinator":
        raise Forbidden(N_("Only a coordinator does this."))
    rnd = pages.reads(request).round(round_id)
    return _close_page(request, rnd, {"errors": {}})


@router.post("/rounds/{round_id}/close", response_class=HTMLResponse, dependencies=FormId)
def close_round(
    request: Request,
    round_id: str,
    csrf: CsrfField = "",
    reason: Text = "",
    confirm: Text = "",
) -> Response:
    """Close the round, once the coordinator has seen its loose ends and confirmed."""
    principal = coordinator(request, csrf)
    rnd = pages.reads(request).round(round_id)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    form = {"reason": reason, "confirm": confirm}
    why = _free(tr, errors, "reason", reason, required=True)
    if confirm != "yes":
        errors["confirm"] = tr.gettext("Tick the box to confirm that the round is to be closed.")
    if errors:
        return _close_page(request, rnd, {**form, "errors": errors}, 422)

    def again(refusal: str = "", errors: dict[str, str] | None = None) -> Response:
        found = {**(errors or {}), **({"refused": refusal} if refusal else {})}
        return _close_page(request, rnd, {**form, "errors": found}, 422)

    command = CloseRound(round_id=rnd.round_id, reason=why)
    flash = {"kind": "closed"}
    return _record(request, principal, command, again, flash, f"/rounds/{rnd.round_id}")
