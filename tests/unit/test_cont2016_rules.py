"""The 2016 continuation's rules where they live (seed 003), database-free: the budget of
13 000 000 kr a year and how a round's terms are filled in and checked, the 2014 allocation
of a year's money, and the year-end account's condition word for word."""

from __future__ import annotations

from datetime import date

from events import YearEndAccountSubmitted
from policies.allocation import DistrictRequest, allocate
from policies.base import DATE_UNSET, MISSING, SUBMITTED, Condition, ConditionStatus, RoundTerms
from policies.cont2016 import (
    BUDGET_2016,
    OVER_ANNUAL_BUDGET,
    Continuation2016,
    Continuation2016Seeded,
    allocate_2016,
)
from policies.reason import Kronor, Named
from policies.registry import POLICIES
from tests.unit.test_rules_2016 import FARSTA, YEAR_END, funded, opened, states
from tests.unit.world import World, noon

V1 = Continuation2016()
V2 = Continuation2016Seeded()
M13 = Kronor(13_000_000)


def test_the_seeded_version_is_registered() -> None:
    assert isinstance(POLICIES[("ppss-2016", 2)], Continuation2016Seeded)


# -- version 1: at most 13 000 000 kr for each year ------------------------------------------


def test_a_budget_over_the_years_cap_names_budget_cap_years_and_the_annual_sum() -> None:
    assert V1.check_round(26_000_001, date(2016, 7, 1), date(2017, 6, 30)) == [
        OVER_ANNUAL_BUDGET(
            budget=Kronor(26_000_001), cap=Kronor(26_000_000), years="2016–2017", annual=M13
        )
    ]
    assert V1.check_round(13_000_001, date(2016, 1, 1), date(2016, 12, 31)) == [
        OVER_ANNUAL_BUDGET(budget=Kronor(13_000_001), cap=M13, years="2016", annual=M13)
    ]
    assert V1.check_round(26_000_000, date(2016, 7, 1), date(2017, 6, 30)) == []


def test_a_years_money_is_shared_by_the_2014_rule_with_the_exclusions_given() -> None:
    """allocate_2016 is the 2014 rule on 13 000 000 kr (812 500 kr a school): a district
    left out of the remainder's share gets its base only, the others take the rest."""
    requests = [
        DistrictRequest("Farsta", 4, 5_000_000),
        DistrictRequest("Älvsjö", 4, 5_000_000),
        DistrictRequest("Skarpnäck", 8, 1_000_000),
    ]
    assert allocate_2016(requests, exclude=("Älvsjö",)) == allocate(
        13_000_000, requests, exclude=("Älvsjö",)
    )
    shared = allocate_2016(requests, exclude=("Älvsjö",))
    assert [a.allocated_sek for a in shared.allocations] == [5_000_000, 3_250_000, 1_000_000]
    everyone = allocate_2016(requests).allocations
    assert [a.allocated_sek for a in everyone] == [5_000_000, 5_000_000, 1_000_000]


# -- version 2: exactly 13 000 000 kr for each year, filled in ---------------------------------


def test_the_seeded_terms_fill_in_the_year_2016_and_its_money() -> None:
    assert V2.round_terms(RoundTerms()) == RoundTerms(
        budget_sek=13_000_000,
        supervision_pool_sek=0,
        supervision_cap_sek=0,
        period_start=date(2016, 1, 1),
        period_end=date(2016, 12, 31),
    )


def test_a_start_alone_runs_to_the_end_of_its_year_and_a_period_gets_its_years_money() -> None:
    start_only = V2.round_terms(RoundTerms(period_start=date(2017, 3, 1)))
    assert (start_only.period_start, start_only.period_end, start_only.budget_sek) == (
        date(2017, 3, 1),
        date(2017, 12, 31),
        13_000_000,
    )
    end_only = V2.round_terms(RoundTerms(period_end=date(2017, 6, 30)))
    assert (end_only.period_start, end_only.period_end, end_only.budget_sek) == (
        date(2016, 1, 1),
        date(2017, 6, 30),
        26_000_000,
    )
    given = V2.round_terms(RoundTerms(budget_sek=5, period_start=date(2016, 7, 1)))
    assert (given.budget_sek, given.period_end) == (5, date(2016, 12, 31))


def test_a_backwards_period_gets_one_years_money_and_is_left_to_the_event_to_refuse() -> None:
    backwards = V2.round_terms(
        RoundTerms(period_start=date(2017, 1, 1), period_end=date(2016, 6, 30))
    )
    assert backwards.budget_sek == 13_000_000
    assert V2.check_terms(backwards) == []


def test_any_budget_but_the_years_money_is_refused_naming_both() -> None:
    one_day = RoundTerms(
        budget_sek=13_000_001, period_start=date(2016, 6, 1), period_end=date(2016, 6, 1)
    )
    assert V2.check_terms(one_day) == [
        BUDGET_2016(budget=M13, years="2016", annual=M13, given=Kronor(13_000_001))
    ]
    two_years = RoundTerms(
        budget_sek=13_000_000, period_start=date(2016, 7, 1), period_end=date(2017, 6, 30)
    )
    assert V2.check_terms(two_years) == [
        BUDGET_2016(budget=Kronor(26_000_000), years="2016–2017", annual=M13, given=M13)
    ]
    unstated = RoundTerms(period_start=date(2016, 1, 1), period_end=date(2016, 12, 31))
    assert V2.check_terms(unstated) == [
        BUDGET_2016(budget=M13, years="2016", annual=M13, given=Kronor(0))
    ]
    assert V2.check_terms(V2.round_terms(RoundTerms())) == []


# -- the year-end account ----------------------------------------------------------------------


def _year_end(world: World, day: date) -> Condition:
    rnd, project = states(world)
    (found,) = [c for c in V1.conditions(rnd, project, noon(day)) if c.code == "year_end_account"]
    return found


def test_the_year_end_account_is_named_with_its_costs_and_without_a_date_as_itself() -> None:
    undated = World()
    opened(undated, deadlines=False)
    assert _year_end(undated, date(2017, 3, 1)) == Condition(
        "year_end_account",
        ConditionStatus.not_yet_due,
        DATE_UNSET(what=Named("report", "year_end_account")),
    )
    world = World()
    funded(world)
    assert _year_end(world, date(2017, 2, 1)) == Condition(
        "year_end_account",
        ConditionStatus.unmet,
        MISSING(what=Named("report", "year_end_account_and_costs"), due_on=YEAR_END),
        due_on=YEAR_END,
        since=YEAR_END,
    )


def test_a_year_end_account_in_on_time_meets_the_condition() -> None:
    world = World()
    funded(world)
    account = world.given(
        FARSTA,
        YearEndAccountSubmitted(spent_sek=1_000, cost_description="Personal"),
        date(2017, 1, 20),
    )
    assert _year_end(world, date(2017, 2, 1)) == Condition(
        "year_end_account",
        ConditionStatus.met,
        SUBMITTED(what=Named("report", "year_end_account_and_costs"), on=date(2017, 1, 20)),
        (account,),
        due_on=YEAR_END,
    )
