"""Review gates the same way in every round (issue 21): a report the coordinator returned is
not met, in 2014, 2016 and 2018 alike; an accepted one is. Database-free."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import (
    DisbursementMade,
    Event,
    FinancialReportSubmitted,
    RoundDeadline,
    RoundOpened,
    YearEndAccountSubmitted,
)
from policies.base import ConditionStatus
from policies.commands import ReviewReport
from policies.registry import POLICIES
from policies.state import end_of_day, fold_project, fold_round
from tests.unit.said import en
from tests.unit.world import FARSTA, RID, ROUND, World, applied, awarded, plan_approved

DUE = date(2015, 1, 31)
AFTER = date(2015, 2, 10)

#: policy -> (the deadline code, the report's code, the report as handed in)
ROUNDS: dict[str, tuple[str, str, Event]] = {
    "ppss-2014": (
        "year_end_account",
        "year_end_account",
        YearEndAccountSubmitted(spent_sek=100_000, cost_description="Löner"),
    ),
    "ppss-2016": (
        "year_end_account",
        "year_end_account",
        YearEndAccountSubmitted(spent_sek=100_000, cost_description="Löner"),
    ),
    "sst-2018": (
        "final_financial_report",
        "final_financial_report",
        FinancialReportSubmitted(kind="final", spent_sek=100_000, forecast_sek=100_000),
    ),
}


def _world(policy: str) -> World:
    deadline, _, _ = ROUNDS[policy]
    w = World()
    w.given(
        ROUND,
        RoundOpened(
            round_id=RID,
            title="Runda",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy_name=policy,
            policy_version=1,
            deadlines=(RoundDeadline(code=deadline, due_on=DUE),),
        ),
        date(2013, 5, 2),
    )
    applied(w, "Farsta", 400_000)
    awarded(w, FARSTA, 400_000)
    plan_approved(w)
    w.given(
        FARSTA,
        DisbursementMade(amount_sek=100_000, purpose="grant", payment_reference="U1"),
        date(2014, 3, 20),
    )
    return w


def _report(w: World, policy: str, accept: bool) -> Any:
    _, code, event = ROUNDS[policy]
    w.given(FARSTA, event, date(2015, 1, 20))
    w.run(
        ReviewReport(
            round_id=RID,
            district="Farsta",
            report=code,
            accept=accept,
            reason=None if accept else "Kostnaderna saknas",
        ),
        date(2015, 1, 25),
    )
    rnd = fold_round(w.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, w.stream(FARSTA))
    p = POLICIES[(policy, 1)]
    (found,) = [c for c in p.conditions(rnd, project, end_of_day(AFTER)) if c.code == code]
    return found


@pytest.mark.parametrize("policy", sorted(ROUNDS))
def test_a_returned_report_is_not_met_once_its_date_has_passed(policy: str) -> None:
    """The report came in before its date and was returned: after the date it is unmet, says
    why, and blocks the grant, whatever the round."""
    found = _report(_world(policy), policy, accept=False)
    assert found.status is ConditionStatus.unmet
    assert found.blocking
    assert found.blocks == "grant"
    assert "returned on 2015-01-25: Kostnaderna saknas" in en(found.reason)


@pytest.mark.parametrize("policy", sorted(ROUNDS))
def test_an_accepted_report_is_met(policy: str) -> None:
    found = _report(_world(policy), policy, accept=True)
    assert found.status is ConditionStatus.met
    assert "accepted on 2015-01-25" in en(found.reason)
