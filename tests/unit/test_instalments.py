"""Payment plans and report review, without a database: the instalment arithmetic (with a
property), the review of a report, and the decisions that set a plan or review a report."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from events import (
    DisbursementMade,
    FinancialReportSubmitted,
    Instalment,
    PaymentPlanSet,
    ReportAccepted,
    ReportReturned,
    YearEndAccountSubmitted,
)
from policies.base import ConditionStatus
from policies.commands import Annul, Disburse, InstalmentInput, ReviewReport, SetPaymentPlan
from policies.instalments import instalment_amounts, payable_by_plan
from policies.registry import POLICIES
from policies.review import review
from policies.state import end_of_day, fold_project, fold_round
from ppss_workflow.cli.plan_cmds import parse_instalment
from ppss_workflow.errors import InvalidCommand
from tests.unit.said import En, en
from tests.unit.world import (
    FARSTA,
    ROUND,
    World,
    applied,
    awarded,
    opened,
    plan_approved,
    refused,
    types_of,
)

NBSP = "\u00a0"
PILOT = POLICIES[("ppss-2014", 1)]


def pct(*shares: int) -> list[Instalment]:
    return [Instalment(percent=p) for p in shares]


# -- the arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("award", "instalments", "amounts"),
    [
        (1_400_000, pct(60, 40), [840_000, 560_000]),
        (100, pct(33, 33, 34), [33, 33, 34]),
        (101, pct(50, 50), [50, 51]),  # the odd krona goes to the last instalment
        (1, pct(1, 99), [0, 1]),
        (0, pct(60, 40), [0, 0]),
        (1_000, [Instalment(amount_sek=400), Instalment(percent=100)], [400, 600]),
        (300, [Instalment(amount_sek=400), Instalment(amount_sek=1)], [300, 0]),  # capped
        (500, [Instalment(amount_sek=100)], [500]),  # one instalment: the whole award
    ],
    ids=["60-40", "thirds", "odd-krona", "tiny", "no-award", "amount-then-rest", "capped", "one"],
)
def test_instalment_amounts_add_up_to_the_award(
    award: int, instalments: list[Instalment], amounts: list[int]
) -> None:
    assert instalment_amounts(award, instalments) == amounts
    assert sum(amounts) == award


def test_payable_is_released_less_paid_never_negative_never_above_the_award() -> None:
    assert payable_by_plan(1_400_000, 0, [840_000, 560_000], [True, False]) == 840_000
    assert payable_by_plan(1_400_000, 840_000, [840_000, 560_000], [True, False]) == 0
    assert payable_by_plan(1_400_000, 900_000, [840_000, 560_000], [True, False]) == 0
    assert payable_by_plan(1_400_000, 840_000, [840_000, 560_000], [True, True]) == 560_000
    # The later instalment alone released: it alone is payable.
    assert payable_by_plan(1_000, 0, [600, 400], [False, True]) == 400
    # Amounts above the award (an award reduced later) never make more than the award payable.
    assert payable_by_plan(500, 0, [600, 400], [True, True]) == 500


shares = st.one_of(
    st.builds(Instalment, percent=st.integers(1, 100)),
    st.builds(Instalment, amount_sek=st.integers(1, 2_000_000)),
)


def test_instalment_property_reaches_every_interesting_path() -> None:
    """For any award, plan, payments and releases: the instalments add up to the award, each is
    whole kronor and not negative; payable is never negative and never above the award."""
    seen: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(
        award=st.integers(0, 3_000_000),
        plan=st.lists(shares, min_size=1, max_size=6),
        paid=st.integers(0, 3_500_000),
        released=st.lists(st.booleans(), min_size=6, max_size=6),
    )
    def check(award: int, plan: list[Instalment], paid: int, released: list[bool]) -> None:
        amounts = instalment_amounts(award, plan)
        assert sum(amounts) == award
        assert all(isinstance(a, int) and a >= 0 for a in amounts)
        flags = released[: len(plan)]
        payable = payable_by_plan(award, paid, amounts, flags)
        assert 0 <= payable <= award
        released_sek = sum(a for a, r in zip(amounts, flags, strict=True) if r)
        assert payable == max(0, min(award, released_sek) - paid)
        whole = [i.percent for i in plan[:-1] if i.percent is not None]
        if any(award * p % 100 for p in whole):
            seen["rounding remainder in the last instalment"] += 1
        if sum(i.amount_sek or 0 for i in plan[:-1]) > award > 0:
            seen["fixed amounts capped at the award"] += 1
        if paid > released_sek:
            seen["paid above what is released: nothing payable"] += 1
        if 0 < payable < released_sek:
            seen["part of the released money already paid"] += 1
        if payable == award > 0:
            seen["the whole award payable"] += 1

    check()
    assert len(seen) == 5, seen


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"instalments": (Instalment(percent=60), Instalment(percent=30))}, "add up to 100"),
        ({"instalments": (Instalment(percent=80), Instalment(percent=80))}, "more than 100"),
        ({"instalments": ()}, "at least 1"),
    ],
)
def test_a_plan_that_does_not_add_up_is_not_an_event(fields: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        PaymentPlanSet(**fields)  # type: ignore[arg-type]


def test_an_instalment_is_a_percent_or_an_amount_released_by_distinct_codes() -> None:
    with pytest.raises(ValidationError, match="either a percent or an amount"):
        Instalment(percent=50, amount_sek=1)
    with pytest.raises(ValidationError, match="either a percent or an amount"):
        Instalment()
    with pytest.raises(ValidationError, match="appears twice"):
        Instalment(percent=50, releases_on=("awarded", "awarded"))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("60%:plan_approved", InstalmentInput(percent=60, releases_on=("plan_approved",))),
        ("40 %: t2_accepted", InstalmentInput(percent=40, releases_on=("t2_accepted",))),
        ("200 000 kr:awarded", InstalmentInput(amount_sek=200_000, releases_on=("awarded",))),
        ("200 000:-:awarded", InstalmentInput(amount_sek=200_000, releases_on=("awarded",))),
        (
            "50%:plan_approved+t2_accepted",
            InstalmentInput(percent=50, releases_on=("plan_approved", "t2_accepted")),
        ),
        ("100%", InstalmentInput(percent=100)),
    ],
)
def test_instalments_as_typed(typed: str, expected: InstalmentInput) -> None:
    assert parse_instalment(typed) == expected


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("150%:awarded", "not a whole percent from 1 to 100"),
        ("6.5%", "not a whole percent"),
        ("60%:", "name what releases it"),
        ("lots:awarded", "the share is a percent (60%) or whole kronor"),
        ("60%:Plan Approved", "release codes are lower-case words"),
    ],
)
def test_a_mistyped_instalment_is_one_line(typed: str, said: str) -> None:
    with pytest.raises(InvalidCommand, match=said.replace("(", r"\(").replace(")", r"\)")) as e:
        parse_instalment(typed)
    assert "\n" not in str(e.value)


# -- review ------------------------------------------------------------------------------


def test_a_review_counts_for_the_submission_it_judged_only() -> None:
    w = World()
    first = w.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="x"), date(2015, 1, 2)
    )
    assert review(first, (), "year_end_account").status == "submitted"
    returned = w.given(
        FARSTA,
        ReportReturned(report="year_end_account", submission_id=first.event_id, reason="Brister"),
        date(2015, 1, 5),
    )
    now = review(first, (returned,), "year_end_account")
    assert (now.status, now.counts, now.reason) == (
        "returned",
        None,
        En("returned on 2015-01-05: Brister"),
    )
    second = w.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=2, cost_description="y"), date(2015, 1, 9)
    )
    # The return judged the first account: the corrected one awaits its own review.
    assert review(second, (returned,), "year_end_account").status == "submitted"
    ok = w.given(
        FARSTA,
        ReportAccepted(report="year_end_account", submission_id=second.event_id),
        date(2015, 1, 12),
    )
    after = review(second, (returned, ok), "year_end_account")
    assert (after.status, after.accepted, after.reason) == (
        "accepted",
        second,
        En("accepted on 2015-01-12"),
    )
    # A review of another report never counts for this one.
    assert review(second, (ReportAccepted,) and (returned,), "t2_financial_report").status == (
        "submitted"
    )


def _pilot_with_plan(w: World, *instalments: Instalment) -> None:
    opened(w)
    applied(w, "Farsta", sek=500_000)
    awarded(w, FARSTA, 500_000)
    w.given(ROUND, PaymentPlanSet(instalments=instalments), date(2014, 2, 5))


def test_a_2014_plan_holds_the_last_part_until_the_account_is_accepted() -> None:
    """60 % on the approved plan, 40 % once the year-end account is accepted (a condition of
    the round that needs an accepted report)."""
    w = World()
    _pilot_with_plan(
        w,
        Instalment(percent=60, releases_on=("plan_approved",)),
        Instalment(percent=40, releases_on=("year_end_account",)),
    )
    rnd = fold_round(w.stream(ROUND))
    assert rnd is not None

    def payable(on: date) -> tuple[int, list[tuple[bool, str]]]:
        p = PILOT.payable(rnd, fold_project(FARSTA, w.stream(FARSTA)), end_of_day(on))
        return p.grant_sek, [(i.released, en(i.reason)) for i in p.instalments]

    # The plan not approved blocks payment; the instalments still say why each waits.
    blocked = payable(date(2014, 2, 10))
    assert blocked[0] == 0
    assert blocked[1][0] == (False, "held: no work plan approved by the steering group yet")
    plan_approved(w)
    assert payable(date(2014, 3, 10))[0] == 300_000
    w.given(
        FARSTA,
        DisbursementMade(amount_sek=300_000, purpose="grant", payment_reference="U1"),
        date(2014, 3, 11),
    )
    assert en(
        refused(
            w, Disburse(round_id="r", district="Farsta", amount_sek=1, payment_reference="U2")
        ).reason
    ) == (
        f"cannot pay 1 kr (grant) to Farsta: 0 kr may be paid now (instalments released "
        f"300{NBSP}000 kr of the award 500{NBSP}000 kr, less paid 300{NBSP}000 kr; instalment "
        f"2 (40{NBSP}%, 200{NBSP}000 kr) is held: the year-end account: "
        "the date is not yet set by the city)"
    )
    account = w.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=480_000, cost_description="x"), date(2014, 12, 1)
    )
    # Submitted is not enough where the round needs an accepted report.
    assert payable(date(2014, 12, 1))[1][1] == (
        False,
        "held: the year-end account awaits the coordinator's review",
    )
    decided = w.run(
        ReviewReport(round_id="r", district="Farsta", report="year_end_account", accept=True),
        date(2014, 12, 5),
    )
    assert types_of(decided) == ["ReportAccepted"]
    assert decided[0].event.submission_id == account.event_id
    # The account shows 480 000 kr used: the year is accounted for, so of the 200 000 kr
    # instalment only the 180 000 kr used beyond what was paid is payable (issue 21: the
    # unpaid remainder lapses once the account is in).
    assert payable(date(2014, 12, 5))[0] == 180_000


def test_a_returned_report_before_its_date_is_not_yet_due_again() -> None:
    w = World()
    opened(w, policy="sst-2018")
    applied(w, "Farsta")
    report = w.given(
        FARSTA,
        FinancialReportSubmitted(kind="final", spent_sek=1, forecast_sek=1),
        date(2014, 11, 1),
    )
    w.run(
        ReviewReport(
            round_id="r", district="Farsta", report="final_financial_report", accept=False,
            reason="Fel belopp",
        ),
        date(2014, 11, 3),
    )  # fmt: skip
    rnd = fold_round(w.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, w.stream(FARSTA))
    policy = POLICIES[("sst-2018", 1)]
    (final,) = [c for c in policy.conditions(rnd, project, end_of_day(date(2014, 11, 4)))
                if c.code == "final_financial_report"]  # fmt: skip
    assert final.status is ConditionStatus.not_yet_due
    assert final.evidence[0] == report
    assert en(policy.repayment(project).reason).startswith(
        "undetermined: the final financial report was returned on 2014-11-03: Fel belopp"
    )
    assert not policy.accounted(project)


# -- the decisions -----------------------------------------------------------------------


def test_setting_a_plan_names_the_codes_the_round_knows() -> None:
    w = World()
    opened(w)
    bad = refused(
        w,
        SetPaymentPlan(
            round_id="r", instalments=(InstalmentInput(percent=100, releases_on=("t2_accepted",)),)
        ),
    )
    assert bad.kind == "invalid"
    assert en(bad.reason) == (
        "t2 follow-up and financial report accepted cannot release an instalment in round r; "
        "use one of: grant awarded, work plan approved by the steering group, year-end account "
        "accepted, network meetings and training, supervision money requested and year-end "
        "account and cost description"
    )
    unknown = refused(
        w,
        SetPaymentPlan(round_id="r", district="Nacka", instalments=(InstalmentInput(percent=100),)),
    )
    assert unknown.kind == "not_found"


def test_the_same_plan_twice_is_already_recorded() -> None:
    w = World()
    opened(w)
    plan = SetPaymentPlan(round_id="r", instalments=(InstalmentInput(percent=100),))
    assert types_of(w.run(plan, date(2014, 1, 10))) == ["PaymentPlanSet"]
    assert w.decide(plan, date(2014, 1, 11)).already == En("round r has this payment plan already")


def test_review_decisions_refuse_what_cannot_be_reviewed() -> None:
    w = World()
    opened(w)
    applied(w, "Farsta")
    accept = ReviewReport(round_id="r", district="Farsta", report="year_end_account", accept=True)
    give_back = accept.model_copy(update={"accept": False, "reason": "Ofullständig"})
    assert "has not handed in the year-end account" in en(refused(w, accept).reason)
    w.given(FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="x"), date(2014, 12, 1))
    assert en(refused(w, accept.model_copy(update={"accept": False})).reason).startswith(
        "returning a report needs a reason"
    )
    w.run(give_back, date(2014, 12, 2))
    assert w.decide(give_back, date(2014, 12, 3)).already is not None
    no = refused(w, accept, date(2014, 12, 3))
    assert en(no.reason) == (
        "the year-end account of Farsta is already returned on 2014-12-02: Ofullständig"
    )
    assert refused(w, accept.model_copy(update={"report": "t9"})).kind == "invalid"


def test_the_acceptance_a_paid_instalment_rests_on_cannot_be_annulled() -> None:
    """Annulling the review that released money already paid is refused; before the
    payment, it may be annulled."""
    w = World()
    _pilot_with_plan(
        w,
        Instalment(percent=60, releases_on=("plan_approved",)),
        Instalment(percent=40, releases_on=("year_end_account_accepted",)),
    )
    plan_approved(w)
    w.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=500_000, cost_description="x"), date(2014, 12, 1)
    )
    (accepted,) = w.run(
        ReviewReport(round_id="r", district="Farsta", report="year_end_account", accept=True),
        date(2014, 12, 2),
    )
    pay = Disburse(round_id="r", district="Farsta", amount_sek=500_000, payment_reference="U1")
    w.run(pay, date(2014, 12, 3))
    undo = Annul(round_id="r", district="Farsta", position=accepted.position, reason="Fel")
    no = refused(w, undo, date(2014, 12, 4))
    assert en(no.reason) == (
        f"the payment U1 of 500{NBSP}000 kr on 2014-12-03 was allowed only because of this report "
        f"accepted: without it 300{NBSP}000 kr was payable then"
    )
