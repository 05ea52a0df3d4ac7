"""What the pages and the API show, shaped once from the read side (nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from policies.base import Assessment
from policies.promises import PromiseLine, promised_and_delivered
from policies.state import end_of_day, slug
from ppss_workflow.access import Principal
from ppss_workflow.auditing import HistoryEntry, history, summary
from ppss_workflow.errors import FORM_NOT_DATE, NO_DISTRICT_IN_ROUND, InvalidCommand, NotFound
from ppss_workflow.readmodels import ProjectView, Reads
from ppss_workflow.rows import BoardRow

__all__ = [
    "ProjectDetail",
    "RoundInfo",
    "Totals",
    "parse_day",
    "project_detail",
    "rounds_for",
    "visible_board",
]


@dataclass(frozen=True, slots=True)
class RoundInfo:
    round_id: str
    title: str
    status: str
    budget_sek: int
    period_start: date
    period_end: date
    policy: str


@dataclass(frozen=True, slots=True)
class Totals:
    projects: int
    awarded_sek: int
    paid_sek: int
    payable_sek: int
    owed_sek: int
    #: Supervision money, apart from the grant (seed 000's separate R&D pool).
    supervision_granted_sek: int = 0
    supervision_paid_sek: int = 0
    supervision_payable_sek: int = 0

    @classmethod
    def of(cls, rows: list[BoardRow]) -> Totals:
        return cls(
            len(rows),
            sum(r.awarded_sek for r in rows),
            sum(r.disbursed_sek for r in rows),
            sum(r.payable_sek for r in rows),
            sum(r.repayment_due_sek for r in rows),
            sum(r.supervision_granted_sek for r in rows),
            sum(r.supervision_paid_sek for r in rows),
            sum(r.supervision_payable_sek for r in rows),
        )

    @property
    def supervised(self) -> bool:
        return bool(self.supervision_granted_sek or self.supervision_paid_sek)

    def as_json(self) -> dict[str, int]:
        return {
            "projects": self.projects,
            "awarded_sek": self.awarded_sek,
            "disbursed_sek": self.paid_sek,
            "payable_sek": self.payable_sek,
            "repayment_due_sek": self.owed_sek,
            "supervision_granted_sek": self.supervision_granted_sek,
            "supervision_disbursed_sek": self.supervision_paid_sek,
            "supervision_payable_sek": self.supervision_payable_sek,
        }


def parse_day(text: str | None, field: str) -> date | None:
    """``YYYY-MM-DD`` or nothing; anything else is the person's mistake, said in one line."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidCommand(
            f"{field} {text!r}: write a date as YYYY-MM-DD",
            reason=FORM_NOT_DATE(field=field, typed=text),
        ) from None


def rounds_for(reads: Reads, principal: Principal) -> list[RoundInfo]:
    """The rounds this principal may open (a district: those where it has a project)."""
    found = []
    for rid in reads.round_ids():
        rnd = reads.round(rid)
        if principal.district is not None and not visible_board(reads, principal, rid, None):
            continue
        found.append(
            RoundInfo(
                rid,
                rnd.title,
                rnd.status,
                rnd.budget_sek,
                rnd.period_start,
                rnd.period_end,
                f"{rnd.policy_name} v{rnd.policy_version}",
            )
        )
    return found


def visible_board(
    reads: Reads, principal: Principal, round_id: str, as_of: date | None
) -> list[BoardRow]:
    """The round's board rows this principal may see, today's or as of the end of a date."""
    rows = reads.board(round_id, as_of=end_of_day(as_of) if as_of else None)
    return sorted(
        (r for r in rows if principal.sees(r.district)), key=lambda r: r.district.casefold()
    )


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    view: ProjectView
    assessment: Assessment
    timeline: list[HistoryEntry]
    now: datetime

    @property
    def district(self) -> str:
        return self.view.state.district or self.view.project_id

    @property
    def slug(self) -> str:
        return slug(self.district)

    @property
    def reminders(self) -> list[Any]:
        return [r.event for r in self.view.state.reminders]

    @property
    def deadlines(self) -> list[Any]:
        return sorted(self.view.round.deadlines.values(), key=lambda d: (d.due_on, d.code))

    @property
    def substance(self) -> Any:
        """What the application says of the work (seed 002's questions), or None."""
        application = self.view.state.application
        return application.event.substance if application is not None else None

    @property
    def promises(self) -> tuple[PromiseLine, ...]:
        """What the application promised beside what was reported at T2."""
        return promised_and_delivered(self.view.state)

    def as_json(self) -> dict[str, Any]:
        a, ledger = self.assessment, self.view.state.ledger
        return {
            "round_id": self.view.round.round_id,
            "project": self.view.project_id,
            "district": self.district,
            "status": a.status,
            "awarded_sek": ledger.awarded_sek,
            "disbursed_sek": ledger.disbursed_grant_sek,
            "payable_sek": a.payable.grant_sek,
            "supervision_granted_sek": ledger.supervision_granted_sek,
            "supervision_disbursed_sek": ledger.disbursed_supervision_sek,
            "supervision_payable_sek": a.payable.supervision_sek,
            "payable_reason": a.payable.reason.to_data(),
            "may_be_paid": a.may_be_paid,
            "repayment_due_sek": a.repayment.due_sek,
            "repayment_reason": a.repayment.reason.to_data(),
            "conditions": [
                {
                    "code": c.code,
                    "status": str(c.status),
                    "reason": c.reason.to_data(),
                    "blocks": c.blocks,
                    "due_on": c.due_on.isoformat() if c.due_on else None,
                    "evidence": [r.position for r in c.evidence],
                }
                for c in a.conditions
            ],
            "deadlines": [
                {"code": d.code, "due_on": d.due_on.isoformat(), "description": d.description}
                for d in self.deadlines
            ],
            "timeline": [
                {
                    "position": e.record.position,
                    "event_id": e.record.event_key,
                    "event_type": e.record.event_type,
                    "occurred_at": e.record.occurred_at.isoformat(),
                    "recorded_at": e.record.recorded_at.isoformat(),
                    "actor": e.record.metadata.actor,
                    "role": e.record.metadata.role,
                    "summary": summary(e.record),
                    "annulled_by": e.annulled_by.position if e.annulled_by else None,
                }
                for e in self.timeline
            ],
        }


def project_detail(
    reads: Reads, principal: Principal, round_id: str, district: str
) -> ProjectDetail:
    """The project of ``district`` in the round, if this principal may see it (else: not
    found, the same answer as for a district that does not exist)."""
    if not principal.sees(district):
        raise NotFound(
            f"no district {district!r} in round {round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=round_id),
        )
    try:
        view = reads.project(round_id, district)
    except NotFound:
        if principal.district is None:
            raise
        # A district is not told which other districts the round has.
        raise NotFound(
            f"no district {district!r} in round {round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=round_id),
        ) from None
    if not principal.sees(view.state.district or district):
        raise NotFound(
            f"no district {district!r} in round {round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=round_id),
        )
    now = reads.now()
    return ProjectDetail(view, view.assess(now), history(view), now)
