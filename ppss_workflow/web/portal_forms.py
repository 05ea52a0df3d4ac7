"""What the project page shows of the district portal and the auditor's pages: which of the
district's forms the round asks for, each as typed (with its errors) or blank with a new id."""

from __future__ import annotations

from typing import Any

from ppss_workflow.access import Principal
from ppss_workflow.i18n import N_
from ppss_workflow.web.forms import form_id_of
from ppss_workflow.web.views import ProjectDetail

__all__ = [
    "AUDITING_ROLES",
    "FLASHES",
    "INDICATORS",
    "PORTAL_FORMS",
    "SUBMITTING_ROLES",
    "portal_context",
]

#: Who submits a district's application, plans, follow-ups and accounts: the district itself
#: (its own project only) or a coordinator on its behalf (the commands' roles allow both).
SUBMITTING_ROLES = frozenset({"district", "coordinator"})
#: Who verifies the chain and downloads exports (the whole store's rows: not a district).
AUDITING_ROLES = frozenset({"auditor", "coordinator"})

#: The follow-up's counts: the field, and whether it must be given.
INDICATORS: tuple[tuple[str, bool], ...] = (
    ("target_group_size", True),
    ("pupils_reached", True),
    ("unplanned_dropouts", False),
    ("unauthorised_absence_hours", False),
    ("pupils_with_improved_attendance", False),
)

#: Each portal form on the project page: its blank values, and the condition of the round
#: that makes the page show it (the round's rules ask for it).
PORTAL_FORMS: dict[str, tuple[dict[str, str], str]] = {
    "plan": ({"plan_id": "", "summary": ""}, "plan_approved"),
    "annual": (
        {
            **{name: "" for name, _ in INDICATORS},
            "period_start": "",
            "period_end": "",
            "self_financing_plan": "",
        },
        "annual_follow_up",
    ),
    "final": ({"spent": "", "forecast": "", "explanation": ""}, "final_financial_report"),
    "year_end": (
        {
            "spent": "",
            "outside_plan": "",
            "supervision_spent": "",
            "cost_description": "",
            "explanation": "",
        },
        "year_end_account",
    ),
}

#: What the page says after a portal form was recorded (``flash.kind``).
FLASHES: dict[str, str] = {
    "applied": N_("The application is recorded."),
    "plan_submitted": N_("The work plan is submitted; the steering group decides on it."),
    "annual": N_("The follow-up for the annual report is recorded."),
    "final": N_("The final financial report is recorded."),
    "year_end": N_("The year-end account is recorded."),
}


def portal_context(
    principal: Principal, detail: ProjectDetail, posted: dict[str, Any] | None
) -> dict[str, Any]:
    """The portal's part of the project page. ``posted``: one form as typed, with errors."""
    codes = {c.code for c in detail.assessment.conditions}
    may_submit = principal.role in SUBMITTING_ROLES
    forms: dict[str, dict[str, Any]] = {}
    shown: dict[str, bool] = {}
    for name, (blank, condition) in PORTAL_FORMS.items():
        given = (posted or {}).get(name)
        values = {**blank, "errors": {}, **(given or {})}
        values["form_id"] = str(form_id_of(values.get("form_id")))
        forms[name] = values
        shown[name] = may_submit and (condition in codes or given is not None)
    return {
        "forms": forms,
        "show": shown,
        "flashes": FLASHES,
        "may_explain": principal.may_read,
        "may_export": principal.role in AUDITING_ROLES,
        "indicators": INDICATORS,
    }
