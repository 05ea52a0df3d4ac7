"""Answers of :mod:`policies.decisions` pinned without a database: the refusal of a role, of a
plan's step taken twice, of a lifecycle step the table does not have, and the answer to a
repayment demanded again. Each answer is pinned by its reason (code and parameters), its rule
and its kind, since that is what the machinery says to people."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import PlanRejected, PlanSubmitted, RepaymentDemanded
from policies.commands import DecidePlan, DemandRepayment, SubmitPlan
from policies.decisions import (
    ALREADY_DEMANDED,
    ILLEGAL_STEP,
    MAY_NOT_COMMAND,
    PLAN_DECIDED,
    PLAN_ID_USED,
    Decision,
    Refusal,
    View,
    _step,
    authorise,
)
from policies.lifecycle import Machine
from policies.reason import Kronor, Named
from tests.unit.world import FARSTA, RID, TODAY, World, applied, opened, plan_approved, refused


def pinned(refusal: Refusal) -> tuple[Any, ...]:
    """What a refusal decides: its reason, rule and kind."""
    return refusal.reason, refusal.rule, refusal.kind


def test_a_role_refused_names_the_role_the_command_and_the_roles_that_may() -> None:
    """A district may not decide on plans: only the steering group may (seed: the steering
    group approves the plans)."""
    decide = DecidePlan(round_id=RID, district="Farsta", plan_id="p", approve=True,
                        meeting_on=date(2014, 3, 10))  # fmt: skip
    with pytest.raises(Refusal) as caught:
        authorise(decide, "district", "farsta")
    assert pinned(caught.value) == (
        MAY_NOT_COMMAND(
            role=Named("role", "district"),
            command=Named("verb", "decide on plans"),
            roles=(Named("role", "steering_group"),),
        ),
        "roles",
        "not_authorised",
    )


def test_a_refusal_without_a_message_says_its_reason() -> None:
    reason = PLAN_ID_USED(plan="p", status=Named("plan_status", "approved"))
    refusal = Refusal(command="submit", project="r:farsta", state="plan approved",
                      rule="plan lifecycle", reason=reason)  # fmt: skip
    assert refusal.message == str(reason)
    assert str(refusal) == f"{reason} [submit; r:farsta; plan approved; rule: plan lifecycle]"


def _planned() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    plan_approved(world)
    return world


def test_a_plan_id_in_use_is_not_submitted_again() -> None:
    world = _planned()
    again = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="Ny plan")
    no = refused(world, again)
    assert pinned(no) == (
        PLAN_ID_USED(plan="p", status=Named("plan_status", "approved")),
        "plan lifecycle",
        "invalid",
    )
    assert no.state == "plan approved"


def test_a_plan_decided_is_not_decided_again_and_a_rejection_records_its_decision() -> None:
    world = _planned()
    again = DecidePlan(round_id=RID, district="Farsta", plan_id="p", approve=False,
                       meeting_on=date(2014, 4, 1), reason="Oklar")  # fmt: skip
    no = refused(world, again)
    assert pinned(no) == (
        PLAN_DECIDED(plan="p", status=Named("plan_status", "approved")),
        "plan lifecycle",
        "invalid",
    )
    world.given(FARSTA, PlanSubmitted(plan_id="q", summary="Plan 2"), date(2014, 3, 20))
    reject = again.model_copy(
        update={"plan_id": "q", "diary_number": "UTB 2014/7", "minutes_ref": "P 4 §2"}
    )
    assert world.decide(reject, TODAY).appends == (
        (FARSTA, (PlanRejected(plan_id="q", meeting_on=date(2014, 4, 1), reason="Oklar",
                               diary_number="UTB 2014/7", minutes_ref="P 4 §2"),)),
    )  # fmt: skip


def test_a_repayment_demanded_again_is_already_on_record_naming_amount_district_and_day() -> None:
    world = _planned()
    due = date(2015, 3, 31)
    world.given(FARSTA, RepaymentDemanded(amount_sek=300, reason="Ej använt", due_on=due),
                date(2015, 2, 1))  # fmt: skip
    again = DemandRepayment(round_id=RID, district="Farsta", amount_sek=300,
                            reason="Ej använt", due_on=due)  # fmt: skip
    assert world.decide(again, date(2015, 2, 10)) == Decision(
        already=ALREADY_DEMANDED(amount=Kronor(300), district="Farsta", due_on=due)
    )


def test_a_lifecycle_step_the_table_lacks_is_refused_naming_machine_state_and_event() -> None:
    """The last guard of every lifecycle step: an approved plan is not submitted anew."""
    world = _planned()
    cmd = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="Ny plan")
    view: View = world.view(cmd, TODAY, None)
    with pytest.raises(Refusal) as caught:
        _step(cmd, view, Machine.plan, "approved", PlanSubmitted(plan_id="p", summary="Ny"))
    no = caught.value
    assert pinned(no) == (
        ILLEGAL_STEP(
            machine=Named("machine", "plan"),
            state=Named("state", "approved"),
            event=Named("event", "PlanSubmitted"),
        ),
        "plan lifecycle",
        "invalid",
    )
    assert (no.state, no.day) == ("plan approved", TODAY)
