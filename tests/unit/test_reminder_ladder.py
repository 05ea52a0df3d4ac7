"""The reminder ladder as the read model uses it: when the first reminder of an obligation is
due, which projects are reminded at all, and the same answers with or without the memo."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from events import DeadlineSet, RoundClosed
from policies.registry import POLICIES
from policies.reminders import (
    DEFAULT_LADDER,
    Obligation,
    due_for,
    due_reminders,
    first_moment,
    obligations,
    reminded,
    reminded_obligations,
    step_moment,
)
from policies.state import STOCKHOLM, fold_project, fold_round
from tests.unit.world import FARSTA, ROUND, World, applied, awarded, opened


def _world() -> World:
    world = World()
    opened(world)
    world.given(
        ROUND,
        DeadlineSet(code="year_end_account", due_on=date(2015, 1, 30), reason="satt"),
        date(2013, 6, 1),
    )
    applied(world, "Farsta")
    awarded(world, FARSTA, 400_000)
    return world


def test_the_first_reminder_is_the_earliest_step_of_the_ladder() -> None:
    rnd = fold_round(_world().stream(ROUND))
    assert rnd is not None
    duty = Obligation("year_end_account", date(2015, 1, 30), met=False, blocks="grant")
    earliest = step_moment(date(2015, 1, 30), DEFAULT_LADDER[0])
    assert first_moment(rnd, duty) == earliest
    assert earliest < step_moment(date(2015, 1, 30), DEFAULT_LADDER[-1])
    meeting = Obligation("network-n1", date(2014, 9, 17), False, "grant", before_only=True)
    assert first_moment(rnd, meeting) == step_moment(date(2014, 9, 17), DEFAULT_LADDER[0])


def test_nothing_is_due_before_the_first_moment_and_something_is_at_it() -> None:
    world = _world()
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    rules = POLICIES[(rnd.policy_name, rnd.policy_version)]
    duty = next(
        o
        for o in obligations(rules, rnd, project, datetime(2015, 1, 1, tzinfo=STOCKHOLM))
        if o.code == "year_end_account"
    )
    first = first_moment(rnd, duty)
    assert not [d for d in due_reminders(rules, rnd, project, first - timedelta(seconds=1))
                if d.obligation == "year_end_account"]  # fmt: skip
    due = [d for d in due_reminders(rules, rnd, project, first) if d.obligation == duty.code]
    assert [d.step for d in due] == ["before-14"]


def test_the_memo_changes_nothing() -> None:
    world = _world()
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    rules = POLICIES[(rnd.policy_name, rnd.policy_version)]
    for day in range(0, 120, 3):
        now = datetime(2014, 12, 1, 9, tzinfo=STOCKHOLM) + timedelta(days=day)
        found = obligations(rules, rnd, project, now)
        assert due_for(rnd, FARSTA, "Farsta", found, set(), now) == due_reminders(
            rules, rnd, project, now
        )
        memo: dict[Any, Any] = {}
        kept = due_for(rnd, FARSTA, "Farsta", found, set(), now, memo)
        assert kept == due_for(rnd, FARSTA, "Farsta", found, set(), now, memo)  # memo reused
        # The memo given is the one filled: the projection shares it across the round's projects.
        assert bool(memo) >= bool(kept)
        assert kept == due_for(rnd, FARSTA, "Farsta", found, set(), now)


def test_a_closed_round_reminds_nobody() -> None:
    world = _world()
    project = fold_project(FARSTA, world.stream(FARSTA))
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    assert reminded(rnd, project)
    world.given(ROUND, RoundClosed(reason="klar"), date(2015, 6, 1))
    closed = fold_round(world.stream(ROUND))
    assert closed is not None
    assert not reminded(closed, project)


def test_the_obligations_reminded_are_of_the_conditions_given() -> None:
    """The read model passes the conditions it has assessed: they are the ones reminded of,
    not the policy's asked again."""
    world = _world()
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    rules = POLICIES[(rnd.policy_name, rnd.policy_version)]
    now = datetime(2015, 1, 1, tzinfo=STOCKHOLM)
    asked = reminded_obligations(rules, rnd, project, now)
    assert "year_end_account" in [o.code for o in asked]
    assessed = rules.conditions(rnd, project, now)
    assert reminded_obligations(rules, rnd, project, now, assessed) == asked
    assert reminded_obligations(rules, rnd, project, now, ()) == []
