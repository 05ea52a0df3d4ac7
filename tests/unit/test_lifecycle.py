"""The transition table: every pair in it steps, every pair not in it is refused by name."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from events import Event, registry
from policies.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    Machine,
    key_of,
    machine_of,
    replay_strictly,
    step,
    transition,
)
from tests.unit.strategies import example_of

STATES = {m: sorted({s for (mm, s, _) in TRANSITIONS if mm is m} | {"none"}) for m in Machine}
KINDS = {
    m: sorted({k for (mm, _, k) in TRANSITIONS if mm is m}, key=lambda k: k.__name__)
    for m in Machine
}
PAIRS = [
    (m, state, kind) for m in Machine for state, kind in itertools.product(STATES[m], KINDS[m])
]


def _event(kind: type[Event]) -> Event:
    return example_of(kind)


@pytest.mark.parametrize(
    ("machine", "state", "kind"), PAIRS, ids=[f"{m}-{s}-{k.__name__}" for m, s, k in PAIRS]
)
def test_every_pair_is_either_in_the_table_or_refused_by_name(
    machine: Machine, state: str, kind: type[Event]
) -> None:
    """A pair in the table steps to its target; any other pair raises IllegalTransition
    naming the event type, the project and the state it found."""
    event = _event(kind)
    expected = TRANSITIONS.get((machine, state, kind))
    if expected is not None:
        assert transition(machine, state, event, "ppss-2014:farsta") == expected
        return
    with pytest.raises(IllegalTransition) as caught:
        transition(machine, state, event, "ppss-2014:farsta")
    message = str(caught.value)
    assert kind.__name__ in message
    assert "ppss-2014:farsta" in message
    assert repr(state) in message
    assert (caught.value.machine, caught.value.state) == (machine, state)


def test_the_table_has_the_lifecycles_the_domain_needs() -> None:
    """The rules people rely on, read off the table itself."""
    assert step(Machine.plan, "none", _kind("PlanApproved")) is None  # approve unsubmitted
    assert step(Machine.plan, "approved", _kind("PlanSubmitted")) is None  # resubmit approved
    assert step(Machine.plan, "rejected", _kind("PlanSubmitted")) == "submitted"
    assert step(Machine.network, "none", _kind("NetworkExemptionGranted")) is None
    assert step(Machine.network, "attended", _kind("NetworkAbsenceRecorded")) is None
    assert step(Machine.application, "submitted", _kind("ApplicationSubmitted")) is None
    assert step(Machine.repayment, "none", _kind("RepaymentReceived")) is None
    assert step(Machine.round, "closed", _kind("DeadlineSet")) is None
    assert step(Machine.round, "open", _kind("RoundClosed")) == "closed"


def test_events_outside_every_lifecycle_have_no_machine() -> None:
    """Money and reports are amounts, not lifecycle steps: the table leaves them alone."""
    for name in ("GrantAwarded", "DisbursementMade", "FinancialReportSubmitted"):
        assert machine_of(_kind(name)) is None
    assert machine_of(_kind("PlanApproved")) is Machine.plan


def test_replay_strictly_finds_the_first_illegal_step() -> None:
    """A history whose plan approval lost its submission is not a legal history."""
    approved: Any = type("R", (), {"event": _event(_kind("PlanApproved"))})()
    with pytest.raises(IllegalTransition, match="PlanApproved"):
        replay_strictly([approved], "project:r:x")
    assert key_of(approved.event) == approved.event.plan_id


def _kind(name: str) -> type[Event]:
    return registry.cls(name)
