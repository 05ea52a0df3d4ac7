"""The 2014 rules' seeded numbers where they live (seed 000/001), database-free: how a
round's terms are filled in and what each refusal names."""

from __future__ import annotations

from datetime import date

from events import ApplicationSubmitted
from policies.base import PERIOD_OUTSIDE, RoundTerms
from policies.pilot2014 import (
    BUDGET_2014,
    CAP_2014,
    ELIGIBLE_DISTRICTS_2014,
    NOT_A_PILOT_DISTRICT,
    PERIOD_IS_2014,
    POOL_2014,
    Pilot2014Seeded,
)
from policies.reason import Kronor
from policies.state import fold_round
from tests.unit.world import ROUND, World, opened

V2 = Pilot2014Seeded()
FIRST, LAST = date(2014, 1, 1), date(2014, 12, 31)


def test_the_seeded_terms_keep_the_cap_per_project_even_without_a_pool() -> None:
    """25 000 kr a project is the decision's, whatever pool is typed (a pool of 0 kr is then
    refused, naming the 200 000 kr)."""
    terms = V2.round_terms(RoundTerms(supervision_pool_sek=0))
    assert terms == RoundTerms(
        budget_sek=10_000_000,
        supervision_pool_sek=0,
        supervision_cap_sek=25_000,
        period_start=FIRST,
        period_end=LAST,
    )
    assert V2.check_terms(terms) == [POOL_2014(pool=Kronor(200_000), given=Kronor(0))]
    assert V2.round_terms(RoundTerms(supervision_cap_sek=30_000)).supervision_cap_sek == 30_000


def test_terms_with_nothing_given_are_refused_on_each_count_as_zero() -> None:
    nothing = RoundTerms(period_start=FIRST, period_end=LAST)
    assert V2.check_terms(nothing) == [
        BUDGET_2014(budget=Kronor(10_000_000), given=Kronor(0)),
        POOL_2014(pool=Kronor(200_000), given=Kronor(0)),
        CAP_2014(cap=Kronor(25_000), given=Kronor(0)),
    ]


def test_another_period_is_refused_naming_2014_and_the_period_given() -> None:
    terms = V2.round_terms(RoundTerms(period_start=date(2014, 2, 1)))
    assert V2.check_terms(terms) == [
        PERIOD_IS_2014(first=FIRST, last=LAST, start=date(2014, 2, 1), end=LAST)
    ]
    terms = V2.round_terms(RoundTerms(period_end=date(2015, 1, 31)))
    assert V2.check_terms(terms) == [
        PERIOD_IS_2014(first=FIRST, last=LAST, start=FIRST, end=date(2015, 1, 31))
    ]


def test_an_application_from_outside_the_pilots_and_the_year_is_refused_on_both() -> None:
    world = World()
    opened(world)
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    application = ApplicationSubmitted(
        round_id="r",
        project_id="norrmalm",
        district="Norrmalm",
        school_count=1,
        applied_sek=100_000,
        period_start=date(2014, 1, 1),
        period_end=date(2015, 6, 30),
    )
    assert V2.check_application(rnd, application, date(2013, 12, 1)) == [
        PERIOD_OUTSIDE(start=FIRST, end=date(2015, 6, 30), first=FIRST, last=LAST),
        NOT_A_PILOT_DISTRICT(district="Norrmalm", districts=tuple(ELIGIBLE_DISTRICTS_2014)),
    ]
