"""The rules every round shares (policies/base.py), database-free: what may release an
instalment in a round, and whether each release code holds for a project, why, and the
events that show it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import (
    DeadlineSet,
    DisbursementMade,
    FinancialReportSubmitted,
    FollowUpSubmitted,
    Instalment,
    PaymentPlanSet,
    PlanSubmitted,
    RepaymentDemanded,
    ReportAccepted,
    ReportReturned,
    RoundClosed,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies.base import (
    AWARD_LESS_PAID,
    GRANT_AWARDED,
    LAPSED,
    NO_APPROVED_PLAN,
    NO_AWARD,
    NOT_A_RELEASE,
    PLAN_APPROVED_ON,
    REPAYMENT_FIRST,
    REPORT_AWAITS,
    REPORT_NOT_IN,
    REPORT_REVIEWED,
    REPORT_WAS,
    RETURNED,
    RETURNED_WAS_DUE,
    SUBMITTED,
    SUPERVISION_LAPSED,
    SUPERVISION_PAYABLE,
    Condition,
    ConditionStatus,
    Payable,
    Policy,
    RoundTerms,
)
from policies.cont2016 import Continuation2016
from policies.pilot2014 import ACCOUNT_RETURNED, ACCOUNT_REVIEWED, UNUSED_BY_PLAN
from policies.reason import JOINED, Kronor, Named, Reason, joined
from policies.registry import POLICIES
from policies.review import REVIEW_ACCEPTED, REVIEW_RETURNED, Review
from policies.state import ProjectState, RoundState, fold_project, fold_round
from tests.unit.world import (
    FARSTA,
    ROUND,
    World,
    applied,
    awarded,
    noon,
    opened,
    plan_approved,
)

PILOT = POLICIES[("ppss-2014", 1)]
SST = POLICIES[("sst-2018", 1)]
T2 = Named("report", "t2_follow_up")
T2_MONEY = Named("report", "t2_financial_report")


def states(world: World) -> tuple[RoundState, ProjectState]:
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    return rnd, fold_project(FARSTA, world.stream(FARSTA))


def test_the_release_codes_of_the_2014_round_even_once_it_is_closed() -> None:
    """A closed round's ``round_open`` condition, like ``application``, releases nothing."""
    world = World()
    opened(world)
    world.given(ROUND, RoundClosed(reason="Året är slut"), date(2015, 3, 1))
    rnd, _ = states(world)
    assert rnd.closed is not None
    assert PILOT.release_codes(rnd) == {
        "awarded": "when the grant is awarded",
        "plan_approved": "when the steering group has approved a work plan",
        "year_end_account_accepted": "when the year-end account is accepted",
        "network_participation": "when the condition network_participation is met",
        "supervision_requested": "when the condition supervision_requested is met",
        "year_end_account": "when the condition year_end_account is met",
    }


def test_the_release_codes_of_the_2018_round_group_the_t2_reports() -> None:
    """Each reviewed report's acceptance, the two T2 reports' together as ``t2_accepted``
    (a prefix of one report makes no group), and each of the round's own conditions."""
    world = World()
    opened(world, policy="sst-2018")
    rnd, _ = states(world)
    assert SST.release_codes(rnd) == {
        "awarded": "when the grant is awarded",
        "plan_approved": "when the steering group has approved a work plan",
        "t2_follow_up_accepted": "when the T2 follow-up is accepted",
        "t2_financial_report_accepted": "when the T2 financial report is accepted",
        "final_financial_report_accepted": "when the final financial report is accepted",
        "annual_follow_up_accepted": "when the follow-up in the annual report is accepted",
        "t2_accepted": "when the T2 follow-up and the T2 financial report are accepted",
        "t2_follow_up": "when the condition t2_follow_up is met",
        "t2_financial_report": "when the condition t2_financial_report is met",
        "t2_self_financing": "when the condition t2_self_financing is met",
        "final_financial_report": "when the condition final_financial_report is met",
        "annual_follow_up": "when the condition annual_follow_up is met",
    }


def _release(world: World, code: str, day: date = date(2014, 12, 1)) -> tuple[Any, ...]:
    rnd, project = states(world)
    conditions = {c.code: c for c in SST.conditions(rnd, project, noon(day))}
    return SST.release(project, code, conditions)


def test_awarded_and_plan_approved_hold_once_recorded() -> None:
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    assert _release(world, "awarded") == (False, NO_AWARD(), ())
    assert _release(world, "plan_approved") == (False, NO_APPROVED_PLAN(), ())
    award = awarded(world, FARSTA, 500_000)
    world.given(FARSTA, PlanSubmitted(plan_id="q", summary="Ny plan"), date(2014, 2, 1))
    assert _release(world, "awarded") == (True, GRANT_AWARDED(), (award,))
    assert _release(world, "plan_approved") == (False, NO_APPROVED_PLAN(), ())
    approval = plan_approved(world)
    assert _release(world, "plan_approved") == (
        True,
        PLAN_APPROVED_ON(plan="p", on=date(2014, 3, 10)),
        (world.stream(FARSTA)[-2], approval),
    )


def _t2_reports(world: World) -> tuple[Any, Any]:
    follow_up = world.given(
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
    return follow_up, money


def test_t2_accepted_holds_once_both_t2_reports_are_accepted() -> None:
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    assert _release(world, "t2_accepted") == (
        False,
        JOINED(parts=(REPORT_NOT_IN(report=T2), REPORT_NOT_IN(report=T2_MONEY))),
        (),
    )
    follow_up, money = _t2_reports(world)
    returned = world.given(
        FARSTA,
        ReportReturned(report="t2_follow_up", submission_id=follow_up.event_id, reason="Siffror"),
        date(2014, 9, 15),
    )
    assert _release(world, "t2_accepted") == (
        False,
        JOINED(
            parts=(
                REPORT_WAS(report=T2, review=REVIEW_RETURNED(on=date(2014, 9, 15), why="Siffror")),
                REPORT_AWAITS(report=T2_MONEY),
            )
        ),
        (),
    )
    again, latest_money = _t2_reports(world)
    first_ok = world.given(
        FARSTA,
        ReportAccepted(report="t2_follow_up", submission_id=again.event_id),
        date(2014, 9, 20),
    )
    money_ok = world.given(
        FARSTA,
        ReportAccepted(report="t2_financial_report", submission_id=money.event_id),
        date(2014, 9, 21),
    )
    assert returned.position < first_ok.position
    # The T2 financial report was handed in again: the earlier one's acceptance is not
    # the latest's, which awaits review.
    assert _release(world, "t2_accepted") == (
        False,
        REPORT_AWAITS(report=T2_MONEY),
        (),
    )
    latest_ok = world.given(
        FARSTA,
        ReportAccepted(report="t2_financial_report", submission_id=latest_money.event_id),
        date(2014, 9, 22),
    )
    assert money_ok.position < latest_ok.position
    assert _release(world, "t2_accepted") == (
        True,
        JOINED(
            parts=(
                REPORT_REVIEWED(report=T2, review=REVIEW_ACCEPTED(on=date(2014, 9, 20))),
                REPORT_REVIEWED(report=T2_MONEY, review=REVIEW_ACCEPTED(on=date(2014, 9, 22))),
            )
        ),
        (again, first_ok, latest_money, latest_ok),
    )


def test_a_code_the_round_does_not_know_releases_nothing() -> None:
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    for code in ("school_accepted", "year_end_account", "network_participation"):
        assert _release(world, code) == (False, NOT_A_RELEASE(code=Named("release", code)), ())


def test_a_condition_code_holds_when_met_and_its_report_accepted() -> None:
    """A condition not met says why; met but its report not accepted (a T2 report) says
    that; met and accepted holds with the condition's reason and evidence."""
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    _, project = states(world)
    unmet = Condition("t2_follow_up", ConditionStatus.not_yet_due, Reason("x"))
    assert SST.release(project, "t2_follow_up", {"t2_follow_up": unmet}) == (
        False,
        Reason("x"),
        (),
    )
    follow_up, _ = _t2_reports(world)
    _, project = states(world)
    met = Condition(
        "t2_follow_up",
        ConditionStatus.met,
        SUBMITTED(what=T2, on=date(2014, 9, 10)),
        (follow_up,),
    )
    assert SST.release(project, "t2_follow_up", {"t2_follow_up": met}) == (
        False,
        REPORT_AWAITS(report=T2),
        (follow_up,),
    )
    self_financing = Condition("t2_self_financing", ConditionStatus.met, Reason("y"), (follow_up,))
    assert SST.release(project, "t2_self_financing", {"t2_self_financing": self_financing}) == (
        True,
        Reason("y"),
        (follow_up,),
    )
    ok = world.given(
        FARSTA,
        ReportAccepted(report="t2_follow_up", submission_id=follow_up.event_id),
        date(2014, 9, 20),
    )
    _, project = states(world)
    assert SST.release(project, "t2_follow_up", {"t2_follow_up": met}) == (
        True,
        SUBMITTED(what=T2, on=date(2014, 9, 10)),
        (follow_up,),
    )
    assert ok.position > follow_up.position


def test_terms_without_a_budget_or_a_whole_period_are_not_checked_against_the_round() -> None:
    """Policy.check_terms leaves terms lacking budget, start or end to the event (which
    refuses them), so a policy's round check only ever sees whole terms: here the 2016
    rules, whose check counts the period's years."""
    v1 = Continuation2016()
    over = 99_000_000
    assert v1.check_terms(RoundTerms(budget_sek=over, period_end=date(2016, 12, 31))) == []
    assert v1.check_terms(RoundTerms(budget_sek=over, period_start=date(2016, 1, 1))) == []
    assert (
        v1.check_terms(RoundTerms(period_start=date(2016, 1, 1), period_end=date(2016, 12, 31)))
        == []
    )
    assert (
        v1.check_terms(
            RoundTerms(
                budget_sek=over, period_start=date(2016, 1, 1), period_end=date(2016, 12, 31)
            )
        )
        != []
    )


def test_an_assessment_holds_until_the_account_that_closes_the_year_is_in() -> None:
    """Judged on a day before the year-end account's date, nothing else dated ahead: the
    answer may change on the account's day (the lapse counts from it) and the day after."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.given(
        FARSTA,
        YearEndAccountSubmitted(spent_sek=1_000, cost_description="Personal"),
        date(2015, 1, 20),
    )
    rnd, project = states(world)
    assert PILOT.stable_until(rnd, project, date(2015, 1, 10)) == date(2015, 1, 20)
    assert PILOT.stable_until(rnd, project, date(2015, 1, 20)) == date(2015, 1, 21)
    assert PILOT.stable_until(rnd, project, date(2015, 1, 21)) is None


def test_the_year_end_account_lapses_the_rest_from_its_day_on() -> None:
    """Awarded 500 000 kr, 300 000 kr paid, the account shows 350 000 kr used: judged
    before the account's day the award less paid is payable; from its day only 50 000 kr,
    the other 150 000 kr lapsing, said of the year-end account."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    plan_approved(world)
    world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 20),
    )
    world.given(
        FARSTA,
        YearEndAccountSubmitted(spent_sek=350_000, cost_description="Personal"),
        date(2015, 1, 20),
    )
    rnd, project = states(world)
    before = PILOT.payable(rnd, project, noon(date(2015, 1, 19)))
    assert PILOT.assess(rnd, project, noon(date(2015, 1, 19))).payable == before
    assert (before.grant_sek, before.reason) == (
        200_000,
        AWARD_LESS_PAID(amount=Kronor(500_000), paid=Kronor(300_000)),
    )
    after = PILOT.payable(rnd, project, noon(date(2015, 1, 20)))
    assert (after.grant_sek, after.reason) == (
        50_000,
        LAPSED(
            report=Named("report", "year_end_account"),
            on=date(2015, 1, 20),
            used=Kronor(350_000),
            paid=Kronor(300_000),
            lapsed=Kronor(150_000),
        ),
    )


def test_an_account_showing_all_used_lapses_nothing_and_one_showing_nothing_used_all() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    plan_approved(world)
    world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 20),
    )
    account = YearEndAccountSubmitted(spent_sek=600_000, cost_description="Personal")
    world.given(FARSTA, account, date(2015, 1, 20))
    rnd, project = states(world)
    payable = PILOT.payable(rnd, project, noon(date(2015, 1, 21)))
    assert (payable.grant_sek, payable.reason) == (
        200_000,
        AWARD_LESS_PAID(amount=Kronor(500_000), paid=Kronor(300_000)),
    )
    outside = YearEndAccountSubmitted(
        spent_sek=300_000, spent_outside_plan_sek=300_000, cost_description="Annat"
    )
    world.given(FARSTA, outside, date(2015, 1, 22))
    rnd, project = states(world)
    assert PILOT.accounted_use(project) == 0
    payable = PILOT.payable(rnd, project, noon(date(2015, 1, 23)))
    assert payable.grant_sek == 0
    assert payable.reason == LAPSED(
        report=Named("report", "year_end_account"),
        on=date(2015, 1, 22),
        used=Kronor(0),
        paid=Kronor(300_000),
        lapsed=Kronor(200_000),
    )


def _account_world() -> tuple[World, Any, Any]:
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    paid = world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 20),
    )
    account = world.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=280_000, spent_outside_plan_sek=30_000, cost_description="Personal"
        ),
        date(2015, 1, 20),
    )
    return world, paid, account


def test_the_year_end_account_says_what_is_unused_and_once_accepted_says_so() -> None:
    world, paid, account = _account_world()
    unused = UNUSED_BY_PLAN(
        paid=Kronor(300_000),
        used=Kronor(250_000),
        spent=Kronor(280_000),
        outside=Kronor(30_000),
        unused=Kronor(50_000),
    )
    _, project = states(world)
    assert PILOT.unused_money(project) == (50_000, unused, (account, paid))
    ok = world.given(
        FARSTA,
        ReportAccepted(report="year_end_account", submission_id=account.event_id),
        date(2015, 1, 25),
    )
    _, project = states(world)
    assert PILOT.unused_money(project) == (
        50_000,
        JOINED(parts=(unused, ACCOUNT_REVIEWED(review=REVIEW_ACCEPTED(on=date(2015, 1, 25))))),
        (account, ok, paid),
    )


def test_a_returned_year_end_account_owes_nothing_yet_and_says_why() -> None:
    world, _, account = _account_world()
    back = world.given(
        FARSTA,
        ReportReturned(report="year_end_account", submission_id=account.event_id, reason="Fel"),
        date(2015, 1, 25),
    )
    _, project = states(world)
    assert PILOT.unused_money(project) == (
        0,
        ACCOUNT_RETURNED(review=REVIEW_RETURNED(on=date(2015, 1, 25), why="Fel")),
        (account, back),
    )


def _supervised(stated: int | None, supervision_paid: int) -> World:
    """Awarded 500 000 kr, 300 000 kr paid, 30 000 kr supervision money granted and
    ``supervision_paid`` of it paid; the account shows 350 000 kr used and states
    ``stated`` spent on supervision."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    plan_approved(world)
    world.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U-1"),
        date(2014, 3, 20),
    )
    world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=30_000, description="H"), date(2014, 4, 2)
    )
    world.given(
        FARSTA, SupervisionFundsGranted(amount_sek=30_000, decision_ref="FoU"), date(2014, 4, 3)
    )
    if supervision_paid:
        world.given(
            FARSTA,
            DisbursementMade(
                amount_sek=supervision_paid,  # type: ignore[arg-type]
                purpose="supervision",
                payment_reference="F-1",
            ),
            date(2014, 4, 4),
        )
    world.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=350_000,
            cost_description="Personal",
            supervision_spent_sek=stated,  # type: ignore[arg-type]
        ),
        date(2015, 1, 20),
    )
    return world


GRANT_LAPSED = LAPSED(
    report=Named("report", "year_end_account"),
    on=date(2015, 1, 20),
    used=Kronor(350_000),
    paid=Kronor(300_000),
    lapsed=Kronor(150_000),
)


@pytest.mark.parametrize(
    ("stated", "supervision_paid", "payable", "used_paid"),
    [
        # 25 000 stated, 10 000 paid: 15 000 more is paid, 5 000 of the 20 000 lapses.
        (25_000, 10_000, 15_000, (25_000, 10_000)),
        # None stated, none paid: all 30 000 lapses.
        (None, 0, 0, (0, 0)),
        # Just what was paid stated: nothing more, the other 20 000 lapses.
        (10_000, 10_000, 0, (10_000, 10_000)),
        # 40 000 stated, 10 000 paid: the 20 000 left is paid, nothing lapses.
        (40_000, 10_000, 20_000, None),
    ],
)
def test_supervision_money_is_paid_after_the_account_only_as_far_as_it_states_it_used(
    stated: int | None, supervision_paid: int, payable: int, used_paid: tuple[int, int] | None
) -> None:
    """Seed 000: "Om medel inte används enligt plan ska de återbetalas": once the year is
    accounted for, the supervision money still unpaid is paid only up to what the account
    states spent on supervision beyond what was paid; the rest lapses, and the reason says
    so beside the grant's lapse."""
    rnd, project = states(_supervised(stated, supervision_paid))
    got = PILOT.payable(rnd, project, noon(date(2015, 1, 21)))
    left = 30_000 - supervision_paid
    said = None
    if used_paid is not None:
        used, paid = used_paid
        said = SUPERVISION_LAPSED(
            used=Kronor(used), paid=Kronor(paid), lapsed=Kronor(left - payable)
        )
    paying = SUPERVISION_PAYABLE(amount=Kronor(payable)) if payable else None
    assert (got.grant_sek, got.supervision_sek, got.reason) == (
        50_000,
        payable,
        joined(GRANT_LAPSED, said, paying),
    )


def _returned_account() -> tuple[Review, Any, Any]:
    """A year-end account handed in on 20 January 2015 and returned on the 25th."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    account = world.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="x"), date(2015, 1, 20)
    )
    back = world.given(
        FARSTA,
        ReportReturned(report="year_end_account", submission_id=account.event_id, reason="Fel"),
        date(2015, 1, 25),
    )
    return Review("year_end_account", "returned", account, back), account, back


ACCOUNT = Named("report", "year_end_account")
RETURNED_ON = REVIEW_RETURNED(on=date(2015, 1, 25), why="Fel")


def test_a_returned_report_is_open_again_and_overdue_only_after_its_day() -> None:
    """A returned report counts as not handed in: on its due day it is not yet due, from the
    day after unmet since the due day; what it stops and its reason say so."""
    review, account, back = _returned_account()
    due = date(2015, 1, 31)

    def on(today: date) -> Condition:
        return Policy.dated(
            "year_end_account", ACCOUNT, due, None, today, blocks="supervision", review=review
        )

    said = RETURNED_WAS_DUE(what=ACCOUNT, review=RETURNED_ON, due_on=due)
    assert on(due) == Condition(
        "year_end_account",
        ConditionStatus.not_yet_due,
        said,
        (account, back),
        blocks="supervision",
        due_on=due,
        since=None,
    )
    assert on(date(2015, 2, 1)) == Condition(
        "year_end_account",
        ConditionStatus.unmet,
        said,
        (account, back),
        blocks="supervision",
        due_on=due,
        since=due,
    )


def test_a_returned_report_with_no_date_set_says_it_was_returned() -> None:
    review, account, back = _returned_account()
    got = Policy.dated(
        "year_end_account", ACCOUNT, None, None, date(2015, 2, 1), blocks="", review=review
    )
    assert got == Condition(
        "year_end_account",
        ConditionStatus.not_yet_due,
        RETURNED(what=ACCOUNT, review=RETURNED_ON),
        (account, back),
        blocks="",
        due_on=None,
        since=None,
    )


def test_the_round_part_of_an_answer_holds_until_the_day_after_a_deadline_falling_today() -> None:
    """An answer given on a deadline's own day may change the day after it (``today > d``)."""
    world = World()
    opened(world)
    world.given(
        ROUND, DeadlineSet(code="t2", due_on=date(2014, 9, 15), reason="r"), date(2014, 2, 1)
    )
    rnd, _ = states(world)
    assert PILOT.round_stable_until(rnd, date(2014, 9, 15)) == date(2014, 9, 16)
    assert PILOT.round_stable_until(rnd, date(2014, 9, 14)) == date(2014, 9, 15)


def test_a_repayment_due_holds_every_payment_but_the_plan_still_says_each_instalment() -> None:
    """Nothing is paid out while money is due back; the instalments are still listed."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 500_000)
    plan_approved(world)
    world.given(
        ROUND,
        PaymentPlanSet(
            instalments=(
                Instalment(percent=60, releases_on=("plan_approved",)),
                Instalment(percent=40, releases_on=("year_end_account",)),
            )
        ),
        date(2014, 2, 5),
    )
    world.given(
        FARSTA,
        RepaymentDemanded(amount_sek=10_000, reason="Fel", due_on=date(2014, 4, 30)),
        date(2014, 4, 1),
    )
    rnd, project = states(world)
    got = PILOT.payable(rnd, project, noon(date(2014, 4, 2)))
    lines = PILOT.instalments(rnd, project, PILOT.conditions(rnd, project, noon(date(2014, 4, 2))))
    assert [line.released for line in lines] == [True, False]
    assert got == Payable(0, 0, REPAYMENT_FIRST(due=Kronor(10_000)), lines)
