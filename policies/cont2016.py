"""The 2016 continuation round (seed 003): the 2014 conditions, 13 000 000 kr a year, named
schools and an autumn follow-up for the committee's December report.

Where each rule comes from (seed 003, Utbildningsförvaltningen's statement of 2015-11-17,
quoted without the OCR's lost å/ä/ö; seed 000 for what continues from 2014):

- **Budget: at most 13 000 000 kr for each year of the round** — "Ytterligare 3 mnkr
  tillförs arbetet på årsbasis, totalt 13 mnkr" (:func:`budget_cap_sek`,
  :meth:`Continuation2016.check_round`). The 2014 rule shares it between the districts
  (:func:`allocate_2016`): 13 000 000 ÷ 16 schools = 812 500 kr a school.
- **The 2014 conditions continue** (Choice: seed 003 names no other rule, so the 2014
  conditions and the 2014 allocation rule are carried on) — "kommer
  arbetet att fortsätta utifrån visionen om ett
  Stockholm som håller samman och de erfarenheter och resultat som hittills har uppnåtts":
  no payment before the steering group approves the plan; the mandatory network sessions;
  a year-end account, and money not used according to the plan is paid back (seed 000,
  as :class:`~policies.pilot2014.Pilot2014` states them).
- **The application names its schools** — "fortsätta samverka för ökad skolnärvaro och
  bättre skolresultat i utvalda grundskolor i ytterstaden": the schools are chosen, so an
  application says which (:meth:`Continuation2016.check_application`).
- **An autumn follow-up** (aggregate counts: target group, pupils reached) by the round's
  ``t2`` date — "I oktober 2015 redovisar ett antal av skolorna att de i genomsnitt har haft
  8 elever aktuella" and "Till socialnämndens sammanträde i december kommer en delrapport
  från projektet att redovisas". Choice: the seed ties no money to it, so it blocks no payment;
  reminders still chase it.
- **No supervision money** — seed 003 names no supervision pool (2014's 25 000 kr came from
  that year's R&D budget), so the round has no supervision condition and no default cap.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from typing import ClassVar

from events import ApplicationSubmitted
from policies.allocation import AllocationResult, DistrictRequest, allocate
from policies.base import Condition, RoundTerms
from policies.pilot2014 import Pilot2014
from policies.reason import Kronor, Named, Reason, ReasonCode
from policies.state import ProjectState, RoundState

__all__ = [
    "ANNUAL_BUDGET_SEK",
    "PERIOD_2016",
    "Continuation2016",
    "Continuation2016Seeded",
    "allocate_2016",
    "budget_cap_sek",
]

#: Seed 003: "Ytterligare 3 mnkr tillförs arbetet på årsbasis, totalt 13 mnkr".
ANNUAL_BUDGET_SEK = 10_000_000 + 3_000_000
#: Seed 003: "Av kommunfullmäktiges budget 2016 framkommer att utbildningsförvaltningen och
#: socialförvaltningen ska fortsätta samverka": the round's year, when none is given.
PERIOD_2016 = (date(2016, 1, 1), date(2016, 12, 31))


OVER_ANNUAL_BUDGET = ReasonCode("round.over_annual_budget", "budget", "cap", "years", "annual")
NO_SCHOOLS = ReasonCode("application.no_schools")
BUDGET_2016 = ReasonCode("round.budget_2016", "budget", "years", "annual", "given")


def budget_cap_sek(period_start: date, period_end: date) -> int:
    """The most a round may share: 13 000 000 kr for each calendar year its period touches."""
    return ANNUAL_BUDGET_SEK * (period_end.year - period_start.year + 1)


def allocate_2016(
    districts: Sequence[DistrictRequest], exclude: Collection[str] = ()
) -> AllocationResult:
    """A year's 13 000 000 kr shared by the 2014 rule (per school, then the remainder)."""
    return allocate(ANNUAL_BUDGET_SEK, districts, exclude=exclude)


class Continuation2016(Pilot2014):
    """The 2014 rules carried on with more money: plan approval, network sessions and the
    year-end account (money not used per plan paid back); the application names its
    schools; an autumn follow-up for the December report; no supervision money."""

    name = "ppss-2016"
    version = 1
    title = "PPSS fortsättning 2016"
    deadlines: ClassVar[dict[str, str]] = {
        "year_end_account": "year_end_account",
        "autumn_follow_up": "t2",
    }
    default_supervision_cap_sek: ClassVar[int] = 0

    def check_round(self, budget_sek: int, period_start: date, period_end: date) -> list[Reason]:
        cap = budget_cap_sek(period_start, period_end)
        if budget_sek > cap:
            years = f"{period_start.year}"
            if period_end.year != period_start.year:
                years += f"–{period_end.year}"
            return [
                OVER_ANNUAL_BUDGET(
                    budget=Kronor(budget_sek),
                    cap=Kronor(cap),
                    years=years,
                    annual=Kronor(ANNUAL_BUDGET_SEK),
                )
            ]
        return []

    def application_problems(
        self, rnd: RoundState, application: ApplicationSubmitted
    ) -> list[Reason]:
        problems = super().application_problems(rnd, application)
        if not application.schools:
            problems.append(NO_SCHOOLS())
        return problems

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        year_end = _due(rnd, "year_end_account")
        # The account counts as in 2014: a returned one is not handed in (issue 21; before,
        # the 2016 round read the account and not its review, so a returned account was met).
        account = project.report("year_end_account")
        return (
            self._plan(project),
            self._network(rnd, project, today),
            self.dated(
                "autumn_follow_up",
                Named("report", "autumn_follow_up_december"),
                _due(rnd, "t2"),
                project.follow_ups.get("t2"),
                today,
                blocks="",
                unset=Named("report", "autumn_follow_up"),
            ),
            self.dated(
                "year_end_account",
                Named("report", "year_end_account_and_costs"),
                year_end,
                account.counts,
                today,
                unset=Named("report", "year_end_account"),
                review=account,
            ),
        )


def _due(rnd: RoundState, code: str) -> date | None:
    deadline = rnd.deadlines.get(code)
    return deadline.due_on if deadline else None


class Continuation2016Seeded(Continuation2016):
    """Version 2 of the 2016 rules: the budget is the document's, not at most it.

    Seed 003: "Ytterligare 3 mnkr tillförs arbetet på årsbasis, totalt 13 mnkr": the round
    has 13 000 000 kr for each calendar year of its period, given by default (with the year
    2016 as the period), and any other budget is refused. Version 1 took any budget up to
    that; rounds opened under it keep it.
    """

    version = 2

    def round_terms(self, given: RoundTerms) -> RoundTerms:
        start = given.period_start or PERIOD_2016[0]
        end = given.period_end or date(start.year, 12, 31)
        budget = given.budget_sek
        if budget is None:
            # A backwards period (the event refuses it) gets one year's money.
            budget = budget_cap_sek(start, max(start, end))
        return super().round_terms(
            replace(given, budget_sek=budget, period_start=start, period_end=end)
        )

    def check_terms(self, terms: RoundTerms) -> list[Reason]:
        assert terms.period_start is not None
        assert terms.period_end is not None
        if terms.period_end < terms.period_start:
            return []  # the event refuses it, with the dates
        budget = budget_cap_sek(terms.period_start, terms.period_end)
        if terms.budget_sek != budget:
            return [
                BUDGET_2016(
                    budget=Kronor(budget),
                    years=_years(terms.period_start, terms.period_end),
                    annual=Kronor(ANNUAL_BUDGET_SEK),
                    given=Kronor(terms.budget_sek or 0),
                )
            ]
        return []


def _years(start: date, end: date) -> str:
    return f"{start.year}" if start.year == end.year else f"{start.year}–{end.year}"
