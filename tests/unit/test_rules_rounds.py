"""Round rules, allocation and annulments, without a database: given events, when a command
on a day, then the events it records or the refusal, word for word where a person acts on it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar, Literal
from uuid import UUID

import pytest

from events import (
    AllocationDecided,
    ApplicationWithdrawn,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    EventAnnulled,
    GrantAwarded,
    LadderStep,
    NetworkSessionScheduled,
    PlanApproved,
    PlanSubmitted,
    ReminderLadderSet,
    RepaymentDemanded,
    RepaymentReceived,
    RoundClosed,
    RoundDeadline,
    RoundOpened,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
)
from policies.allocation import AllocationInputError, DistrictRequest, allocate
from policies.commands import (
    Annul,
    CloseRound,
    Command,
    DemandRepayment,
    LadderRung,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    RestatedApplication,
    ScheduleSession,
    SetDeadline,
    SetLadder,
    SubmitFinancialReport,
    SubmitPlan,
)
from policies.decisions import (
    NO_BUDGET,
    NO_PERIOD,
    Decision,
    Refusal,
    View,
    authorise,
    command_day,
    command_moment,
    decide,
)
from policies.registry import POLICIES, UnknownPolicy, policy_for
from policies.state import STOCKHOLM, fold_round, start_of_day
from tests.unit.said import en, one_line, said_line
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    SKARPNACK,
    TODAY,
    World,
    annul_payment,
    applied,
    awarded,
    noon,
    opened,
    plan_approved,
    refused,
)

ALVSJO = f"project:{RID}:alvsjo"
NBSP = "\u00a0"


# -- given --------------------------------------------------------------------------------


def paid(
    world: World,
    stream: str,
    sek: int,
    ref: str,
    on: date = date(2014, 3, 20),
    purpose: Literal["grant", "supervision"] = "grant",
) -> Any:
    return world.given(
        stream, DisbursementMade(amount_sek=sek, purpose=purpose, payment_reference=ref), on
    )


def session(world: World, sid: str, starts_at: datetime) -> Any:
    return world.given(
        ROUND,
        NetworkSessionScheduled(session_id=sid, title="Nätverk", starts_at=starts_at),
        date(2014, 2, 4),
    )


@pytest.fixture
def world() -> World:
    w = World()
    opened(w)
    applied(w, "Farsta")
    applied(w, "Skarpnäck", 600_000, 2)
    return w


def events_of(decision: Decision) -> list[tuple[str, Any]]:
    return [(stream, event) for stream, events in decision.appends for event in events]


def decided_in(decision: Decision) -> AllocationDecided:
    """The allocation decision a decision records on the round."""
    (decided,) = dict(decision.appends)[ROUND]
    assert isinstance(decided, AllocationDecided)
    return decided


def opening(**fields: Any) -> OpenRound:
    base: dict[str, Any] = {
        "round_id": RID,
        "title": "Runda",
        "budget_sek": 1_000_000,
        "period_start": date(2014, 1, 1),
        "period_end": date(2014, 12, 31),
        "policy": "ppss-2014",
        # Version 1 takes any numbers (the mechanics of opening); version 2 holds seed
        # 000's (tests/unit/test_rules_seeds.py).
        "policy_version": 1,
    }
    return OpenRound(**{**base, **fields})


def allocation(**fields: Any) -> RecordAllocation:
    base: dict[str, Any] = {"round_id": RID, "decided_on": date(2014, 2, 4), "decision_ref": "SN 1"}
    return RecordAllocation(**{**base, **fields})


# -- who may, and when ----------------------------------------------------------------------


class _DistrictRoundCommand(Command):
    """A round command a district may give (none ships): it names no district."""

    roles: ClassVar[tuple[str, ...]] = ("district",)
    verb: ClassVar[str] = "test"


def test_a_refused_role_is_told_who_may() -> None:
    """The refusal names the roles the command is for, and the role that asked."""
    with pytest.raises(Refusal) as caught:
        authorise(CloseRound(round_id=RID, reason="x"), "auditor", None)
    assert said_line(caught.value) == (
        "the auditor role may not close a round; that is for: coordinator "
        "[round close; r; acting as auditor; rule: roles]"
    )
    assert caught.value.kind == "not_authorised"
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    with pytest.raises(Refusal) as caught:
        authorise(plan, "steering_group", None)
    assert en(caught.value.reason) == (
        "the steering group role may not submit plans; that is for: district and coordinator"
    )
    assert caught.value.project == "r:farsta"


def test_a_district_is_refused_another_districts_project_and_the_round() -> None:
    """Acting for Skärpnäck, or for nobody, a district may not act on Farsta's project."""
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    with pytest.raises(Refusal) as caught:
        authorise(plan, "district", "skarpnack")
    assert said_line(caught.value) == (
        "acting for district skarpnack, you may not act on the project of farsta [plan submit; "
        "r:farsta; acting for skarpnack; rule: own district only]"
    )
    assert caught.value.kind == "not_authorised"
    with pytest.raises(Refusal) as caught:
        authorise(plan, "district", None)
    assert en(caught.value.reason) == (
        "acting for district , you may not act on the project of farsta"
    )
    with pytest.raises(Refusal) as caught:
        authorise(_DistrictRoundCommand(round_id=RID), "district", "farsta")
    assert en(caught.value.reason) == (
        "acting for district farsta, you may not act on the project of "
    )
    assert caught.value.project == "r"
    authorise(plan, "coordinator", None)


def test_a_command_without_a_decision_is_a_type_error() -> None:
    """Every shipped command has a decider; anything else is a programming error."""
    with pytest.raises(TypeError, match=r"^no decision for _DistrictRoundCommand$"):
        decide(_DistrictRoundCommand(round_id=RID), View(round=None, day=TODAY))


def test_network_records_and_sessions_are_dated_by_the_stockholm_day() -> None:
    """A session at 00:30 in Stockholm is on that Stockholm day (the day before in UTC)."""
    world = World()
    opened(world)
    early = datetime(2014, 3, 12, 0, 30, tzinfo=STOCKHOLM)
    session(world, "n1", early)
    rnd = fold_round(world.stream(ROUND))
    for outcome in ("attended", "absent"):
        record = RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome=outcome)
        assert command_day(record, rnd, TODAY) == date(2014, 3, 12)
        assert command_moment(record, rnd, noon(TODAY)) == early  # the meeting's own time
    make_up = RecordNetwork(
        round_id=RID, district="Farsta", session_id="n1", outcome="make-up", note="Extra"
    )
    assert command_day(make_up, rnd, TODAY) == TODAY
    unknown = RecordNetwork(round_id=RID, district="Farsta", session_id="nx", outcome="attended")
    assert command_day(unknown, rnd, TODAY) == TODAY
    attend = RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome="attended")
    assert command_day(attend, None, TODAY) == TODAY
    schedule = ScheduleSession(round_id=RID, session_id="n2", title="T", starts_at=early)
    assert command_day(schedule, None, TODAY) == date(2014, 3, 12)
    # a session scheduled ahead is recorded today
    ahead = schedule.model_copy(update={"starts_at": datetime(2015, 3, 12, tzinfo=STOCKHOLM)})
    assert command_day(ahead, None, TODAY) == TODAY


def test_the_moment_is_now_only_for_an_undated_command_of_today() -> None:
    """Undated: now; dated (even today), or a session's day: start of day; a record of the
    session: its own time, never after now."""
    world = World()
    opened(world)
    now = datetime.combine(TODAY, time(0, 30), tzinfo=STOCKHOLM)  # the day before in UTC
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    assert command_moment(plan, None, now) == now
    dated = plan.model_copy(update={"on": TODAY})
    assert command_moment(dated, None, now) == start_of_day(TODAY)
    earlier = plan.model_copy(update={"on": date(2014, 3, 1)})
    assert command_moment(earlier, None, now) == start_of_day(date(2014, 3, 1))
    session(world, "n1", datetime.combine(TODAY, time(8), tzinfo=STOCKHOLM))
    rnd = fold_round(world.stream(ROUND))
    for outcome in ("attended", "absent"):
        record = RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome=outcome)
        assert command_moment(record, rnd, now) == now  # 00:30, before the 08:00 meeting
    exemption = RecordNetwork(
        round_id=RID, district="Farsta", session_id="n1", outcome="exemption", note="Sjuk"
    )
    assert command_moment(exemption, rnd, now) == now
    unknown = RecordNetwork(round_id=RID, district="Farsta", session_id="nx", outcome="absent")
    assert command_moment(unknown, rnd, now) == now
    later = ScheduleSession(
        round_id=RID,
        session_id="n2",
        title="T",
        starts_at=datetime(2014, 12, 20, tzinfo=STOCKHOLM),
    )
    assert command_moment(later, rnd, now) == start_of_day(TODAY)
    assert command_moment(later, rnd, now).astimezone(UTC).date() == date(2014, 12, 14)


# -- opening a round ------------------------------------------------------------------------


def test_a_round_opens_with_everything_it_was_given() -> None:
    """Every field of the command is on the RoundOpened, the 2014 cap by default."""
    cmd = opening(
        supervision_pool_sek=200_000,
        application_deadline=date(2013, 5, 31),
        deadlines=(("t2", date(2014, 9, 1), "T2-rapport"),),
        on=date(2013, 5, 2),
    )
    decision = World().decide(cmd, TODAY)
    assert events_of(decision) == [
        (
            ROUND,
            RoundOpened(
                round_id=RID,
                title="Runda",
                budget_sek=1_000_000,
                supervision_pool_sek=200_000,
                supervision_cap_sek=25_000,
                period_start=date(2014, 1, 1),
                period_end=date(2014, 12, 31),
                application_deadline=date(2013, 5, 31),
                policy_name="ppss-2014",
                policy_version=1,
                deadlines=(
                    RoundDeadline(code="t2", due_on=date(2014, 9, 1), description="T2-rapport"),
                ),
            ),
        )
    ]


def test_the_supervision_cap_defaults_to_the_policy_only_with_a_pool() -> None:
    """No pool: no cap; 2018: no cap; a cap equal to the pool is allowed; above it is not."""

    def cap(**fields: Any) -> int | None:
        (event,) = World().decide(opening(**fields), TODAY).appends[0][1]
        assert isinstance(event, RoundOpened)
        return event.supervision_cap_sek

    assert cap() == 0
    assert cap(supervision_pool_sek=200_000, policy="sst-2018") == 0
    assert cap(supervision_pool_sek=25_000) == 25_000
    assert cap(supervision_pool_sek=1, supervision_cap_sek=1) == 1
    assert cap(supervision_pool_sek=30_000, supervision_cap_sek=0) == 0
    no = refused(World(), opening(supervision_pool_sek=24_999))
    assert one_line(no) == (
        f"a supervision cap of 25{NBSP}000 kr per project is more than the pool of "
        f"24{NBSP}999 kr [round open; r; no round as of 2014-12-15; "
        "rule: supervision cap within pool]"
    )
    assert no.kind == "invalid"
    explicit = refused(World(), opening(supervision_pool_sek=10, supervision_cap_sek=11))
    assert en(explicit.reason) == (
        "a supervision cap of 11 kr per project is more than the pool of 10 kr"
    )


def test_a_round_opens_once_under_a_known_policy_and_not_in_the_future() -> None:
    """Opened twice, an unknown policy version, a future date: refused, saying what to do."""
    world = World()
    opened(world)
    twice = refused(world, opening())
    assert one_line(twice) == (
        "round r is already open [round open; r; round open as of 2014-12-15; rule: round opens "
        "once]"
    )
    assert twice.kind == "invalid"
    unknown = refused(World(), opening(policy_version=3))
    assert one_line(unknown) == (
        "unknown rules ppss-2014 v3; use one of ppss-2014 (v1), ppss-2014 (v2), ppss-2016 (v1), "
        "ppss-2016 (v2), sst-2018 (v1) and sst-2018 (v2) [round open; r; no round as of "
        "2014-12-15; rule: known policies]"
    )
    assert unknown.kind == "invalid"
    future = refused(World(), opening(on=date(2014, 12, 16)))
    assert one_line(future) == (
        "2014-12-16 is in the future: record what has happened, when it has "
        "[round open; r; no round as of 2014-12-15; rule: no future dates]"
    )
    assert future.kind == "invalid"
    assert World().decide(opening(on=TODAY), TODAY).appends[0][0] == ROUND
    malformed = refused(World(), opening(period_end=date(2013, 12, 31)))
    assert malformed.rule == "well-formed input"
    assert malformed.kind == "invalid"
    assert en(malformed.reason) == (
        "the input is not well-formed: -: Value error, period_end is before period_start"
    )


# -- deadlines, sessions, ladders, closing -----------------------------------------------------


def test_a_new_deadline_is_set_and_a_known_one_is_changed(world: World) -> None:
    """New code: DeadlineSet; known code: DeadlineChanged from the old date; same date refused."""
    cmd = SetDeadline(
        round_id=RID, code="t2", due_on=date(2014, 9, 1), reason="Beslut", description="T2"
    )
    assert events_of(world.decide(cmd, TODAY)) == [
        (ROUND, DeadlineSet(code="t2", due_on=date(2014, 9, 1), reason="Beslut", description="T2"))
    ]
    world.run(cmd, TODAY)
    moved = cmd.model_copy(update={"due_on": date(2014, 9, 15), "reason": "Flyttad"})
    assert events_of(world.decide(moved, TODAY)) == [
        (
            ROUND,
            DeadlineChanged(
                code="t2",
                previous_due_on=date(2014, 9, 1),
                due_on=date(2014, 9, 15),
                reason="Flyttad",
            ),
        )
    ]
    same = refused(world, cmd)
    assert one_line(same) == (
        "the deadline t2 follow-up and financial report is already 2014-09-01; nothing to "
        "change [round deadline; r; round open as of 2014-12-15; rule: a change changes "
        "something]"
    )
    assert same.kind == "invalid"
    other = cmd.model_copy(update={"code": "final"})
    assert isinstance(events_of(world.decide(other, TODAY))[0][1], DeadlineSet)


def test_a_session_is_scheduled_once_within_the_period(world: World) -> None:
    """One session per id, held within the round's period (both ends included)."""
    first = datetime(2014, 1, 1, 0, 30, tzinfo=STOCKHOLM)
    cmd = ScheduleSession(round_id=RID, session_id="n1", title="Nätverk", starts_at=first)
    assert events_of(world.decide(cmd, TODAY)) == [
        (
            ROUND,
            NetworkSessionScheduled(
                session_id="n1", title="Nätverk", starts_at=first, mandatory=True
            ),
        )
    ]
    optional = cmd.model_copy(update={"mandatory": False})
    (_, event) = events_of(world.decide(optional, TODAY))[0]
    assert event.mandatory is False
    last = cmd.model_copy(update={"starts_at": datetime(2014, 12, 31, 23, 30, tzinfo=STOCKHOLM)})
    assert events_of(world.decide(last, date(2015, 1, 2)))
    after = cmd.model_copy(update={"starts_at": datetime(2015, 1, 1, 0, 30, tzinfo=STOCKHOLM)})
    no = refused(world, after)
    assert one_line(no) == (
        "2015-01-01 is outside round r (2014-01-01 to 2014-12-31); check the date "
        "[network schedule; r; round open as of 2014-12-15; "
        "rule: sessions within the round's period]"
    )
    assert no.kind == "invalid"
    before = cmd.model_copy(update={"starts_at": datetime(2013, 12, 31, 23, 30, tzinfo=STOCKHOLM)})
    assert refused(world, before).rule == "sessions within the round's period"
    world.run(cmd, TODAY)
    again = refused(world, cmd.model_copy(update={"title": "Igen"}))
    assert one_line(again) == (
        "session n1 is already scheduled in r [network schedule; r; round open as of "
        "2014-12-15; rule: one session per id]"
    )
    assert again.kind == "invalid"


def test_a_ladder_is_recorded_step_by_step(world: World) -> None:
    """The rungs become LadderSteps on a ReminderLadderSet, with obligation and reason."""
    rungs = (
        LadderRung(step="first", offset_working_days=-5, recipient_role="district"),
        LadderRung(step="late", offset_working_days=3, recipient_role="coordinator"),
    )
    cmd = SetLadder(round_id=RID, steps=rungs, reason="Rutin", obligation="t2")
    assert events_of(world.decide(cmd, TODAY)) == [
        (
            ROUND,
            ReminderLadderSet(
                obligation="t2",
                steps=(
                    LadderStep(step="first", offset_working_days=-5, recipient_role="district"),
                    LadderStep(step="late", offset_working_days=3, recipient_role="coordinator"),
                ),
                reason="Rutin",
            ),
        )
    ]
    bad = cmd.model_copy(
        update={
            "steps": (LadderRung(step="x", offset_working_days=999, recipient_role="district"),)
        }
    )
    no = refused(world, bad)
    assert (no.rule, no.kind) == ("well-formed input", "invalid")
    assert en(no.reason) == ("the input is not well formed: `offset_working_days` is too large")
    unordered = cmd.model_copy(update={"steps": rungs[::-1]})
    assert en(refused(world, unordered).reason) == (
        "the input is not well-formed: -: Value error, ladder steps must be in order of their "
        "offsets, each once"
    )
    world.run(CloseRound(round_id=RID, reason="Klar"), TODAY)
    assert refused(world, cmd).rule == "round lifecycle"


def test_a_round_closes_once(world: World) -> None:
    """Closing records RoundClosed with its reason; a closed round refuses round commands."""
    cmd = CloseRound(round_id=RID, reason="Klar")
    assert events_of(world.decide(cmd, TODAY)) == [(ROUND, RoundClosed(reason="Klar"))]
    world.run(cmd, TODAY)
    no = refused(world, cmd)
    assert one_line(no) == (
        "round r is closed: it takes no more reports or payments [round close; r; "
        "round closed as of 2014-12-15; rule: round lifecycle]"
    )
    assert no.kind == "condition"
    session_cmd = ScheduleSession(
        round_id=RID, session_id="n", title="T", starts_at=datetime(2014, 3, 1, tzinfo=STOCKHOLM)
    )
    assert refused(world, session_cmd).rule == "round lifecycle"


def test_a_round_command_needs_a_round_on_record() -> None:
    """No round: not found, with the command that lists the rounds."""
    no = refused(World(), CloseRound(round_id=RID, reason="Klar"))
    assert one_line(no) == (
        "no round r on record; `ppss round list` shows the rounds [round close; r; no round as "
        "of 2014-12-15; rule: known rounds]"
    )
    assert no.kind == "not_found"


# -- allocation -------------------------------------------------------------------------------


def test_the_allocation_takes_standing_applications_in_the_order_they_came() -> None:
    """A withdrawn application gets nothing; a re-application counts from its new position."""
    world = World()
    opened(world)
    applied(world, "Farsta", 1_400_000, 4)
    applied(world, "Skarpnäck", 600_000, 2)
    applied(world, "Älvsjö", 600_000, 2)
    world.given(ALVSJO, ApplicationWithdrawn(reason="Inte i år"), date(2013, 6, 1))
    world.given(FARSTA, ApplicationWithdrawn(reason="Fel"), date(2013, 6, 1))
    applied(world, "Farsta", 1_400_000, 4, on=date(2013, 6, 2))
    decision = world.decide(allocation(), TODAY)
    decided = decided_in(decision)
    assert isinstance(decided, AllocationDecided)
    assert [(line.district, line.allocated_sek) for line in decided.lines] == [
        ("Skarpnäck", 333_333),
        ("Farsta", 666_667),
    ]
    assert ALVSJO not in dict(decision.appends)


def test_an_allocation_decision_records_the_rule_and_every_line(world: World) -> None:
    """The decision names the method and adds up; each district is awarded its line."""
    decision = world.decide(allocation(decided_by="Nämnden"), TODAY)
    assert events_of(decision) == [
        (
            ROUND,
            AllocationDecided(
                decided_by="Nämnden",
                decided_on=date(2014, 2, 4),
                decision_ref="SN 1",
                method="per-school-with-remainder",
                method_version=1,
                total_sek=1_000_000,
                lines=decided_in(decision).lines,
                unallocated_sek=0,
            ),
        ),
        (
            FARSTA,
            GrantAwarded(amount_sek=666_667, decision_ref="SN 1", decided_on=date(2014, 2, 4)),
        ),
        (
            SKARPNACK,
            GrantAwarded(amount_sek=333_333, decision_ref="SN 1", decided_on=date(2014, 2, 4)),
        ),
    ]
    farsta, skarpnack = decided_in(decision).lines
    assert (farsta.schools, farsta.applied_sek, farsta.base_sek, farsta.share_sek) == (
        4,
        1_400_000,
        666_664,
        3,
    )
    assert (skarpnack.schools, skarpnack.applied_sek, skarpnack.base_sek) == (2, 600_000, 333_332)


def test_money_left_over_is_recorded_as_unallocated() -> None:
    """Applied for 150 000 kr out of 1 000 000 kr: 850 000 kr unallocated, total stays."""
    world = World()
    opened(world)
    applied(world, "Farsta", 100_000, 4)
    applied(world, "Skarpnäck", 50_000, 2)
    decided = decided_in(world.decide(allocation(), TODAY))
    assert (decided.total_sek, decided.unallocated_sek) == (1_000_000, 850_000)
    assert [line.allocated_sek for line in decided.lines] == [100_000, 50_000]


def test_the_allocation_shares_a_given_total_within_the_budget(world: World) -> None:
    """A smaller total is shared as given; more than the budget is refused."""
    decided = decided_in(world.decide(allocation(total_sek=600_000), TODAY))
    assert decided.total_sek == 600_000
    assert [line.allocated_sek for line in decided.lines] == [400_000, 200_000]
    assert world.decide(allocation(total_sek=1_000_000), TODAY).appends
    no = refused(world, allocation(total_sek=1_000_001))
    assert one_line(no) == (
        f"the allocation shares 1{NBSP}000{NBSP}001 kr but the round's budget is "
        f"1{NBSP}000{NBSP}000 kr [allocate --record; r; round open as of 2014-12-15; "
        "rule: total awarded within the budget]"
    )


def test_exclusion_and_minimum_excess_reach_the_rule(world: World) -> None:
    """Excluded, or with an excess under the minimum, Skarpnäck gets no share of the rest."""
    for cmd in (allocation(exclude=("Skarpnäck",)), allocation(min_excess_sek=266_669)):
        decided = decided_in(world.decide(cmd, TODAY))
        assert [line.allocated_sek for line in decided.lines] == [666_668, 333_332]
    decided = decided_in(world.decide(allocation(min_excess_sek=266_668), TODAY))
    assert [line.allocated_sek for line in decided.lines] == [666_667, 333_333]
    no = refused(world, allocation(exclude=("Älvsjö",)))
    assert one_line(no) == (
        "the allocation rule cannot use the input: exclude names 'Älvsjö', not among the "
        "districts: check the spelling against the district names [allocate --record; r; round "
        "open as of 2014-12-15; rule: the allocation rule's inputs]"
    )
    assert no.kind == "invalid"


def test_an_allocation_needs_applications() -> None:
    """No application on record: nothing to allocate between."""
    world = World()
    opened(world)
    no = refused(world, allocation())
    assert one_line(no) == (
        "round r has no applications to allocate between [allocate --record; r; "
        "round open as of 2014-12-15; rule: allocate between the recorded applications]"
    )
    assert no.kind == "condition"


def test_a_restated_input_follows_its_own_order_and_must_match(world: World) -> None:
    """Restated in another order: lines in that order; unknown or left out: refused."""
    farsta = RestatedApplication(name="farsta", schools=4, applied_sek=1_400_000)
    skarpnack = RestatedApplication(name="Skarpnäck", schools=2, applied_sek=600_000)
    decided = decided_in(world.decide(allocation(restated=(skarpnack, farsta)), TODAY))
    assert [line.district for line in decided.lines] == ["Skarpnäck", "Farsta"]
    stranger = RestatedApplication(name="Älvsjö", schools=2, applied_sek=600_000)
    no = refused(world, allocation(restated=(farsta, skarpnack, stranger)))
    assert one_line(no) == (
        "Älvsjö has no application in r; the input may only restate the recorded "
        "applications [allocate --record; r; round open as of 2014-12-15; "
        "rule: allocate between the recorded applications]"
    )
    assert no.kind == "not_found"
    wrong = skarpnack.model_copy(update={"schools": 3})
    no = refused(world, allocation(restated=(farsta, wrong)))
    assert one_line(no) == (
        f"the input says Skarpnäck applied for 600{NBSP}000 kr with 3 schools, but its "
        f"application says 600{NBSP}000 kr with 2 schools [allocate --record; r; "
        "round open as of 2014-12-15; rule: restate the recorded applications]"
    )
    assert no.kind == "condition"
    more = skarpnack.model_copy(update={"applied_sek": 600_001})
    assert refused(world, allocation(restated=(farsta, more))).rule == (
        "restate the recorded applications"
    )
    none = refused(world, allocation(restated=()))
    assert one_line(none) == (
        "the input leaves out Farsta and Skarpnäck, which applied [allocate --record; r; round "
        "open as of 2014-12-15; rule: restate the recorded applications]"
    )


def test_an_allocation_on_record_is_replaced_only_on_request(world: World) -> None:
    """Without --replace the refusal names the awards and the decision; with it, all go."""
    first = world.run(allocation(), TODAY)
    decision_1 = first[0]
    awards_1 = first[1:]
    no = refused(world, allocation(decision_ref="SN 2"))
    assert one_line(no) == (
        "awards are already on record in r (Farsta and Skarpnäck); record the new decision with "
        "--replace to annul and replace them in one step [allocate --record; r; round open as "
        "of 2014-12-15; rule: one allocation per round]"
    )
    assert no.kind == "condition"
    decision = world.decide(allocation(decision_ref="SN 2", replace=True), TODAY)
    found = events_of(decision)
    assert found[0] == (
        ROUND,
        EventAnnulled(annulled_event_id=decision_1.event_id, reason="replaced by SN 2"),
    )
    assert isinstance(found[1][1], AllocationDecided)
    assert found[2:] == [
        (FARSTA, EventAnnulled(annulled_event_id=awards_1[0].event_id, reason="replaced by SN 2")),
        (
            FARSTA,
            GrantAwarded(amount_sek=666_667, decision_ref="SN 2", decided_on=date(2014, 2, 4)),
        ),
        (
            SKARPNACK,
            EventAnnulled(annulled_event_id=awards_1[1].event_id, reason="replaced by SN 2"),
        ),
        (
            SKARPNACK,
            GrantAwarded(amount_sek=333_333, decision_ref="SN 2", decided_on=date(2014, 2, 4)),
        ),
    ]


def test_a_decision_alone_or_a_single_award_blocks_a_new_allocation(world: World) -> None:
    """An allocation decision with no awards, or one award, is on record: refused."""
    world.given(
        ROUND,
        AllocationDecided(
            decided_by="SN",
            decided_on=date(2014, 2, 1),
            decision_ref="SN 0",
            method="per-school-with-remainder",
            method_version=1,
            total_sek=0,
            lines=(),
            unallocated_sek=0,
        ),
        date(2014, 2, 1),
    )
    no = refused(world, allocation())
    assert en(no.reason) == (
        "awards are already on record in r (); record the new decision with --replace to annul "
        "and replace them in one step"
    )
    other = World()
    opened(other)
    applied(other, "Farsta")
    applied(other, "Skarpnäck", 600_000, 2)
    awarded(other, SKARPNACK, 100)
    assert en(refused(other, allocation()).reason) == (
        "awards are already on record in r (Skarpnäck); record the new decision with "
        "--replace to annul and replace them in one step"
    )


def test_awards_of_a_district_that_no_longer_applies_are_annulled_first(world: World) -> None:
    """Withdrawn Skarpnäck (or a stream with no application) keeps its award: refused."""
    awarded(world, SKARPNACK, 100_000)
    world.given(SKARPNACK, ApplicationWithdrawn(reason="Avstår"), date(2014, 3, 1))
    no = refused(world, allocation())
    assert no.rule == "one allocation per round"
    assert en(no.reason) == (
        "awards are already on record in r (); record the new decision with --replace to annul "
        "and replace them in one step"
    )
    replace = refused(world, allocation(replace=True))
    assert one_line(replace) == (
        "awards stand for Skarpnäck, which no longer applies; annul them first "
        "[allocate --record; r; round open as of 2014-12-15; rule: one allocation per round]"
    )
    ghost = World()
    opened(ghost)
    applied(ghost, "Farsta")
    awarded(ghost, f"project:{RID}:ghost", 100)
    assert en(refused(ghost, allocation(replace=True)).reason) == (
        "awards stand for project:r:ghost, which no longer applies; annul them first"
    )


def test_a_new_allocation_may_give_exactly_what_was_paid(world: World) -> None:
    """Paid 666 667 kr, the new line gives 666 667 kr: allowed; a krona more paid: refused."""
    awarded(world, FARSTA, 900_000)
    plan_approved(world)
    paid(world, FARSTA, 666_667, "U-1")
    assert world.decide(allocation(replace=True), TODAY).appends
    paid(world, FARSTA, 1, "U-2")
    no = refused(world, allocation(replace=True))
    assert one_line(no) == (
        f"Farsta has been paid 666{NBSP}668 kr, more than the 666{NBSP}667 kr the new "
        "allocation gives it [allocate --record; r; round open as of 2014-12-15; "
        "rule: paid within awarded]"
    )


# -- annulments -------------------------------------------------------------------------------


def annul(position: int, **fields: Any) -> Annul:
    return Annul(**{"round_id": RID, "position": position, "reason": "Fel", **fields})


def test_an_annulment_on_its_own_day_annuls_the_event(world: World) -> None:
    """Dated today it is taken; another day is refused; the annulment carries the reason."""
    payment = paid(world, FARSTA, 100_000, "U-1")
    world.run(annul(payment.position, on=TODAY, money_never_left=True), TODAY)
    confirmed = world.decide(annul(payment.position, on=TODAY, money_never_left=True), TODAY, "b")
    assert events_of(confirmed) == [
        (FARSTA, EventAnnulled(annulled_event_id=payment.event_id, reason="Fel"))
    ]
    no = refused(world, annul(payment.position, on=date(2014, 12, 14)))
    assert one_line(no) == (
        "an annulment is recorded on the day it is made, not on 2014-12-14; the annulled "
        "event drops out of every earlier view by itself [annul; r; round open as of "
        "2014-12-15; rule: annulments are dated today]"
    )
    assert no.kind == "invalid"


def test_a_round_event_is_annulled_on_the_round(world: World) -> None:
    """A deadline set by mistake: its annulment goes on the round's stream."""
    deadline = world.given(ROUND, DeadlineSet(code="t2", due_on=TODAY, reason="r"), TODAY)
    assert events_of(world.decide(annul(deadline.position, reason="Dubbel"), TODAY)) == [
        (ROUND, EventAnnulled(annulled_event_id=deadline.event_id, reason="Dubbel"))
    ]


def test_an_annulment_names_what_it_did_not_find(world: World) -> None:
    """By position (for a district) or by id: not found, saying which."""
    no = refused(world, annul(999, district="Farsta"))
    assert en(no.reason) == "there is no entry 999 in round r"
    assert no.rule == "annul what is on record"
    assert no.kind == "not_found"
    by_id = Annul(round_id=RID, event_id=UUID("12345678-1234-5678-1234-567812345678"), reason="x")
    assert en(refused(world, by_id).reason) == (
        "there is no entry 12345678-1234-5678-1234-567812345678 in round r"
    )


def test_an_opening_or_an_annulment_is_not_annulled(world: World) -> None:
    """RoundOpened and EventAnnulled stand; an annulled event is not annulled twice."""
    no = refused(world, annul(world.stream(ROUND)[0].position))
    assert one_line(no) == (
        "round opened cannot be annulled [annul; r; round open as of 2014-12-15; rule: "
        "annullable events]"
    )
    payment = paid(world, FARSTA, 100_000, "U-1")
    (annulment,) = annul_payment(world, payment)
    assert en(refused(world, annul(annulment.position)).reason) == (
        "entry annulled cannot be annulled"
    )
    twice = refused(world, annul(payment.position))
    assert one_line(twice) == (
        "the entry is already annulled [annul; r; annulled as of 2014-12-15; rule: annul once]"
    )
    assert twice.kind == "invalid"


def test_an_annulment_that_breaks_a_lifecycle_names_what_is_left(world: World) -> None:
    """The approval would follow from nothing: refused, with the plan's state."""
    plan_approved(world)
    submitted = world.stream(FARSTA)[1]
    no = refused(world, annul(submitted.position))
    assert one_line(no) == (
        "annulling this work plan submitted would leave work plan approved that no longer "
        "follows from anything; annul that first [annul; r; plan none as of 2014-12-15; rule: "
        "lifecycle stays legal]"
    )


def test_an_award_of_an_allocation_is_annulled_with_it() -> None:
    """Its own award alone: refused, saying how; the allocation takes every award along."""
    world = World()
    opened(world)
    applied(world, "Älvsjö", 1, 1)  # withdrawn before the allocation: nothing to annul
    world.given(ALVSJO, ApplicationWithdrawn(reason="Nej"), date(2013, 6, 1))
    applied(world, "Farsta")
    applied(world, "Skarpnäck", 600_000, 2)
    recorded = world.run(allocation(), TODAY)
    no = refused(world, annul(recorded[1].position))
    assert one_line(no) == (
        "this award is part of allocation decision SN 1; annul the allocation, or record a "
        "new one with --replace [annul; r; round open as of 2014-12-15; "
        "rule: allocation and awards annulled together]"
    )
    decision = world.decide(annul(recorded[0].position), TODAY)
    assert events_of(decision) == [
        (ROUND, EventAnnulled(annulled_event_id=recorded[0].event_id, reason="Fel")),
        (FARSTA, EventAnnulled(annulled_event_id=recorded[1].event_id, reason="Fel")),
        (SKARPNACK, EventAnnulled(annulled_event_id=recorded[2].event_id, reason="Fel")),
    ]
    # an award of another decision is annulled alone
    other = awarded(world, SKARPNACK, 1, "SN 9")
    assert events_of(world.decide(annul(other.position), TODAY)) == [
        (SKARPNACK, EventAnnulled(annulled_event_id=other.event_id, reason="Fel"))
    ]


def test_an_allocation_with_money_paid_under_it_stays(world: World) -> None:
    """Annulling the allocation would leave Farsta's payment without an award: refused."""
    recorded = world.run(allocation(), TODAY)
    plan_approved(world)
    paid(world, FARSTA, 100_000, "U-1")
    no = refused(world, annul(recorded[0].position))
    assert one_line(no) == (
        f"annulling this allocation decided would leave 100{NBSP}000 kr paid against 0 kr "
        "awarded in the project: correct the money first [annul; r; project r:farsta as of "
        "2014-12-15; rule: money stays consistent after an annulment]"
    )


def test_supervision_money_stays_granted_and_requested(world: World) -> None:
    """Paid 10 000 against a grant, granted 10 000 against a request: both must stay."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    request = world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="H"), date(2014, 4, 1)
    )
    grant = world.given(
        FARSTA, SupervisionFundsGranted(amount_sek=10_000, decision_ref="FoU"), date(2014, 4, 2)
    )
    paid(world, FARSTA, 4_000, "F-1", date(2014, 4, 3), "supervision")
    no = refused(world, annul(grant.position))
    assert en(no.reason) == (
        f"annulling this supervision money granted would leave 4{NBSP}000 kr of supervision money "
        "paid against 0 kr granted in the project: correct the money first"
    )
    no = refused(world, annul(request.position))
    assert en(no.reason) == (
        f"annulling this supervision money requested would leave 10{NBSP}000 kr of supervision "
        "money granted against 0 kr requested in the project: correct the money first"
    )
    assert no.state == "project r:farsta"


def test_repayments_stay_within_what_was_demanded(world: World) -> None:
    """Received 150 + waived 0 against demands of 100 + 100: the second demand stays."""
    awarded(world, FARSTA, 600_000)
    due = date(2015, 3, 31)
    world.given(FARSTA, RepaymentDemanded(amount_sek=100, reason="a", due_on=due), TODAY)
    second = world.given(FARSTA, RepaymentDemanded(amount_sek=100, reason="b", due_on=due), TODAY)
    world.given(FARSTA, RepaymentReceived(amount_sek=100, payment_reference="I-1"), TODAY)
    world.given(
        FARSTA,
        __import__("events").RepaymentWaived(amount_sek=50, reason="x", decision_ref="B"),
        TODAY,
    )
    no = refused(world, annul(second.position))
    assert en(no.reason) == (
        "annulling this repayment demanded would leave 150 kr repaid or waived against 100 kr "
        "demanded in the project: correct the money first"
    )


def test_every_money_problem_is_named_at_once() -> None:
    """An application annulled under an award and a payment: each problem, joined by '; '."""
    world = World()
    opened(world)
    application = applied(world, "Farsta")
    awarded(world, FARSTA, 100)
    plan_approved(world)
    paid(world, FARSTA, 100, "U-1")
    no = refused(world, annul(application.position))
    assert en(no.reason) == (
        "annulling this application submitted would leave an award or payment with no "
        "application in the project: correct the money first"
    )
    award = world.stream(FARSTA)[1]
    world.given(
        FARSTA, SupervisionFundsGranted(amount_sek=10, decision_ref="FoU"), date(2014, 4, 2)
    )
    no = refused(world, annul(award.position))
    assert en(no.reason) == (
        "annulling this grant awarded would leave 100 kr paid against 0 kr awarded; 10 kr of "
        "supervision money granted against 0 kr requested in the project: correct the money "
        "first"
    )


# -- the shared rules: round, project, dates, lifecycle, the state a refusal names -------------


def test_a_project_command_needs_a_round_and_a_standing_application(world: World) -> None:
    """No round, no such district (the known ones listed), withdrawn: each refused by name."""
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    no = refused(World(), plan)
    assert one_line(no) == (
        "no round r on record; `ppss round list` shows the rounds [plan submit; r:farsta; no "
        "round as of 2014-12-15; rule: known rounds]"
    )
    assert no.kind == "not_found"
    empty = World()
    opened(empty)
    assert one_line(refused(empty, plan)) == (
        "no district Farsta in round r: the round has no applications yet [plan submit; "
        "r:farsta; round open as of 2014-12-15; rule: known districts]"
    )
    stranger = refused(world, plan.model_copy(update={"district": "Älvsjö"}))
    assert one_line(stranger) == (
        "no district Älvsjö in round r (the round has: Farsta and Skarpnäck) [plan submit; "
        "r:alvsjo; round open as of 2014-12-15; rule: known districts]"
    )
    assert stranger.kind == "not_found"
    world.given(SKARPNACK, ApplicationWithdrawn(reason="x"), date(2014, 6, 1))
    gone = refused(world, plan.model_copy(update={"district": "Skarpnäck"}))
    assert one_line(gone) == (
        "Skarpnäck has withdrawn its application [plan submit; r:skarpnack; application "
        "withdrawn as of 2014-12-15; rule: application lifecycle]"
    )
    assert gone.kind == "condition"
    demand = DemandRepayment(
        round_id=RID, district="Skarpnäck", amount_sek=1, reason="x", due_on=date(2015, 1, 1)
    )
    assert refused(world, demand).rule == "demand within owed"


def test_a_project_command_falls_within_the_round_and_its_tail(world: World) -> None:
    """From the opening to the period's end; accounts 400 days more; never in the future."""
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    assert world.decide(plan.model_copy(update={"on": date(2014, 12, 31)}), date(2015, 1, 2))
    late = refused(world, plan.model_copy(update={"on": date(2015, 1, 1)}), date(2015, 1, 2))
    assert one_line(late) == (
        "2015-01-01 is outside round r (2013-05-02 to 2014-12-31); check the date "
        "[plan submit; r:farsta; application submitted, plan none, awarded 0 kr, paid 0 kr "
        "as of 2015-01-02; rule: dates within the round]"
    )
    assert late.kind == "invalid"
    undated = refused(world, plan, date(2015, 1, 1))
    assert undated.rule == "dates within the round"
    report = SubmitFinancialReport(
        round_id=RID, district="Farsta", kind="final", spent_sek=0, forecast_sek=1
    )
    assert world.decide(report.model_copy(update={"on": date(2016, 2, 4)}), date(2016, 2, 5))
    tail = refused(world, report.model_copy(update={"on": date(2016, 2, 5)}), date(2016, 2, 5))
    assert en(tail.reason) == (
        "2016-02-05 is outside round r (2013-05-02 to 2016-02-04); check the date"
    )
    future = refused(world, plan.model_copy(update={"on": date(2014, 12, 16)}))
    assert one_line(future) == (
        "2014-12-16 is in the future: record what has happened, when it has [plan submit; "
        "r:farsta; application submitted, plan none, awarded 0 kr, paid 0 kr as of "
        "2014-12-15; rule: no future dates]"
    )
    assert future.kind == "invalid"
    assert world.decide(plan.model_copy(update={"on": TODAY}), TODAY)


def test_a_project_command_from_the_day_the_round_opened() -> None:
    """Opened on 2 May 2013 before its 2014 period: a project may act from that day."""
    world = World()
    opened(world)
    applied(world, "Farsta", on=date(2013, 4, 1))
    plan = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S")
    assert world.decide(plan.model_copy(update={"on": date(2013, 5, 2)}), TODAY)


def test_round_commands_are_not_bound_to_the_period(world: World) -> None:
    """A deadline may be set after the period (only project commands are dated within it)."""
    late = SetDeadline(
        round_id=RID, code="x", due_on=date(2015, 6, 1), reason="r", on=date(2015, 6, 1)
    )
    assert events_of(world.decide(late, date(2015, 6, 2)))[0][0] == ROUND


def test_a_lifecycle_refusal_names_the_machine_and_the_state(world: World) -> None:
    """A second attendance: the table's own words, rule and state name the lifecycle."""
    session(world, "n1", datetime(2014, 3, 12, 13, tzinfo=STOCKHOLM))
    attend = RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome="attended")
    world.run(attend, TODAY)
    no = refused(world, attend)
    assert one_line(no) == (
        "took part in a network meeting does not follow from attended (network) [network "
        "record; r:farsta; network attended as of 2014-12-15; rule: network lifecycle]"
    )
    assert no.kind == "invalid"


def test_a_refusal_describes_the_project_it_found(world: World) -> None:
    """Application, plan, awarded and paid, in the words of the board."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, FARSTA, 100_000, "U-1")
    no = refused(world, SubmitPlan(round_id=RID, district="Farsta", plan_id="q", summary="S",
                                   on=date(2014, 12, 16)))  # fmt: skip
    assert no.state == (
        f"application submitted, plan approved, awarded 600{NBSP}000 kr, paid 100{NBSP}000 kr"
    )
    assert no.project == "r:farsta"
    assert no.command == "plan submit"
    assert no.day == TODAY


# -- payments left standing after an annulment ----------------------------------------------------


def supervised(world: World) -> Any:
    """Farsta awarded, plan approved, 10 000 kr supervision requested, granted and paid."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    request = world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="H"), date(2014, 4, 1)
    )
    world.given(
        FARSTA, SupervisionFundsGranted(amount_sek=10_000, decision_ref="FoU"), date(2014, 4, 2)
    )
    paid(world, FARSTA, 10_000, "F-1", date(2014, 4, 3), "supervision")
    return request


def test_a_payment_is_rejudged_without_the_annulled_event(world: World) -> None:
    """The plan approval a payment was made under stays; the refusal names the payment."""
    awarded(world, FARSTA, 600_000)
    approval = plan_approved(world)
    payment = paid(world, FARSTA, 100_000, "U-1")
    no = refused(world, annul(approval.position))
    assert one_line(no) == (
        f"the payment U-1 of 100{NBSP}000 kr on 2014-03-20 was allowed only because of this "
        "work plan approved: without it the payment would have been blocked by work plan "
        f"approved by the steering group [annul; r; payment at position {payment.position} as of "
        "2014-12-15; rule: payments stay allowed after an annulment]"
    )


def test_a_supervision_payment_is_rejudged_by_the_grant_conditions() -> None:
    """A supervision payment, too, needed the plan approval: it stays."""
    only = World()
    opened(only)
    applied(only, "Farsta")
    supervised(only)
    approval = only.stream(FARSTA)[3]
    assert isinstance(approval.event, PlanApproved)
    no = refused(only, annul(approval.position))
    assert en(no.reason).startswith(f"the payment F-1 of 10{NBSP}000 kr on 2014-04-03")
    assert en(no.reason).endswith("blocked by work plan approved by the steering group")


def test_a_payment_is_judged_on_the_round_as_it_was_that_day(world: World) -> None:
    """The round closed since: the March payment was made in an open round; annul allowed."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, FARSTA, 100_000, "U-1")
    request = world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="H"), date(2014, 4, 1)
    )
    world.given(ROUND, RoundClosed(reason="Klar"), date(2014, 12, 1))
    assert events_of(world.decide(annul(request.position), TODAY)) == [
        (FARSTA, EventAnnulled(annulled_event_id=request.event_id, reason="Fel"))
    ]


def test_without_the_round_history_the_round_in_view_judges(world: World) -> None:
    """A view with no round history still re-judges payments on the round it has."""
    awarded(world, FARSTA, 600_000)
    approval = plan_approved(world)
    paid(world, FARSTA, 100_000, "U-1")
    cmd = annul(approval.position)
    view = dataclasses.replace(world.view(cmd, TODAY, None), round_history=())
    with pytest.raises(Refusal) as caught:
        decide(cmd, view)
    assert caught.value.rule == "payments stay allowed after an annulment"


def test_what_happened_by_the_end_of_the_payment_day_counts(world: World) -> None:
    """Approved at the last instant of the payment's day: the payment was allowed."""
    awarded(world, FARSTA, 600_000)
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    last = datetime.combine(date(2014, 3, 20), time.max, tzinfo=STOCKHOLM)
    world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 20)), last)
    paid(world, FARSTA, 100_000, "U-1")
    request = world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="H"), date(2014, 4, 1)
    )
    assert world.decide(annul(request.position), TODAY).appends


def test_a_payment_before_the_application_is_not_rejudged(world: World) -> None:
    """A payment dated before Farsta applied is skipped; the later one is still judged."""
    awarded(world, FARSTA, 600_000)
    approval = plan_approved(world)
    paid(world, FARSTA, 100, "U-0", on=date(2013, 5, 10))
    request = world.given(
        FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="H"), date(2014, 4, 1)
    )
    assert world.decide(annul(request.position), TODAY).appends
    paid(world, FARSTA, 100_000, "U-1")
    no = refused(world, annul(approval.position))
    assert en(no.reason).startswith(f"the payment U-1 of 100{NBSP}000 kr on 2014-03-20")


# -- the pinned policy ----------------------------------------------------------------------------


def test_a_round_is_judged_by_the_policy_it_opened_under() -> None:
    """Known: that policy; unknown: the error names the round's policy and the known ones."""
    world = World()
    opened(world, policy="sst-2018")
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    assert policy_for(rnd) is POLICIES[("sst-2018", 1)]
    unknown = World()
    opened(unknown, policy="ppss-2030")
    old = fold_round(unknown.stream(ROUND))
    assert old is not None
    with pytest.raises(UnknownPolicy) as caught:
        policy_for(old)
    assert str(caught.value) == (
        "round r uses policy ppss-2030 v1, which this program does not have "
        "(it has ppss-2014 v1, ppss-2014 v2, ppss-2016 v1, ppss-2016 v2, sst-2018 v1, "
        "sst-2018 v2)"
    )


def test_the_allocation_rule_names_what_is_wrong_with_its_inputs() -> None:
    """Empty, not a request, a negative minimum, unknown exclusions: each said plainly."""
    farsta = DistrictRequest("Farsta", 4, 1_400_000)
    with pytest.raises(AllocationInputError) as caught:
        allocate(1, [])
    assert str(caught.value) == "districts is empty: give at least one district to allocate to"
    with pytest.raises(AllocationInputError) as caught:
        allocate(1, [farsta, ("Skarpnäck", 2, 600_000)])  # type: ignore[list-item]
    assert str(caught.value) == "districts[1] is a tuple, expected DistrictRequest"
    with pytest.raises(AllocationInputError) as caught:
        allocate(1, [farsta], min_excess_sek=-1)
    assert str(caught.value) == "min_excess_sek must not be negative, got -1"
    with pytest.raises(AllocationInputError) as caught:
        allocate(1, [farsta], exclude=("Älvsjö", "Bromma"))
    assert str(caught.value) == (
        "exclude names 'Bromma', 'Älvsjö', not among the districts: check the spelling "
        "against the district names"
    )


def test_every_district_that_no_longer_applies_is_named() -> None:
    """Two streams with awards and no application: both named."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    awarded(world, f"project:{RID}:ghost", 100)
    awarded(world, f"project:{RID}:spook", 100)
    assert en(refused(world, allocation(replace=True)).reason) == (
        "awards stand for project:r:ghost and project:r:spook, which no longer applies; annul "
        "them first"
    )


def test_a_closed_round_refuses_a_project_command_naming_the_round(world: World) -> None:
    """A plan after the round closed: the state named is the round's, not the project's."""
    world.given(ROUND, RoundClosed(reason="Klar"), date(2014, 12, 1))
    no = refused(world, SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="S"))
    assert one_line(no) == (
        "round r is closed: it takes no more reports or payments [plan submit; r:farsta; "
        "round closed as of 2014-12-15; rule: round lifecycle]"
    )


def test_a_command_dated_on_the_opening_day_is_judged_after_the_opening() -> None:
    """A round opened at 10:00 and a session scheduled ahead the same day: the session is
    dated after the opening, not at midnight before the round existed (and never after now)."""
    world = World()
    opening_day = date(2014, 2, 10)
    world.given(
        ROUND,
        RoundOpened(
            round_id=RID,
            title="T",
            budget_sek=10_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy_name="ppss-2014",
            policy_version=1,
        ),
        datetime.combine(opening_day, time(10), tzinfo=STOCKHOLM),
    )
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    ahead = ScheduleSession(
        round_id=RID,
        session_id="n1",
        title="Nätverk",
        starts_at=datetime(2014, 3, 12, 13, tzinfo=STOCKHOLM),
    )
    now = datetime.combine(opening_day, time(11), tzinfo=STOCKHOLM)
    moment = command_moment(ahead, rnd, now)
    assert moment == datetime.combine(opening_day, time(10), tzinfo=STOCKHOLM)
    # the next day is dated at its own start, as before
    next_day = datetime.combine(date(2014, 2, 11), time(11), tzinfo=STOCKHOLM)
    assert command_moment(ahead, rnd, next_day) == start_of_day(date(2014, 2, 11))
    # never after now (a clock behind the recorded opening)
    early = datetime.combine(opening_day, time(9), tzinfo=STOCKHOLM)
    assert command_moment(ahead, rnd, early) == early
    decision = world.decide(ahead, opening_day)
    assert not isinstance(decision, Refusal)


def test_a_round_opened_without_its_budget_or_its_whole_period_is_refused() -> None:
    """Version 1 of the 2014 rules takes any numbers but needs them: the budget, the first and
    the last day of the period, each refused when missing, naming the rules."""
    for missing, code in (
        ({"budget_sek": None}, NO_BUDGET),
        ({"period_start": None}, NO_PERIOD),
        ({"period_end": None}, NO_PERIOD),
        ({"period_start": None, "period_end": None}, NO_PERIOD),
    ):
        no = refused(World(), opening(**missing))
        assert (no.reason, no.rule, no.kind) == (
            code(policy="ppss-2014 v1"),
            "a round's terms",
            "invalid",
        ), missing
        assert no.state == "no round"


def test_a_round_whose_terms_break_its_rules_is_refused_naming_the_rules() -> None:
    """The 2016 rules (version 2) give the year's money: a budget of one krona more is refused
    by the round rules, as invalid input."""
    bad = opening(policy="ppss-2016", policy_version=2, budget_sek=13_000_001,
                  period_start=date(2016, 6, 1), period_end=date(2016, 6, 1))  # fmt: skip
    no = refused(World(), bad, date(2016, 5, 2))
    assert no.reason is not None
    assert (no.reason.code, no.rule, no.kind) == (
        "round.against_rules",
        "ppss-2016 round rules",
        "invalid",
    )
