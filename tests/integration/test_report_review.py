"""Scenario: the coordinator returns a year-end account and accepts the corrected one; on
SQLite and PostgreSQL, through the real handlers."""

from __future__ import annotations

from datetime import date

import pytest

from policies.commands import (
    Apply,
    AwardGrant,
    DecidePlan,
    DemandRepayment,
    Disburse,
    OpenRound,
    ReviewReport,
    SubmitPlan,
    SubmitYearEndAccount,
)
from policies.state import end_of_day
from ppss_workflow.auditing import explain_project
from ppss_workflow.demo import COORDINATOR, STEERING_GROUP, Story, district_actor
from ppss_workflow.errors import ConditionNotMet, InvalidCommand, NotAuthorised
from ppss_workflow.readmodels import BoardRow
from ppss_workflow.reminders import list_due
from ppss_workflow.store import EventStore
from tests.unit.said import en

ROUND = "r14"
FARSTA = district_actor("Farsta")
NBSP = "\u00a0"


@pytest.fixture
def story(store: EventStore) -> Story:
    """Given a 2014 round with the year-end account due 31 January 2015, and Farsta awarded,
    its plan approved and paid 500 000 kr."""
    s = Story(store)
    s.on(date(2014, 2, 4)).do(
        COORDINATOR,
        OpenRound(
            round_id=ROUND,
            title="PPSS 2014",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            policy_version=1,
            deadlines=(("year_end_account", date(2015, 1, 31), None),),
        ),
    )
    s.do(
        FARSTA,
        Apply(
            round_id=ROUND,
            district="Farsta",
            application={
                "district": "Farsta",
                "school_count": 3,
                "applied_sek": 500_000,
                "period_start": date(2014, 1, 1),
                "period_end": date(2014, 12, 31),
            },
        ),
    )
    s.do(
        COORDINATOR,
        AwardGrant(
            round_id=ROUND,
            district="Farsta",
            amount_sek=500_000,
            decision_ref="SN",
            decided_on=date(2014, 2, 4),
        ),
    )
    s.on(date(2014, 2, 20)).do(
        FARSTA, SubmitPlan(round_id=ROUND, district="Farsta", plan_id="p1", summary="Plan")
    )
    s.on(date(2014, 3, 10)).do(
        STEERING_GROUP,
        DecidePlan(
            round_id=ROUND,
            district="Farsta",
            plan_id="p1",
            approve=True,
            meeting_on=date(2014, 3, 10),
        ),
    )
    s.do(
        COORDINATOR,
        Disburse(round_id=ROUND, district="Farsta", amount_sek=500_000, payment_reference="U1"),
    )
    return s


def row(s: Story) -> BoardRow:
    (only,) = s.reads.board(ROUND)
    return only


def account(s: Story, spent: int) -> None:
    s.do(
        FARSTA,
        SubmitYearEndAccount(
            round_id=ROUND, district="Farsta", spent_sek=spent, cost_description="Löner"
        ),
    )


def review(s: Story, accept: bool, reason: str | None = None) -> None:
    s.do(
        COORDINATOR,
        ReviewReport(
            round_id=ROUND,
            district="Farsta",
            report="year_end_account",
            accept=accept,
            reason=reason,
        ),
    )


def due(s: Story, on: date) -> list[tuple[str, str, str]]:
    return [
        (d.obligation, d.step, d.recipient_role)
        for d in list_due(s.commands.store, end_of_day(on), ROUND)
        if d.obligation == "year_end_account"
    ]


def test_a_returned_account_leaves_the_repayment_open_and_the_accepted_one_sets_it(
    story: Story,
) -> None:
    s = story
    # Given the account handed in on 28 January (450 000 kr spent of 500 000 kr paid).
    s.on(date(2015, 1, 28))
    account(s, 450_000)
    assert row(s).repayment_due_sek == 50_000
    assert due(s, date(2015, 2, 10)) == []

    # When the coordinator returns it on 2 February, the repayment is undetermined ...
    s.on(date(2015, 2, 2))
    review(s, accept=False, reason="Kostnaderna per skola saknas")
    returned = row(s)
    assert returned.repayment_due_sek == 0
    assert en(returned.repayment_reason) == (
        "undetermined: the year-end account was returned on 2015-02-02: Kostnaderna per skola "
        "saknas; the repayment follows from a corrected account"
    )
    # ... the obligation is open again, overdue since 31 January, with the return's reason ...
    (condition,) = [c for c in returned.conditions if c.code == "year_end_account"]
    assert (condition.status, en(condition.reason)) == (
        "unmet",
        "the year-end account and cost description was returned on 2015-02-02: Kostnaderna "
        "per skola saknas; a corrected one must be handed in (it was due on 2015-01-31)",
    )
    # ... no repayment can be demanded on the returned figures ...
    with pytest.raises(ConditionNotMet, match="0 kr is owed and not yet demanded"):
        s.do(
            COORDINATOR,
            DemandRepayment(
                round_id=ROUND,
                district="Farsta",
                amount_sek=50_000,
                reason="Ej förbrukat",
                due_on=date(2015, 3, 31),
            ),
        )
    # ... and the reminders chase it: late-5 to the district, then on to the coordinator.
    assert due(s, date(2015, 2, 10)) == [("year_end_account", "late-5", "district")]
    assert due(s, date(2015, 2, 23)) == [("year_end_account", "late-15", "coordinator")]
    # A second return of the same account is "already recorded"; accepting it is refused.
    review(s, accept=False, reason="Igen")
    with pytest.raises(ConditionNotMet, match="already returned on 2015-02-02"):
        review(s, accept=True)

    # When the corrected account comes on 9 February and is accepted, it sets the repayment.
    s.on(date(2015, 2, 9))
    account(s, 480_000)
    s.on(date(2015, 2, 11))
    review(s, accept=True, reason="Godkänd")
    accepted = row(s)
    assert accepted.repayment_due_sek == 20_000
    assert en(accepted.repayment_reason) == (
        f"paid 500{NBSP}000 kr, used according to plan 480{NBSP}000 kr (spent 480{NBSP}000 kr, "
        f"of which 0 kr outside the plan): 20{NBSP}000 kr to pay back; the account was "
        "accepted on 2015-02-11"
    )
    assert due(s, date(2015, 2, 23)) == []
    lines = {x.subject: x for x in explain_project(s.reads, ROUND, "Farsta").lines}
    assert [r.event_type for r in lines["repayment"].evidence][:2] == [
        "YearEndAccountSubmitted",
        "ReportAccepted",
    ]
    s.do(
        COORDINATOR,
        DemandRepayment(
            round_id=ROUND,
            district="Farsta",
            amount_sek=20_000,
            reason="Ej förbrukat",
            due_on=date(2015, 3, 31),
        ),
    )


def test_review_is_refused_for_what_was_not_handed_in(story: Story) -> None:
    """Nothing to review, an unknown report, a return with no reason: one line, no write."""
    s = story
    head = s.commands.store.head()
    with pytest.raises(ConditionNotMet, match="Farsta has not handed in the year-end account"):
        review(s, accept=True)
    with pytest.raises(InvalidCommand, match="t3_report is not a report"):
        s.do(
            COORDINATOR,
            ReviewReport(round_id=ROUND, district="Farsta", report="t3_report", accept=True),
        )
    s.on(date(2015, 1, 28))
    account(s, 450_000)
    head = s.commands.store.head()
    with pytest.raises(NotAuthorised, match="the district role may not review reports"):
        s.do(
            FARSTA,
            ReviewReport(round_id=ROUND, district="Farsta", report="year_end_account", accept=True),
        )
    with pytest.raises(InvalidCommand, match="needs a reason"):
        review(s, accept=False)
    with pytest.raises(InvalidCommand, match="cannot be reviewed before"):
        s.do(
            COORDINATOR,
            ReviewReport(
                round_id=ROUND,
                district="Farsta",
                report="year_end_account",
                accept=True,
                on=date(2015, 1, 20),
            ),
        )
    assert s.commands.store.head() == head
