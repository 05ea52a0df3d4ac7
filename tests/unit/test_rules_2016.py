"""The 2016 continuation round without a database: each condition, the budget and the
allocation of 13 000 000 kr, given events, on a day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from events import (
    ApplicationSubmitted,
    DisbursementMade,
    FollowUpSubmitted,
    GrantAwarded,
    NetworkAbsenceRecorded,
    NetworkSessionScheduled,
    PlanApproved,
    PlanSubmitted,
    Recorded,
    RoundDeadline,
    RoundOpened,
    YearEndAccountSubmitted,
)
from policies.allocation import DistrictRequest
from policies.base import ConditionStatus
from policies.commands import Apply, OpenRound
from policies.cont2016 import ANNUAL_BUDGET_SEK, Continuation2016, allocate_2016, budget_cap_sek
from policies.registry import POLICIES
from policies.state import STOCKHOLM, ProjectState, RoundState, fold_project, fold_round
from tests.unit.said import en
from tests.unit.world import World, noon, refused

R = Recorded[Any]
RID = "r16"
ROUND = f"round:{RID}"
FARSTA = f"project:{RID}:farsta"
POLICY = Continuation2016()
T2 = date(2016, 10, 14)
YEAR_END = date(2017, 1, 31)


def opened(world: World, *, deadlines: bool = True) -> R:
    """The 2016 round opened on 17 Dec 2015, with the autumn follow-up and the account dated."""
    return world.given(
        ROUND,
        RoundOpened(
            round_id=RID,
            title="PPSS fortsättning 2016",
            budget_sek=ANNUAL_BUDGET_SEK,
            period_start=date(2016, 1, 1),
            period_end=date(2016, 12, 31),
            policy_name="ppss-2016",
            policy_version=1,
            deadlines=(
                RoundDeadline(code="t2", due_on=T2),
                RoundDeadline(code="year_end_account", due_on=YEAR_END),
            )
            if deadlines
            else (),
        ),
        date(2015, 12, 17),
    )


def application(schools: tuple[str, ...] = ("Fokusskola 1", "Fokusskola 2")) -> dict[str, Any]:
    return {
        "district": "Farsta",
        "school_count": 2,
        "schools": schools,
        "applied_sek": 1_600_000,
        "period_start": date(2016, 1, 1),
        "period_end": date(2016, 12, 31),
    }


def funded(world: World) -> None:
    """Farsta applied with two named schools and was awarded 1 625 000 kr."""
    opened(world)
    world.given(
        FARSTA,
        ApplicationSubmitted(round_id=RID, project_id="farsta", **application()),
        date(2016, 1, 15),
    )
    world.given(
        FARSTA,
        GrantAwarded(amount_sek=1_625_000, decision_ref="SN 2016", decided_on=date(2016, 2, 2)),
        date(2016, 2, 2),
    )


def states(world: World) -> tuple[RoundState, ProjectState]:
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    return rnd, fold_project(FARSTA, world.stream(FARSTA))


def condition(world: World, code: str, day: date) -> tuple[ConditionStatus, str, str]:
    rnd, project = states(world)
    (found,) = [c for c in POLICY.conditions(rnd, project, noon(day)) if c.code == code]
    return found.status, found.blocks, found.reason


@pytest.fixture
def world() -> World:
    return World()


def test_the_policy_is_registered_under_its_pinned_name() -> None:
    """A round opened as ppss-2016 v1 is judged by the continuation's rules."""
    assert isinstance(POLICIES[("ppss-2016", 1)], Continuation2016)


# -- the money rule ---------------------------------------------------------------------


def test_thirteen_million_a_year() -> None:
    """10 mnkr plus the 3 mnkr seed 003 adds, for each year the round's period touches."""
    assert ANNUAL_BUDGET_SEK == 13_000_000
    assert budget_cap_sek(date(2016, 1, 1), date(2016, 12, 31)) == 13_000_000
    assert budget_cap_sek(date(2016, 7, 1), date(2017, 6, 30)) == 26_000_000


def test_a_round_over_the_budget_is_refused_and_one_within_it_opens(world: World) -> None:
    """Version 1: opening a 2016 round with more than 13 000 000 kr a year is refused in one
    line (version 2 takes exactly that: tests/unit/test_rules_seeds.py)."""
    command = OpenRound(
        round_id=RID,
        title="PPSS 2016",
        budget_sek=13_000_001,
        period_start=date(2016, 1, 1),
        period_end=date(2016, 12, 31),
        policy="ppss-2016",
        policy_version=1,
        on=date(2015, 12, 17),
    )
    refusal = refused(world, command, date(2015, 12, 17))
    assert "more than the 13\u00a0000\u00a0000 kr the continuation has for 2016 (" in en(
        refusal.reason
    )
    ok = command.model_copy(update={"budget_sek": 13_000_000})
    assert [r.event_type for r in world.run(ok, date(2015, 12, 17))] == ["RoundOpened"]


def test_the_2014_rule_shares_thirteen_million_by_school() -> None:
    """16 schools: 812 500 kr a school; every krona allocated to districts that asked more."""
    requests = [
        DistrictRequest("Farsta", 3, 3_000_000),
        DistrictRequest("Skarpnäck", 2, 1_000_000),
        DistrictRequest("Rinkeby-Kista", 4, 4_000_000),
        DistrictRequest("Älvsjö", 7, 5_700_000),
    ]
    result = allocate_2016(requests)
    assert result.per_school_sek == 812_500
    by_name = {a.name: a.allocated_sek for a in result.allocations}
    assert by_name["Skarpnäck"] == 1_000_000  # asked less than 2 × 812 500
    assert sum(by_name.values()) + result.unallocated_sek == 13_000_000
    assert all(a.allocated_sek <= a.applied_sek for a in result.allocations)


# -- the application --------------------------------------------------------------------


def test_an_application_that_names_no_schools_is_refused(world: World) -> None:
    """The continuation works in chosen schools: an application must name them."""
    opened(world)
    unnamed = application(schools=())
    refusal = refused(
        world,
        Apply(round_id=RID, district="Farsta", application=unnamed),
        date(2016, 1, 15),
    )
    assert "names no schools" in en(refusal.reason)
    named = Apply(round_id=RID, district="Farsta", application=application())
    assert [r.event_type for r in world.run(named, date(2016, 1, 15))] == ["ApplicationSubmitted"]


# -- the 2014 conditions carried on -----------------------------------------------------


def test_no_payment_before_the_plan_is_approved(world: World) -> None:
    """An awarded project with no approved plan may be paid nothing; once approved, all."""
    funded(world)
    rnd, project = states(world)
    assert POLICY.payable(rnd, project, noon(date(2016, 3, 1))).grant_sek == 0
    assert condition(world, "plan_approved", date(2016, 3, 1))[0] is ConditionStatus.unmet
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan 2016"), date(2016, 2, 20))
    world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2016, 3, 8)), date(2016, 3, 8))
    rnd, project = states(world)
    assert POLICY.payable(rnd, project, noon(date(2016, 3, 9))).grant_sek == 1_625_000


def test_a_missed_network_session_blocks_the_grant(world: World) -> None:
    """An absence without excuse from a mandatory session stops further payment."""
    funded(world)
    starts = datetime(2016, 4, 13, 13, tzinfo=STOCKHOLM)
    world.given(
        ROUND,
        NetworkSessionScheduled(session_id="n1", title="Nätverksträff", starts_at=starts),
        date(2016, 2, 2),
    )
    world.given(FARSTA, NetworkAbsenceRecorded(session_id="n1", excused=False), starts)
    status, blocks, reason = condition(world, "network_participation", date(2016, 4, 14))
    assert (status, blocks) == (ConditionStatus.unmet, "grant")
    assert en(reason).startswith("missed without excuse: Nätverksträff (2016-04-13)")


def test_the_autumn_follow_up_is_due_on_the_t2_date_and_blocks_nothing(world: World) -> None:
    """Missing after the t2 date: unmet, but no payment stops; submitted: met."""
    funded(world)
    assert condition(world, "autumn_follow_up", T2)[0] is ConditionStatus.not_yet_due
    status, blocks, reason = condition(world, "autumn_follow_up", T2.replace(day=15))
    assert (status, blocks) == (ConditionStatus.unmet, "")
    assert en(reason) == (
        "the autumn follow-up for the December report was due on 2016-10-14 and is missing"
    )
    world.given(
        FARSTA,
        FollowUpSubmitted(
            kind="t2",
            period_start=date(2016, 1, 1),
            period_end=date(2016, 9, 30),
            indicators={"target_group_size": 24, "pupils_reached": 16},
        ),
        date(2016, 10, 20),
    )
    status, _, reason = condition(world, "autumn_follow_up", date(2016, 10, 21))
    assert status is ConditionStatus.met
    assert en(reason).endswith("6 days after the 2016-10-14 deadline")


def test_the_autumn_follow_up_without_a_date_is_not_yet_due(world: World) -> None:
    """Until the city sets the t2 date, nothing is due and the board says so."""
    opened(world, deadlines=False)
    world.given(
        FARSTA,
        ApplicationSubmitted(round_id=RID, project_id="farsta", **application()),
        date(2016, 1, 15),
    )
    status, _, reason = condition(world, "autumn_follow_up", date(2016, 12, 1))
    assert status is ConditionStatus.not_yet_due
    assert en(reason) == "the autumn follow-up: the date is not yet set by the city"


def test_money_not_used_per_plan_is_paid_back(world: World) -> None:
    """The year-end account: what was paid and not used according to plan is owed back."""
    funded(world)
    assert condition(world, "year_end_account", date(2017, 2, 1))[:2] == (
        ConditionStatus.unmet,
        "grant",
    )
    world.given(
        FARSTA,
        DisbursementMade(amount_sek=1_625_000, payment_reference="UTB-1", purpose="grant"),
        date(2016, 3, 15),
    )
    world.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=1_600_000, spent_outside_plan_sek=75_000, cost_description="Personal"
        ),
        date(2017, 1, 27),
    )
    _, project = states(world)
    repayment = POLICY.repayment(project)
    assert repayment.owed_sek == 100_000  # 25 000 unspent + 75 000 outside the plan
    assert condition(world, "year_end_account", date(2017, 2, 1))[0] is ConditionStatus.met


def test_no_supervision_condition_and_no_default_cap(world: World) -> None:
    """Seed 003 names no supervision money: the round asks for none and caps it at 0 kr."""
    funded(world)
    rnd, project = states(world)
    codes = [c.code for c in POLICY.conditions(rnd, project, noon(date(2016, 6, 1)))]
    assert "supervision_requested" not in codes
    assert codes[-4:] == [
        "plan_approved",
        "network_participation",
        "autumn_follow_up",
        "year_end_account",
    ]
    assert POLICY.supervision_cap(rnd) == 0
