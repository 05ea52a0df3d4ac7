"""Every lifecycle transition in one table: state × event → state, read by folds and decisions.

Everything that decides which lifecycle step may follow which lives in :data:`TRANSITIONS`.
The folds in :mod:`policies.state` walk it leniently (a history written before a rule
existed still folds); the decisions in :mod:`policies.decisions` walk it strictly through
:func:`transition`, which refuses an illegal step with the event, the project and the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    DeadlineChanged,
    DeadlineSet,
    Event,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
    NetworkSessionScheduled,
    PaymentPlanSet,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    Recorded,
    ReminderLadderSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    RoundClosed,
    RoundOpened,
)

__all__ = [
    "TRANSITIONS",
    "IllegalTransition",
    "Machine",
    "initial",
    "key_of",
    "machine_of",
    "replay_strictly",
    "step",
    "transition",
]


class Machine(StrEnum):
    """The lifecycles: one instance per round, per project, per plan, per session, per project."""

    round = "round"
    application = "application"
    plan = "plan"
    network = "network"
    repayment = "repayment"


#: (machine, state, event type) -> next state. A pair that is not here is illegal.
TRANSITIONS: Mapping[tuple[Machine, str, type[Event]], str] = {
    # A round opens once, takes its calendar and decisions while open, and closes.
    (Machine.round, "none", RoundOpened): "open",
    (Machine.round, "open", DeadlineSet): "open",
    (Machine.round, "open", DeadlineChanged): "open",
    (Machine.round, "open", NetworkSessionScheduled): "open",
    (Machine.round, "open", ReminderLadderSet): "open",
    (Machine.round, "open", AllocationDecided): "open",
    (Machine.round, "open", PaymentPlanSet): "open",
    (Machine.round, "open", RoundClosed): "closed",
    # An application is submitted, may be withdrawn, and may then be submitted anew.
    (Machine.application, "none", ApplicationSubmitted): "submitted",
    (Machine.application, "submitted", ApplicationWithdrawn): "withdrawn",
    (Machine.application, "withdrawn", ApplicationSubmitted): "submitted",
    # A plan is submitted, then approved or rejected; a rejected plan may be resubmitted.
    (Machine.plan, "none", PlanSubmitted): "submitted",
    (Machine.plan, "submitted", PlanApproved): "approved",
    (Machine.plan, "submitted", PlanRejected): "rejected",
    (Machine.plan, "rejected", PlanSubmitted): "submitted",
    # A session is attended or missed; only a missed one can be made up or exempted.
    (Machine.network, "none", NetworkAttendanceRecorded): "attended",
    (Machine.network, "none", NetworkAbsenceRecorded): "absent",
    (Machine.network, "absent", NetworkMakeUpRecorded): "remedied",
    (Machine.network, "absent", NetworkExemptionGranted): "remedied",
    # Money is demanded back (again, after settling), and what is demanded is received or
    # waived. Whether a demand is settled in full is a matter of amounts: see Repayment.
    (Machine.repayment, "none", RepaymentDemanded): "demanded",
    (Machine.repayment, "demanded", RepaymentDemanded): "demanded",
    (Machine.repayment, "demanded", RepaymentReceived): "demanded",
    (Machine.repayment, "demanded", RepaymentWaived): "demanded",
}

_MACHINE_OF: dict[type[Event], Machine] = {}
for _machine, _state, _kind in TRANSITIONS:
    _MACHINE_OF[_kind] = _machine


class IllegalTransition(ValueError):
    """An event that its lifecycle does not allow in the state it found."""

    def __init__(self, event_type: str, where: str, machine: Machine, state: str) -> None:
        allowed = sorted(k.__name__ for (m, s, k) in TRANSITIONS if m is machine and s == state)
        super().__init__(
            f"{event_type} is not allowed for {where}: its {machine} is {state!r}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (nothing may follow)")
        )
        self.event_type = event_type
        self.where = where
        self.machine = machine
        self.state = state


def initial(machine: Machine) -> str:
    """Every lifecycle starts at ``none``: nothing on record yet."""
    return "none"


def machine_of(kind: type[Event]) -> Machine | None:
    """The lifecycle an event type steps, or None for events outside every lifecycle."""
    return _MACHINE_OF.get(kind)


def key_of(event: Event) -> str:
    """Which instance of its machine an event steps: the plan id, the session id, or ''."""
    if isinstance(event, PlanSubmitted | PlanApproved | PlanRejected):
        return event.plan_id
    if isinstance(
        event,
        NetworkAttendanceRecorded
        | NetworkAbsenceRecorded
        | NetworkMakeUpRecorded
        | NetworkExemptionGranted,
    ):
        return event.session_id
    return ""


def step(machine: Machine, state: str, kind: type[Event]) -> str | None:
    """The next state, or None when the table has no such transition."""
    return TRANSITIONS.get((machine, state, kind))


def transition(machine: Machine, state: str, event: Event, where: str) -> str:
    """The next state; an illegal step raises IllegalTransition naming event, where and state."""
    nxt = step(machine, state, type(event))
    if nxt is None:
        raise IllegalTransition(event.event_type, where, machine, state)
    return nxt


def replay_strictly(history: Iterable[Recorded[Any]], where: str) -> dict[tuple[Machine, str], str]:
    """Walk a stream's events through the table, raising at the first illegal step.

    Used to ask whether a history would still be a legal one, e.g. without an event that a
    coordinator wants to annul.
    """
    states: dict[tuple[Machine, str], str] = {}
    for r in history:
        machine = machine_of(type(r.event))
        if machine is None:
            continue
        key = (machine, key_of(r.event))
        states[key] = transition(machine, states.get(key, "none"), r.event, where)
    return states
