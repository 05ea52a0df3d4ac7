"""What a policy answers (conditions, payable, repayment, status) and the rules all rounds share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import wraps
from typing import Any, ClassVar, TypeVar, cast

from events import (
    ApplicationSubmitted,
    PaymentPlanSet,
    Recorded,
    RepaymentDemanded,
)
from policies.instalments import InstalmentLine, payable_by_plan, plan_lines
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.review import REPORTS, Review
from policies.state import (
    ProjectState,
    RoundState,
    fold_project,
    local_date,
    remembered,
    stockholm_day,
)

__all__ = [
    "PROJECT_RULES",
    "Assessment",
    "Condition",
    "ConditionStatus",
    "Payable",
    "Policy",
    "Repayment",
    "RoundTerms",
    "fmt_sek",
    "of_the_project",
    "today_in_stockholm",
]

R = Recorded[Any]


F = TypeVar("F", bound=Callable[..., Any])


#: Every rule marked :func:`of_the_project` (a test checks none of them is given the round).
PROJECT_RULES: list[Callable[..., Any]] = []


def of_the_project(method: F) -> F:
    """A rule that reads the project (and what else it is given: the day), never the round.

    Its signature says so: it is given the project and not the round. Its answer is kept
    on the project's state (:func:`policies.state.remembered`), so a round event (a deadline
    moved, a session scheduled) that re-assesses every project of the round works out only
    the rules that read the round; the rest come from the states kept since their streams
    last grew. Positional arguments only, hashable (the day)."""
    name = method.__qualname__  # pragma: no mutate - runs at import, before a mutant is chosen
    PROJECT_RULES.append(method)  # pragma: no mutate - runs at import

    @wraps(method)
    def kept(self: Policy, project: ProjectState, *args: Any) -> Any:
        return remembered(
            project.memo, (type(self), name), args, lambda: method(self, project, *args)
        )

    return cast(F, kept)  # pragma: no mutate - runs at import


class Unset:
    """The type of :data:`UNSET`: an argument not given (where None is a meaningful value)."""


UNSET = Unset()

# -- reason codes (said by ppss_workflow.words from the catalogue) ------------------------
SUBMITTED = ReasonCode("obligation.submitted", "what", "on")
SUBMITTED_LATE = ReasonCode("obligation.submitted_late", "what", "on", "days", "due_on")
DATE_UNSET = ReasonCode("obligation.date_unset", "what")
MISSING = ReasonCode("obligation.missing", "what", "due_on")
DUE = ReasonCode("obligation.due", "what", "due_on")
RETURNED = ReasonCode("obligation.returned", "what", "review")
RETURNED_WAS_DUE = ReasonCode("obligation.returned_was_due", "what", "review", "due_on")
APPLICATION_WITHDRAWN = ReasonCode("application.withdrawn")
NO_APPLICATION = ReasonCode("application.none")
APPLICATION_SUBMITTED = ReasonCode("application.submitted", "on")
AWARDED = ReasonCode("award.awarded", "amount", "refs")
NO_AWARD = ReasonCode("award.none")
REPAYMENT_OVERDUE = ReasonCode("repayment.overdue", "amount", "due_on")
ROUND_CLOSED = ReasonCode("round.closed", "on")
BLOCKED = ReasonCode("payable.blocked", "conditions")
PAID_IN_FULL = ReasonCode("payable.paid_in_full", "amount")
BY_PLAN = ReasonCode("payable.by_plan", "released", "amount", "paid")
INSTALMENT_IS = ReasonCode("payable.instalment", "number", "share", "amount", "state")
AWARD_LESS_PAID = ReasonCode("payable.award_less_paid", "amount", "paid")
SUPERVISION_PAYABLE = ReasonCode("payable.supervision", "amount")
OVERPAID = ReasonCode("repayment.overpaid", "paid", "amount", "over")
WITHDRAWN_OWES = ReasonCode("repayment.withdrawn", "paid")
SUPERVISION_WITHDRAWN = ReasonCode("repayment.supervision_withdrawn", "paid")
SUPERVISION_OVERPAID = ReasonCode("repayment.supervision_overpaid", "paid", "amount", "over")
SUPERVISION_UNSTATED = ReasonCode("repayment.supervision_unstated", "paid", "unused")
SUPERVISION_UNUSED = ReasonCode("repayment.supervision_unused", "paid", "used", "unused")
SETTLEMENT = ReasonCode("repayment.settlement", "demanded", "settled")
NO_FINAL_ACCOUNT = ReasonCode("repayment.no_final_account")
GRANT_AWARDED = ReasonCode("release.awarded")
NO_APPROVED_PLAN = ReasonCode("release.no_approved_plan")
PLAN_APPROVED_ON = ReasonCode("release.plan_approved", "plan", "on")
NOT_A_RELEASE = ReasonCode("release.unknown", "code")
REPORT_REVIEWED = ReasonCode("report.reviewed", "report", "review")
REPORT_NOT_IN = ReasonCode("report.not_handed_in", "report")
REPORT_WAS = ReasonCode("report.was", "report", "review")
REPORT_AWAITS = ReasonCode("report.awaits_review", "report")
PERIOD_OUTSIDE = ReasonCode("application.period_outside", "start", "end", "first", "last")
LAPSED = ReasonCode("payable.lapsed", "report", "on", "used", "paid", "lapsed")
SUPERVISION_LAPSED = ReasonCode("payable.supervision_lapsed", "used", "paid", "lapsed")
REPAYMENT_FIRST = ReasonCode("payable.repayment_first", "due")


class ConditionStatus(StrEnum):
    met = "met"
    unmet = "unmet"
    not_yet_due = "not_yet_due"


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of the round for one project, with the events that prove its status."""

    code: str
    status: ConditionStatus
    reason: Reason
    evidence: tuple[R, ...] = ()
    #: What an unmet condition stops: "grant", "supervision", or "" (stops nothing).
    blocks: str = "grant"
    due_on: date | None = None
    #: Since when an unmet condition has been unmet (the board's "since").
    since: date | None = None

    @property
    def blocking(self) -> bool:
        return self.status is ConditionStatus.unmet and bool(self.blocks)


@dataclass(frozen=True, slots=True)
class Payable:
    """What may be paid now, per purpose, and why."""

    grant_sek: int
    supervision_sek: int
    reason: Reason
    #: The payment plan's instalments, released or not and why (empty: no plan on record).
    instalments: tuple[InstalmentLine, ...] = ()

    @property
    def total_sek(self) -> int:
        return self.grant_sek + self.supervision_sek

    def for_purpose(self, purpose: str) -> int:
        return self.supervision_sek if purpose == "supervision" else self.grant_sek


@dataclass(frozen=True, slots=True)
class Repayment:
    """Money owed back: what the accounts say is unused, what is demanded, what is settled.

    ``owed_sek`` is the grant and the supervision money together; ``supervision_owed_sek``
    says how much of it is supervision money, accounted apart from the grant.
    """

    owed_sek: int
    demanded_sek: int
    settled_sek: int
    reason: Reason
    evidence: tuple[R, ...] = ()
    supervision_owed_sek: int = 0

    @property
    def grant_owed_sek(self) -> int:
        return self.owed_sek - self.supervision_owed_sek

    @property
    def due_sek(self) -> int:
        """Still to come back (whether or not it has been demanded yet)."""
        return max(0, max(self.owed_sek, self.demanded_sek) - self.settled_sek)

    @property
    def undemanded_sek(self) -> int:
        return max(0, self.owed_sek - self.demanded_sek)


@dataclass(frozen=True, slots=True)
class RoundTerms:
    """What a round opens with: its money, its period and its dates (None: not given).

    A policy fills in what its documents fix (:meth:`Policy.round_terms`) and refuses what
    goes against them (:meth:`Policy.check_terms`)."""

    budget_sek: int | None = None
    supervision_pool_sek: int | None = None
    supervision_cap_sek: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    application_deadline: date | None = None
    #: Round deadlines: code -> (due date, description).
    deadlines: tuple[tuple[str, date, str | None], ...] = ()

    def deadline(self, code: str) -> date | None:
        return next((d for c, d, _ in self.deadlines if c == code), None)


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the board shows for a project at ``now``."""

    conditions: tuple[Condition, ...]
    payable: Payable
    repayment: Repayment
    status: str
    next_deadline: tuple[str, date] | None

    @property
    def blocking(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.conditions if c.blocking and c.blocks == "grant")

    @property
    def may_be_paid(self) -> bool:
        return self.payable.total_sek > 0


def fmt_sek(amount: int) -> str:
    """Swedish form: ``1 134 896 kr`` (a no-break space between groups)."""
    return f"{amount:,} kr".replace(",", "\u00a0")


#: The Stockholm day of an instant (kept for callers of the old name).
today_in_stockholm = stockholm_day


class Policy:
    """A round's rules. Subclasses add their conditions; this class holds the shared ones."""

    name: ClassVar[str]
    version: ClassVar[int]
    title: ClassVar[str]
    #: Which round deadline dates each obligation (obligation code -> deadline code).
    deadlines: ClassVar[dict[str, str]] = {}
    #: Supervision money one project may be granted, when the round's record does not say.
    default_supervision_cap_sek: ClassVar[int] = 0
    #: The reports the coordinator reviews in this round (codes of policies.review.REPORTS).
    reviewed_reports: ClassVar[tuple[str, ...]] = ()
    #: Conditions that release an instalment only once their report is ACCEPTED (submitted
    #: is not enough). A returned report counts as not handed in, in every round.
    needs_acceptance: ClassVar[frozenset[str]] = frozenset()
    #: Whether the application's own contribution is part of its total budget, so that the
    #: cost lines add up to own contribution plus the amount applied for (the 2018 form,
    #: version 2); otherwise the cost lines add up to the amount applied for alone.
    own_contribution_in_total: ClassVar[bool] = False
    #: Whether the round's application form asks about the work beside the money (seed
    #: 002's questions: "Hur beräknar ni målgruppens storlek för det kommande året?" and the
    #: rest, kept as ``ApplicationSubstance``); the 2014 and 2016 forms do not ask them.
    asks_substance: ClassVar[bool] = False
    #: The code of the report that accounts for the year (for the reasons' words).
    account_report: ClassVar[str] = "year_end_account"

    # -- the questions ---------------------------------------------------------------

    def assess(self, rnd: RoundState, project: ProjectState, now: datetime) -> Assessment:
        conditions = self.conditions(rnd, project, now)
        repayment, status = self._standing(project)
        return Assessment(
            conditions=conditions,
            payable=self._payable_kept(rnd, project, conditions, repayment, stockholm_day(now)),
            repayment=repayment,
            status=status,
            next_deadline=self._next_deadline(conditions),
        )

    @of_the_project
    def _standing(self, project: ProjectState) -> tuple[Repayment, str]:
        """The project's :meth:`repayment` and :meth:`status`: its own record's alone."""
        repayment = self.repayment(project)
        return repayment, self.status(project, repayment)

    def _payable_kept(
        self,
        rnd: RoundState,
        project: ProjectState,
        conditions: tuple[Condition, ...],
        repayment: Repayment,
        today: date,
    ) -> Payable:
        """:meth:`_payable`, kept on the project's state for what it reads: the round only
        through :meth:`payment_plan`; of the conditions, with no plan, only which of them
        block what (a deadline moved changes a condition's date and words, not that); with a
        plan, all of them (an instalment may be released by any); the repayment and the day.
        A round event that leaves those as they were reuses the answer."""
        plan = self.payment_plan(rnd, project)
        read: tuple[Any, ...] = conditions
        if plan is None:
            read = tuple([(c.code, c.status, c.blocks) for c in conditions])
        return remembered(
            project.memo,
            (type(self), "_payable"),  # pragma: no mutate - a cache key
            (plan, read, repayment, today),
            lambda: self._payable(rnd, project, conditions, repayment, today),
        )

    def conditions(
        self, rnd: RoundState, project: ProjectState, now: datetime
    ) -> tuple[Condition, ...]:
        today = today_in_stockholm(now)
        return (
            *self._shared_conditions(rnd, project, today),
            *self.round_conditions(rnd, project, today),
        )

    def payable(self, rnd: RoundState, project: ProjectState, now: datetime) -> Payable:
        return self._payable(
            rnd,
            project,
            self.conditions(rnd, project, now),
            self.repayment(project),
            stockholm_day(now),
        )

    def stable_until(
        self,
        rnd: RoundState,
        project: ProjectState,
        today: date,
        round_until: date | Unset | None = UNSET,
    ) -> date | None:
        """The first day after ``today`` on which an answer for ``today`` may change with no new
        event (None: never). Every rule compares the day with a date of the round (deadlines,
        sessions) or of the project (repayment due dates), as ``today > d``, ``d < today`` or
        ``d <= today``: so the answers can only change on such a date or the day after it.
        A stored assessment is good from the day it was made until this day.

        ``round_until``: :meth:`round_stable_until` of the same round and day, when the caller
        has it already (the round's part is the same for every project of the round).
        """
        if isinstance(round_until, Unset):
            round_until = self.round_stable_until(rnd, today)
        dates = self._project_dates(project)
        if round_until is not None:
            dates = (*dates, round_until)
        later = [d for day in dates for d in (day, day + timedelta(days=1)) if d > today]
        return min(later, default=None)

    @of_the_project
    def _project_dates(self, project: ProjectState) -> tuple[date, ...]:
        """The project's part of :meth:`stable_until`: its repayments' due dates and its
        account's date (the lapse counts the account from its date)."""
        dates = [r.event.due_on for r in project.repayment_demands]
        account = self.account(project)
        if account is not None:
            dates.append(local_date(account))
        return tuple(dates)

    def round_stable_until(self, rnd: RoundState, today: date) -> date | None:
        """The round's part of :meth:`stable_until`: the first day after ``today`` that is a
        date of the round (deadlines, sessions) or the day after one (None: none)."""
        dates = [d.due_on for d in rnd.deadlines.values()]
        dates += [stockholm_day(s.event.starts_at) for s in rnd.sessions.values()]
        later = [d for day in dates for d in (day, day + timedelta(days=1)) if d > today]
        return min(later, default=None)

    def supervision_cap(self, rnd: RoundState) -> int:
        """The most supervision money one project may be granted in this round."""
        if rnd.supervision_cap_sek is not None:
            return rnd.supervision_cap_sek
        return self.default_supervision_cap_sek

    # Choice: anything paid beyond what stands awarded is owed back at once, and a withdrawn
    # application's payments are owed back until an account shows their use (no document
    # foresees either; money must not stay out that no decision covers).
    def repayment(self, project: ProjectState) -> Repayment:
        """What the project owes back and why: it depends on the project's own record only
        (awards, payments, accounts, demands and settlements), not on the day."""
        ledger = project.ledger
        owed, reason, evidence = self.unused_money(project)
        # Paid beyond what stands awarded (an award reduced or annulled after payment, or an
        # imported history) is owed back whatever the accounts say.
        over = ledger.disbursed_grant_sek - ledger.awarded_sek
        if over > owed:
            owed = over
            reason = OVERPAID(
                paid=Kronor(ledger.disbursed_grant_sek),
                amount=Kronor(ledger.awarded_sek),
                over=Kronor(over),
            )
            evidence = (*project.awards, *project.disbursements)
        if project.withdrawn is not None and not self.accounted(project):
            # A withdrawn project owes back all it was paid until an account shows its use.
            paid = ledger.disbursed_grant_sek
            if paid > owed:
                owed = paid
                reason = WITHDRAWN_OWES(paid=Kronor(paid))
                evidence = (project.withdrawn, *project.disbursements)
        supervision, why, more = self.unused_supervision(project)
        reason = joined(reason, why)  # why is None (and more empty) when none is owed
        evidence = (*evidence, *more)
        demanded = ledger.repayment_demanded_sek
        settled = ledger.repayment_received_sek + ledger.repayment_waived_sek
        if demanded or settled:
            reason = joined(reason, SETTLEMENT(demanded=Kronor(demanded), settled=Kronor(settled)))
        return Repayment(
            owed + supervision,
            demanded,
            settled,
            reason,
            (*evidence, *project.repayment_demands, *project.repayment_settlements),
            supervision_owed_sek=supervision,
        )

    # Choice: supervision money is accounted apart from the grant (seed 000 keeps the pools
    # apart and does not say they are netted); unused supervision money is owed back.
    def unused_supervision(self, project: ProjectState) -> tuple[int, Reason | None, tuple[R, ...]]:
        """Supervision money paid and not used for joint supervision (kronor, why, evidence).

        Counted once the year is accounted for, apart from the grant; and at once for
        anything paid beyond what was granted.
        """
        ledger = project.ledger
        paid = ledger.disbursed_supervision_sek
        if not paid:
            return 0, None, ()
        over = max(0, paid - ledger.supervision_granted_sek)
        account = project.report("year_end_account").counts
        if account is None or not self.accounted(project):
            if project.withdrawn is not None:
                return (
                    paid,
                    SUPERVISION_WITHDRAWN(paid=Kronor(paid)),
                    (project.withdrawn, *project.supervision_grants),
                )
            if over:
                return (
                    over,
                    SUPERVISION_OVERPAID(
                        paid=Kronor(paid),
                        amount=Kronor(ledger.supervision_granted_sek),
                        over=Kronor(over),
                    ),
                    (*project.supervision_grants, *project.disbursements),
                )
            return 0, None, ()
        stated: int | None = account.event.supervision_spent_sek
        spent = min(paid - over, stated or 0)
        unused = paid - spent
        if not unused:
            return 0, None, ()
        said = (
            SUPERVISION_UNSTATED(paid=Kronor(paid), unused=Kronor(unused))
            if stated is None
            else SUPERVISION_UNUSED(paid=Kronor(paid), used=Kronor(stated), unused=Kronor(unused))
        )
        return (
            unused,
            said,
            (account, *project.supervision_grants),
        )

    def status(self, project: ProjectState, repayment: Repayment) -> str:
        """The project's status word; ``repayment``: the project's :meth:`repayment`."""
        ledger = project.ledger
        if repayment.due_sek > 0:
            return "repayment due"
        if project.withdrawn is not None:
            return "withdrawn"
        if project.application is None:
            return "no application"
        if ledger.awarded_sek == 0:
            return "applied"
        if self.accounted(project):
            return "accounted"
        if ledger.disbursed_grant_sek >= ledger.awarded_sek:
            return "paid"
        if ledger.disbursed_grant_sek > 0:
            return "partly paid"
        plan = project.latest_plan
        if plan is not None:
            return f"plan {plan.status}"
        return "awarded"

    # -- what subclasses provide --------------------------------------------------------

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        return ()

    def unused_money(self, project: ProjectState) -> tuple[int, Reason, tuple[R, ...]]:
        """(kronor to pay back, why, the events that show it)."""
        return 0, NO_FINAL_ACCOUNT(), ()

    def accounted(self, project: ProjectState) -> bool:
        return self.account(project) is not None

    def account(self, project: ProjectState) -> R | None:
        """The account of the year that counts (handed in and not returned; None: none)."""
        return None

    def account_after(self, project: ProjectState, today: date) -> bool:
        """Whether the counting account is dated after ``today`` (so not in yet on it)."""
        account = self.account(project)
        return account is not None and local_date(account) > today

    def accounted_use(self, project: ProjectState) -> int | None:
        """The grant money the counting account shows used as the rules allow (None: the
        year is not accounted for)."""
        return None

    def check_round(self, budget_sek: int, period_start: date, period_end: date) -> list[Reason]:
        """Problems that make a round's opening unacceptable under this policy (empty: none)."""
        return []

    def round_terms(self, given: RoundTerms) -> RoundTerms:
        """The terms a round opens with: what was given, and what the policy's documents fix
        where nothing was. By default: no supervision pool, and the policy's cap per project
        where there is a pool."""
        pool = given.supervision_pool_sek or 0
        cap = given.supervision_cap_sek
        if cap is None:
            cap = self.default_supervision_cap_sek if pool else 0
        return replace(given, supervision_pool_sek=pool, supervision_cap_sek=cap)

    def check_terms(self, terms: RoundTerms) -> list[Reason]:
        """Problems with a round's terms (once filled in) under this policy (empty: none)."""
        if terms.budget_sek is None or terms.period_start is None or terms.period_end is None:
            return []
        return self.check_round(terms.budget_sek, terms.period_start, terms.period_end)

    def check_application(
        self, rnd: RoundState, application: ApplicationSubmitted, submitted_on: date
    ) -> list[Reason]:
        """Problems that make an application unacceptable in this round (empty: accept it)."""
        return self.application_problems(rnd, application)

    def application_problems(
        self, rnd: RoundState, application: ApplicationSubmitted
    ) -> list[Reason]:
        """The problems :meth:`check_application` finds that do not depend on the day the
        application is submitted: by default, a period outside the round's."""
        problems: list[Reason] = []
        if application.period_start < rnd.period_start or application.period_end > rnd.period_end:
            problems.append(
                PERIOD_OUTSIDE(
                    start=application.period_start,
                    end=application.period_end,
                    first=rnd.period_start,
                    last=rnd.period_end,
                )
            )
        return problems

    # -- shared rules -------------------------------------------------------------------

    def _shared_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> list[Condition]:
        out = list(self._project_conditions(project, today))
        if rnd.closed is not None:
            out.append(
                Condition(
                    "round_open",
                    ConditionStatus.unmet,
                    ROUND_CLOSED(on=local_date(rnd.closed)),
                    (rnd.closed,),
                    since=local_date(rnd.closed),
                )
            )
        return out

    @of_the_project
    def _project_conditions(self, project: ProjectState, today: date) -> tuple[Condition, ...]:
        """The shared conditions that read the project alone: its application, its award, its
        repayments overdue on ``today``."""
        out: list[Condition] = []
        if project.withdrawn is not None:
            out.append(
                Condition(
                    "application",
                    ConditionStatus.unmet,
                    APPLICATION_WITHDRAWN(),
                    (project.withdrawn,),
                    since=local_date(project.withdrawn),
                )
            )
        elif project.application is None:
            out.append(Condition("application", ConditionStatus.unmet, NO_APPLICATION()))
        else:
            out.append(
                Condition(
                    "application",
                    ConditionStatus.met,
                    APPLICATION_SUBMITTED(on=local_date(project.application)),
                    (project.application,),
                )
            )
        if project.awards:
            out.append(
                Condition(
                    "awarded",
                    ConditionStatus.met,
                    AWARDED(
                        amount=Kronor(project.ledger.awarded_sek),
                        refs=tuple(r.event.decision_ref for r in project.awards),
                    ),
                    project.awards,
                )
            )
        else:
            out.append(Condition("awarded", ConditionStatus.unmet, NO_AWARD()))
        overdue = _unpaid_overdue(project, today)
        if overdue:
            outstanding = sum(left for _, left in overdue)
            first: RepaymentDemanded = overdue[0][0].event
            out.append(
                Condition(
                    "repayment_settled",
                    ConditionStatus.unmet,
                    REPAYMENT_OVERDUE(amount=Kronor(outstanding), due_on=first.due_on),
                    tuple(r for r, _ in overdue),
                    due_on=first.due_on,
                    since=first.due_on,
                )
            )
        return tuple(out)

    def _payable(
        self,
        rnd: RoundState,
        project: ProjectState,
        conditions: tuple[Condition, ...],
        repayment: Repayment | None = None,
        today: date | None = None,
    ) -> Payable:
        # Reads the round only through payment_plan, and of the conditions with no plan only
        # their codes, statuses and what they block: _payable_kept keeps the answer by those.
        ledger = project.ledger
        blocking = [c.code for c in conditions if c.blocking and c.blocks == "grant"]
        left = max(0, ledger.awarded_sek - ledger.disbursed_grant_sek)
        supervision = self._supervision_payable(project, conditions)
        lines = self.instalments(rnd, project, conditions)
        # Choice: supervision money is held whenever the grant is. Seed 000 pays it "i samband
        # med inkomna ansökningar, där planerad gemensam handledning också ska beskrivas" and
        # says nothing of a project in breach of the grant's conditions; the city pays no
        # money at all to a project whose plan is not approved, that missed a session without
        # excuse or owes money back, until that is put right (the supervision money is for
        # the same project's team).
        if blocking:
            names = tuple(Named("condition", code) for code in blocking)
            return Payable(0, 0, BLOCKED(conditions=names), lines)
        reason: Reason
        if left == 0 and ledger.awarded_sek:
            reason = PAID_IN_FULL(amount=Kronor(ledger.awarded_sek))
        elif lines:
            released = sum(line.amount_sek for line in lines if line.released)
            left = payable_by_plan(
                ledger.awarded_sek,
                ledger.disbursed_grant_sek,
                [line.amount_sek for line in lines],
                [line.released for line in lines],
            )
            reason = joined(
                BY_PLAN(
                    released=Kronor(released),
                    amount=Kronor(ledger.awarded_sek),
                    paid=Kronor(ledger.disbursed_grant_sek),
                ),
                *(
                    INSTALMENT_IS(
                        number=line.number,
                        share=line.share,
                        amount=Kronor(line.amount_sek),
                        state=line.reason,
                    )
                    for line in lines
                    if not line.released
                ),
            )
        else:
            reason = AWARD_LESS_PAID(
                amount=Kronor(ledger.awarded_sek), paid=Kronor(ledger.disbursed_grant_sek)
            )
        left, supervision, reason = self._lapse(project, left, supervision, reason, today)
        # Choice: nothing is paid out while money is due back (owed by the accounts or
        # demanded, and not yet settled). No document foresees money going both ways at once,
        # and netting a payment against a debt is not a decision the documents describe.
        if repayment is not None and repayment.due_sek and (left or supervision):
            return Payable(0, 0, REPAYMENT_FIRST(due=Kronor(repayment.due_sek)), lines)
        if supervision:
            reason = joined(reason, SUPERVISION_PAYABLE(amount=Kronor(supervision)))
        return Payable(left, supervision, reason, lines)

    def _lapse(
        self,
        project: ProjectState,
        left: int,
        supervision: int,
        reason: Reason,
        today: date | None = None,
    ) -> tuple[int, int, Reason]:
        """What stays payable once the year is accounted for, and why.

        Seed 000: "En redovisning och kostnadsbeskrivning kommer att begäras in från
        stadsdelsförvaltningarna i slutet av år 2014. Om medel inte används enligt plan ska
        de återbetalas." The account closes the year: the grant's unpaid remainder lapses.
        Choice: what the account shows used as the rules allow beyond what was paid (costs
        the district has already had) stays payable, up to the award, so that an instalment
        held for the account's acceptance can still be paid; the supervision money likewise,
        up to what the account states spent on supervision. A project is so never payable and
        owed back at once: the account shows either unused money or unpaid costs, not both.
        """
        submitted = self.account(project)
        if submitted is None:
            return left, supervision, reason
        used = self.accounted_use(project)
        assert used is not None  # an account that counts states what it shows used
        if today is not None and self.account_after(project, today):
            return left, supervision, reason  # not yet in on the day assessed
        ledger = project.ledger
        still = min(left, max(0, used - ledger.disbursed_grant_sek))
        if still < left:
            reason = LAPSED(
                report=Named("report", self.account_report),
                on=local_date(submitted),
                used=Kronor(used),
                paid=Kronor(ledger.disbursed_grant_sek),
                lapsed=Kronor(left - still),
            )
        if supervision:
            stated = self.accounted_supervision(project) or 0
            more = min(supervision, max(0, stated - ledger.disbursed_supervision_sek))
            if more < supervision:
                reason = joined(
                    reason,
                    SUPERVISION_LAPSED(
                        used=Kronor(stated),
                        paid=Kronor(ledger.disbursed_supervision_sek),
                        lapsed=Kronor(supervision - more),
                    ),
                )
            supervision = more
        return still, supervision, reason

    def accounted_supervision(self, project: ProjectState) -> int | None:
        """The supervision money the counting account states used (None: not stated)."""
        return None

    # -- payment plans and review --------------------------------------------------------

    def payment_plan(self, rnd: RoundState, project: ProjectState) -> R | None:
        """The plan the project's award is paid by: its own, else the round's (None: none)."""
        return project.payment_plan or rnd.payment_plan

    def instalments(
        self, rnd: RoundState, project: ProjectState, conditions: tuple[Condition, ...]
    ) -> tuple[InstalmentLine, ...]:
        """The payment plan's instalments for this project, released or not, and why."""
        plan = self.payment_plan(rnd, project)
        if plan is None:
            return ()
        e: PaymentPlanSet = plan.event
        by_code = {c.code: c for c in conditions}
        return plan_lines(
            project.ledger.awarded_sek,
            e.instalments,
            lambda code: self.release(project, code, by_code),
        )

    def release_codes(self, rnd: RoundState) -> dict[str, str]:
        """What may release an instalment in this round: code -> what it means."""
        codes = {
            "awarded": "when the grant is awarded",
            "plan_approved": "when the steering group has approved a work plan",
        }
        for report in self.reviewed_reports:
            codes[f"{report}_accepted"] = f"when {REPORTS[report]} is accepted"
        prefixes = {r.partition("_")[0] for r in self.reviewed_reports}
        for prefix in sorted(prefixes):
            group = self._accepted_group(f"{prefix}_accepted")
            if len(group) > 1:
                codes[f"{prefix}_accepted"] = (
                    "when " + " and ".join(REPORTS[r] for r in group) + " are accepted"
                )
        # No condition reads the stream id of a project with no history.
        empty = fold_project(f"project:{rnd.round_id}:-", [])  # pragma: no mutate - unread id
        for c in self.conditions(rnd, empty, rnd.opened.occurred_at):
            if c.code not in codes and c.code not in ("application", "round_open"):
                codes[c.code] = "when the condition " + c.code + " is met"
        return codes

    def _accepted_group(self, code: str) -> tuple[str, ...]:
        base = code.removesuffix("_accepted")
        if base in REPORTS:
            return (base,)
        return tuple(r for r in self.reviewed_reports if r.startswith(base + "_"))

    def release(
        self, project: ProjectState, code: str, conditions: dict[str, Condition]
    ) -> tuple[bool, Reason, tuple[R, ...]]:
        """Whether release code ``code`` holds for the project: (holds, why, evidence)."""
        if code == "awarded":
            if project.awards:
                return True, GRANT_AWARDED(), project.awards
            return False, NO_AWARD(), ()
        if code == "plan_approved":
            plan = project.approved_plan
            if plan is None or plan.decision is None:
                return False, NO_APPROVED_PLAN(), ()
            return (
                True,
                PLAN_APPROVED_ON(plan=plan.plan_id, on=plan.decision.event.meeting_on),
                (plan.submitted, plan.decision),
            )
        if code.endswith("_accepted") and code not in conditions:
            group = self._accepted_group(code)
            if not group:
                return False, NOT_A_RELEASE(code=Named("release", code)), ()
            reviews = [project.report(r) for r in group]
            waiting = [_not_accepted(rv) for rv in reviews if rv.status != "accepted"]
            if waiting:
                return False, joined(*waiting), ()
            evidence = tuple(
                x for rv in reviews for x in (rv.submission, rv.decision) if x is not None
            )
            said = [
                REPORT_REVIEWED(report=Named("report", rv.code), review=rv.reason)
                for rv in reviews
                if rv.reason is not None
            ]
            return True, joined(*said), evidence
        condition = conditions.get(code)
        if condition is None:
            return False, NOT_A_RELEASE(code=Named("release", code)), ()
        if condition.status is not ConditionStatus.met:
            return False, condition.reason, condition.evidence
        if code in self.needs_acceptance:
            rv = project.report(code)
            if rv.status != "accepted":
                return False, _not_accepted(rv), condition.evidence
        return True, condition.reason, condition.evidence

    def _supervision_payable(self, project: ProjectState, conditions: tuple[Condition, ...]) -> int:
        if any(c.blocking and c.blocks == "supervision" for c in conditions):
            return 0
        ledger = project.ledger
        return max(0, ledger.supervision_granted_sek - ledger.disbursed_supervision_sek)

    @staticmethod
    def _next_deadline(conditions: tuple[Condition, ...]) -> tuple[str, date] | None:
        open_ = [
            (c.due_on, c.code)
            for c in conditions
            if c.due_on is not None and c.status is not ConditionStatus.met
        ]
        if not open_:
            return None
        due_on, code = min(open_)
        return code, due_on

    # -- helpers for subclasses ---------------------------------------------------------

    @staticmethod
    def dated(
        code: str,
        what: Named,
        due_on: date | None,
        done: R | None,
        today: date,
        *,
        blocks: str = "grant",
        unset: Named | None = None,
        review: Review | None = None,
    ) -> Condition:
        """A dated obligation: met once ``done`` exists, unmet after ``due_on``, else not due.

        ``what`` names the obligation in its reasons (``Named("report", ...)``); ``unset``
        names it where the city has not set its date yet (default: ``what``).
        With ``review``: a returned report counts as not handed in (the obligation is open
        again and says why); an accepted one says so.
        """
        if done is not None:
            said = SUBMITTED(what=what, on=local_date(done))
            if due_on is not None and local_date(done) > due_on:
                said = SUBMITTED_LATE(
                    what=what,
                    on=local_date(done),
                    days=(local_date(done) - due_on).days,
                    due_on=due_on,
                )
            evidence: tuple[R, ...] = (done,)
            accepted = None
            if review is not None and review.status == "accepted" and review.decision:
                accepted = review.reason
                evidence = (done, review.decision)
            return Condition(
                code,
                ConditionStatus.met,
                joined(said, accepted),
                evidence,
                blocks=blocks,
                due_on=due_on,
            )
        if review is not None and review.status == "returned":
            assert review.submission is not None
            assert review.decision is not None
            assert review.reason is not None
            overdue = due_on is not None and today > due_on
            return Condition(
                code,
                ConditionStatus.unmet if overdue else ConditionStatus.not_yet_due,
                RETURNED_WAS_DUE(what=what, review=review.reason, due_on=due_on)
                if due_on
                else RETURNED(what=what, review=review.reason),
                (review.submission, review.decision),
                blocks=blocks,
                due_on=due_on,
                since=due_on if overdue else None,
            )
        if due_on is None:
            return Condition(
                code,
                ConditionStatus.not_yet_due,
                DATE_UNSET(what=unset or what),
                blocks=blocks,
            )
        if today > due_on:
            return Condition(
                code,
                ConditionStatus.unmet,
                MISSING(what=what, due_on=due_on),
                blocks=blocks,
                due_on=due_on,
                since=due_on,
            )
        return Condition(
            code,
            ConditionStatus.not_yet_due,
            DUE(what=what, due_on=due_on),
            blocks=blocks,
            due_on=due_on,
        )


def _not_accepted(rv: Review) -> Reason:
    what = Named("report", rv.code)
    if rv.status == "none":
        return REPORT_NOT_IN(report=what)
    if rv.status == "returned":
        assert rv.reason is not None  # a returned report has its review
        return REPORT_WAS(report=what, review=rv.reason)
    return REPORT_AWAITS(report=what)


def _unpaid_overdue(project: ProjectState, today: date) -> list[tuple[R, int]]:
    """Demands past their due date and not covered, with what is left of each: what was
    received or waived settles the demands in the order they fall due."""
    covered = sum(r.event.amount_sek for r in project.repayment_settlements)
    unpaid: list[tuple[R, int]] = []
    for r in sorted(project.repayment_demands, key=lambda d: (d.event.due_on, d.position)):
        taken = min(covered, r.event.amount_sek)
        covered -= taken
        left = r.event.amount_sek - taken
        if left and r.event.due_on < today:
            unpaid.append((r, left))
    return unpaid
