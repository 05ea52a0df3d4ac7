"""The 2014 PPSS pilot round (seed 000): plan approval, network participation, year-end account."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from events import ApplicationSubmitted, NetworkSessionScheduled, Recorded, YearEndAccountSubmitted
from policies.base import Condition, ConditionStatus, Policy, RoundTerms, of_the_project
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.state import (
    ProjectState,
    RoundState,
    local_date,
    remembered,
    slug,
    stockholm_day,
)

__all__ = [
    "BUDGET_2014_SEK",
    "ELIGIBLE_DISTRICTS_2014",
    "FOCUS_SCHOOLS_2014",
    "PERIOD_2014",
    "SUPERVISION_CAP_2014_SEK",
    "SUPERVISION_POOL_2014_SEK",
    "Pilot2014",
    "Pilot2014Seeded",
]

# -- the numbers of seed 000 (socialnämnden 2014-02-04) and seed 001 -----------------------

#: Seed 000: "I budgeten för 2014 avsattes 10 mkr för fortsatt stöd till projekten."
BUDGET_2014_SEK = 10_000_000
#: Seed 000: "Socialförvaltningen har forsknings- och utvecklingsmedel avsatta för
#: finansiering av handledning, totalt 200 000 kr."
SUPERVISION_POOL_2014_SEK = 200_000
#: Seed 000: "varje projekt, dvs. en stadsdelsförvaltning tillsammans med den eller de skolor
#: som ingår i projektet, får 25 000 kr för 2014 för att finansiera gemensam handledning".
SUPERVISION_CAP_2014_SEK = 25_000
#: Seed 000: "10 mkr för fortsatt delfinansiering" in "socialnämndens budget för år 2014";
#: seed 001: "Projekten planeras pågå fram till och med december 2014".
PERIOD_2014 = (date(2014, 1, 1), date(2014, 12, 31))
#: Seed 000: "Medlen ska fördelas till de 8 stadsdelsförvaltningar som tillsammans med 16
#: skolor inledde pilotprojekt under 2013." The districts and their schools ("Antal skolor")
#: as the table "Förslag på fördelning av medel" lists them (spelling normalised).
ELIGIBLE_DISTRICTS_2014: dict[str, int] = {
    "Farsta": 3,
    "Skarpnäck": 2,
    "Rinkeby-Kista": 4,
    "Skärholmen": 2,
    "Enskede-Årsta-Vantör": 1,
    "Spånga-Tensta": 1,
    "Älvsjö": 1,
    "Hässelby-Vällingby": 2,
}
#: Seed 001: "Utbildningsförvaltningen har utsett 16 fokusskolor till pilotprojekten"
#: (the OCR's lost å/ä/ö restored). Schools are public institutions, not people.
FOCUS_SCHOOLS_2014: tuple[str, ...] = (
    "Solbergaskolan",
    "Hässelbygårdsskolan",
    "Gubbängsskolan",
    "Sätraskolan",
    "Kvickentorpsskolan",
    "Bredängsskolan",
    "Hökarängsskolan",
    "Årvingeskolan",
    "Bagarmossens skola",
    "Akalla grundskola",
    "Tätorpsskolan",
    "Rinkebyskolan",
    "Ragsvedsskolan",
    "Husbygårdsskolan",
    "Hjulstaskolan",
    "Grimstaskolan",
)

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
BUDGET_2014 = ReasonCode("round.budget_2014", "budget", "given")
POOL_2014 = ReasonCode("round.supervision_pool_2014", "pool", "given")
CAP_2014 = ReasonCode("round.supervision_cap_2014", "cap", "given")
PERIOD_IS_2014 = ReasonCode("round.period_2014", "first", "last", "start", "end")
NOT_A_PILOT_DISTRICT = ReasonCode("application.not_a_2013_pilot", "district", "districts")
SCHOOLS_2014 = ReasonCode("application.schools_2014", "district", "schools", "given")
NOT_A_FOCUS_SCHOOL = ReasonCode("application.not_a_focus_school", "schools")


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

    @of_the_project
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
                    why=latest.decision.event.reason,
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
        held, positions = remembered(
            rnd.memo,
            "held_sessions",  # pragma: no mutate - a cache key
            (today,),
            lambda: _held(rnd, today),
        )
        # Kept on the project's state for the sessions held (by their positions in the log:
        # the round's state is folded anew after each round event, its records with it).
        return remembered(
            project.memo,
            (type(self), "_network"),  # pragma: no mutate - a cache key
            (positions,),
            lambda: self._held_network(project, held),
        )

    def _held_network(self, project: ProjectState, held: tuple[R, ...]) -> Condition:
        """The network condition, given the round's mandatory sessions held by today."""
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

    @of_the_project
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

    def unused_money(self, project: ProjectState) -> tuple[int, Reason, tuple[R, ...]]:
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
        if review.reason is not None:  # reviewed: a decision always has its reason
            assert review.decision is not None
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


def _held(rnd: RoundState, today: date) -> tuple[tuple[R, ...], tuple[int, ...]]:
    """The round's mandatory sessions held by ``today`` (the same for every project), and
    their positions in the log."""
    held = tuple(
        r for r in rnd.sessions.values() if r.event.mandatory and local_date_of(r.event) <= today
    )
    return held, tuple(r.position for r in held)


def local_date_of(session: NetworkSessionScheduled) -> date:
    return stockholm_day(session.starts_at)


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None


class Pilot2014Seeded(Pilot2014):
    """Version 2 of the 2014 rules: the numbers of seed 000 and seed 001 held by the rules.

    - The round has 10 000 000 kr, a supervision pool of 200 000 kr and 25 000 kr of it per
      project, for the year 2014: given by default, any other number refused (a round that
      needs another is a new version of the rules, saying why).
    - Only the 8 districts that ran pilots in 2013 may apply, each with the number of
      schools the decision's table gives it; the schools an application names must be
      among the 16 focus schools of seed 001.

    Version 1 held none of these (the coordinator typed them and any district could apply);
    rounds opened under it keep it. Choice: the seeds do not say which focus school belongs
    to which district, so an application's named schools are checked against the list only.
    """

    version = 2

    def round_terms(self, given: RoundTerms) -> RoundTerms:
        first, last = PERIOD_2014
        return super().round_terms(
            replace(
                given,
                budget_sek=BUDGET_2014_SEK if given.budget_sek is None else given.budget_sek,
                supervision_pool_sek=SUPERVISION_POOL_2014_SEK
                if given.supervision_pool_sek is None
                else given.supervision_pool_sek,
                supervision_cap_sek=SUPERVISION_CAP_2014_SEK
                if given.supervision_cap_sek is None
                else given.supervision_cap_sek,
                period_start=given.period_start or first,
                period_end=given.period_end or last,
            )
        )

    def check_terms(self, terms: RoundTerms) -> list[Reason]:
        problems: list[Reason] = []
        if terms.budget_sek != BUDGET_2014_SEK:
            problems.append(
                BUDGET_2014(budget=Kronor(BUDGET_2014_SEK), given=Kronor(terms.budget_sek or 0))
            )
        if terms.supervision_pool_sek != SUPERVISION_POOL_2014_SEK:
            problems.append(
                POOL_2014(
                    pool=Kronor(SUPERVISION_POOL_2014_SEK),
                    given=Kronor(terms.supervision_pool_sek or 0),
                )
            )
        if terms.supervision_cap_sek != SUPERVISION_CAP_2014_SEK:
            problems.append(
                CAP_2014(
                    cap=Kronor(SUPERVISION_CAP_2014_SEK),
                    given=Kronor(terms.supervision_cap_sek or 0),
                )
            )
        first, last = PERIOD_2014
        if (terms.period_start, terms.period_end) != PERIOD_2014:
            assert terms.period_start is not None
            assert terms.period_end is not None
            problems.append(
                PERIOD_IS_2014(
                    first=first, last=last, start=terms.period_start, end=terms.period_end
                )
            )
        return problems

    def application_problems(
        self, rnd: RoundState, application: ApplicationSubmitted
    ) -> list[Reason]:
        problems = super().application_problems(rnd, application)
        problems += check_pilot_district(application)
        return problems


def check_pilot_district(application: ApplicationSubmitted) -> list[Reason]:
    """Refusals for an application from outside the 2013 pilots (seed 000), or with another
    number of schools than the decision's table, or naming a school not among the focus
    schools (seed 001)."""
    by_slug = {slug(name): (name, schools) for name, schools in ELIGIBLE_DISTRICTS_2014.items()}
    known = by_slug.get(slug(application.district))
    if known is None:
        return [
            NOT_A_PILOT_DISTRICT(
                district=application.district, districts=tuple(ELIGIBLE_DISTRICTS_2014)
            )
        ]
    problems: list[Reason] = []
    name, schools = known
    if application.school_count != schools:
        problems.append(
            SCHOOLS_2014(district=name, schools=schools, given=application.school_count)
        )
    focus = {slug(school) for school in FOCUS_SCHOOLS_2014}
    others = tuple(school for school in application.schools if slug(school) not in focus)
    if others:
        problems.append(NOT_A_FOCUS_SCHOOL(schools=others))
    return problems
