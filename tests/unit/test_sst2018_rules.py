"""The 2018 rules where they live (seed 002), database-free: the form's dates filled in and
checked, the budget's total, and the final financial report closing the year."""

from __future__ import annotations

from datetime import date
from typing import Any

from events import (
    ApplicationSubmitted,
    DisbursementMade,
    FinancialReportSubmitted,
    FollowUpSubmitted,
    ReportAccepted,
    ReportReturned,
    RoundDeadline,
    RoundOpened,
)
from policies.base import LAPSED, RETURNED_WAS_DUE, Condition, ConditionStatus, RoundTerms
from policies.reason import JOINED, Kronor, Named
from policies.registry import POLICIES
from policies.review import REVIEW_ACCEPTED, REVIEW_RETURNED
from policies.sst2018 import (
    FINAL_2018,
    PERIOD_IS_2018,
    REPORT_RETURNED,
    REPORT_REVIEWED,
    SPENT_BY_REPORT,
    TOTAL_2018,
    SchoolSocialTeams2018Seeded,
    budget_2018_problems,
)
from policies.state import fold_project, fold_round, stockholm_day
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


def _sst_world() -> World:
    world = World()
    world.given(
        ROUND,
        RoundOpened(
            round_id="r",
            title="Skolsociala team",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy_name="sst-2018",
            policy_version=1,
            deadlines=(
                RoundDeadline(code="t2", due_on=T2),
                RoundDeadline(code="annual_report", due_on=ANNUAL),
            ),
        ),
        date(2013, 5, 2),
    )
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    return world


T2 = date(2014, 9, 30)
ANNUAL = date(2015, 3, 31)


def _returned(world: World, report: str, submitted: Any, on: date) -> Any:
    return world.given(
        FARSTA,
        ReportReturned(report=report, submission_id=submitted.event_id, reason="Brister"),
        on,
    )


def test_a_returned_report_opens_its_obligation_again_saying_why() -> None:
    """The T2 follow-up, the T2 financial report and the annual follow-up: each returned
    counts as not handed in, overdue after its date, with the review as the reason."""
    world = _sst_world()
    t2 = world.given(
        FARSTA,
        FollowUpSubmitted(
            kind="t2",
            period_start=date(2014, 1, 1),
            period_end=date(2014, 8, 31),
            indicators={"target_group_size": 24, "pupils_reached": 16},
        ),
        date(2014, 9, 10),
    )
    money = world.given(
        FARSTA,
        FinancialReportSubmitted(kind="t2", spent_sek=200_000, forecast_sek=480_000),
        date(2014, 9, 11),
    )
    annual = world.given(
        FARSTA,
        FollowUpSubmitted(
            kind="annual",
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            indicators={"target_group_size": 24, "pupils_reached": 20},
        ),
        date(2015, 2, 1),
    )
    back = {
        "t2_follow_up": (t2, _returned(world, "t2_follow_up", t2, date(2014, 9, 15))),
        "t2_financial_report": (
            money,
            _returned(world, "t2_financial_report", money, date(2014, 9, 16)),
        ),
        "annual_follow_up": (
            annual,
            _returned(world, "annual_follow_up", annual, date(2015, 2, 5)),
        ),
    }
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    found = {
        c.code: c
        for c in POLICIES[("sst-2018", 1)].conditions(rnd, project, noon(date(2015, 4, 1)))
    }
    for code, due in (
        ("t2_follow_up", T2),
        ("t2_financial_report", T2),
        ("annual_follow_up", ANNUAL),
    ):
        submission, decision = back[code]
        returned_on = stockholm_day(decision.occurred_at)
        assert found[code] == Condition(
            code,
            ConditionStatus.unmet,
            RETURNED_WAS_DUE(
                what=Named("report", code),
                review=REVIEW_RETURNED(on=returned_on, why="Brister"),
                due_on=due,
            ),
            (submission, decision),
            due_on=due,
            since=due,
        ), code


def _final(world: World) -> tuple[Any, Any]:
    paid = world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 1),
    )
    final = world.given(
        FARSTA,
        FinancialReportSubmitted(kind="final", spent_sek=250_000, forecast_sek=250_000),
        date(2014, 11, 20),
    )
    return paid, final


def _unused(world: World) -> tuple[Any, ...]:
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    return POLICIES[("sst-2018", 1)].unused_money(project)


def test_the_final_report_says_what_is_unused_and_once_accepted_says_so() -> None:
    world = _sst_world()
    paid, final = _final(world)
    spent = SPENT_BY_REPORT(paid=Kronor(300_000), spent=Kronor(250_000), unused=Kronor(50_000))
    assert _unused(world) == (50_000, spent, (final, paid))
    ok = world.given(
        FARSTA,
        ReportAccepted(report="final_financial_report", submission_id=final.event_id),
        date(2014, 11, 25),
    )
    assert _unused(world) == (
        50_000,
        JOINED(parts=(spent, REPORT_REVIEWED(review=REVIEW_ACCEPTED(on=date(2014, 11, 25))))),
        (final, ok, paid),
    )


def test_a_returned_final_report_owes_nothing_yet_and_says_why() -> None:
    world = _sst_world()
    _, final = _final(world)
    back = _returned(world, "final_financial_report", final, date(2014, 11, 25))
    assert _unused(world) == (
        0,
        REPORT_RETURNED(review=REVIEW_RETURNED(on=date(2014, 11, 25), why="Brister")),
        (final, back),
    )
