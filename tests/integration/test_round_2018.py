"""Scenario: the 2018 school-social teams round, Skärholmen's application from seed 002."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from policies.commands import Apply, AwardGrant, SetDeadline, SubmitFollowUp
from policies.state import end_of_day
from ppss_workflow.demo import COORDINATOR, SKARHOLMEN_2018, Story, open_round_2018
from ppss_workflow.errors import ConditionNotMet
from ppss_workflow.handlers import Actor
from tests.unit.said import en

DISTRICT = Actor("district", "projektledare@skarholmen.example.org", "skarholmen")
ROUND = "sst-2018"


@pytest.fixture
def round_2018(story: Story) -> Story:
    """Given the 2018 round, opened with its application deadline and 30 November report."""
    open_round_2018(story)
    return story


def application(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SKARHOLMEN_2018)
    data.update(changes)
    return data


def apply(story: Story, on: date, **changes: Any) -> None:
    story.on(on).do(
        DISTRICT, Apply(round_id=ROUND, district="Skärholmen", application=application(**changes))
    )


def set_deadline(story: Story, on: date, code: str, due_on: date, reason: str) -> None:
    story.on(on).do(
        COORDINATOR, SetDeadline(round_id=ROUND, code=code, due_on=due_on, reason=reason)
    )


def conditions(story: Story, on: date) -> dict[str, tuple[str, str]]:
    (view,) = story.reads.projects(ROUND)
    return {c.code: (str(c.status), en(c.reason)) for c in view.assess(end_of_day(on)).conditions}


def test_skarholmen_application_as_in_seed_002_is_accepted(round_2018: Story) -> None:
    """Budget lines add up to 1 400 000 kr, three signatures, submitted on 29 Dec 2017."""
    apply(round_2018, date(2017, 12, 29))
    (view,) = round_2018.reads.projects(ROUND)
    assert view.state.district == "Skärholmen"
    assert view.state.application is not None
    assert view.state.application.event.applied_sek == 1_400_000


@pytest.mark.parametrize(
    ("changes", "on", "reason"),
    [
        (
            {},
            date(2017, 12, 30),
            "submitted on 2017-12-30, after the application deadline 2017-12-29",
        ),
        (
            {"signatures": SKARHOLMEN_2018["signatures"][:2]},
            date(2017, 12, 29),
            "not signed by the head of department (avdelningschef)",
        ),
        (
            {
                "budget_lines": (
                    {"label": "Personal", "amount_sek": 1_300_000},
                    {"label": "Övrigt", "amount_sek": 90_000},
                )
            },
            date(2017, 12, 29),
            "the budget does not add up: own contribution 0 kr and the amount applied for "
            "1\u00a0400\u00a0000 kr make a total budget of 1\u00a0400\u00a0000 kr, but the "
            "cost lines add up to 1\u00a0390\u00a0000 kr",
        ),
    ],
    ids=["a-day-late", "signature-missing", "budget-does-not-add-up"],
)
def test_flawed_applications_are_refused_with_their_reason(
    round_2018: Story, changes: dict[str, Any], on: date, reason: str
) -> None:
    """Late, unsigned or unbalanced applications are refused with the reason; none is stored."""
    with pytest.raises(ConditionNotMet) as refused:
        apply(round_2018, on, **changes)
    assert reason in str(refused.value)
    assert round_2018.reads.projects(ROUND) == []


def test_t2_and_final_report_follow_the_rounds_dates_and_move_with_them(
    round_2018: Story,
) -> None:
    """T2 has no date until the city sets one; obligations move when a coordinator moves it."""
    story = round_2018
    apply(story, date(2017, 12, 29))
    story.on(date(2018, 1, 23)).do(
        COORDINATOR,
        AwardGrant(
            round_id=ROUND,
            district="Skärholmen",
            amount_sek=1_400_000,
            decision_ref="SN 2018-01-23",
            decided_on=date(2018, 1, 23),
        ),
    )

    # Given no T2 date on record, when 1 October, then T2 is not yet due and says why.
    before = conditions(story, date(2018, 10, 1))
    assert before["t2_follow_up"] == (
        "not_yet_due",
        "the T2 follow-up: the date is not yet set by the city",
    )
    assert before["final_financial_report"] == (
        "not_yet_due",
        "the final financial report is due on 2018-11-30",
    )

    # Given T2 set to 14 September, when 1 October, then T2 reports are overdue and block.
    set_deadline(story, date(2018, 5, 2), "t2", date(2018, 9, 14), "T2 enligt stadens anvisningar")
    overdue = conditions(story, date(2018, 10, 1))
    assert overdue["t2_follow_up"] == (
        "unmet",
        "the T2 follow-up was due on 2018-09-14 and is missing",
    )
    assert overdue["t2_financial_report"][0] == "unmet"
    (view,) = story.reads.projects(ROUND)
    assert view.assess(end_of_day(date(2018, 10, 1))).payable.grant_sek == 0

    # When the coordinator moves T2 to 15 October, then on 1 October it is not yet due again.
    set_deadline(story, date(2018, 10, 1), "t2", date(2018, 10, 15), "Ny T2-tidpunkt")
    moved = conditions(story, date(2018, 10, 1))
    assert moved["t2_follow_up"] == ("not_yet_due", "the T2 follow-up is due on 2018-10-15")
    (view,) = story.reads.projects(ROUND)
    assert view.assess(end_of_day(date(2018, 10, 1))).payable.grant_sek == 1_400_000
    assert [e.event.event_type for e in story.reads.round(ROUND).deadlines["t2"].evidence] == [
        "DeadlineSet",
        "DeadlineChanged",
    ]

    # And the 30 November report, moved to 7 December, is not overdue on 1 December.
    assert conditions(story, date(2018, 12, 1))["final_financial_report"][0] == "unmet"
    set_deadline(story, date(2018, 12, 1), "final_financial_report", date(2018, 12, 7), "Förlängd")
    assert conditions(story, date(2018, 12, 1))["final_financial_report"] == (
        "not_yet_due",
        "the final financial report is due on 2018-12-07",
    )


def test_t2_self_financing_needs_the_presentation(round_2018: Story) -> None:
    """A T2 follow-up without the self-financing presentation leaves that condition unmet."""
    story = round_2018
    apply(story, date(2017, 12, 29))
    set_deadline(story, date(2018, 5, 2), "t2", date(2018, 9, 14), "T2")
    story.on(date(2018, 9, 12)).do(
        DISTRICT,
        SubmitFollowUp(
            round_id=ROUND,
            district="Skärholmen",
            kind="t2",
            indicators={"target_group_size": 50, "pupils_reached": 24},
            period_start=date(2018, 1, 1),
            period_end=date(2018, 8, 31),
        ),
    )
    after = conditions(story, date(2018, 9, 20))
    assert after["t2_follow_up"][0] == "met"
    assert after["t2_self_financing"][0] == "unmet"
