"""Database-free: an imported history replayed through the decisions (policies.provenance),
and the one table of which stream kind each event type goes on (events.streams)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from events import DisbursementMade, FinancialReportSubmitted, Recorded, registry
from events.streams import EVENT_STREAMS, stream_kind, stream_round
from policies.commands import AwardGrant, Disburse, SetDeadline
from policies.provenance import Replay, roles_recording
from tests.unit.world import FARSTA, RID, ROUND, World, applied, opened, plan_approved

R = Recorded[Any]


def honest() -> World:
    """A round, two applications, an award, an approved plan and a payment, each recorded
    through its decision (World.run), as the engine records them."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    applied(world, "Skarpnäck")
    world.run(
        AwardGrant(round_id=RID, district="Farsta", amount_sek=400_000, decision_ref="SN 1",
                   decided_on=date(2014, 2, 4)),
        date(2014, 2, 4),
    )  # fmt: skip
    plan_approved(world)
    world.run(
        Disburse(round_id=RID, district="Farsta", amount_sek=100_000, payment_reference="U-1"),
        date(2014, 3, 20),
    )
    world.run(
        SetDeadline(round_id=RID, code="t2", due_on=date(2014, 8, 31), reason="T2"),
        date(2014, 3, 21),
    )
    # The world records everything as a coordinator; a plan is decided by the steering group.
    world.events = [
        r._replace(metadata_json=meta(actor="styrgruppen", role="steering_group"))
        if r.event_type == "PlanApproved"
        else r
        for r in world.events
    ]
    return world


def replay(events: list[R]) -> tuple[Replay, str | None]:
    """Replay until the first refusal: (the replay, its reason or None)."""
    state = Replay()
    for r in events:
        problem = state.check(r)
        if problem is not None:
            return state, problem
        state.add(r)
    return state, None


def meta(**fields: Any) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def test_an_honest_history_replays_event_by_event() -> None:
    world = honest()
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events) == 8


def test_a_payment_above_what_was_payable_then_is_refused() -> None:
    events = honest().events
    paid = events[-2]
    assert isinstance(paid.event, DisbursementMade)
    forged = paid._replace(event=paid.event.model_copy(update={"amount_sek": 10**12}))
    state, problem = replay([*events[:-2], forged])
    assert problem is not None
    assert problem.startswith("the engine would have refused it: cannot pay")
    assert "rule: payable grant" in problem
    assert state.checked == len(events) - 2  # everything before it was checked and allowed


def test_a_payment_on_a_round_stream_is_refused_by_the_stream_table() -> None:
    events = honest().events
    forged = events[-2]._replace(stream_id=ROUND, version=2)
    _, problem = replay([*events[:-2], forged])
    assert problem == ("a DisbursementMade is recorded on a project stream, not on round:r")


@pytest.mark.parametrize(
    ("metadata", "needle"),
    [
        (meta(actor="granskare", role="auditor"),
         "the auditor role recorded a DisbursementMade, which only coordinator may record"),
        (meta(actor="x", role="district", district="farsta"),
         "the district role recorded a DisbursementMade"),
        (meta(actor="x", role="system"), "the system role recorded"),
    ],
)  # fmt: skip
def test_a_role_acting_outside_its_rights_is_refused(metadata: str, needle: str) -> None:
    events = honest().events
    forged = events[-2]._replace(metadata_json=metadata)
    _, problem = replay([*events[:-2], forged])
    assert problem is not None
    assert needle in problem


def test_a_district_acts_for_its_own_project_only() -> None:
    world = honest()
    report = FinancialReportSubmitted(kind="final", spent_sek=1, forecast_sek=2)
    own = world.given(FARSTA, report, date(2014, 8, 1))
    as_farsta = own._replace(metadata_json=meta(actor="p", role="district", district="farsta"))
    as_other = own._replace(metadata_json=meta(actor="p", role="district", district="skarpnack"))
    unnamed = own._replace(metadata_json=meta(actor="p", role="district"))
    before = world.events[:-1]
    assert replay([*before, as_farsta])[1] is None
    for forged, acting in ((as_other, "skarpnack"), (unnamed, "no district")):
        problem = replay([*before, forged])[1]
        assert problem == (
            f"a district role acting for {acting} recorded it on project:r:farsta: a "
            "district acts for its own project only"
        )


def test_an_event_the_decision_would_not_give_is_refused() -> None:
    """A payment twice under one reference is not recorded twice; a changed deadline must
    say the date it changes from."""
    events = honest().events
    paid = events[-2]
    again = paid._replace(position=len(events) + 1, version=paid.version + 1,
                          event_key="00000000-0000-4000-8000-000000000001")  # fmt: skip
    problem = replay([*events, again])[1]
    assert problem is not None
    assert problem.startswith("the engine records it once only: already.paid(ref=U-1")
    world = honest()
    (changed,) = world.run(
        SetDeadline(round_id=RID, code="t2", due_on=date(2014, 9, 30), reason="later"),
        date(2014, 4, 1),
    )
    assert replay(world.events)[1] is None
    wrong = changed._replace(
        event=changed.event.model_copy(update={"previous_due_on": date(2014, 1, 1)})
    )
    problem = replay([*world.events[:-1], wrong])[1]
    assert problem is not None
    assert "a field differs from what the rules give" in problem


def test_nothing_happens_in_a_round_before_it_opens() -> None:
    events = honest().events
    problem = replay(events[1:])[1]
    assert problem is not None
    assert "no round 'r' on record" in problem


def test_every_event_type_has_its_stream_kinds_and_its_roles() -> None:
    for event_type in registry.types():
        assert EVENT_STREAMS[event_type], event_type
        roles = roles_recording(event_type)
        assert roles, event_type
        assert "auditor" not in roles
        assert "system" not in roles
    assert set(EVENT_STREAMS) == set(registry.types())


@pytest.mark.parametrize(
    ("stream", "kind"),
    [("round:r", "round"), ("project:r:farsta", "project"), ("round:", None),
     ("project:r", None), ("project:r:a:b", None), ("other:r", None), ("round:r:x", None)],
)  # fmt: skip
def test_stream_kinds(stream: str, kind: str | None) -> None:
    assert stream_kind(stream) == kind
    if kind is not None:
        assert stream_round(stream) == "r"
