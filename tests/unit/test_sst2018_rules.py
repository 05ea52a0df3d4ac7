"""The 2018 rules where they live (seed 002), database-free: the form's dates filled in and
checked, the budget's total, and the final financial report closing the year."""

from __future__ import annotations

from datetime import date

from events import ApplicationSubmitted, DisbursementMade, FinancialReportSubmitted
from policies.base import LAPSED, RoundTerms
from policies.reason import Kronor, Named
from policies.registry import POLICIES
from policies.sst2018 import (
    FINAL_2018,
    PERIOD_IS_2018,
    TOTAL_2018,
    SchoolSocialTeams2018Seeded,
    budget_2018_problems,
)
from policies.state import fold_project, fold_round
from tests.unit.test_rules_seeds import _application_2018
from tests.unit.world import FARSTA, ROUND, World, applied, awarded, noon, opened

V2 = SchoolSocialTeams2018Seeded()
FIRST, LAST = date(2018, 1, 1), date(2018, 12, 31)
FINAL = date(2018, 11, 30)


def test_a_final_report_date_given_is_kept_and_only_the_missing_one_filled_in() -> None:
    given = (("final_financial_report", date(2018, 11, 15), None), ("t2", date(2018, 8, 31), "T2"))
    terms = V2.round_terms(RoundTerms(deadlines=given))
    assert terms.deadlines == given
    assert V2.check_terms(terms) == [FINAL_2018(due_on=FINAL, given=date(2018, 11, 15))]
    filled = V2.round_terms(RoundTerms(deadlines=given[1:]))
    assert filled.deadlines == (*given[1:], ("final_financial_report", FINAL, None))
    assert V2.check_terms(filled) == []


def test_another_period_is_refused_naming_2018_and_the_period_given() -> None:
    terms = V2.round_terms(RoundTerms(period_start=date(2018, 3, 1)))
    assert V2.check_terms(terms) == [
        PERIOD_IS_2018(first=FIRST, last=LAST, start=date(2018, 3, 1), end=LAST)
    ]


def test_a_stated_total_other_than_own_plus_applied_names_both() -> None:
    form = _application_2018(100_000, (1_500_000,), 1_400_000, total_budget_sek=1_400_000)
    application = ApplicationSubmitted(round_id="r", project_id="skarholmen", **form)
    assert budget_2018_problems(application) == [
        TOTAL_2018(stated=Kronor(1_400_000), total=Kronor(1_500_000))
    ]


def test_the_final_financial_report_closes_the_year_and_the_unpaid_rest_lapses() -> None:
    """Awarded 500 000 kr, paid 300 000 kr, the final financial report shows 350 000 kr
    spent: 50 000 kr more is payable, the other 150 000 kr lapses, said of that report."""
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 1),
    )
    world.given(
        FARSTA,
        FinancialReportSubmitted(kind="final", spent_sek=350_000, forecast_sek=350_000),
        date(2014, 11, 20),
    )
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    payable = POLICIES[("sst-2018", 1)].payable(
        rnd, fold_project(FARSTA, world.stream(FARSTA)), noon(date(2014, 11, 21))
    )
    assert (payable.grant_sek, payable.reason) == (
        50_000,
        LAPSED(
            report=Named("report", "final_financial_report"),
            on=date(2014, 11, 20),
            used=Kronor(350_000),
            paid=Kronor(300_000),
            lapsed=Kronor(150_000),
        ),
    )
