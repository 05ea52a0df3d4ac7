"""Governance, database-free (issue 21): recusal (jäv) of a steering-group member tied to a
district, and decisions kept as records (body, day, diary number, minutes), old events
included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import pytest
from pydantic import ValidationError

from events import (
    AllocationDecided,
    AllocationLine,
    GrantAwarded,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    RoleGranted,
    registry,
)
from policies.commands import AwardGrant, DecidePlan, Disburse, RecordAllocation
from policies.decision_records import decision_records, record_of
from policies.decisions import Refusal
from policies.grants import Grant, decide_grant, fold_grants
from policies.imports import command_for
from policies.recusal import RECUSED, check_recusal, recused_from
from policies.state import fold_project, fold_round
from ppss_workflow.words import english as en
from ppss_workflow.words import say
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    TODAY,
    World,
    applied,
    awarded,
    opened,
    types_of,
)


class _R(NamedTuple):
    position: int
    event: Any
    recorded_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)


DIRECTOR = "stadsdelsdirektor@farsta.example.org"
TIED = Grant(DIRECTOR, "steering_group", None, 1, tied_to="Farsta")
UNTIED = Grant("forvaltningschef@socialforvaltningen.example.org", "steering_group", None, 2)


def _decide(district: str, approve: bool = True) -> DecidePlan:
    return DecidePlan(
        round_id=RID,
        district=district,
        plan_id="p",
        approve=approve,
        meeting_on=date(2014, 3, 10),
        reason=None if approve else "Saknar budget per skola",
    )


# -- recusal ------------------------------------------------------------------------------


@pytest.mark.parametrize("approve", [True, False])
def test_a_member_tied_to_a_district_may_not_decide_its_plan(approve: bool) -> None:
    """Approving or returning the plan of one's own district is refused, naming the rule
    (jäv) in Swedish; nothing else is refused."""
    with pytest.raises(Refusal) as caught:
        check_recusal(_decide("Farsta", approve), "steering_group", TIED)
    refusal = caught.value
    assert refusal.reason is not None
    assert refusal.reason.code == RECUSED.code
    assert refusal.rule == "recusal (jäv)"
    assert refusal.kind == "condition"
    assert refusal.reason == RECUSED(member=DIRECTOR, district="Farsta")
    assert (en(refusal.reason), refusal.command, refusal.project, refusal.state) == (
        f"conflict of interest: {DIRECTOR} is tied to Farsta and takes no part in deciding "
        "that district's matters; the other members of the steering group decide",
        "plan decision",
        "farsta",
        "member tied to farsta",
    )
    words = say(refusal.reason, "sv")
    assert words.startswith("jäv: ")
    assert DIRECTOR in words
    assert "Farsta" in words
    assert "conflict of interest" in say(refusal.reason, "en")


def test_the_tie_is_read_by_the_district_whatever_its_spelling() -> None:
    """A tie written "farsta" or "FARSTA" is the same district."""
    for spelling in ("farsta", "FARSTA", " Farsta "):
        member = Grant(DIRECTOR, "steering_group", None, 1, tied_to=spelling)
        assert recused_from("Farsta", "steering_group", member) is not None


@pytest.mark.parametrize(
    ("district", "role", "member"),
    [
        ("Rinkeby-Kista", "steering_group", TIED),  # another district: they decide
        ("Farsta", "steering_group", UNTIED),  # a member tied to no district
        ("Farsta", "steering_group", None),  # no grant on record (the shared sign-in)
        ("Farsta", "coordinator", TIED),  # not acting in the steering group
        ("Farsta", "steering_group", Grant(DIRECTOR, "coordinator", None, 3)),  # another role
    ],
)
def test_who_is_not_recused(district: str, role: str, member: Grant | None) -> None:
    assert recused_from(district, role, member) is None
    check_recusal(_decide(district), role, member)  # no refusal


def test_a_command_about_no_district_is_not_divided_by_district() -> None:
    allocation = RecordAllocation(round_id=RID, decided_on=date(2014, 2, 4), decision_ref="SN")
    check_recusal(allocation, "steering_group", TIED)


def test_recusal_covers_every_project_command_the_member_gives() -> None:
    """Not only the plan: any steering-group decision about that district (here a command
    the role could not give anyway: the rule does not depend on the command's kind)."""
    pay = Disburse(round_id=RID, district="Farsta", amount_sek=1, payment_reference="U-1")
    with pytest.raises(Refusal):
        check_recusal(pay, "steering_group", TIED)


def test_a_tie_is_on_the_grant_and_only_a_steering_group_member_has_one() -> None:
    event = RoleGranted(email=DIRECTOR, role="steering_group", tied_to="Farsta")
    grants = fold_grants([_R(1, event)])
    assert grants[DIRECTOR].tied_to == "Farsta"
    # The same grant again is "held already"; a new tie is a new grant.
    assert decide_grant(grants, "coordinator", event) is None
    moved = RoleGranted(email=DIRECTOR, role="steering_group", tied_to="Rinkeby-Kista")
    assert decide_grant(grants, "coordinator", moved) == moved
    untied = RoleGranted(email=DIRECTOR, role="steering_group")
    assert decide_grant(grants, "coordinator", untied) == untied
    with pytest.raises(ValidationError, match="steering-group member"):
        RoleGranted(email=DIRECTOR, role="coordinator", tied_to="Farsta")
    with pytest.raises(ValidationError, match="steering-group member"):
        RoleGranted(email=DIRECTOR, role="district", district="Farsta", tied_to="Farsta")


def test_a_v1_grant_reads_as_tied_to_no_district() -> None:
    grant = registry.decode("RoleGranted", 1, {"email": DIRECTOR, "role": "steering_group"})
    assert isinstance(grant, RoleGranted)
    assert grant.tied_to is None
    assert RoleGranted.schema_version == 2


# -- decisions as records ------------------------------------------------------------------


def test_old_decisions_read_with_the_record_not_recorded() -> None:
    """Events stored before the record existed still read: the new fields are None."""
    award = registry.decode(
        "GrantAwarded", 1, {"amount_sek": 5, "decision_ref": "SN 1", "decided_on": "2014-02-04"}
    )
    assert award == GrantAwarded(amount_sek=5, decision_ref="SN 1", decided_on=date(2014, 2, 4))
    assert (award.decided_by, award.diary_number, award.minutes_ref) == (None, None, None)
    approved = registry.decode("PlanApproved", 1, {"plan_id": "p", "meeting_on": "2014-03-10"})
    assert approved == PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10))
    rejected = registry.decode(
        "PlanRejected", 1, {"plan_id": "p", "meeting_on": "2014-03-10", "reason": "Nej"}
    )
    assert isinstance(rejected, PlanRejected)
    assert rejected.minutes_ref is None
    v2 = {
        "decided_by": "Socialnämnden", "decided_on": "2014-02-04", "decision_ref": "SN",
        "method": "per-school-with-remainder", "method_version": 1, "total_sek": 10,
        "lines": [], "unallocated_sek": 10, "exclude": [], "min_excess_sek": 0,
    }  # fmt: skip
    allocation = registry.decode("AllocationDecided", 2, v2)
    assert isinstance(allocation, AllocationDecided)
    assert (allocation.diary_number, allocation.minutes_ref) == (None, None)
    assert (GrantAwarded.schema_version, PlanApproved.schema_version) == (2, 2)
    assert AllocationDecided.schema_version == 3


def test_a_reference_is_one_line() -> None:
    with pytest.raises(ValidationError):
        PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10), minutes_ref="§ 1\n§ 2")
    with pytest.raises(ValidationError):
        GrantAwarded(amount_sek=1, decision_ref="SN", decided_on=TODAY, diary_number="  ")


def _round_with_plan(world: World) -> None:
    opened(world)
    applied(world, "Farsta")
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))


def test_an_award_records_its_body_day_diary_number_and_minutes() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    recorded = world.run(
        AwardGrant(
            round_id=RID,
            district="Farsta",
            amount_sek=500_000,
            decision_ref="SN 2014-02-04",
            decided_on=date(2014, 2, 4),
            decided_by="Socialnämnden",
            diary_number="1.5.1-0000/2014",
            minutes_ref="Protokoll 2014-02-04, § 7",
        ),
        TODAY,
    )
    award = recorded[0].event
    assert isinstance(award, GrantAwarded)
    assert (award.decided_by, award.decided_on, award.diary_number, award.minutes_ref) == (
        "Socialnämnden",
        date(2014, 2, 4),
        "1.5.1-0000/2014",
        "Protokoll 2014-02-04, § 7",
    )
    (record,) = decision_records(fold_project(FARSTA, world.stream(FARSTA)), None)
    assert record.kind == "award"
    assert record.complete
    assert record.amount_sek == 500_000


def test_an_allocation_is_the_record_of_the_awards_it_makes() -> None:
    """The awards an allocation records carry no record of their own (so an old export
    replays to the same events); they are read through the allocation."""
    world = World()
    opened(world, budget=1_000_000)
    applied(world, "Farsta", sek=600_000, schools=2)
    recorded = world.run(
        RecordAllocation(
            round_id=RID,
            decided_on=date(2014, 2, 4),
            decision_ref="SN 2014-02-04",
            diary_number="1.5.1-0000/2014",
            minutes_ref="Protokoll 2014-02-04, § 7",
        ),
        TODAY,
    )
    assert types_of(recorded) == ["AllocationDecided", "GrantAwarded"]
    decision, award = (r.event for r in recorded)
    assert isinstance(decision, AllocationDecided)
    assert isinstance(award, GrantAwarded)
    assert decision.diary_number == "1.5.1-0000/2014"
    assert (award.decided_by, award.diary_number, award.minutes_ref) == (None, None, None)
    rnd = fold_round(world.stream(ROUND))
    (record,) = decision_records(fold_project(FARSTA, world.stream(FARSTA)), rnd)
    assert (record.body, record.diary_number, record.minutes_ref) == (
        "Socialnämnden",
        "1.5.1-0000/2014",
        "Protokoll 2014-02-04, § 7",
    )
    # An import rebuilds the same command from the decision, record included.
    rebuilt = command_for(decision, RID, "", None)
    assert isinstance(rebuilt, RecordAllocation)
    assert (rebuilt.diary_number, rebuilt.minutes_ref) == (
        decision.diary_number,
        decision.minutes_ref,
    )


def test_a_plan_decision_records_its_minutes_and_is_rebuilt_by_an_import() -> None:
    world = World()
    _round_with_plan(world)
    command = _decide("Farsta").model_copy(
        update={"diary_number": "SG 3/2014", "minutes_ref": "Styrgruppens protokoll, § 4"}
    )
    (recorded,) = world.run(command, TODAY)
    event = recorded.event
    assert isinstance(event, PlanApproved)
    assert (event.decided_by, event.diary_number, event.minutes_ref) == (
        "styrgruppen",
        "SG 3/2014",
        "Styrgruppens protokoll, § 4",
    )
    assert command_for(event, RID, "Farsta", None) == command.model_copy(update={"on": None})
    record = record_of(event)
    assert record is not None
    assert record.kind == "plan_approved"
    assert record.complete


def test_an_old_award_without_a_record_says_so() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, FARSTA, 100_000)
    (record,) = decision_records(fold_project(FARSTA, world.stream(FARSTA)), None)
    assert (record.body, record.diary_number, record.minutes_ref) == (None, None, None)
    assert not record.complete


def test_a_rejection_is_a_record_too() -> None:
    world = World()
    _round_with_plan(world)
    (recorded,) = world.run(_decide("Farsta", approve=False), TODAY)
    (record,) = decision_records(fold_project(FARSTA, world.stream(FARSTA)), None)
    assert record.kind == "plan_rejected"
    assert record.position == recorded.position


def test_allocation_line_is_exported() -> None:
    """(The record's fields sit beside an allocation's lines, which still add up.)"""
    line = AllocationLine(
        district="Farsta", schools=1, applied_sek=5, base_sek=5, share_sek=0, allocated_sek=5
    )
    with pytest.raises(ValidationError, match="do not add up"):
        AllocationDecided(
            decided_by="Socialnämnden", decided_on=TODAY, decision_ref="SN", method="m",
            method_version=1, total_sek=6, lines=(line,), unallocated_sek=0,
            diary_number="1/2014",
        )  # fmt: skip


# -- imports judge recusal as the engine does ----------------------------------------------


def _history_with_member(actor: str) -> list[Any]:
    """The honest history of tests/unit/test_imports.py, with the Farsta director's grant
    recorded first and the plan approval given by ``actor``."""
    from tests.unit.test_imports import honest, meta  # noqa: PLC0415 - a sibling's scenario

    world = World()
    world.given(
        "access", RoleGranted(email=DIRECTOR, role="steering_group", tied_to="Farsta"),
        date(2013, 4, 15), actor="samordnare@example.org",
    )  # fmt: skip
    story = honest()
    for r in story.events:
        given = world.given(r.stream_id, r.event, r.occurred_at, actor="test")
        if r.event_type == "PlanApproved":
            world.events[-1] = given._replace(
                metadata_json=meta(actor=actor, role="steering_group")
            )
    return world.events


def test_an_import_refuses_a_plan_decided_by_a_member_tied_to_the_district() -> None:
    from tests.unit.test_imports import replay  # noqa: PLC0415 - a sibling's helper

    _, problem = replay(_history_with_member(DIRECTOR))
    assert problem is not None
    assert problem.rule == "recusal (jäv)"
    assert problem.reason["rule"] == RECUSED(member=DIRECTOR, district="Farsta")
    _, problem = replay(_history_with_member("forvaltningschef@socialforvaltningen.example.org"))
    assert problem is None, problem
    _, problem = replay(_history_with_member(f"token:{DIRECTOR.upper()}"))
    assert problem is not None
    assert problem.rule == "recusal (jäv)"
