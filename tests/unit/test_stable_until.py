"""A stored assessment is good until ``Policy.stable_until``: checked day by day, database-free.

For every day of a rich history (deadlines, a network session, repayment demands) and both
policies, the assessment may change only on the day ``stable_until`` named the day before.
The test counts the days on which it did change, so it cannot pass by never reaching one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from events import (
    DeadlineSet,
    NetworkSessionScheduled,
    RepaymentDemanded,
    YearEndAccountSubmitted,
)
from policies.registry import POLICIES
from policies.state import STOCKHOLM, end_of_day, fold_project, fold_round
from tests.unit.world import FARSTA, ROUND, World, applied, awarded, opened, plan_approved


def _world(policy: str) -> World:
    world = World()
    opened(world, policy=policy)
    for code, due in (("t2", date(2014, 6, 13)), ("year_end_account", date(2015, 1, 31)),
                      ("annual_report", date(2015, 2, 27)),
                      ("final_financial_report", date(2014, 11, 30))):  # fmt: skip
        world.given(ROUND, DeadlineSet(code=code, due_on=due, reason="satt"), date(2013, 6, 1))
    world.given(
        ROUND,
        NetworkSessionScheduled(
            session_id="n1", title="Nätverk",
            starts_at=datetime(2014, 4, 2, 13, tzinfo=STOCKHOLM),
        ),
        date(2013, 6, 2),
    )  # fmt: skip
    applied(world, "Farsta")
    awarded(world, FARSTA, 400_000)
    plan_approved(world)
    world.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=300_000, spent_outside_plan_sek=0, cost_description="Löner",
        ),
        date(2015, 1, 20),
    )  # fmt: skip
    for due in (date(2015, 3, 1), date(2015, 4, 15)):
        world.given(
            FARSTA, RepaymentDemanded(amount_sek=50_000, reason="oanvänt", due_on=due),
            date(2015, 2, 10),
        )  # fmt: skip
    return world


@pytest.mark.parametrize("policy", ["ppss-2014", "sst-2018"])
def test_an_assessment_changes_only_where_stable_until_said(policy: str) -> None:
    world = _world(policy)
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    rules = POLICIES[(rnd.policy_name, rnd.policy_version)]
    day, last = date(2013, 12, 1), date(2015, 6, 1)
    before = rules.assess(rnd, project, end_of_day(day))
    until = rules.stable_until(rnd, project, day)
    changes = 0
    while day < last:
        day += timedelta(days=1)
        now = rules.assess(rnd, project, end_of_day(day))
        if now != before:
            changes += 1
            said = f"the assessment changed on {day}; stable_until had said {until}"
            assert until is not None, said
            assert day >= until, said
        if until is not None and day >= until:
            until = rules.stable_until(rnd, project, day)
        before = now
    # The session, the T2 or account deadlines and both repayment due dates were reached.
    assert changes >= 3, changes


def test_stable_until_is_the_next_date_the_rules_compare_with() -> None:
    world = _world("ppss-2014")
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    rules = POLICIES[(rnd.policy_name, rnd.policy_version)]
    assert rules.stable_until(rnd, project, date(2014, 4, 1)) == date(2014, 4, 2)  # session
    assert rules.stable_until(rnd, project, date(2014, 4, 2)) == date(2014, 4, 3)
    assert rules.stable_until(rnd, project, date(2015, 3, 1)) == date(2015, 3, 2)  # demand due
    assert rules.stable_until(rnd, project, date(2015, 4, 16)) is None
