"""Scenario: the 2018 school-social teams round, Skärholmen's application from seed 002."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from ppss_workflow.demo import COORDINATOR, SKARHOLMEN_2018, open_round_2018
from ppss_workflow.workflow import Actor, ConditionNotMet, Workflow, end_of_day

DISTRICT = Actor("district", "projektledare@skarholmen.example.org", "skarholmen")
ROUND = "sst-2018"


@pytest.fixture
def round_2018(workflow: Workflow) -> Workflow:
    """Given the 2018 round, opened with its application deadline and 30 November report."""
    open_round_2018(workflow)
    return workflow


def application(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SKARHOLMEN_2018)
    data.update(changes)
    return data


def conditions(wf: Workflow, on: date) -> dict[str, tuple[str, str]]:
    (view,) = wf.projects(ROUND)
    return {c.code: (str(c.status), c.reason) for c in view.assess(end_of_day(on)).conditions}


def test_skarholmen_application_as_in_seed_002_is_accepted(round_2018: Workflow) -> None:
    """Budget lines add up to 1 400 000 kr, three signatures, submitted on 29 Dec 2017."""
    round_2018.apply(DISTRICT, ROUND, application(), on=date(2017, 12, 29))
    (view,) = round_2018.projects(ROUND)
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
            "the budget lines add up to 1\u00a0390\u00a0000 kr, "
            "not the applied 1\u00a0400\u00a0000 kr",
        ),
    ],
    ids=["a-day-late", "signature-missing", "budget-does-not-add-up"],
)
def test_flawed_applications_are_refused_with_their_reason(
    round_2018: Workflow, changes: dict[str, Any], on: date, reason: str
) -> None:
    """Late, unsigned or unbalanced applications are refused with the reason; none is stored."""
    with pytest.raises(ConditionNotMet) as refused:
        round_2018.apply(DISTRICT, ROUND, application(**changes), on=on)
    assert reason in str(refused.value)
    assert round_2018.projects(ROUND) == []


def test_t2_and_final_report_follow_the_rounds_dates_and_move_with_them(
    round_2018: Workflow,
) -> None:
    """T2 has no date until the city sets one; obligations move when a coordinator moves it."""
    wf = round_2018
    wf.apply(DISTRICT, ROUND, application(), on=date(2017, 12, 29))
    wf.award(COORDINATOR, ROUND, "Skärholmen", 1_400_000, "SN 2018-01-23", date(2018, 1, 23))

    # Given no T2 date on record, when 1 October, then T2 is not yet due and says why.
    before = conditions(wf, date(2018, 10, 1))
    assert before["t2_follow_up"] == (
        "not_yet_due",
        "the T2 follow-up: the date is not yet set by the city",
    )
    assert before["final_financial_report"] == (
        "not_yet_due",
        "the final financial report is due on 2018-11-30",
    )

    # Given T2 set to 14 September, when 1 October, then T2 reports are overdue and block.
    wf.set_deadline(COORDINATOR, ROUND, "t2", date(2018, 9, 14), "T2 enligt stadens anvisningar")
    overdue = conditions(wf, date(2018, 10, 1))
    assert overdue["t2_follow_up"] == (
        "unmet",
        "the T2 follow-up was due on 2018-09-14 and is missing",
    )
    assert overdue["t2_financial_report"][0] == "unmet"
    (view,) = wf.projects(ROUND)
    assert view.assess(end_of_day(date(2018, 10, 1))).payable.grant_sek == 0

    # When the coordinator moves T2 to 15 October, then on 1 October it is not yet due again.
    wf.set_deadline(COORDINATOR, ROUND, "t2", date(2018, 10, 15), "Ny T2-tidpunkt")
    moved = conditions(wf, date(2018, 10, 1))
    assert moved["t2_follow_up"] == ("not_yet_due", "the T2 follow-up is due on 2018-10-15")
    (view,) = wf.projects(ROUND)
    assert view.assess(end_of_day(date(2018, 10, 1))).payable.grant_sek == 1_400_000
    assert [e.event.event_type for e in wf.round(ROUND).deadlines["t2"].evidence] == [
        "DeadlineSet",
        "DeadlineChanged",
    ]

    # And the 30 November report, moved to 7 December, is not overdue on 1 December.
    assert conditions(wf, date(2018, 12, 1))["final_financial_report"][0] == "unmet"
    wf.set_deadline(COORDINATOR, ROUND, "final_financial_report", date(2018, 12, 7), "Förlängd")
    assert conditions(wf, date(2018, 12, 1))["final_financial_report"] == (
        "not_yet_due",
        "the final financial report is due on 2018-12-07",
    )


def test_t2_self_financing_needs_the_presentation(round_2018: Workflow) -> None:
    """A T2 follow-up without the self-financing presentation leaves that condition unmet."""
    wf = round_2018
    wf.apply(DISTRICT, ROUND, application(), on=date(2017, 12, 29))
    wf.set_deadline(COORDINATOR, ROUND, "t2", date(2018, 9, 14), "T2")
    wf.submit_follow_up(
        DISTRICT,
        ROUND,
        "Skärholmen",
        "t2",
        {"target_group_size": 50, "pupils_reached": 24},
        (date(2018, 1, 1), date(2018, 8, 31)),
        on=date(2018, 9, 12),
    )
    after = conditions(wf, date(2018, 9, 20))
    assert after["t2_follow_up"][0] == "met"
    assert after["t2_self_financing"][0] == "unmet"
