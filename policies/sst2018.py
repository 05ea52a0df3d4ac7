"""The 2018 school-social teams round (seed 002): a signed application on time, follow-ups
at T2 and in the annual report, financial reports at T2 and by 30 November."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from events import ApplicationSubmitted, FinancialReportSubmitted, FollowUpSubmitted, Recorded
from policies.base import Condition, Policy
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.state import ProjectState, RoundState

__all__ = ["REQUIRED_SIGNATORIES", "SchoolSocialTeams2018"]

R = Recorded[Any]

REPORT_RETURNED = ReasonCode("repayment.report_returned", "review")
NO_FINAL_REPORT = ReasonCode("repayment.no_final_report")
SPENT_BY_REPORT = ReasonCode("repayment.spent_by_report", "paid", "spent", "unused")
REPORT_REVIEWED = ReasonCode("repayment.report_reviewed", "review")
LATE = ReasonCode("application.late", "on", "deadline")
UNSIGNED = ReasonCode("application.unsigned", "signatories")
SIGNED_ON = ReasonCode("application.signed_on", "signatory", "on")
LATE_SIGNATURES = ReasonCode("application.late_signatures", "signatures")
NO_BUDGET_LINES = ReasonCode("application.no_budget_lines")
BUDGET_MISMATCH = ReasonCode("application.budget_mismatch", "total", "applied")

#: The three signatures the 2018 form asks for, by role.
REQUIRED_SIGNATORIES = {
    "administration_director": "the administration director (förvaltningschef)",
    "finance_director": "the finance director (ekonomichef)",
    "head_of_department": "the head of department (avdelningschef)",
}


class SchoolSocialTeams2018(Policy):
    """Applications by the deadline with three signatures and a budget that adds up; T2
    follow-up, T2 financial report and self-financing plan; final financial report by
    30 November; follow-up in the annual report. Dates come from the round's deadlines."""

    name = "sst-2018"
    version = 1
    title = "Skolsociala team 2018"
    # Choice: seed 002 lists the commitments without consequences; every overdue obligation
    # (the annual follow-up due the next year included) blocks further grant payments.
    deadlines: ClassVar[dict[str, str]] = {
        "t2_follow_up": "t2",
        "t2_financial_report": "t2",
        "t2_self_financing": "t2",
        "final_financial_report": "final_financial_report",
        "annual_follow_up": "annual_report",
    }
    #: The coordinator reviews every report the district hands in.
    reviewed_reports: ClassVar[tuple[str, ...]] = (
        "t2_follow_up",
        "t2_financial_report",
        "final_financial_report",
        "annual_follow_up",
    )
    #: Money tied to the T2 reports and to the final account (the year's account in this
    #: round) waits for the report's acceptance.
    needs_acceptance: ClassVar[frozenset[str]] = frozenset(
        {"t2_follow_up", "t2_financial_report", "final_financial_report"}
    )

    def check_application(
        self, rnd: RoundState, application: ApplicationSubmitted, submitted_on: date
    ) -> list[Reason]:
        problems = super().check_application(rnd, application, submitted_on)
        deadline = rnd.application_deadline
        if deadline is not None and submitted_on > deadline:
            problems.append(LATE(on=submitted_on, deadline=deadline))
        signed = {s.role: s.signed_on for s in application.signatures}
        missing = tuple(
            Named("signatory", role) for role in REQUIRED_SIGNATORIES if role not in signed
        )
        if missing:
            problems.append(UNSIGNED(signatories=missing))
        late = tuple(
            SIGNED_ON(signatory=Named("signatory", role), on=on)
            for role, on in signed.items()
            if on > submitted_on or (deadline is not None and on > deadline)
        )
        if late:
            problems.append(LATE_SIGNATURES(signatures=late))
        lines = [b for b in application.budget_lines if not b.own_contribution]
        if not lines:
            problems.append(NO_BUDGET_LINES())
        else:
            total = sum(b.amount_sek for b in lines)
            if total != application.applied_sek:
                problems.append(
                    BUDGET_MISMATCH(total=Kronor(total), applied=Kronor(application.applied_sek))
                )
        return problems

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        t2 = _due(rnd, "t2")
        follow_up = project.report("t2_follow_up")
        t2_follow_up = follow_up.counts
        self_financing = (
            t2_follow_up
            if t2_follow_up is not None and _follow_up(t2_follow_up).self_financing_plan
            else None
        )
        financial = project.report("t2_financial_report")
        final = project.report("final_financial_report")
        annual = project.report("annual_follow_up")
        return (
            self.dated(
                "t2_follow_up",
                Named("report", "t2_follow_up"),
                t2,
                t2_follow_up,
                today,
                review=follow_up,
            ),
            self.dated(
                "t2_financial_report",
                Named("report", "t2_financial_report"),
                t2,
                financial.counts,
                today,
                review=financial,
            ),
            self.dated(
                "t2_self_financing",
                Named("report", "t2_self_financing"),
                t2,
                self_financing,
                today,
            ),
            self.dated(
                "final_financial_report",
                Named("report", "final_financial_report"),
                _due(rnd, "final_financial_report"),
                final.counts,
                today,
                review=final,
            ),
            self.dated(
                "annual_follow_up",
                Named("report", "annual_follow_up"),
                _due(rnd, "annual_report"),
                annual.counts,
                today,
                review=annual,
            ),
        )

    def unused_money(
        self, rnd: RoundState, project: ProjectState
    ) -> tuple[int, Reason, tuple[R, ...]]:
        """Paid minus spent by the final financial report (counted once it is not returned).

        Choice: seed 002 says nothing on repayment; the city's grant terms (unused money is
        returned, as seed 000 says for 2014: "Om medel inte används enligt plan ska de
        återbetalas") are applied.
        """
        review = project.report("final_financial_report")
        final = review.counts
        paid = project.ledger.disbursed_grant_sek
        if review.status == "returned":
            assert review.decision is not None
            assert review.submission is not None
            assert review.reason is not None
            return (
                0,
                REPORT_RETURNED(review=review.reason),
                (review.submission, review.decision),
            )
        if final is None:
            return 0, NO_FINAL_REPORT(), ()
        report: FinancialReportSubmitted = final.event
        used = min(paid, report.spent_sek)
        reason = SPENT_BY_REPORT(
            paid=Kronor(paid), spent=Kronor(report.spent_sek), unused=Kronor(paid - used)
        )
        if review.decision is not None and review.reason is not None:
            reason = joined(reason, REPORT_REVIEWED(review=review.reason))
            return paid - used, reason, (final, review.decision, *project.disbursements)
        return paid - used, reason, (final, *project.disbursements)

    def account(self, project: ProjectState) -> R | None:
        return project.report("final_financial_report").counts

    def accounted_use(self, project: ProjectState) -> int | None:
        final = self.account(project)
        if final is None:
            return None
        report: FinancialReportSubmitted = final.event
        return report.spent_sek

    def account_report(self, project: ProjectState) -> str:
        return "final_financial_report"


def _follow_up(recorded: R) -> FollowUpSubmitted:
    event: FollowUpSubmitted = recorded.event
    return event


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None
