"""The 2018 school-social teams round (seed 002): a signed application on time, follow-ups
at T2 and in the annual report, financial reports at T2 and by 30 November."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from events import ApplicationSubmitted, FinancialReportSubmitted, FollowUpSubmitted, Recorded
from policies.base import Condition, Policy, RoundTerms
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.state import ProjectState, RoundState

__all__ = [
    "APPLICATION_DEADLINE_2018",
    "FINAL_FINANCIAL_REPORT_2018",
    "PERIOD_2018",
    "REQUIRED_SIGNATORIES",
    "SchoolSocialTeams2018",
    "SchoolSocialTeams2018Seeded",
    "budget_2018_problems",
]

# -- the numbers of seed 002 (the 2018 application form) ------------------------------------

#: Seed 002: "Ansökan ska vara inlämnad senast 29 december 2017."
APPLICATION_DEADLINE_2018 = date(2017, 12, 29)
#: Seed 002: "dels ska en ekonomisk redovisning lämnas senast 30 november 2018."
FINAL_FINANCIAL_REPORT_2018 = date(2018, 11, 30)
#: Seed 002: "ANSÖKAN OM MEDEL FÖR 2018 AVSEENDE SKOLSOCIALA TEAM STOCKHOLM".
PERIOD_2018 = (date(2018, 1, 1), date(2018, 12, 31))

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
DEADLINE_2018 = ReasonCode("round.application_deadline_2018", "deadline", "given")
FINAL_2018 = ReasonCode("round.final_financial_report_2018", "due_on", "given")
PERIOD_IS_2018 = ReasonCode("round.period_2018", "first", "last", "start", "end")
BUDGET_2018 = ReasonCode("application.budget_2018", "costs", "own", "applied", "total")
TOTAL_2018 = ReasonCode("application.total_budget_2018", "stated", "total")

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
    asks_substance = True
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
        problems = self.application_problems(rnd, application)
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
        problems += self._budget(application)
        return problems

    def _budget(self, application: ApplicationSubmitted) -> list[Reason]:
        """Version 1: the cost lines add up to the amount applied for (own contribution lines
        aside)."""
        lines = [b for b in application.budget_lines if not b.own_contribution]
        if not lines:
            return [NO_BUDGET_LINES()]
        total = sum(b.amount_sek for b in lines)
        if total != application.applied_sek:
            return [BUDGET_MISMATCH(total=Kronor(total), applied=Kronor(application.applied_sek))]
        return []

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

    def unused_money(self, project: ProjectState) -> tuple[int, Reason, tuple[R, ...]]:
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
        if review.reason is not None:  # reviewed: a decision always has its reason
            assert review.decision is not None
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

    account_report: ClassVar[str] = "final_financial_report"


def _follow_up(recorded: R) -> FollowUpSubmitted:
    event: FollowUpSubmitted = recorded.event
    return event


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None


class SchoolSocialTeams2018Seeded(SchoolSocialTeams2018):
    """Version 2 of the 2018 rules: the form's dates and its budget as the form has it.

    - Applications by 29 December 2017 and the final financial report by 30 November 2018,
      for the year 2018: given by default, any other date refused (a round that needs
      another is a new version of the rules, saying why). Choice: seed 002 names no budget
      for the round, so the coordinator gives it.
    - The budget: "Egen insats stadsdelsförvaltning … Personalkostnader … Övriga kostnader …
      Sökt belopp … Total budget": the own contribution and the amount applied for make the
      total, and the cost lines add up to it (:func:`budget_2018_problems`). Version 1 made
      the cost lines equal the amount applied for alone, refusing a form with an own
      contribution; rounds opened under it keep it.
    """

    version = 2
    own_contribution_in_total = True

    def round_terms(self, given: RoundTerms) -> RoundTerms:
        first, last = PERIOD_2018
        deadlines = given.deadlines
        if given.deadline("final_financial_report") is None:
            deadlines = (*deadlines, ("final_financial_report", FINAL_FINANCIAL_REPORT_2018, None))
        return super().round_terms(
            replace(
                given,
                period_start=given.period_start or first,
                period_end=given.period_end or last,
                application_deadline=given.application_deadline or APPLICATION_DEADLINE_2018,
                deadlines=deadlines,
            )
        )

    def check_terms(self, terms: RoundTerms) -> list[Reason]:
        problems = super().check_terms(terms)
        if terms.application_deadline != APPLICATION_DEADLINE_2018:
            assert terms.application_deadline is not None
            problems.append(
                DEADLINE_2018(deadline=APPLICATION_DEADLINE_2018, given=terms.application_deadline)
            )
        final = terms.deadline("final_financial_report")
        if final != FINAL_FINANCIAL_REPORT_2018:
            assert final is not None
            problems.append(FINAL_2018(due_on=FINAL_FINANCIAL_REPORT_2018, given=final))
        if (terms.period_start, terms.period_end) != PERIOD_2018:
            assert terms.period_start is not None
            assert terms.period_end is not None
            first, last = PERIOD_2018
            problems.append(
                PERIOD_IS_2018(
                    first=first, last=last, start=terms.period_start, end=terms.period_end
                )
            )
        return problems

    def _budget(self, application: ApplicationSubmitted) -> list[Reason]:
        return budget_2018_problems(application)


def budget_2018_problems(application: ApplicationSubmitted) -> list[Reason]:
    """Seed 002's budget: own contribution + applied = total budget = the cost lines.

    The form's lines: "Egen insats stadsdelsförvaltning" (the own contribution lines),
    "Personalkostnader inkl. sociala avgifter" and "Övriga kostnader" (the cost lines),
    "Sökt belopp från Socialförvaltningen" (``applied_sek``) and "Total budget"
    (``total_budget_sek``, where the application states it)."""
    costs = [b.amount_sek for b in application.budget_lines if not b.own_contribution]
    if not costs:
        return [NO_BUDGET_LINES()]
    own = sum(b.amount_sek for b in application.budget_lines if b.own_contribution)
    total = own + application.applied_sek
    problems: list[Reason] = []
    if sum(costs) != total:
        problems.append(
            BUDGET_2018(
                costs=Kronor(sum(costs)),
                own=Kronor(own),
                applied=Kronor(application.applied_sek),
                total=Kronor(total),
            )
        )
    stated = application.total_budget_sek
    if stated is not None and stated != total:
        problems.append(TOTAL_2018(stated=Kronor(stated), total=Kronor(total)))
    return problems
