"""The 2014 PPSS pilot round (seed 000): plan approval, network participation, year-end account."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from events import NetworkSessionScheduled, Recorded, YearEndAccountSubmitted
from policies.base import Condition, ConditionStatus, Policy
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.state import ProjectState, RoundState, local_date, stockholm_day

__all__ = ["Pilot2014"]

R = Recorded[Any]

NO_PLAN = ReasonCode("plan.none_submitted")
PLAN_APPROVED = ReasonCode("plan.approved_by_steering_group", "plan", "on")
PLAN_AWAITS = ReasonCode("plan.awaits", "plan")
PLAN_REJECTED = ReasonCode("plan.rejected", "plan", "on")
PLAN_APPROVED_NEWER = ReasonCode("plan.approved_with_newer", "plan", "on", "newer")
PLAN_REJECTED_REVISE = ReasonCode("plan.rejected_revise", "plan", "on", "why")
PLAN_SUBMITTED_AWAITS = ReasonCode("plan.submitted_awaits", "plan", "on")
SESSION = ReasonCode("network.session", "title", "on")
MISSED = ReasonCode("network.missed", "sessions")
TOOK_PART = ReasonCode("network.took_part", "done", "held")
UNRECORDED = ReasonCode("network.unrecorded", "count")
SUPERVISION_GRANTED = ReasonCode("supervision.requested_granted", "on", "amount")
SUPERVISION_NOT_GRANTED = ReasonCode("supervision.requested_not_granted", "on")
NO_SUPERVISION_REQUEST = ReasonCode("supervision.none_requested")
ACCOUNT_RETURNED = ReasonCode("repayment.account_returned", "review")
NO_YEAR_END_ACCOUNT = ReasonCode("repayment.no_year_end_account")
UNUSED_BY_PLAN = ReasonCode(
    "repayment.unused_by_plan", "paid", "used", "spent", "outside", "unused"
)
ACCOUNT_REVIEWED = ReasonCode("repayment.account_reviewed", "review")


class Pilot2014(Policy):
    """No money before the steering group approves the plan; network sessions are mandatory;
    supervision money (from a separate pool) only on a described request; a year-end account,
    and money not used per plan is paid back."""

    name = "ppss-2014"
    version = 1
    title = "PPSS pilot 2014"
    deadlines: ClassVar[dict[str, str]] = {"year_end_account": "year_end_account"}
    #: Seed 000: "25 000 kr per projekt" for joint supervision.
    default_supervision_cap_sek: ClassVar[int] = 25_000
    #: The coordinator reviews the year-end account; the plan is the steering group's.
    reviewed_reports: ClassVar[tuple[str, ...]] = ("year_end_account",)
    #: Money tied to the account (an instalment on it) waits for its acceptance.
    needs_acceptance: ClassVar[frozenset[str]] = frozenset({"year_end_account"})

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        account = project.report("year_end_account")
        return (
            self._plan(project),
            self._network(rnd, project, today),
            self._supervision(project),
            self.dated(
                "year_end_account",
                Named("report", "year_end_account_and_costs"),
                _due(rnd, "year_end_account"),
                account.counts,
                today,
                unset=Named("report", "year_end_account"),
                review=account,
            ),
        )

    def _plan(self, project: ProjectState) -> Condition:
        approved = project.approved_plan
        latest = project.latest_plan
        if latest is None:
            return Condition(
                "plan_approved",
                ConditionStatus.unmet,
                NO_PLAN(),
            )
        if approved is not None and approved is latest:
            assert approved.decision is not None
            return Condition(
                "plan_approved",
                ConditionStatus.met,
                PLAN_APPROVED(plan=approved.plan_id, on=approved.decision.event.meeting_on),
                (approved.submitted, approved.decision),
            )
        if approved is not None:
            # A newer plan was submitted; the approved one stays in force whatever its fate.
            assert approved.decision is not None
            newer = PLAN_AWAITS(plan=latest.plan_id)
            if latest.status == "rejected":
                assert latest.decision is not None
                newer = PLAN_REJECTED(plan=latest.plan_id, on=latest.decision.event.meeting_on)
            return Condition(
                "plan_approved",
                ConditionStatus.met,
                PLAN_APPROVED_NEWER(
                    plan=approved.plan_id, on=approved.decision.event.meeting_on, newer=newer
                ),
                (approved.submitted, approved.decision),
            )
        if latest.status == "rejected":
            assert latest.decision is not None
            return Condition(
                "plan_approved",
                ConditionStatus.unmet,
                PLAN_REJECTED_REVISE(
                    plan=latest.plan_id,
                    on=latest.decision.event.meeting_on,
                    why=latest.decision.event.reason or "",
                ),
                (latest.submitted, latest.decision),
                since=local_date(latest.submitted),
            )
        return Condition(
            "plan_approved",
            ConditionStatus.unmet,
            PLAN_SUBMITTED_AWAITS(plan=latest.plan_id, on=local_date(latest.submitted)),
            (latest.submitted,),
            since=local_date(latest.submitted),
        )

    # Choice: seed 000 makes taking part a condition but names no consequence of a missed
    # session; an unexcused absence blocks further payment until a make-up or an exemption.
    def _network(self, rnd: RoundState, project: ProjectState, today: date) -> Condition:
        held = [
            r
            for r in rnd.sessions.values()
            if r.event.mandatory and local_date_of(r.event) <= today
        ]
        missed = [
            (r, project.network[r.event.session_id])
            for r in held
            if r.event.session_id in project.network
            and project.network[r.event.session_id].blocking
        ]
        if missed:
            session, record = missed[0]
            assert record.absence is not None
            names = tuple(
                SESSION(title=s.event.title, on=local_date_of(s.event)) for s, _ in missed
            )
            return Condition(
                "network_participation",
                ConditionStatus.unmet,
                MISSED(sessions=names),
                (session, *(rec.absence for _, rec in missed if rec.absence)),
                since=local_date_of(session.event),
            )
        unrecorded = [r for r in held if r.event.session_id not in project.network]
        evidence = tuple(
            x
            for r in held
            if (rec := project.network.get(r.event.session_id))
            for x in (rec.attended, rec.absence, rec.remedy)
            if x is not None
        )
        reason: Reason = TOOK_PART(done=len(held) - len(unrecorded), held=len(held))
        if unrecorded:
            reason = joined(reason, UNRECORDED(count=len(unrecorded)))
        return Condition("network_participation", ConditionStatus.met, reason, evidence)

    def _supervision(self, project: ProjectState) -> Condition:
        if project.supervision_requests:
            request = project.supervision_requests[-1]
            granted = project.ledger.supervision_granted_sek
            reason = (
                SUPERVISION_GRANTED(on=local_date(request), amount=Kronor(granted))
                if granted
                else SUPERVISION_NOT_GRANTED(on=local_date(request))
            )
            return Condition(
                "supervision_requested",
                ConditionStatus.met,
                reason,
                (request, *project.supervision_grants),
                blocks="supervision",
            )
        return Condition(
            "supervision_requested",
            ConditionStatus.not_yet_due,
            NO_SUPERVISION_REQUEST(),
            blocks="supervision",
        )

    def unused_money(
        self, rnd: RoundState, project: ProjectState
    ) -> tuple[int, Reason, tuple[R, ...]]:
        review = project.report("year_end_account")
        account = review.counts
        paid = project.ledger.disbursed_grant_sek
        if review.status == "returned":
            assert review.decision is not None
            assert review.submission is not None
            assert review.reason is not None
            return (
                0,
                ACCOUNT_RETURNED(review=review.reason),
                (review.submission, review.decision),
            )
        if account is None:
            return 0, NO_YEAR_END_ACCOUNT(), ()
        e: YearEndAccountSubmitted = account.event
        used = min(paid, e.spent_sek - e.spent_outside_plan_sek)
        unused = paid - used
        reason = UNUSED_BY_PLAN(
            paid=Kronor(paid),
            used=Kronor(used),
            spent=Kronor(e.spent_sek),
            outside=Kronor(e.spent_outside_plan_sek),
            unused=Kronor(unused),
        )
        if review.decision is not None and review.reason is not None:
            reason = joined(reason, ACCOUNT_REVIEWED(review=review.reason))
            return unused, reason, (account, review.decision, *project.disbursements)
        return unused, reason, (account, *project.disbursements)

    def account(self, project: ProjectState) -> R | None:
        return project.report("year_end_account").counts

    def accounted_use(self, project: ProjectState) -> int | None:
        account = self.account(project)
        if account is None:
            return None
        e: YearEndAccountSubmitted = account.event
        return max(0, e.spent_sek - e.spent_outside_plan_sek)

    def accounted_supervision(self, project: ProjectState) -> int | None:
        account = self.account(project)
        if account is None:
            return None
        e: YearEndAccountSubmitted = account.event
        return e.supervision_spent_sek


def local_date_of(session: NetworkSessionScheduled) -> date:
    return stockholm_day(session.starts_at)


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None
