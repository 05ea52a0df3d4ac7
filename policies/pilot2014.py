"""The 2014 PPSS pilot round (seed 000): plan approval, network participation, year-end account."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from events import NetworkSessionScheduled, Recorded, YearEndAccountSubmitted
from policies.base import Condition, ConditionStatus, Policy, fmt_sek
from policies.state import ProjectState, RoundState, local_date, stockholm_day

__all__ = ["Pilot2014"]

R = Recorded[Any]


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
                "the year-end account and cost description",
                _due(rnd, "year_end_account"),
                account.counts,
                today,
                unset="the year-end account: the date is not yet set by the city",
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
                "no work plan submitted; the steering group must approve one before any payment",
            )
        if approved is not None and approved is latest:
            assert approved.decision is not None
            return Condition(
                "plan_approved",
                ConditionStatus.met,
                f"plan {approved.plan_id} approved by the steering group on "
                f"{approved.decision.event.meeting_on}",
                (approved.submitted, approved.decision),
            )
        if approved is not None:
            # A newer plan was submitted; the approved one stays in force whatever its fate.
            assert approved.decision is not None
            newer = f"plan {latest.plan_id} awaits the steering group"
            if latest.status == "rejected":
                assert latest.decision is not None
                newer = f"plan {latest.plan_id} was rejected on {latest.decision.event.meeting_on}"
            return Condition(
                "plan_approved",
                ConditionStatus.met,
                f"plan {approved.plan_id} approved on {approved.decision.event.meeting_on}; "
                f"{newer}",
                (approved.submitted, approved.decision),
            )
        if latest.status == "rejected":
            assert latest.decision is not None
            return Condition(
                "plan_approved",
                ConditionStatus.unmet,
                f"plan {latest.plan_id} was rejected on "
                f"{latest.decision.event.meeting_on}: {latest.decision.event.reason};"
                " a revised plan must be submitted",
                (latest.submitted, latest.decision),
                since=local_date(latest.submitted),
            )
        return Condition(
            "plan_approved",
            ConditionStatus.unmet,
            f"plan {latest.plan_id} submitted on {local_date(latest.submitted)} "
            "awaits the steering group's approval",
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
            names = ", ".join(f"{s.event.title} ({local_date_of(s.event)})" for s, _ in missed)
            return Condition(
                "network_participation",
                ConditionStatus.unmet,
                f"missed without excuse: {names}; a coordinator must record a "
                "make-up or an exemption before further payment",
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
        reason = (
            f"took part in or was excused from {len(held) - len(unrecorded)} of "
            f"{len(held)} mandatory sessions held so far"
        )
        if unrecorded:
            reason += f"; attendance not yet recorded for {len(unrecorded)}"
        return Condition("network_participation", ConditionStatus.met, reason, evidence)

    def _supervision(self, project: ProjectState) -> Condition:
        if project.supervision_requests:
            request = project.supervision_requests[-1]
            granted = project.ledger.supervision_granted_sek
            reason = f"supervision requested on {local_date(request)}"
            reason += f", {fmt_sek(granted)} granted" if granted else ", not yet granted"
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
            "no supervision request yet: supervision money is paid only on a "
            "request that describes the joint supervision",
            blocks="supervision",
        )

    def unused_money(
        self, rnd: RoundState, project: ProjectState
    ) -> tuple[int, str, tuple[R, ...]]:
        review = project.report("year_end_account")
        account = review.counts
        paid = project.ledger.disbursed_grant_sek
        if review.status == "returned":
            assert review.decision is not None
            assert review.submission is not None
            return (
                0,
                f"undetermined: the year-end account was {review.reason}; the repayment "
                "follows from a corrected account",
                (review.submission, review.decision),
            )
        if account is None:
            return 0, "no year-end account yet", ()
        e: YearEndAccountSubmitted = account.event
        used = min(paid, e.spent_sek - e.spent_outside_plan_sek)
        unused = paid - used
        reason = (
            f"paid {fmt_sek(paid)}, used according to plan {fmt_sek(used)}"
            f" (spent {fmt_sek(e.spent_sek)}, of which {fmt_sek(e.spent_outside_plan_sek)} "
            f"outside the plan): {fmt_sek(unused)} to pay back"
        )
        if review.decision is not None:
            reason += f"; the account was {review.reason}"
            return unused, reason, (account, review.decision, *project.disbursements)
        return unused, reason, (account, *project.disbursements)

    def accounted(self, project: ProjectState) -> bool:
        return project.report("year_end_account").counts is not None


def local_date_of(session: NetworkSessionScheduled) -> date:
    return stockholm_day(session.starts_at)


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None
