"""The home page's work queues: for each role, what waits for it in the open rounds, each a link
to the page (and the form on it) that settles it.

What waits is decided by :func:`policies.queues.waiting` (reviews, returned reports, plans,
supervision requests) and by the board rows (what is payable, overdue, owed back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from policies.queues import overdue, waiting
from policies.state import slug
from ppss_workflow.access import Principal
from ppss_workflow.errors import NotFound
from ppss_workflow.readmodels import ProjectView, Reads
from ppss_workflow.web.views import visible_board

__all__ = ["Item", "Queues", "queues_for"]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to do: in which round and project, what (a code the template words), where."""

    round_id: str
    round_title: str
    district: str
    href: str
    #: The report, condition or plan concerned (a code; the template says it in words).
    code: str = ""
    amount_sek: int = 0
    due_on: date | None = None
    reason: str = ""


@dataclass
class Queues:
    """The queues of one principal; a role sees only its own (the others stay empty)."""

    review: list[Item] = field(default_factory=list)
    supervision: list[Item] = field(default_factory=list)
    plans: list[Item] = field(default_factory=list)
    payable: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    repayments: list[Item] = field(default_factory=list)
    deadlines: list[Item] = field(default_factory=list)
    returned: list[Item] = field(default_factory=list)
    #: A district's projects in the open rounds (each page has its calendar link).
    projects: list[Item] = field(default_factory=list)
    open_rounds: list[str] = field(default_factory=list)


def _href(round_id: str, district: str, anchor: str = "") -> str:
    return f"/rounds/{round_id}/projects/{slug(district)}" + (f"#{anchor}" if anchor else "")


def _views(reads: Reads, principal: Principal, round_id: str) -> list[ProjectView]:
    if principal.district is None:
        return reads.projects(round_id)
    found = []
    for view in reads.projects(round_id):
        if view.state.district is not None and principal.sees(view.state.district):
            found.append(view)
    return found


def queues_for(reads: Reads, principal: Principal) -> Queues:
    """What waits for ``principal`` today in every open round it may see."""
    q = Queues()
    role = principal.role
    if role not in ("coordinator", "steering_group", "district"):
        return q
    today = reads.today()
    rounds = []
    for round_id in reads.round_ids():
        try:
            rounds.append(reads.round(round_id))
        except NotFound:
            continue
    # The newest round first: what is running now comes before older rounds' loose ends.
    for rnd in sorted(rounds, key=lambda r: r.period_start, reverse=True):
        round_id = rnd.round_id
        if rnd.status == "closed":
            continue
        q.open_rounds.append(round_id)
        title = rnd.title
        for view in _views(reads, principal, round_id):
            district = view.state.district
            if district is None:
                continue
            w = waiting(view.state, view.policy.reviewed_reports)
            for plan in w.plans:
                q.plans.append(
                    Item(round_id, title, district, _href(round_id, district, "plan"), plan)
                )
            if role == "coordinator":
                for code in w.to_review:
                    q.review.append(
                        Item(round_id, title, district, _href(round_id, district, "review"), code)
                    )
                if w.supervision_sek:
                    q.supervision.append(
                        Item(
                            round_id,
                            title,
                            district,
                            _href(round_id, district, "supervision"),
                            amount_sek=w.supervision_sek,
                        )
                    )
            if role == "district":
                q.projects.append(
                    Item(round_id, title, district, _href(round_id, district, "calendar"))
                )
                for code, reason in w.returned:
                    q.returned.append(
                        Item(
                            round_id,
                            title,
                            district,
                            _href(round_id, district, _report_anchor(code)),
                            code,
                            reason=reason,
                        )
                    )
        if role == "steering_group":
            continue
        for row in visible_board(reads, principal, round_id, None):
            href = _href(round_id, row.district)
            if role == "coordinator" and row.may_be_paid:
                # One entry per kind of money, each linking to a payment of that kind: the
                # grant and the supervision money are paid (and accepted) apart.
                for kind, amount in (
                    ("grant", row.payable_sek),
                    ("supervision", row.supervision_payable_sek),
                ):
                    if amount > 0:
                        q.payable.append(
                            Item(
                                round_id,
                                title,
                                row.district,
                                f"/rounds/{round_id}/projects/{slug(row.district)}"
                                f"?purpose={kind}#payment",
                                code=kind,
                                amount_sek=amount,
                            )
                        )
            if role == "coordinator" and row.repayment_due_sek > 0:
                q.repayments.append(
                    Item(
                        round_id,
                        title,
                        row.district,
                        _href(round_id, row.district, "repayment"),
                        amount_sek=row.repayment_due_sek,
                    )
                )
            for c in row.conditions:
                met = c.status != "unmet"
                if c.due_on is None or c.status == "met":
                    continue
                if overdue(c.due_on, met, today):
                    q.overdue.append(
                        Item(round_id, title, row.district, href, c.code, due_on=c.due_on)
                    )
                elif role == "district" and c.due_on >= today:
                    q.deadlines.append(
                        Item(round_id, title, row.district, href, c.code, due_on=c.due_on)
                    )
    q.deadlines.sort(key=lambda i: (i.due_on or today, i.district))
    return q


def _report_anchor(code: str) -> str:
    return "financial-report" if "financial" in code else "follow-up"
