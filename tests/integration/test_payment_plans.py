"""Scenario: a 2018 round paid in two instalments, 60 % on the approved plan and 40 % once the
T2 reports are accepted; on SQLite and PostgreSQL, through the real handlers."""

from __future__ import annotations

from datetime import date

import pytest

from policies.commands import (
    AwardGrant,
    DecidePlan,
    Disburse,
    InstalmentInput,
    ReviewReport,
    SetDeadline,
    SetPaymentPlan,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
)
from policies.state import end_of_day
from ppss_workflow.auditing import explain_project
from ppss_workflow.demo import COORDINATOR, STEERING_GROUP, Story, district_actor, open_round_2018
from ppss_workflow.errors import ConditionNotMet, InvalidCommand, NotAuthorised
from ppss_workflow.readmodels import BoardRow
from ppss_workflow.store import EventStore
from tests.integration.test_round_2018 import ROUND, apply
from tests.unit.said import en

NAME = "Skärholmen"
DISTRICT = district_actor(NAME)
NBSP = "\u00a0"


@pytest.fixture
def story(store: EventStore) -> Story:
    """Given the 2018 round on the backend under test, paid 60 % on an approved plan and
    40 % once the T2 reports are accepted; Skärholmen applied and was awarded 1 400 000 kr."""
    s = Story(store)
    open_round_2018(s)
    s.on(date(2017, 12, 1)).do(
        COORDINATOR,
        SetPaymentPlan(
            round_id=ROUND,
            instalments=(
                InstalmentInput(percent=60, releases_on=("plan_approved",)),
                InstalmentInput(percent=40, releases_on=("t2_accepted",)),
            ),
            reason="Utbetalning i två delar",
        ),
    )
    apply(s, date(2017, 12, 29))
    s.on(date(2018, 1, 23)).do(
        COORDINATOR,
        AwardGrant(
            round_id=ROUND,
            district=NAME,
            amount_sek=1_400_000,
            decision_ref="SN 2018-01-23",
            decided_on=date(2018, 1, 23),
        ),
    )
    return s


def row(s: Story) -> BoardRow:
    (only,) = s.reads.board(ROUND)
    return only


def pay(s: Story, amount: int, ref: str) -> None:
    s.do(
        COORDINATOR,
        Disburse(round_id=ROUND, district=NAME, amount_sek=amount, payment_reference=ref),
    )


def review(s: Story, report: str, accept: bool, reason: str | None = None) -> None:
    s.do(
        COORDINATOR,
        ReviewReport(round_id=ROUND, district=NAME, report=report, accept=accept, reason=reason),
    )


def test_the_second_instalment_waits_for_the_accepted_t2_reports(story: Story) -> None:
    s = story
    # Given no approved plan, then nothing is payable: the first instalment is held.
    first = row(s)
    assert first.payable_sek == 0
    assert [(i["number"], i["amount_sek"], i["released"]) for i in first.instalments] == [
        (1, 840_000, False),
        (2, 560_000, False),
    ]
    assert en(first.instalments[0]["reason"]) == (
        "held: no work plan approved by the steering group yet"
    )

    # When the steering group approves the plan, then 60 % is payable, and paid.
    s.on(date(2018, 2, 1)).do(
        DISTRICT, SubmitPlan(round_id=ROUND, district=NAME, plan_id="plan-2018", summary="Team")
    )
    s.on(date(2018, 2, 12)).do(
        STEERING_GROUP,
        DecidePlan(
            round_id=ROUND,
            district=NAME,
            plan_id="plan-2018",
            approve=True,
            meeting_on=date(2018, 2, 12),
        ),
    )
    assert row(s).payable_sek == 840_000
    assert en(row(s).instalments[0]["reason"]) == "released: plan plan-2018 approved on 2018-02-12"
    pay(s, 840_000, "SST-1")

    # Given the T2 reports handed in, the second instalment is held until they are accepted.
    s.on(date(2018, 5, 2)).do(
        COORDINATOR,
        SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 14), reason="T2"),
    )
    s.on(date(2018, 9, 12)).do(
        DISTRICT,
        SubmitFollowUp(
            round_id=ROUND,
            district=NAME,
            kind="t2",
            indicators={"target_group_size": 50, "pupils_reached": 24},
            self_financing_plan="Öppenvården tar över 2019",
        ),
    )
    s.do(
        DISTRICT,
        SubmitFinancialReport(
            round_id=ROUND, district=NAME, kind="t2", spent_sek=820_000, forecast_sek=1_400_000
        ),
    )
    held = row(s)
    assert held.payable_sek == 0
    assert held.instalments[1]["released"] is False
    assert en(held.instalments[1]["reason"]) == (
        "held: the T2 follow-up awaits the coordinator's review; "
        "the T2 financial report awaits the coordinator's review"
    )

    # When a payment above what is released is tried, it is refused with the plain reason.
    with pytest.raises(ConditionNotMet) as refused:
        pay(s, 560_000, "SST-2")
    said = str(refused.value)
    assert f"cannot pay 560{NBSP}000 kr (grant) to Skärholmen: 0 kr may be paid now" in said
    assert (
        f"instalment 2 (40{NBSP}%, 560{NBSP}000 kr) is held: the T2 follow-up awaits the "
        "coordinator's review" in said
    )

    # When the coordinator accepts the follow-up and returns the financial report, it waits.
    s.on(date(2018, 9, 17))
    review(s, "t2_follow_up", accept=True)
    review(s, "t2_financial_report", accept=False, reason="Lönekostnaderna saknas")
    assert row(s).payable_sek == 0
    assert en(row(s).instalments[1]["reason"]) == (
        "held: the T2 financial report was returned on 2018-09-17: Lönekostnaderna saknas"
    )
    # The returned report counts as not handed in: after T2 it is overdue and blocks.
    s.on(date(2018, 9, 18))
    assert row(s).blocking == ("t2_financial_report",)

    # When a corrected report is handed in and accepted, the second instalment is released.
    s.on(date(2018, 9, 20)).do(
        DISTRICT,
        SubmitFinancialReport(
            round_id=ROUND, district=NAME, kind="t2", spent_sek=830_000, forecast_sek=1_400_000
        ),
    )
    assert row(s).payable_sek == 0
    s.on(date(2018, 9, 24))
    review(s, "t2_financial_report", accept=True)
    released = row(s)
    assert released.payable_sek == 560_000
    assert released.instalments[1]["released"] is True
    assert en(released.instalments[1]["reason"]) == (
        "released: the T2 follow-up accepted on 2018-09-17; "
        "the T2 financial report accepted on 2018-09-24"
    )
    # The board read from the read model agrees with one computed afresh for the day.
    (afresh,) = s.reads.board(ROUND, as_of=end_of_day(date(2018, 9, 24)))
    assert afresh.instalments == released.instalments

    # And explain says so, instalment by instalment, with the deciding events.
    lines = {
        line.subject: line
        for line in explain_project(s.reads, ROUND, NAME, day=date(2018, 9, 24)).lines
    }
    second = lines[f"instalment 2 (40{NBSP}%, 560{NBSP}000 kr)"]
    assert second.status == "released"
    assert [r.event_type for r in second.evidence] == [
        "FollowUpSubmitted",
        "ReportAccepted",
        "FinancialReportSubmitted",
        "ReportAccepted",
    ]
    assert lines["payable"].status == f"560{NBSP}000 kr"

    pay(s, 560_000, "SST-2")
    assert row(s).payable_sek == 0
    with pytest.raises(ConditionNotMet, match="0 kr may be paid now"):
        pay(s, 1, "SST-3")


def test_a_district_plan_replaces_the_rounds_and_only_the_coordinator_sets_one(
    story: Story,
) -> None:
    """One project's plan takes precedence; a district may not set one; a bad code is one
    line naming the codes the round knows, and nothing is written."""
    s = story
    s.on(date(2018, 1, 24)).do(
        COORDINATOR,
        SetPaymentPlan(
            round_id=ROUND,
            district=NAME,
            instalments=(
                InstalmentInput(amount_sek=400_000),
                InstalmentInput(percent=100, releases_on=("final_financial_report_accepted",)),
            ),
        ),
    )
    lines = row(s).instalments
    assert [(i["amount_sek"], i["released"]) for i in lines] == [
        (400_000, True),
        (1_000_000, False),
    ]
    assert row(s).payable_sek == 400_000

    head = s.commands.store.head()
    with pytest.raises(NotAuthorised):
        s.do(
            DISTRICT,
            SetPaymentPlan(
                round_id=ROUND, district=NAME, instalments=(InstalmentInput(percent=100),)
            ),
        )
    with pytest.raises(InvalidCommand, match=r"t3.accepted cannot release an instalment"):
        s.do(
            COORDINATOR,
            SetPaymentPlan(
                round_id=ROUND,
                instalments=(InstalmentInput(percent=100, releases_on=("t3_accepted",)),),
            ),
        )
    with pytest.raises(InvalidCommand, match="must add up to 100"):
        s.do(
            COORDINATOR,
            SetPaymentPlan(
                round_id=ROUND,
                instalments=(InstalmentInput(percent=60), InstalmentInput(percent=30)),
            ),
        )
    assert s.commands.store.head() == head
