"""The district portal: the application on a form that mirrors the 2018 form, the work plan,
the follow-up for the annual report, the final financial report and the year-end account.

A district submits for its own project only (another district's project is not found: 404);
a coordinator may submit on a district's behalf (the commands' roles allow both); anyone else
is refused (403). Every form carries the session's CSRF token (checked first: 403, nothing
read or written) and its own id, so the same form sent twice is "already recorded", never a
second event. Mistakes come back beside the field (422) and nothing is written; repeatable
rows (schools, co-applicants, budget lines) grow with an "add a row" button, without
JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from policies.commands import (
    Apply,
    Command,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
)
from policies.registry import policy_for
from policies.sst2018 import REQUIRED_SIGNATORIES
from policies.state import RoundState, slug
from ppss_workflow.access import Principal
from ppss_workflow.errors import InvalidCommand, NotFound
from ppss_workflow.i18n import N_, Translator
from ppss_workflow.web.forms import (
    MOST_COUNT,
    form_id_of,
    parse_count,
    parse_estimate,
    parse_kronor,
    unprintable,
)
from ppss_workflow.web.pages import (
    CsrfField,
    _back_to,
    _execute,
    _project_page,
    _writer,
    reader,
    reads,
    require_csrf,
    signed_in,
)
from ppss_workflow.web.portal_forms import INDICATORS, SUBMITTING_ROLES
from ppss_workflow.web.render import Forbidden, render, tr_for
from ppss_workflow.web.views import ProjectDetail, parse_day

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The signatures the 2018 form has room for, in its order (seed 002).
SIGNATORIES: tuple[tuple[str, str], ...] = (
    ("administration_director", N_("Administration director")),
    ("finance_director", N_("Finance director")),
    ("head_of_department", N_("Head of department")),
)
#: Seed 002's questions on the work, in the form's order: the field (as
#: ``events.application.ApplicationSubstance`` names it), its label and what it takes
#: ("estimate": a number or a range such as 4-5; "percent": per cent of a full-time post;
#: "text"). Every one is optional, as the model's fields are.
SUBSTANCE: tuple[tuple[str, str, str], ...] = (
    ("target_group", N_("Target group"), "text"),
    ("target_group_size", N_("Target group's size (pupils)"), "estimate"),
    ("schools_planned", N_("Schools taking part"), "estimate"),
    ("pupils_to_reach", N_("Pupils to reach"), "estimate"),
    ("staff_percent", N_("Staff (per cent of a full-time post)"), "percent"),
    ("staff_roles", N_("The staff's tasks"), "text"),
    ("pupil_health_link", N_("Links to the school's pupil health team"), "text"),
    ("open_care_link", N_("Links to social services' investigation and open care"), "text"),
    ("family_work", N_("Work with the families"), "text"),
    ("steering_group", N_("Steering group"), "text"),
    ("working_group", N_("Working group"), "text"),
    ("partners", N_("Partners"), "text"),
    ("plans_next_year", N_("Plans for the next year"), "text"),
)
#: Blank rows a new form shows, and the most a form takes.
BLANK_ROWS = {"school": 4, "co_applicant": 2, "budget": 3}
MOST_ROWS = 50
_GIRO = re.compile(r"^(\d{3,4}-\d{4}|\d{1,7}-\d)$")


def _submitter(request: Request, principal: Principal) -> None:
    if principal.role not in SUBMITTING_ROLES:
        raise Forbidden(N_("Only the district itself or a coordinator submits this."))


# -- the portal's start page ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortalRound:
    round_id: str
    title: str
    period_start: date
    period_end: date
    application_deadline: date | None
    #: The signed-in district's project in the round (its slug), if it has applied.
    project: str | None


@router.get("/portal", response_class=HTMLResponse)
def portal_page(request: Request) -> Response:
    """The open rounds: apply, or go to the project already applied for."""
    principal = reader(request)
    _submitter(request, principal)
    r = reads(request)
    found = []
    for rid in r.round_ids():
        rnd = r.round(rid)
        if rnd.status != "open":
            continue
        project = None
        if principal.district is not None:
            try:
                project = slug(r.project(rid, principal.district).state.district or "") or None
            except NotFound:
                project = None
        found.append(
            PortalRound(
                rid,
                rnd.title,
                rnd.period_start,
                rnd.period_end,
                rnd.application_deadline,
                project,
            )
        )
    return render(request, "portal.html", rounds=found)


# -- the application -------------------------------------------------------------------------


def _blank_application(rnd: RoundState, principal: Principal) -> dict[str, Any]:
    return {
        "district": principal.district or "",
        "lead_unit": "",
        "co_applicant": [""] * BLANK_ROWS["co_applicant"],
        "school": [""] * BLANK_ROWS["school"],
        "applied": "",
        "budget": [{"label": "", "amount": "", "own": False}] * BLANK_ROWS["budget"],
        "period_start": rnd.period_start.isoformat(),
        "period_end": rnd.period_end.isoformat(),
        "cost_centre": "",
        "bankgiro": "",
        "signatures": {role: "" for role, _ in SIGNATORIES},
        **{name: "" for name, _label, _kind in SUBSTANCE},
        "form_id": str(form_id_of(None)),
        "errors": {},
    }


def _application_page(
    request: Request,
    principal: Principal,
    rnd: RoundState,
    form: dict[str, Any],
    status: int = 200,
) -> Response:
    return render(
        request,
        "portal_apply.html",
        status,
        round=rnd,
        f=form,
        signatories=SIGNATORIES,
        signatures_required=rnd.policy_name == "sst-2018",
        substance=SUBSTANCE if policy_for(rnd).asks_substance else (),
        fixed_district=principal.district,
    )


@router.get("/rounds/{round_id}/apply", response_class=HTMLResponse)
def application_form(request: Request, round_id: str) -> Response:
    principal = reader(request)
    _submitter(request, principal)
    rnd = reads(request).round(round_id)  # an unknown round: 404
    return _application_page(request, principal, rnd, _blank_application(rnd, principal))


@router.post("/rounds/{round_id}/apply", response_class=HTMLResponse)
def apply(
    request: Request,
    round_id: str,
    csrf: CsrfField = "",
    form_id: Annotated[str, Form()] = "",
    add: Annotated[str, Form()] = "",
    district: Annotated[str, Form()] = "",
    lead_unit: Annotated[str, Form()] = "",
    co_applicant: Annotated[list[str] | None, Form()] = None,
    school: Annotated[list[str] | None, Form()] = None,
    applied: Annotated[str, Form()] = "",
    budget_label: Annotated[list[str] | None, Form()] = None,
    budget_amount: Annotated[list[str] | None, Form()] = None,
    budget_own: Annotated[list[str] | None, Form()] = None,
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    cost_centre: Annotated[str, Form()] = "",
    bankgiro: Annotated[str, Form()] = "",
    sign_administration_director: Annotated[str, Form()] = "",
    sign_finance_director: Annotated[str, Form()] = "",
    sign_head_of_department: Annotated[str, Form()] = "",
    target_group: Annotated[str, Form()] = "",
    target_group_size: Annotated[str, Form()] = "",
    schools_planned: Annotated[str, Form()] = "",
    pupils_to_reach: Annotated[str, Form()] = "",
    staff_percent: Annotated[str, Form()] = "",
    staff_roles: Annotated[str, Form()] = "",
    pupil_health_link: Annotated[str, Form()] = "",
    open_care_link: Annotated[str, Form()] = "",
    family_work: Annotated[str, Form()] = "",
    steering_group: Annotated[str, Form()] = "",
    working_group: Annotated[str, Form()] = "",
    partners: Annotated[str, Form()] = "",
    plans_next_year: Annotated[str, Form()] = "",
) -> Response:
    """The application: "add a row" shows the form again with one more row (nothing
    written); otherwise every mistake beside its field (422), or the application recorded."""
    principal = signed_in(request)
    require_csrf(request, csrf)
    principal = reader(request)
    _submitter(request, principal)
    rnd = reads(request).round(round_id)
    labels, amounts = budget_label or [], budget_amount or []
    own = set(budget_own or [])
    rows = max(len(labels), len(amounts))
    labels, amounts = labels + [""] * (rows - len(labels)), amounts + [""] * (rows - len(amounts))
    form: dict[str, Any] = {
        "district": principal.district or district,
        "lead_unit": lead_unit,
        "co_applicant": list(co_applicant or [])[:MOST_ROWS],
        "school": list(school or [])[:MOST_ROWS],
        "applied": applied,
        "budget": [
            {"label": labels[i], "amount": amounts[i], "own": str(i) in own}
            for i in range(min(rows, MOST_ROWS))
        ],
        "period_start": period_start,
        "period_end": period_end,
        "cost_centre": cost_centre,
        "bankgiro": bankgiro,
        "signatures": {
            "administration_director": sign_administration_director,
            "finance_director": sign_finance_director,
            "head_of_department": sign_head_of_department,
        },
        "target_group": target_group,
        "target_group_size": target_group_size,
        "schools_planned": schools_planned,
        "pupils_to_reach": pupils_to_reach,
        "staff_percent": staff_percent,
        "staff_roles": staff_roles,
        "pupil_health_link": pupil_health_link,
        "open_care_link": open_care_link,
        "family_work": family_work,
        "steering_group": steering_group,
        "working_group": working_group,
        "partners": partners,
        "plans_next_year": plans_next_year,
        "form_id": str(form_id_of(form_id)),
        "errors": {},
    }
    if add in ("school", "co_applicant", "budget"):
        if len(form[add]) < MOST_ROWS:
            form[add].append({"label": "", "amount": "", "own": False} if add == "budget" else "")
        return _application_page(request, principal, rnd, form)
    tr = tr_for(request)
    application, errors = _read_application(form, rnd, tr)
    if errors:
        form["errors"] = errors
        return _application_page(request, principal, rnd, form, 422)
    name = str(application["district"])
    command = Apply(round_id=rnd.round_id, district=name, application=application)
    outcome, refused = _execute(request, principal, command, UUID(form["form_id"]))
    if outcome is None:
        form["errors"] = {"refused": refused}
        return _application_page(request, principal, rnd, form, 422)
    request.session["flash"] = {"kind": "already" if outcome.already else "applied"}
    return RedirectResponse(f"/rounds/{rnd.round_id}/projects/{slug(name)}", status_code=303)


def _read_application(
    form: dict[str, Any], rnd: RoundState, tr: Translator
) -> tuple[dict[str, Any], dict[str, str]]:
    """The application as ApplicationSubmitted takes it, and each mistake by its field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    name = form["district"].strip()
    if not name or not slug(name):
        errors["district"] = tr.gettext("Give the district's name, e.g. Farsta.")
    elif bad := unprintable(name, one_line=True):
        errors["district"] = tr.gettext(bad)
    out["district"] = name
    if len(form["lead_unit"].strip()) > 200:
        errors["lead_unit"] = tr.gettext("The text is too long (at most 200 characters).")
    elif bad := unprintable(form["lead_unit"], one_line=True):
        errors["lead_unit"] = tr.gettext(bad)
    elif form["lead_unit"].strip():
        out["lead_unit"] = form["lead_unit"].strip()
    co = [c.strip() for c in form["co_applicant"] if c.strip()]
    if co:
        out["co_applicants"] = tuple(co)
    schools = [s.strip() for s in form["school"] if s.strip()]
    if not schools:
        errors["school"] = tr.gettext("Name at least one school taking part.")
    else:
        out["schools"], out["school_count"] = tuple(schools), len(schools)
    try:
        out["applied_sek"] = parse_kronor(form["applied"])
    except InvalidCommand:
        errors["applied"] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    _read_budget(form, rnd, tr, out, errors)
    for field in ("period_start", "period_end"):
        try:
            day = parse_day(form[field], field)
        except InvalidCommand:
            errors[field] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
            continue
        out[field] = day or (rnd.period_start if field == "period_start" else rnd.period_end)
    if "period_start" in out and "period_end" in out:
        if out["period_end"] < out["period_start"]:
            errors["period_end"] = tr.gettext("The period cannot end before it starts.")
        elif out["period_start"] < rnd.period_start or out["period_end"] > rnd.period_end:
            errors["period_end"] = tr.t(
                "The period must lie within the round's, %(start)s to %(end)s.",
                start=tr.date(rnd.period_start),
                end=tr.date(rnd.period_end),
            )
    if form["cost_centre"].strip():
        out["cost_centre"] = form["cost_centre"].strip()[:200]
    giro = form["bankgiro"].strip().replace(" ", "")
    if giro and not _GIRO.match(giro):
        errors["bankgiro"] = tr.gettext(
            "Write a bankgiro number as 123-4567 or 1234-5678, or a postgiro as 12345-6."
        )
    elif giro:
        out["bankgiro"] = giro
    _read_signatures(form, rnd, tr, out, errors)
    if policy_for(rnd).asks_substance:
        _read_substance(form, tr, out, errors)
    return out, errors


def _read_substance(
    form: dict[str, Any], tr: Translator, out: dict[str, Any], errors: dict[str, str]
) -> None:
    """The answers to seed 002's questions on the work; each is optional, and a form that
    answers none keeps no substance (as an application through the API or a file)."""
    substance: dict[str, Any] = {}
    for name, _label, kind in SUBSTANCE:
        text = form[name]
        if kind == "estimate":
            try:
                estimate = parse_estimate(text)
            except InvalidCommand:
                errors[name] = tr.gettext(
                    "Write a number or a range with the smaller number first, e.g. 4-5."
                )
                continue
            if estimate is not None:
                substance[name] = estimate
        elif kind == "percent":
            try:
                percent = parse_count(text.removesuffix("%"), required=False)
            except InvalidCommand:
                errors[name] = tr.gettext("Write a whole number, e.g. 24.")
                continue
            if percent is not None and percent > MOST_COUNT:
                errors[name] = tr.gettext("Write a whole number, e.g. 24.")
            elif percent is not None:
                substance[name] = percent
        elif len(text.strip()) > 4000:
            errors[name] = tr.gettext("The text is too long (at most 4 000 characters).")
        elif bad := unprintable(text, one_line=False):
            errors[name] = tr.gettext(bad)
        elif text.strip():
            substance[name] = text.strip()
    if substance:
        out["substance"] = substance


def _read_budget(
    form: dict[str, Any],
    rnd: RoundState,
    tr: Translator,
    out: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """The budget's lines, and whether those applied for add up to the amount applied for."""
    lines = []
    for i, row in enumerate(form["budget"]):
        label, amount = row["label"].strip(), row["amount"].strip()
        if not label and not amount:
            continue
        if not label:
            errors[f"budget-{i}-label"] = tr.gettext("Say what the budget line is for.")
        try:
            sek = parse_kronor(amount, minimum=0)
        except InvalidCommand:
            errors[f"budget-{i}-amount"] = tr.gettext(
                "Write the amount in whole kronor, e.g. 1 400 000."
            )
            continue
        lines.append({"label": label or "-", "amount_sek": sek, "own_contribution": row["own"]})
    if lines:
        out["budget_lines"] = tuple(lines)
    counted = sum(line["amount_sek"] for line in lines if not line["own_contribution"])
    if rnd.policy_name == "sst-2018" and not any(not x["own_contribution"] for x in lines):
        errors.setdefault("budget", tr.gettext("Give the budget's lines, e.g. staff costs."))
    own = sum(line["amount_sek"] for line in lines if line["own_contribution"])
    if policy_for(rnd).own_contribution_in_total:
        if lines and "applied_sek" in out and counted != out["applied_sek"] + own:
            errors["applied"] = tr.t(
                "The cost lines add up to %(costs)s, but the own contribution and the amount "
                "applied for make a total budget of %(total)s: correct the amounts or the lines.",
                costs=tr.money(counted),
                total=tr.money(out["applied_sek"] + own),
            )
    elif lines and "applied_sek" in out and counted != out["applied_sek"]:
        errors["applied"] = tr.t(
            "The budget lines add up to %(total)s, not the %(applied)s applied for: "
            "correct the amount or the lines.",
            total=tr.money(counted),
            applied=tr.money(out["applied_sek"]),
        )


def _read_signatures(
    form: dict[str, Any],
    rnd: RoundState,
    tr: Translator,
    out: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """The dates the form was signed; the 2018 round needs all three."""
    signatures = []
    for role, _label in SIGNATORIES:
        text = form["signatures"][role]
        try:
            signed = parse_day(text, role)
        except InvalidCommand:
            errors[f"sign-{role}"] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
            continue
        if signed is None:
            if role in REQUIRED_SIGNATORIES and rnd.policy_name == "sst-2018":
                errors[f"sign-{role}"] = tr.gettext(
                    "The form must be signed here: give the date it was signed."
                )
            continue
        signatures.append({"role": role, "signed_on": signed})
    if signatures:
        out["signatures"] = tuple(signatures)


# -- the project's forms ---------------------------------------------------------------------


def _portal_writer(
    request: Request, csrf: str, round_id: str, district: str
) -> tuple[Principal, ProjectDetail]:
    """CSRF first, then a project this person sees (else 404), then the role (else 403)."""
    principal, detail = _writer(request, csrf, round_id, district)
    _submitter(request, principal)
    return principal, detail


def _record(
    request: Request,
    principal: Principal,
    where: tuple[str, str],
    detail: ProjectDetail,
    section: str,
    form: dict[str, Any],
    command: Command | None,
    errors: dict[str, str],
) -> Response:
    """The form again with its errors (422, nothing written), or the command recorded once."""
    if command is None or errors:
        return _project_page(
            request, principal, *where, 422, portal={section: {**form, "errors": errors}}
        )
    outcome, refused = _execute(request, principal, command, UUID(form["form_id"]))
    if outcome is None:
        return _project_page(
            request,
            principal,
            *where,
            422,
            portal={section: {**form, "errors": {"refused": refused}}},
        )
    done = "plan_submitted" if section == "plan" else section
    request.session["flash"] = {"kind": "already" if outcome.already is not None else done}
    return _back_to(detail)


@router.post("/rounds/{round_id}/projects/{district}/portal/plan", response_class=HTMLResponse)
def submit_plan(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    form_id: Annotated[str, Form()] = "",
    plan_id: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> Response:
    """A work plan for the steering group to decide on."""
    principal, detail = _portal_writer(request, csrf, round_id, district)
    tr = tr_for(request)
    form = {"plan_id": plan_id, "summary": summary, "form_id": str(form_id_of(form_id))}
    errors: dict[str, str] = {}
    key = plan_id.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", key):
        errors["plan_id"] = tr.gettext(
            "Name the plan with letters, digits and dashes, e.g. plan-2014-b."
        )
    if not summary.strip():
        errors["summary"] = tr.gettext("Say in short what the plan is.")
    elif len(summary.strip()) > 4000:
        errors["summary"] = tr.gettext("The text is too long (at most 4 000 characters).")
    elif bad := unprintable(summary, one_line=False):
        errors["summary"] = tr.gettext(bad)
    command = None
    if not errors:
        command = SubmitPlan(
            round_id=detail.view.round.round_id,
            district=detail.district,
            plan_id=key,
            summary=summary.strip(),
        )
    return _record(request, principal, (round_id, district), detail, "plan", form, command, errors)


@router.post(
    "/rounds/{round_id}/projects/{district}/portal/annual-follow-up",
    response_class=HTMLResponse,
)
def submit_annual_follow_up(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    form_id: Annotated[str, Form()] = "",
    target_group_size: Annotated[str, Form()] = "",
    pupils_reached: Annotated[str, Form()] = "",
    unplanned_dropouts: Annotated[str, Form()] = "",
    unauthorised_absence_hours: Annotated[str, Form()] = "",
    pupils_with_improved_attendance: Annotated[str, Form()] = "",
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    self_financing_plan: Annotated[str, Form()] = "",
) -> Response:
    """The follow-up in the annual report: counts for the whole group, never one pupil."""
    principal, detail = _portal_writer(request, csrf, round_id, district)
    tr = tr_for(request)
    typed = {
        "target_group_size": target_group_size,
        "pupils_reached": pupils_reached,
        "unplanned_dropouts": unplanned_dropouts,
        "unauthorised_absence_hours": unauthorised_absence_hours,
        "pupils_with_improved_attendance": pupils_with_improved_attendance,
    }
    form = {
        **typed,
        "period_start": period_start,
        "period_end": period_end,
        "self_financing_plan": self_financing_plan,
        "form_id": str(form_id_of(form_id)),
    }
    errors: dict[str, str] = {}
    indicators: dict[str, int] = {}
    for name, required in INDICATORS:
        try:
            count = parse_count(typed[name], required=required)
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
    days: dict[str, date | None] = {}
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
    command = None
    if not errors:
        command = SubmitFollowUp(
            round_id=detail.view.round.round_id,
            district=detail.district,
            kind="annual",
            indicators=indicators,
            period_start=days.get("period_start"),
            period_end=days.get("period_end"),
            self_financing_plan=self_financing_plan.strip() or None,
        )
    return _record(
        request, principal, (round_id, district), detail, "annual", form, command, errors
    )


@router.post(
    "/rounds/{round_id}/projects/{district}/portal/final-report", response_class=HTMLResponse
)
def submit_final_report(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    form_id: Annotated[str, Form()] = "",
    spent: Annotated[str, Form()] = "",
    forecast: Annotated[str, Form()] = "",
    explanation: Annotated[str, Form()] = "",
) -> Response:
    """The final financial report: what was spent in the year, in kronor (and why, when
    more than was paid)."""
    principal, detail = _portal_writer(request, csrf, round_id, district)
    tr = tr_for(request)
    form = {
        "spent": spent,
        "forecast": forecast,
        "explanation": explanation,
        "form_id": str(form_id_of(form_id)),
    }
    errors: dict[str, str] = {}
    amounts: dict[str, int] = {}
    for name, text in (("spent", spent), ("forecast", forecast)):
        try:
            amounts[name] = parse_kronor(text, minimum=0)
        except InvalidCommand:
            errors[name] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    if len(explanation.strip()) > 4000:
        errors["explanation"] = tr.gettext("The text is too long (at most 4 000 characters).")
    elif bad := unprintable(explanation, one_line=False):
        errors["explanation"] = tr.gettext(bad)
    command = None
    if not errors:
        command = SubmitFinancialReport(
            round_id=detail.view.round.round_id,
            district=detail.district,
            kind="final",
            spent_sek=amounts["spent"],
            forecast_sek=amounts["forecast"],
            overspend_explanation=explanation.strip() or None,
        )
    return _record(request, principal, (round_id, district), detail, "final", form, command, errors)


@router.post(
    "/rounds/{round_id}/projects/{district}/portal/year-end-account",
    response_class=HTMLResponse,
)
def submit_year_end_account(
    request: Request,
    round_id: str,
    district: str,
    csrf: CsrfField = "",
    form_id: Annotated[str, Form()] = "",
    spent: Annotated[str, Form()] = "",
    outside_plan: Annotated[str, Form()] = "",
    supervision_spent: Annotated[str, Form()] = "",
    cost_description: Annotated[str, Form()] = "",
    explanation: Annotated[str, Form()] = "",
) -> Response:
    """The year-end account: spent, spent outside the plan, supervision money used, what
    the money went to, and why more was spent than paid (where it was)."""
    principal, detail = _portal_writer(request, csrf, round_id, district)
    tr = tr_for(request)
    form = {
        "spent": spent,
        "outside_plan": outside_plan,
        "supervision_spent": supervision_spent,
        "cost_description": cost_description,
        "explanation": explanation,
        "form_id": str(form_id_of(form_id)),
    }
    errors: dict[str, str] = {}
    amounts: dict[str, int | None] = {}
    for name, text, required in (
        ("spent", spent, True),
        ("outside_plan", outside_plan, False),
        ("supervision_spent", supervision_spent, False),
    ):
        if not text.strip() and not required:
            amounts[name] = None
            continue
        try:
            amounts[name] = parse_kronor(text, minimum=0)
        except InvalidCommand:
            errors[name] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    if not cost_description.strip():
        errors["cost_description"] = tr.gettext("Say what the money was spent on.")
    elif len(cost_description.strip()) > 4000:
        errors["cost_description"] = tr.gettext("The text is too long (at most 4 000 characters).")
    elif bad := unprintable(cost_description, one_line=False):
        errors["cost_description"] = tr.gettext(bad)
    if len(explanation.strip()) > 4000:
        errors["explanation"] = tr.gettext("The text is too long (at most 4 000 characters).")
    elif bad := unprintable(explanation, one_line=False):
        errors["explanation"] = tr.gettext(bad)
    command = None
    if not errors:
        command = SubmitYearEndAccount(
            round_id=detail.view.round.round_id,
            district=detail.district,
            spent_sek=amounts["spent"] or 0,
            spent_outside_plan_sek=amounts["outside_plan"] or 0,
            supervision_spent_sek=amounts["supervision_spent"],
            cost_description=cost_description.strip(),
            overspend_explanation=explanation.strip() or None,
        )
    return _record(
        request, principal, (round_id, district), detail, "year_end", form, command, errors
    )
