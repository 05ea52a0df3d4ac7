"""Database-free: an imported history judged by the engine's own decisions (policies.imports),
and the one table of which stream kind each event type goes on (events.streams)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from events import (
    AllocationDecided,
    DisbursementMade,
    EventAnnulled,
    FinancialReportSubmitted,
    GrantAwarded,
    Recorded,
    registry,
)
from events.streams import EVENT_STREAMS, stream_kind, stream_round
from policies.commands import Annul, AwardGrant, Disburse, RecordAllocation, SetDeadline
from policies.imports import Problem, Replay, roles_recording
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    SKARPNACK,
    World,
    applied,
    opened,
    plan_approved,
)

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


def replay(events: list[R]) -> tuple[Replay, Problem | None]:
    """Replay until the first refusal: (the replay, its problem or None)."""
    state = Replay()
    for r in events:
        problem = state.feed(r)
        if problem is not None:
            return state, problem
    return state, state.finish()


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
    assert (problem.rule, problem.reason.code) == ("payable grant", "import.refused_by_the_engine")
    assert problem.position == forged.position
    assert state.checked == len(events) - 2  # everything before it was checked and allowed


def test_a_payment_on_a_round_stream_is_refused_by_the_stream_table() -> None:
    events = honest().events
    forged = events[-2]._replace(stream_id=ROUND, version=2)
    _, problem = replay([*events[:-2], forged])
    assert problem is not None
    assert (problem.rule, problem.reason.code) == ("streams", "import.wrong_stream")


@pytest.mark.parametrize(
    "metadata",
    [meta(actor="granskare", role="auditor"), meta(actor="x", role="district", district="farsta"),
     meta(actor="x", role="system")],
)  # fmt: skip
def test_a_role_acting_outside_its_rights_is_refused(metadata: str) -> None:
    events = honest().events
    forged = events[-2]._replace(metadata_json=metadata)
    _, problem = replay([*events[:-2], forged])
    assert problem is not None
    assert (problem.rule, problem.kind) == ("roles", "not_authorised")


def test_a_district_acts_for_its_own_project_only() -> None:
    world = honest()
    report = FinancialReportSubmitted(kind="final", spent_sek=1, forecast_sek=2)
    own = world.given(FARSTA, report, date(2014, 8, 1))
    as_farsta = own._replace(metadata_json=meta(actor="p", role="district", district="farsta"))
    as_other = own._replace(metadata_json=meta(actor="p", role="district", district="skarpnack"))
    unnamed = own._replace(metadata_json=meta(actor="p", role="district"))
    before = world.events[:-1]
    assert replay([*before, as_farsta])[1] is None
    for forged in (as_other, unnamed):
        problem = replay([*before, forged])[1]
        assert problem is not None
        assert (problem.rule, problem.kind) == ("own district only", "not_authorised")


def test_an_event_the_decision_would_not_give_is_refused() -> None:
    """A payment twice under one reference is not recorded twice; a changed deadline must
    say the date it changes from."""
    events = honest().events
    paid = events[-2]
    again = paid._replace(position=len(events) + 1, version=paid.version + 1,
                          event_key="00000000-0000-4000-8000-000000000001")  # fmt: skip
    problem = replay([*events, again])[1]
    assert problem is not None
    assert problem.rule == "recorded once"
    assert problem.message.startswith("the engine records it once only: ")
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
    assert problem.reason.code == "import.not_what_the_decision_gives"


def test_nothing_happens_in_a_round_before_it_opens() -> None:
    events = honest().events
    problem = replay(events[1:])[1]
    assert problem is not None
    assert problem.rule == "known rounds"


# -- allocations: worked out again from the inputs they keep -------------------------------


def allocation(ref: str = "SN 1", **inputs: Any) -> RecordAllocation:
    return RecordAllocation(round_id=RID, decided_on=date(2014, 2, 4), decision_ref=ref, **inputs)


def allocated(**inputs: Any) -> World:
    """Three districts applied and the round's money was shared by its rule (with ``inputs``)."""
    world = World()
    opened(world)
    applied(world, "Farsta", sek=600_000, schools=2)
    applied(world, "Skarpnäck", sek=500_000, schools=3)
    applied(world, "Älvsjö", sek=450_000, schools=1)
    world.run(allocation(**inputs), date(2014, 2, 4))
    return world


@pytest.mark.parametrize(
    "inputs",
    [{}, {"exclude": ("Älvsjö",)}, {"min_excess_sek": 200_000}, {"total_sek": 900_000}],
)
def test_an_allocation_is_worked_out_again_from_its_inputs(inputs: dict[str, Any]) -> None:
    world = allocated(**inputs)
    decision = next(r.event for r in world.events if isinstance(r.event, AllocationDecided))
    assert decision.exclude == inputs.get("exclude", ())
    assert decision.min_excess_sek == inputs.get("min_excess_sek", 0)
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)


def test_an_allocation_whose_lines_do_not_follow_from_its_inputs_is_refused() -> None:
    """The same lines under other inputs (no exclusion) are not what the rule gives."""
    world = allocated(exclude=("Älvsjö",))
    index, r = next((i, r) for i, r in enumerate(world.events)
                    if isinstance(r.event, AllocationDecided))  # fmt: skip
    forged = r._replace(event=r.event.model_copy(update={"exclude": ()}))
    _, problem = replay([*world.events[:index], forged, *world.events[index + 1 :]])
    assert problem is not None
    assert problem.reason.code == "import.not_what_the_decision_gives"
    assert problem.position == r.position


def test_a_second_allocation_that_does_not_replace_the_first_is_refused() -> None:
    """Same lines, a new reference, its awards: the engine records a new allocation only by
    annulling and replacing the standing one in the same decision."""
    world = allocated()
    first = [r for r in world.events if isinstance(r.event, AllocationDecided | GrantAwarded)]
    for r in first:
        update = {"decision_ref": "SN 2"}
        world.given(r.stream_id, r.event.model_copy(update=update), date(2014, 2, 5))
    _, problem = replay(world.events)
    assert problem is not None
    assert problem.rule == "one allocation per round"
    assert problem.event_type == "AllocationDecided"


def test_a_replacing_allocation_imports_and_its_annulments_are_part_of_it() -> None:
    world = allocated()
    world.run(allocation("SN 2", exclude=("Älvsjö",), replace=True), date(2014, 2, 10))
    kinds = [r.event_type for r in world.events[-8:]]
    assert kinds[:2] == ["EventAnnulled", "AllocationDecided"]
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)


def test_a_decision_cut_short_is_refused_at_its_first_event() -> None:
    """An allocation without the awards it records."""
    world = allocated()
    index = next(i for i, r in enumerate(world.events) if isinstance(r.event, AllocationDecided))
    _, problem = replay(world.events[: index + 2])
    assert problem is not None
    assert problem.reason.code == "import.decision_cut_short"
    assert problem.position == world.events[index].position


def test_an_annulment_of_the_allocation_annuls_its_awards_with_it() -> None:
    world = allocated()
    decision = next(r for r in world.events if isinstance(r.event, AllocationDecided))
    world.run(Annul(round_id=RID, position=decision.position, reason="fel"), date(2014, 2, 6))
    assert [r.event_type for r in world.events[-4:]] == ["EventAnnulled"] * 4
    assert replay(world.events)[1] is None
    # The allocation's annulment alone, without its awards': cut short.
    _, problem = replay(world.events[:-3])
    assert problem is not None
    assert problem.reason.code == "import.decision_cut_short"


def test_a_v1_allocation_reads_its_exclusions_back_from_its_lines() -> None:
    world = allocated(exclude=("Älvsjö",))
    decision = next(r.event for r in world.events if isinstance(r.event, AllocationDecided))
    data = decision.model_dump(mode="json", exclude={"exclude", "min_excess_sek"})
    old = registry.decode("AllocationDecided", 1, data)
    assert old == decision


# -- annulments: the engine's annulment decision, nothing else -----------------------------


def paid_in_full() -> World:
    world = honest()
    world.run(
        Disburse(round_id=RID, district="Farsta", amount_sek=300_000, payment_reference="U-2"),
        date(2014, 4, 2),
    )
    return world


def annulled(world: World, position: int, on: date = date(2014, 4, 3)) -> list[R]:
    """``world``'s events and a forged annulment of the event at ``position``."""
    target = next(r for r in world.events if r.position == position)
    stream = target.stream_id
    world.given(stream, EventAnnulled(annulled_event_id=target.event_id, reason="fel"), on)
    return world.events


@pytest.mark.parametrize("what", ["GrantAwarded", "PlanApproved"])
def test_an_annulment_the_engine_refuses_is_refused(what: str) -> None:
    """Annulling a fully paid award, or the plan approval payments relied on."""
    world = paid_in_full()
    target = next(r for r in world.events if r.event_type == what)
    events = annulled(world, target.position)
    _, problem = replay(events)
    assert problem is not None
    assert problem.reason.code == "import.refused_by_the_engine"
    assert problem.position == events[-1].position
    assert problem.rule in ("money stays consistent after an annulment",
                            "payments stay allowed after an annulment",
                            "lifecycle stays legal")  # fmt: skip


def test_an_annulment_the_engine_allows_imports() -> None:
    world = honest()
    deadline = world.events[-1]
    annulled(world, deadline.position, on=date(2014, 3, 22))
    assert replay(world.events)[1] is None
    assert SKARPNACK  # the second district is on record and untouched


def test_every_event_type_has_its_stream_kinds_and_its_roles() -> None:
    for event_type in registry.types():
        assert EVENT_STREAMS[event_type], event_type
        assert stream_kind(f"round:{RID}") == "round"
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


def test_an_event_dated_after_it_was_recorded_is_refused() -> None:
    """The engine records what has happened, when it has ("no future dates"): an imported
    payment that happened on 20 March but was recorded on 10 March could not have been
    recorded by it, though it was payable on its own date. The same payment recorded on its
    day imports."""
    events = honest().events
    paid = events[-2]
    assert isinstance(paid.event, DisbursementMade)
    early = datetime(2014, 3, 10, 12, tzinfo=UTC)
    state, problem = replay([*events[:-2], paid._replace(recorded_at=early)])
    assert problem is not None
    assert problem.rule == "no future dates"
    assert problem.reason.code == "import.refused_by_the_engine"
    assert problem.reason["rule"].code == "date.in_future"
    assert problem.position == paid.position
    assert state.checked == len(events) - 2
    on_its_day = datetime(2014, 3, 20, 23, 59, tzinfo=UTC)  # 21 March in Stockholm
    assert replay([*events[:-2], paid._replace(recorded_at=on_its_day)])[1] is None
