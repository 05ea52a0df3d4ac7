"""Database-free: the import's replay (policies.imports) judged rule by rule: which command an
event is rebuilt into, which reminders the dispatcher could have sent, and what the replay
answers for each way a history can be wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from events import (
    ApplicationWithdrawn,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    EventAnnulled,
    NetworkSessionScheduled,
    PlanApproved,
    PlanSubmitted,
    Recorded,
    ReminderAbandoned,
    ReminderFailed,
    ReminderSent,
    RoleGranted,
    RoleRevoked,
    RoundOpened,
    SchoolKindSet,
    SupervisionFundsGranted,
    YearEndAccountSubmitted,
)
from policies.commands import (
    Annul,
    AwardGrant,
    Disburse,
    GrantSupervision,
    RecordAllocation,
    RecordNetwork,
    RequestSupervision,
    SetContact,
    SetDeadline,
)
from policies.decisions import AWARD_OVER_BUDGET, IN_FUTURE, POOL_LEFT, REFERENCE_USED
from policies.grants import NO_GRANT
from policies.imports import (
    IMPORT_DECISION_CUT_SHORT,
    IMPORT_NOT_WHAT_THE_DECISION_GIVES,
    IMPORT_REFUSED_BY_THE_ENGINE,
    IMPORT_STREAM,
    IMPORT_UNRECORDABLE,
    Problem,
    Replay,
    command_for,
)
from policies.reason import Kronor, Named, Reason
from policies.recusal import RECUSED
from policies.registry import POLICIES
from policies.reminders import DueReminder, due_reminders
from policies.state import STOCKHOLM, fold_project, fold_round
from ppss_workflow.words import english as en
from tests.unit.world import FARSTA, RID, ROUND, SKARPNACK, World, applied, awarded, opened

R = Recorded[Any]


def replay(events: list[R]) -> tuple[Replay, Problem | None]:
    """Replay until the first refusal: (the replay, its problem or None)."""
    state = Replay()
    for r in events:
        problem = state.feed(r)
        if problem is not None:
            return state, problem
    return state, state.finish()


# -- network records: rebuilt into the command that records them ---------------------------


def _session(world: World, sid: str, day: date) -> None:
    starts = datetime.combine(day, time(13), tzinfo=STOCKHOLM)
    event = NetworkSessionScheduled(session_id=sid, title="Nätverk", starts_at=starts)
    world.given(ROUND, event, date(2014, 2, 4))


def _network(sid: str, outcome: str, **more: Any) -> RecordNetwork:
    return RecordNetwork(round_id=RID, district="Farsta", session_id=sid, outcome=outcome, **more)  # type: ignore[arg-type]


NETWORK = [
    (_network("n1", "attended", participants=3), date(2014, 3, 12)),
    (_network("n2", "absent", excused=True, note="Sjuk"), date(2014, 4, 9)),
    (_network("n2", "make-up", note="Extra möte"), date(2014, 4, 20)),
    (_network("n3", "absent"), date(2014, 5, 14)),
    (_network("n3", "exemption", note="Beviljat undantag"), date(2014, 5, 20)),
]


def test_every_network_record_is_rebuilt_into_the_command_that_recorded_it() -> None:
    """Attendance (with its head count), an excused absence with its note, its make-up, an
    unexcused absence and its exemption: each event gives back the very command that
    recorded it, and the whole history replays."""
    world = World()
    opened(world)
    for sid, day in (("n1", date(2014, 3, 12)), ("n2", date(2014, 4, 9)),
                     ("n3", date(2014, 5, 14))):  # fmt: skip
        _session(world, sid, day)
    applied(world, "Farsta")
    for command, day in NETWORK:
        (r,) = world.run(command, day)
        project = fold_project(FARSTA, world.stream(FARSTA))
        assert command_for(r.event, RID, "Farsta", project) == command
    types = [r.event_type for r in world.events[-5:]]
    assert types == ["NetworkAttendanceRecorded", "NetworkAbsenceRecorded",
                     "NetworkMakeUpRecorded", "NetworkAbsenceRecorded",
                     "NetworkExemptionGranted"]  # fmt: skip
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)


# -- reminders: what the dispatcher had due then ----------------------------------------------

YEAR_END = date(2015, 1, 30)


def _reminded_world() -> World:
    """Round r with a year-end account due on 30 January 2015; Farsta applied and was
    awarded 400 000 kr."""
    world = World()
    opened(world)
    world.given(
        ROUND, DeadlineSet(code="year_end_account", due_on=YEAR_END, reason="satt"),
        date(2013, 6, 1),
    )  # fmt: skip
    applied(world, "Farsta")
    awarded(world, FARSTA, 400_000)
    return world


def _due(world: World, now: datetime) -> DueReminder:
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    project = fold_project(FARSTA, world.stream(FARSTA))
    policy = POLICIES[(rnd.policy_name, rnd.policy_version)]
    (due,) = [d for d in due_reminders(policy, rnd, project, now)
              if d.obligation == "year_end_account"]  # fmt: skip
    return due


def _sent(due: DueReminder, **changed: Any) -> ReminderSent:
    fields = {"key": due.key, "obligation": due.obligation, "step": due.step,
              "due_on": due.due_on, "recipient_role": due.recipient_role}  # fmt: skip
    return ReminderSent(**{**fields, **changed})


def _not_due(problem: Problem | None, event: str, key: str, role: str) -> None:
    assert problem is not None
    why = f"no reminder {key} to {role} was due then"
    assert (problem.rule, problem.kind, problem.event_type) == (
        "reminders go out when their ladder's step is due", "condition", event,
    )  # fmt: skip
    assert problem.message == why
    assert problem.reason.code == "import.unrecordable"
    assert problem.reason.as_dict() == {"event": Named("event", event), "why": why}


def test_a_reminder_the_ladder_had_due_imports_and_every_other_is_refused() -> None:
    """The dispatcher's rule at the reminder's own moment: the step due then (key,
    obligation, step, due date and recipient as it gives them) imports; a reminder that
    differs in any of them, or went out before its step's moment, could not have been sent."""
    now = datetime(2015, 1, 12, 9, tzinfo=STOCKHOLM)
    world = _reminded_world()
    due = _due(world, now)
    assert (due.key, due.step, due.recipient_role, due.due_on) == (
        "r:farsta/year_end_account/2015-01-30/before-14",
        "before-14",
        "district",
        YEAR_END,
    )
    base = list(world.events)
    world.given(FARSTA, _sent(due), now)
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)
    wrong: list[dict[str, Any]] = [
        {"key": due.key + "x"},
        {"obligation": "final_financial_report"},
        {"step": "before-3"},
        {"due_on": YEAR_END + timedelta(days=1)},
        {"recipient_role": "coordinator"},
    ]
    for change in wrong:
        forged = World()
        forged.events = list(base)
        event = _sent(due, **change)
        r = forged.given(FARSTA, event, now)
        state, problem = replay(forged.events)
        _not_due(problem, "ReminderSent", event.key, event.recipient_role)
        assert problem is not None
        assert (problem.position, problem.stream_id) == (r.position, FARSTA)
        assert state.checked == len(base)
    early = World()
    early.events = list(base)
    early.given(FARSTA, _sent(due), due.moment - timedelta(minutes=1))
    _not_due(replay(early.events)[1], "ReminderSent", due.key, "district")


def test_a_failed_or_abandoned_reminder_is_judged_as_the_reminder_it_tried() -> None:
    """A failure is followed by the sending; an abandonment ends the step: the same key is
    never sent again, and a later step is due only at its own moment."""
    now = datetime(2015, 1, 12, 9, tzinfo=STOCKHOLM)
    world = _reminded_world()
    due = _due(world, now)
    same = {"key": due.key, "obligation": due.obligation, "step": due.step,
            "due_on": due.due_on, "recipient_role": due.recipient_role}  # fmt: skip
    world.given(FARSTA, ReminderFailed(**same, attempt=1, reason="451"), now)
    world.given(FARSTA, ReminderSent(**same, attempt=2), now + timedelta(hours=1))
    assert replay(world.events)[1] is None
    again = World()
    again.events = list(world.events)
    again.given(FARSTA, ReminderSent(**same, attempt=3), now + timedelta(hours=2))
    _not_due(replay(again.events)[1], "ReminderSent", due.key, "district")
    abandoned = _reminded_world()
    abandoned.given(FARSTA, ReminderAbandoned(**same, attempts=3, reason="550"), now)
    assert replay(abandoned.events)[1] is None


def test_a_reminder_is_judged_on_the_history_as_it_was_at_its_moment() -> None:
    """A year-end account handed in, and a deadline moved, after the reminder's moment (but
    stored before it, as a bulk-written store may) change nothing: the dispatcher did not
    see them."""
    now = datetime(2015, 1, 12, 9, tzinfo=STOCKHOLM)
    world = _reminded_world()
    due = _due(world, now)
    later = date(2015, 1, 20)
    world.given(
        ROUND,
        DeadlineChanged(code="year_end_account", due_on=date(2015, 2, 27),
                        previous_due_on=YEAR_END, reason="flyttad"),
        later,
    )  # fmt: skip
    world.given(FARSTA, YearEndAccountSubmitted(spent_sek=0, cost_description="Inget"), later)
    world.given(FARSTA, _sent(due), now)
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)


def test_a_reminder_before_its_round_opened_is_refused() -> None:
    world = _reminded_world()
    r = world.given(FARSTA, ReminderSent(key="k", obligation="year_end_account", step="due",
                                         due_on=YEAR_END, recipient_role="district"),
                    date(2013, 1, 2))  # fmt: skip
    _, problem = replay(world.events)
    assert problem is not None
    why = "round r was not opened before it"
    assert (problem.rule, problem.message, problem.position) == ("known rounds", why, r.position)
    assert problem.reason.as_dict() == {"event": Named("event", "ReminderSent"), "why": why}


@pytest.mark.parametrize("role", ["district", "steering_group", "auditor"])
def test_only_the_dispatcher_records_reminders(role: str) -> None:
    now = datetime(2015, 1, 12, 9, tzinfo=STOCKHOLM)
    world = _reminded_world()
    due = _due(world, now)
    r = world.given(FARSTA, _sent(due), now)
    world.events[-1] = r._replace(metadata_json=f'{{"actor":"x","role":"{role}"}}')
    _, problem = replay(world.events)
    assert problem is not None
    why = (
        f"its metadata says the {role} role recorded a ReminderSent, which only "
        "scheduler, coordinator may record"
    )
    assert (problem.rule, problem.kind, problem.message) == ("roles", "not_authorised", why)
    assert problem.reason.as_dict() == {"event": Named("event", "ReminderSent"), "why": why}


def test_problem_says_itself_with_its_rule() -> None:
    world = _reminded_world()
    _, problem = replay(world.events[1:])
    assert problem is not None
    assert str(problem) == f"{problem.message} (rule: known rounds)"


# -- the access stream and recusal ----------------------------------------------------------


def _meta(actor: str, role: str) -> str:
    return f'{{"actor":"{actor}","role":"{role}"}}'


def _plan_decided_by(actor: str, tied_to: str | None) -> World:
    """Farsta's plan approved by ``actor`` acting in the steering group, whose grant (if
    ``tied_to`` is not None) ties them to that district."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.given("access", RoleGranted(email="anna@stad.se", role="steering_group",
                                      tied_to=tied_to), date(2013, 6, 1))  # fmt: skip
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    r = world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)),
                    date(2014, 3, 10))  # fmt: skip
    world.events[-1] = r._replace(metadata_json=_meta(actor, "steering_group"))
    return world


@pytest.mark.parametrize("actor", ["anna@stad.se", "token: Anna@Stad.se "])
def test_a_member_tied_to_the_district_could_not_have_decided_its_plan(actor: str) -> None:
    world = _plan_decided_by(actor, "Farsta")
    state, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.kind, problem.event_type) == (
        "recusal (jäv)",
        "condition",
        "PlanApproved",
    )
    assert problem.reason == IMPORT_REFUSED_BY_THE_ENGINE(
        event=Named("event", "PlanApproved"),
        rule=RECUSED(member="anna@stad.se", district="Farsta"),
    )
    assert en(problem.reason) == (
        "the engine would have refused this work plan approved: conflict of interest: "
        "anna@stad.se is tied to Farsta and takes no part in deciding that district's "
        "matters; the other members of the steering group decide"
    )
    assert state.checked == len(world.events) - 1


@pytest.mark.parametrize(
    ("actor", "tied_to"),
    [("anna@stad.se", "Skarpnäck"), ("anna@stad.se", None), ("bo@stad.se", "Farsta")],
)
def test_a_member_not_tied_to_the_district_decides_its_plan(
    actor: str, tied_to: str | None
) -> None:
    world = _plan_decided_by(actor, tied_to)
    state, problem = replay(world.events)
    assert problem is None
    assert state.checked == len(world.events)


def test_role_grants_are_decided_as_the_engine_decides_them() -> None:
    """A grant imports; the same grant again is recorded once only; a revocation of a grant
    that exists imports, of one that does not is refused; a district cannot grant."""
    world = World()
    grant = RoleGranted(email="anna@stad.se", role="coordinator")
    world.given("access", grant, date(2013, 6, 1))
    world.given("access", RoleRevoked(email="anna@stad.se"), date(2013, 6, 2))
    world.given("access", grant, date(2013, 6, 3))
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, 3)
    again = world.given("access", grant, date(2013, 6, 4))
    _, problem = replay(world.events)
    assert problem is not None
    why = "anna@stad.se holds that role already"
    assert (problem.rule, problem.message, problem.position) == ("recorded once", why,
                                                                 again.position)  # fmt: skip
    assert problem.reason == IMPORT_UNRECORDABLE(event=Named("event", "RoleGranted"), why=why)
    world.events[-1] = again._replace(event=RoleRevoked(email="bo@stad.se"))
    _, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.kind, problem.position) == (
        "revoke a grant that exists",
        "not_found",
        again.position,
    )
    assert problem.reason == IMPORT_REFUSED_BY_THE_ENGINE(
        event=Named("event", "RoleRevoked"), rule=NO_GRANT(email="bo@stad.se")
    )
    world.events[-1] = again._replace(
        event=RoleGranted(email="bo@stad.se", role="auditor"),
        metadata_json=_meta("x", "district"),
    )
    _, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.kind) == ("roles", "not_authorised")


# -- a decision's further events -------------------------------------------------------------


def _allocated() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta", sek=600_000, schools=2)
    applied(world, "Skarpnäck", sek=500_000, schools=3)
    world.run(RecordAllocation(round_id=RID, decided_on=date(2014, 2, 4), decision_ref="SN 1"),
              date(2014, 2, 4))  # fmt: skip
    return world


def _award_after_allocation(world: World) -> tuple[int, R]:
    head = next(i for i, r in enumerate(world.events) if r.event_type == "AllocationDecided")
    return head, world.events[head + 1]


def test_a_decisions_further_event_must_be_the_one_it_gives_when_and_by_whom_it_gives_it() -> None:
    """An allocation's award that differs in its amount, in its moment, or in who recorded
    it is not the award the allocation records next."""
    world = _allocated()
    head, award = _award_after_allocation(world)
    assert award.event_type == "GrantAwarded"
    assert replay(world.events)[1] is None
    expected = (
        f"the GrantAwarded on {award.stream_id} that the decision at position "
        f"{world.events[head].position} records next"
    )
    forged = [
        award._replace(event=award.event.model_copy(update={"amount_sek": 1})),
        award._replace(occurred_at=award.occurred_at + timedelta(seconds=1)),
        award._replace(metadata_json=_meta("annan", "coordinator")),
        award._replace(metadata_json=_meta("test", "steering_group")),
    ]
    for r in forged:
        events = list(world.events)
        events[head + 1] = r
        state, problem = replay(events)
        assert problem is not None
        assert problem.rule == "the import records what the decision gives"
        assert problem.message == (
            f"the engine's decision records {expected} here, not this GrantAwarded on "
            f"{award.stream_id} (a field, the stream or the order differs from what the rules "
            "give)"
        )
        assert problem.reason == IMPORT_NOT_WHAT_THE_DECISION_GIVES(
            event=Named("event", "GrantAwarded"), expected=expected
        )
        assert (problem.position, state.checked) == (award.position, head + 1)


def test_an_annulment_on_a_stream_with_nothing_on_it_is_refused_not_found() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    r = world.given(SKARPNACK, EventAnnulled(annulled_event_id=world.events[1].event_id,
                                             reason="fel"), date(2014, 2, 4))  # fmt: skip
    state, problem = replay(world.events)
    assert problem is not None
    assert (problem.kind, problem.position, problem.event_type) == (
        "not_found",
        r.position,
        "EventAnnulled",
    )
    assert state.checked == 2


def test_an_annulment_in_a_round_without_projects_imports() -> None:
    world = World()
    opened(world)
    deadline = world.given(ROUND, DeadlineSet(code="t2", due_on=date(2014, 8, 31), reason="T2"),
                           date(2013, 6, 1))  # fmt: skip
    world.run(Annul(round_id=RID, position=deadline.position, reason="fel"), date(2013, 6, 2))
    assert [r.event_type for r in world.events] == ["RoundOpened", "DeadlineSet", "EventAnnulled"]
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, 3)


# -- the end of the history --------------------------------------------------------------------


def _allocation_annulled() -> tuple[World, int]:
    """The allocation annulled with its awards; returns the world and the index of the
    allocation's annulment."""
    world = _allocated()
    decision = next(r for r in world.events if r.event_type == "AllocationDecided")
    world.run(Annul(round_id=RID, position=decision.position, reason="fel"), date(2014, 2, 6))
    index = next(i for i, r in enumerate(world.events)
                 if r.event_type == "EventAnnulled")  # fmt: skip
    return world, index


def test_a_history_ending_inside_a_decision_says_what_the_decision_also_records() -> None:
    world, index = _allocation_annulled()
    assert replay(world.events)[1] is None
    head = world.events[index]
    rest = world.events[index + 1 :]
    assert [r.stream_id for r in rest] == [FARSTA, SKARPNACK]
    state, problem = replay(world.events[: index + 1])
    assert problem is not None
    missing = f"EventAnnulled on {FARSTA}, EventAnnulled on {SKARPNACK}"
    assert (problem.message, problem.rule) == (
        f"its decision also records {missing}, which the history lacks",
        "a decision is recorded whole",
    )
    assert problem.reason == IMPORT_DECISION_CUT_SHORT(
        event=Named("event", "EventAnnulled"), missing=missing
    )
    assert (problem.position, problem.event_type, problem.stream_id) == (
        head.position,
        "EventAnnulled",
        ROUND,
    )
    assert state.checked == index + 1  # the held annulment was taken in


def test_an_allocations_annulment_held_to_the_end_is_judged_there() -> None:
    """Whether it begins a replacing allocation is known only from the next event: at the
    end of the history it is judged alone, its refusals as any other's."""
    world, index = _allocation_annulled()
    head = world.events[index]
    as_auditor = head._replace(metadata_json=_meta("granskare", "auditor"))
    _, problem = replay([*world.events[:index], as_auditor])
    assert problem is not None
    assert (problem.kind, problem.position) == ("not_authorised", head.position)
    assert problem.reason.code == "import.refused_by_the_engine"
    early = head._replace(recorded_at=head.occurred_at - timedelta(days=2))
    _, problem = replay([*world.events[:index], early])
    assert problem is not None
    assert (problem.rule, problem.kind, problem.position) == (
        "no future dates",
        "invalid",
        head.position,
    )


# -- a back-dated event: judged on the history as of its own day too ----------------------------


def _honest() -> World:
    """Farsta awarded 400 000 kr on 4 Feb 2014, its plan approved on 10 March, 100 000 kr
    paid on 20 March; a T2 deadline set on 21 March."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    award = AwardGrant(round_id=RID, district="Farsta", amount_sek=400_000,
                       decision_ref="SN 1", decided_on=date(2014, 2, 4))  # fmt: skip
    world.run(award, date(2014, 2, 4))
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    r = world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)),
                    date(2014, 3, 10))  # fmt: skip
    world.events[-1] = r._replace(metadata_json=_meta("styrgruppen", "steering_group"))
    world.run(Disburse(round_id=RID, district="Farsta", amount_sek=100_000,
                       payment_reference="U-1"), date(2014, 3, 20))  # fmt: skip
    world.run(SetDeadline(round_id=RID, code="t2", due_on=date(2014, 8, 31), reason="T2"),
              date(2014, 3, 21))  # fmt: skip
    return world


def test_a_back_dated_payment_is_judged_as_of_its_own_day_too() -> None:
    """Paid on 5 March, before the plan was approved, but recorded after the approval: on
    its own day nothing was payable, so the engine would have refused it. The same payment
    on 11 March, after the approval, imports, though later events were on record."""
    world = _honest()
    assert replay(world.events)[1] is None
    paid = DisbursementMade(amount_sek=50_000, purpose="grant", payment_reference="U-9")
    before = World()
    before.events = list(world.events)
    r = before.given(FARSTA, paid, datetime(2014, 3, 5, 12, tzinfo=STOCKHOLM))
    state, problem = replay(before.events)
    assert problem is not None
    assert (problem.kind, problem.position, problem.reason.code) == (
        "condition",
        r.position,
        "import.refused_by_the_engine",
    )
    assert problem.message.startswith("the engine would have refused it: ")
    assert problem.rule == "payable grant"
    refusal = problem.reason["rule"]
    assert isinstance(refusal, Reason)
    assert (refusal.code, refusal["may"]) == ("payment.not_payable", Kronor(0))
    assert state.checked == len(world.events)
    after = World()
    after.events = list(world.events)
    after.given(FARSTA, paid, datetime(2014, 3, 11, 12, tzinfo=STOCKHOLM))
    state, problem = replay(after.events)
    assert (problem, state.checked) == (None, len(after.events))


def test_a_back_dated_round_event_is_judged_as_of_its_own_day_too() -> None:
    """A deadline set on 15 March, recorded after the T2 deadline of 21 March: judged on the
    round as it stood on its own day as well, where it is taken."""
    world = _honest()
    back = World()
    back.events = list(world.events)
    back.run(SetDeadline(round_id=RID, code="year_end_account", due_on=date(2015, 1, 31),
                         reason="Bokslut"), date(2014, 3, 15))  # fmt: skip
    assert back.events[-1].occurred_at < back.events[-2].occurred_at
    state, problem = replay(back.events)
    assert (problem, state.checked) == (None, len(back.events))


def test_an_event_is_recorded_on_or_after_the_stockholm_day_it_happened() -> None:
    """Recorded later the same Stockholm day: imports. Recorded the day before (in
    Stockholm, though the same day in UTC): the engine records nothing ahead of its day."""
    world = _honest()
    index = next(i for i, r in enumerate(world.events) if r.event_type == "DisbursementMade")
    paid = world.events[index]
    assert paid.occurred_at == datetime(2014, 3, 20, 12, tzinfo=STOCKHOLM)
    same_day = paid._replace(recorded_at=datetime(2014, 3, 20, 22, 59, tzinfo=UTC))
    assert replay([*world.events[:index], same_day])[1] is None
    day_before = paid._replace(recorded_at=datetime(2014, 3, 19, 22, 59, tzinfo=UTC))
    state, problem = replay([*world.events[:index], day_before])
    assert problem is not None
    assert (problem.rule, problem.kind, problem.position, problem.stream_id) == (
        "no future dates",
        "invalid",
        paid.position,
        FARSTA,
    )
    assert problem.message == (
        "it happened on 2014-03-20 but was recorded on 2014-03-19: the engine records what "
        "has happened, when it has"
    )
    assert problem.reason == IMPORT_REFUSED_BY_THE_ENGINE(
        event=Named("event", "DisbursementMade"), rule=IN_FUTURE(day=date(2014, 3, 20))
    )
    assert state.checked == index


# -- round-wide rules: the running totals of the round ------------------------------------------


def _round_of_three() -> World:
    """A round of 1 000 000 kr with a supervision pool of 30 000 kr (25 000 kr a project):
    Farsta is awarded 400 000 kr and granted 20 000 kr of supervision, Skarpnäck 500 000 kr,
    and, after Farsta's stream has grown, Älvsjö the last 100 000 kr and Skarpnäck the last
    10 000 kr of the pool; Farsta is paid 100 000 kr (U-1) and 50 000 kr (U-2)."""
    world = World()
    world.given(ROUND, RoundOpened(round_id=RID, title="Runda", budget_sek=1_000_000,
                                   supervision_pool_sek=30_000, supervision_cap_sek=25_000,
                                   period_start=date(2014, 1, 1), period_end=date(2014, 12, 31),
                                   policy_name="ppss-2014", policy_version=1),
                date(2013, 5, 2))  # fmt: skip
    for name in ("Farsta", "Skarpnäck", "Älvsjö"):
        applied(world, name)
    day = date(2014, 2, 4)

    def award(district: str, sek: int, on: date = day) -> None:
        world.run(AwardGrant(round_id=RID, district=district, amount_sek=sek,
                             decision_ref=f"SN {district}", decided_on=on), on)  # fmt: skip

    def supervision(district: str, sek: int, on: date) -> None:
        world.run(RequestSupervision(round_id=RID, district=district, amount_sek=25_000,
                                     description="Handledning"), on)  # fmt: skip
        world.run(GrantSupervision(round_id=RID, district=district, amount_sek=sek,
                                   decision_ref=f"H {district}"), on)  # fmt: skip

    award("Farsta", 400_000)
    award("Skarpnäck", 500_000)
    supervision("Farsta", 20_000, date(2014, 2, 5))
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    award("Älvsjö", 100_000, date(2014, 2, 21))
    supervision("Skarpnäck", 10_000, date(2014, 2, 21))
    r = world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)),
                    date(2014, 3, 10))  # fmt: skip
    world.events[-1] = r._replace(metadata_json=_meta("styrgruppen", "steering_group"))
    for sek, ref, on in ((100_000, "U-1", date(2014, 3, 20)), (50_000, "U-2", date(2014, 3, 21))):
        world.run(Disburse(round_id=RID, district="Farsta", amount_sek=sek,
                           payment_reference=ref), on)  # fmt: skip
    return world


def _replaced(world: World, index: int, **update: Any) -> list[R]:
    r = world.events[index]
    return [*world.events[:index], r._replace(event=r.event.model_copy(update=update))]


def test_the_round_is_shared_to_its_last_krona_and_not_one_more() -> None:
    """Each round-wide rule reads the round's totals as they stand, however the projects'
    streams grew between them: the budget and the pool are used in full, one krona more is
    refused."""
    world = _round_of_three()
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, len(world.events))
    alvsjo = f"project:{RID}:alvsjo"
    last_award = next(i for i, r in enumerate(world.events)
                      if r.event_type == "GrantAwarded" and r.stream_id == alvsjo)  # fmt: skip
    _, problem = replay(_replaced(world, last_award, amount_sek=100_001))
    assert problem is not None
    assert (problem.rule, problem.event_type) == ("total awarded within the budget", "GrantAwarded")
    assert problem.reason["rule"] == AWARD_OVER_BUDGET(
        amount=Kronor(100_001), total=Kronor(1_000_001), budget=Kronor(1_000_000)
    )
    last_grant = max(i for i, r in enumerate(world.events)
                     if r.event_type == "SupervisionFundsGranted")  # fmt: skip
    _, problem = replay(_replaced(world, last_grant, amount_sek=10_001))
    assert problem is not None
    assert (problem.rule, problem.event_type) == ("supervision pool", "SupervisionFundsGranted")
    assert problem.reason["rule"] == POOL_LEFT(pool=Kronor(30_000), left=Kronor(10_000))


def test_a_payment_reference_is_used_once_in_the_round_as_the_totals_keep_it() -> None:
    """Farsta's U-1, read back after its stream grew: another amount under it is refused,
    naming the payment that holds it."""
    world = _round_of_three()
    last = len(world.events) - 1
    _, problem = replay(_replaced(world, last, payment_reference="U-1"))
    assert problem is not None
    assert problem.rule == "payment reference unique in the round"
    assert problem.reason["rule"] == REFERENCE_USED(
        ref="U-1", amount=Kronor(100_000), purpose=Named("purpose", "grant"), district="Farsta"
    )


# -- the first event of a decision ------------------------------------------------------------


def test_a_first_event_the_decision_does_not_give_says_what_it_gives() -> None:
    """A moved deadline must say the date it moves from: the decision gives a DeadlineChanged
    on the round, with the right previous date."""
    world = _honest()
    (changed,) = world.run(
        SetDeadline(round_id=RID, code="t2", due_on=date(2014, 9, 30), reason="later"),
        date(2014, 4, 1),
    )
    wrong = changed._replace(
        event=changed.event.model_copy(update={"previous_due_on": date(2014, 1, 1)})
    )
    state, problem = replay([*world.events[:-1], wrong])
    assert problem is not None
    expected = f"a DeadlineChanged on {ROUND}"
    assert (problem.rule, problem.position) == (
        "the import records what the decision gives",
        changed.position,
    )
    assert problem.message == (
        f"the engine's decision records {expected} here, not this DeadlineChanged on {ROUND} "
        "(a field, the stream or the order differs from what the rules give)"
    )
    assert problem.reason == IMPORT_NOT_WHAT_THE_DECISION_GIVES(
        event=Named("event", "DeadlineChanged"), expected=expected
    )
    assert state.checked == len(world.events) - 1


def test_a_second_allocation_beside_the_first_says_why() -> None:
    world = _allocated()
    for r in [r for r in world.events if r.event_type in ("AllocationDecided", "GrantAwarded")]:
        world.given(r.stream_id, r.event.model_copy(update={"decision_ref": "SN 2"}),
                    date(2014, 2, 5))  # fmt: skip
    second = next(r for r in reversed(world.events) if r.event_type == "AllocationDecided")
    _, problem = replay(world.events)
    assert problem is not None
    why = (
        "round r has an allocation or awards on record: a new allocation annuls and replaces "
        "them in the same decision"
    )
    assert (problem.rule, problem.message, problem.position) == (
        "one allocation per round",
        why,
        second.position,
    )
    assert problem.reason == IMPORT_UNRECORDABLE(event=Named("event", "AllocationDecided"),
                                                 why=why)  # fmt: skip


@pytest.mark.parametrize("stream", [ROUND, "other:r", "access"])
def test_an_event_on_a_stream_its_type_never_goes_on_says_where_it_goes(stream: str) -> None:
    world = _honest()
    index = next(i for i, r in enumerate(world.events) if r.event_type == "DisbursementMade")
    forged = world.events[index]._replace(stream_id=stream)
    state, problem = replay([*world.events[:index], forged])
    assert problem is not None
    why = f"a DisbursementMade is recorded on a project stream, not on {stream}"
    assert (problem.rule, problem.kind, problem.message, problem.stream_id) == (
        "streams",
        "condition",
        why,
        stream,
    )
    assert problem.reason == IMPORT_STREAM(event=Named("event", "DisbursementMade"), stream=stream)
    assert state.checked == index
    opening = world.events[0]._replace(stream_id=FARSTA)  # a round's opening on a project
    problem = replay([opening])[1]
    assert problem is not None
    assert problem.message == f"a RoundOpened is recorded on a round stream, not on {FARSTA}"


# -- events no command could say, and a school's kind set alone --------------------------------


def test_a_schools_kind_alone_is_rebuilt_from_a_contact_on_record_there() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.run(SetContact(round_id=RID, district="Farsta", role="school_contact",
                         email="rektor@farsta.example.org", school="Farstaskolan"),
              date(2014, 2, 4))  # fmt: skip
    world.given(FARSTA, SchoolKindSet(school="Farstaskolan", kind="free"), date(2014, 2, 5))
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, len(world.events))
    r = world.given(FARSTA, SchoolKindSet(school="Fagersjöskolan", kind="free"), date(2014, 2, 6))
    _, problem = replay(world.events)
    assert problem is not None
    why = "a school kind is set with a contact for Fagersjöskolan; none is on record"
    assert (problem.rule, problem.message, problem.position) == ("commands", why, r.position)
    assert problem.reason == IMPORT_UNRECORDABLE(event=Named("event", "SchoolKindSet"), why=why)


def test_an_event_no_command_could_say_is_refused_naming_the_field() -> None:
    """A payment reference on two lines: the event's text allows it, a command's never."""
    world = _honest()
    index = next(i for i, r in enumerate(world.events) if r.event_type == "DisbursementMade")
    paid = world.events[index]
    forged = paid._replace(event=paid.event.model_copy(update={"payment_reference": "U\n1"}))
    _, problem = replay([*world.events[:index], forged])
    assert problem is not None
    assert (problem.rule, problem.position) == ("commands", paid.position)
    assert problem.message.startswith(
        "no command records this DisbursementMade (payment_reference: Value error, contains "
        "the control character '\\n'"
    )
    assert problem.reason == IMPORT_UNRECORDABLE(
        event=Named("event", "DisbursementMade"), why=problem.message
    )


def test_a_payment_reference_freed_by_its_payments_annulment_is_used_again() -> None:
    """U-2 read into the round's totals (a later payment, U-3, reads them), then annulled
    (the money never left): the totals drop it when Farsta's stream is read again, so a
    payment under U-2 imports, while U-1, which stands, is still refused."""
    world = _round_of_three()
    u2 = world.events[-1]
    world.run(Disburse(round_id=RID, district="Farsta", amount_sek=10_000,
                       payment_reference="U-3"), date(2014, 3, 22))  # fmt: skip
    annul = Annul(round_id=RID, district="Farsta", position=u2.position, reason="fel",
                  money_never_left=True)  # fmt: skip
    world.run(annul, date(2014, 3, 23))
    world.run(annul, date(2014, 3, 23), actor="en annan")  # four eyes: a second person
    world.run(Disburse(round_id=RID, district="Farsta", amount_sek=50_000,
                       payment_reference="U-2"), date(2014, 3, 24))  # fmt: skip
    assert [r.event_type for r in world.events[-3:]] == [
        "PaymentAnnulmentRequested",
        "EventAnnulled",
        "DisbursementMade",
    ]
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, len(world.events))
    _, problem = replay(_replaced(world, len(world.events) - 1, payment_reference="U-1"))
    assert problem is not None
    assert problem.rule == "payment reference unique in the round"
    # Farsta's supervision, read again with its stream, is counted once: the pool is empty.
    alvsjo = f"project:{RID}:alvsjo"
    world.run(RequestSupervision(round_id=RID, district="Älvsjö", amount_sek=25_000,
                                 description="Handledning"), date(2014, 3, 25))  # fmt: skip
    world.given(alvsjo, SupervisionFundsGranted(amount_sek=1, decision_ref="H Älvsjö"),
                date(2014, 3, 25))  # fmt: skip
    _, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.event_type) == ("supervision pool", "SupervisionFundsGranted")
    assert problem.reason["rule"] == POOL_LEFT(pool=Kronor(30_000), left=Kronor(0))


def test_an_event_on_a_stream_of_neither_of_its_kinds_names_both() -> None:
    """An annulment goes on a project or a round stream; on the access stream it is refused
    naming both."""
    world = _honest()
    deadline = world.events[-1]
    world.run(Annul(round_id=RID, position=deadline.position, reason="fel"), date(2014, 3, 22))
    index = next(i for i, r in enumerate(world.events) if r.event_type == "EventAnnulled")
    forged = world.events[index]._replace(stream_id="access")
    _, problem = replay([*world.events[:index], forged])
    assert problem is not None
    assert problem.message == (
        "a EventAnnulled is recorded on a project or round stream, not on access"
    )


def test_an_event_on_a_project_before_its_application_names_the_project_by_its_stream() -> None:
    """A withdrawal on Farsta's stream before any application: the engine knows no such
    district in the round, and says so naming the district as the stream names it."""
    world = World()
    opened(world)
    r = world.given(FARSTA, ApplicationWithdrawn(reason="Fel"), date(2014, 2, 4))
    state, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.kind, problem.position) == ("known districts", "not_found",
                                                              r.position)  # fmt: skip
    refusal = problem.reason["rule"]
    assert isinstance(refusal, Reason)
    # No application in the round yet: there is no district to name (not "the round has: ").
    assert (refusal.code, refusal["district"]) == ("district.unknown_none_yet", "farsta")
    assert dict(refusal.params) == {"district": "farsta", "round": "r"}
    assert state.checked == 1


def _allocated_back_dated(skarpnack_applied_on: date) -> World:
    """Farsta applied in May 2013 and Skarpnäck on ``skarpnack_applied_on``; a contact set
    for Farsta on 10 February 2014; then an allocation dated 4 February recorded after it."""
    world = World()
    opened(world)
    applied(world, "Farsta", sek=600_000, schools=2)
    applied(world, "Skarpnäck", sek=500_000, schools=3, on=skarpnack_applied_on)
    world.run(SetContact(round_id=RID, district="Farsta", role="school_contact",
                         email="rektor@farsta.example.org", school="Farstaskolan"),
              date(2014, 2, 10))  # fmt: skip
    world.run(RecordAllocation(round_id=RID, decided_on=date(2014, 2, 4), decision_ref="SN 1",
                               decided_by="Socialnämndens arbetsutskott"),
              date(2014, 2, 4))  # fmt: skip
    return world


def test_a_back_dated_allocation_is_judged_on_every_project_as_of_its_own_day_too() -> None:
    """An allocation recorded after a later contact is judged on the round's projects as
    they stood on its own day as well: both applications were in, so it imports; with
    Skarpnäck's application made after that day, the allocation shares money with a district
    that had not applied then, and the engine would have refused it."""
    world = _allocated_back_dated(date(2013, 5, 31))
    decision = next(r for r in world.events if r.event_type == "AllocationDecided")
    assert decision.occurred_at < world.events[3].occurred_at  # recorded after a later event
    state, problem = replay(world.events)
    assert (problem, state.checked) == (None, len(world.events))
    world = _allocated_back_dated(date(2014, 2, 10))
    state, problem = replay(world.events)
    assert problem is not None
    assert (problem.rule, problem.event_type, problem.position) == (
        "allocate between the recorded applications",
        "AllocationDecided",
        decision.position,
    )
    refusal = problem.reason["rule"]
    assert isinstance(refusal, Reason)
    assert (refusal.code, refusal["district"]) == ("allocation.not_applied", "Skarpnäck")
    assert state.checked == 4


def test_a_reminder_on_a_stream_with_nothing_on_it_is_refused() -> None:
    """A reminder for Älvsjö, which never applied, is due to no one; one in a round never
    opened is refused naming the round."""
    world = _reminded_world()
    sent = ReminderSent(key="k", obligation="year_end_account", step="due", due_on=YEAR_END,
                        recipient_role="district")  # fmt: skip
    world.given(f"project:{RID}:alvsjo", sent, date(2015, 1, 31))
    _not_due(replay(world.events)[1], "ReminderSent", "k", "district")
    world = _reminded_world()
    world.given("project:x:farsta", sent, date(2015, 1, 31))
    problem = replay(world.events)[1]
    assert problem is not None
    assert (problem.rule, problem.message) == ("known rounds", "round x was not opened before it")
