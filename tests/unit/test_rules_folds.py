"""The folds, the lifecycle table, the 2014 and 2018 policies, reminders and working days,
without a database: given recorded events, then the state, the conditions or the reminders,
exactly as a person reads them on the board or in a message."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import uuid4

import pytest

from events import (
    AllocationDecided,
    AllocationLine,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    BudgetLine,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    Event,
    EventAnnulled,
    FinancialReportSubmitted,
    FollowUpIndicators,
    FollowUpSubmitted,
    GrantAwarded,
    LadderStep,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
    NetworkSessionScheduled,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    Recorded,
    ReminderAbandoned,
    ReminderFailed,
    ReminderLadderSet,
    ReminderSent,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    RoundClosed,
    RoundDeadline,
    RoundOpened,
    Signature,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies.base import Condition, ConditionStatus
from policies.ledger import Ledger
from policies.lifecycle import (
    IllegalTransition,
    Machine,
    initial,
    key_of,
    replay_strictly,
)
from policies.pilot2014 import Pilot2014, local_date_of
from policies.reminders import (
    DEFAULT_LADDER,
    DueReminder,
    Obligation,
    due_reminders,
    handled_keys,
    ladder_for,
    obligations,
    reminder_key,
    step_moment,
)
from policies.sst2018 import SchoolSocialTeams2018
from policies.state import (
    STOCKHOLM,
    Deadline,
    NetworkRecord,
    PlanRecord,
    ProjectState,
    RoundState,
    as_of,
    effective,
    end_of_day,
    fold_project,
    fold_round,
    local_date,
    slug,
    start_of_day,
)
from policies.workdays import (
    add_working_days,
    is_working_day,
    non_working_reason,
    working_day_on_or_before,
)
from tests.unit.said import En, en

R = Recorded[Any]
RID = "r"
ROUND = f"round:{RID}"
FARSTA = f"project:{RID}:farsta"
PILOT = Pilot2014()
SST = SchoolSocialTeams2018()
NBSP = "\u00a0"


class Log:
    """Recorded events with gap-free positions across streams, kept in a list (no store)."""

    def __init__(self) -> None:
        self.events: list[R] = []

    def add(self, stream: str, event: Event, on: date | datetime) -> R:
        """``event`` happened on ``on`` (a date: the start of that Stockholm day)."""
        at = on if isinstance(on, datetime) else datetime.combine(on, time(0), STOCKHOLM)
        key = str(uuid4())
        recorded: R = Recorded(
            len(self.events) + 1,
            stream,
            sum(1 for r in self.events if r.stream_id == stream) + 1,
            event,
            at.astimezone(UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
            key,
            '{"actor":"test","role":"coordinator"}',
            hashlib.sha256(key.encode()).hexdigest(),
        )
        self.events.append(recorded)
        return recorded

    def stream(self, stream_id: str) -> list[R]:
        return [r for r in self.events if r.stream_id == stream_id]

    def round(self) -> RoundState:
        rnd = fold_round(self.stream(ROUND))
        assert rnd is not None
        return rnd

    def project(self, stream: str = FARSTA) -> ProjectState:
        return fold_project(stream, self.stream(stream))


def opening(
    policy: str = "ppss-2014",
    deadlines: tuple[RoundDeadline, ...] = (),
    application_deadline: date | None = None,
) -> RoundOpened:
    year = 2014 if policy == "ppss-2014" else 2018
    return RoundOpened(
        round_id=RID,
        title="Runda",
        budget_sek=1_000_000,
        supervision_pool_sek=200_000,
        supervision_cap_sek=25_000,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        application_deadline=application_deadline,
        policy_name=policy,
        policy_version=1,
        deadlines=deadlines,
    )


def application(
    district: str = "Farsta",
    applied: int = 300_000,
    year: int = 2014,
    signatures: tuple[Signature, ...] = (),
    budget: tuple[BudgetLine, ...] = (),
) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        round_id=RID,
        project_id=slug(district),
        district=district,
        school_count=2,
        applied_sek=applied,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        signatures=signatures,
        budget_lines=budget,
    )


def session(sid: str, starts: datetime, title: str = "Nätverk", mandatory: bool = True) -> Any:
    return NetworkSessionScheduled(
        session_id=sid, title=title, starts_at=starts, mandatory=mandatory
    )


def follow_up(kind: str, plan: str | None = None) -> FollowUpSubmitted:
    return FollowUpSubmitted(
        kind=kind,  # type: ignore[arg-type]
        period_start=date(2018, 1, 1),
        period_end=date(2018, 6, 30),
        indicators=FollowUpIndicators(target_group_size=10, pupils_reached=8),
        self_financing_plan=plan,
    )


def report(kind: str, spent: int) -> FinancialReportSubmitted:
    return FinancialReportSubmitted(kind=kind, spent_sek=spent, forecast_sek=spent)  # type: ignore[arg-type]


def pay(sek: int, purpose: str = "grant", ref: str = "U-1") -> DisbursementMade:
    return DisbursementMade(amount_sek=sek, purpose=purpose, payment_reference=ref)  # type: ignore[arg-type]


def annul(target: R) -> EventAnnulled:
    return EventAnnulled(annulled_event_id=target.event_id, reason="Fel")


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


def met(code: str, reason: str, *evidence: R, **kw: Any) -> Condition:
    return Condition(code, ConditionStatus.met, reason, tuple(evidence), **kw)


def unmet(code: str, reason: str, *evidence: R, **kw: Any) -> Condition:
    return Condition(code, ConditionStatus.unmet, reason, tuple(evidence), **kw)


def not_due(code: str, reason: str, *evidence: R, **kw: Any) -> Condition:
    return Condition(code, ConditionStatus.not_yet_due, reason, tuple(evidence), **kw)


def sek(amount: int) -> str:
    return f"{amount:,} kr".replace(",", NBSP)


# == policies.state: days, names and the as-of cut =========================================


def test_slug_is_ascii_lower_case_with_single_hyphens() -> None:
    """District names become stream ids: diacritics dropped, words joined by one hyphen."""
    assert slug("Spånga -Tensta") == "spanga-tensta"
    assert slug("Hässelby-Vällingby") == "hasselby-vallingby"
    assert slug("  Östermalm__Norra  2 ") == "ostermalm-norra-2"
    assert slug("Skarpnäck") == "skarpnack"


def test_a_day_starts_at_stockholm_midnight_and_ends_at_its_last_instant() -> None:
    """ "As of 10 March" means all of 10 March in Stockholm, from midnight on."""
    assert start_of_day(date(2014, 3, 10)) == datetime(2014, 3, 10, tzinfo=STOCKHOLM)
    assert start_of_day(date(2014, 3, 10)).utcoffset() == STOCKHOLM.utcoffset(datetime(2014, 3, 10))
    assert start_of_day(date(2014, 3, 10)) == datetime(2014, 3, 9, 23, tzinfo=UTC)
    assert end_of_day(date(2014, 3, 10)) == datetime(
        2014, 3, 10, 23, 59, 59, 999_999, tzinfo=STOCKHOLM
    )


def test_local_date_is_the_stockholm_calendar_day() -> None:
    """An event at 23:30 UTC on 9 April 2014 happened on 10 April in Stockholm."""
    log = Log()
    late = log.add(FARSTA, application(), datetime(2014, 4, 9, 23, 30, tzinfo=UTC))
    assert local_date(late) == date(2014, 4, 10)


def test_effective_skips_annulled_events_and_the_annulments_themselves() -> None:
    """The annulled event stays in history but counts no more; annulments are kept by id."""
    log = Log()
    first = log.add(FARSTA, pay(100), date(2014, 3, 1))
    second = log.add(FARSTA, pay(200, ref="U-2"), date(2014, 3, 2))
    annulment = log.add(FARSTA, annul(first), date(2014, 3, 3))
    kept, annulments = effective(log.events)
    assert kept == [second]
    assert annulments == {first.event_key: annulment}


def test_as_of_keeps_what_had_happened_by_the_moment_and_every_annulment() -> None:
    """Inclusive at the moment itself; a later annulment still removes what it annulled."""
    log = Log()
    first = log.add(FARSTA, pay(100), date(2014, 3, 1))
    second = log.add(FARSTA, pay(200, ref="U-2"), date(2014, 3, 2))
    annulment = log.add(FARSTA, annul(first), date(2014, 3, 9))
    assert as_of(log.events, None) == log.events
    assert as_of(iter(log.events), None) == log.events
    assert as_of(log.events, start_of_day(date(2014, 3, 2))) == [first, second, annulment]
    assert as_of(log.events, end_of_day(date(2014, 3, 1))) == [first, annulment]
    assert as_of(log.events, datetime(2014, 2, 1, tzinfo=UTC)) == [annulment]


# == policies.state: fold_round ============================================================


def test_fold_round_is_none_without_an_opening_or_with_an_annulled_one() -> None:
    """No RoundOpened on record (or only an annulled one): no round."""
    log = Log()
    assert fold_round([]) is None
    assert fold_round([log.add(ROUND, RoundClosed(reason="x"), date(2014, 1, 1))]) is None
    log = Log()
    opened = log.add(ROUND, opening(), date(2013, 5, 2))
    log.add(ROUND, annul(opened), date(2013, 5, 3))
    assert fold_round(log.events) is None


def test_fold_round_reads_the_opening_the_calendar_sessions_ladders_and_closing() -> None:
    """Every round event lands where the policies look; after closing nothing more counts,
    and an event its lifecycle does not allow is skipped without stopping the fold."""
    log = Log()
    opened = log.add(
        ROUND,
        opening(
            deadlines=(
                RoundDeadline(code="t2", due_on=date(2014, 9, 14), description="T2"),
                RoundDeadline(code="annual_report", due_on=date(2015, 2, 28)),
            ),
            application_deadline=date(2013, 5, 31),
        ),
        date(2013, 5, 2),
    )
    log.add(ROUND, opening(), date(2013, 5, 3))  # opened twice: the second does not count
    gone = log.add(
        ROUND, DeadlineSet(code="gone", due_on=date(2014, 5, 1), reason="x"), date(2013, 5, 4)
    )
    log.add(ROUND, annul(gone), date(2013, 5, 5))
    year_end = log.add(
        ROUND,
        DeadlineSet(
            code="year_end_account", due_on=date(2015, 1, 31), reason="x", description="Bokslut"
        ),
        date(2013, 6, 1),
    )
    moved = log.add(
        ROUND,
        DeadlineChanged(
            code="t2", previous_due_on=date(2014, 9, 14), due_on=date(2014, 9, 21), reason="y"
        ),
        date(2013, 6, 2),
    )
    fresh = log.add(
        ROUND,
        DeadlineChanged(
            code="final", previous_due_on=date(2014, 11, 1), due_on=date(2014, 11, 30), reason="z"
        ),
        date(2013, 6, 3),
    )
    n1 = log.add(ROUND, session("n1", at(date(2014, 4, 10), 13)), date(2013, 6, 4))
    steps = (LadderStep(step="due", offset_working_days=0, recipient_role="district"),)
    later = (LadderStep(step="late", offset_working_days=2, recipient_role="coordinator"),)
    log.add(ROUND, ReminderLadderSet(steps=steps, reason="a"), date(2013, 6, 5))
    log.add(ROUND, ReminderLadderSet(obligation="t2", steps=later, reason="b"), date(2013, 6, 6))
    line = AllocationLine(
        district="Farsta", schools=1, applied_sek=1, base_sek=1, share_sek=0, allocated_sek=1
    )
    allocated = log.add(
        ROUND,
        AllocationDecided(
            decided_by="SN",
            decided_on=date(2014, 2, 4),
            decision_ref="SN 1",
            method="equal",
            method_version=1,
            total_sek=1,
            lines=(line,),
            unallocated_sek=0,
        ),
        date(2014, 2, 4),
    )
    closed = log.add(ROUND, RoundClosed(reason="Klart"), date(2015, 3, 1))
    log.add(ROUND, DeadlineSet(code="late", due_on=date(2015, 5, 1), reason="x"), date(2015, 3, 2))
    log.add(ROUND, session("n9", at(date(2015, 4, 1))), date(2015, 3, 3))

    rnd = fold_round(log.events)
    assert rnd == RoundState(
        round_id=RID,
        title="Runda",
        budget_sek=1_000_000,
        supervision_pool_sek=200_000,
        period_start=date(2014, 1, 1),
        period_end=date(2014, 12, 31),
        application_deadline=date(2013, 5, 31),
        policy_name="ppss-2014",
        policy_version=1,
        opened=opened,
        deadlines={
            "t2": Deadline("t2", date(2014, 9, 21), "T2", (opened, moved)),
            "annual_report": Deadline("annual_report", date(2015, 2, 28), None, (opened,)),
            "year_end_account": Deadline(
                "year_end_account", date(2015, 1, 31), "Bokslut", (year_end,)
            ),
            "final": Deadline("final", date(2014, 11, 30), None, (fresh,)),
        },
        sessions={"n1": n1},
        allocation=allocated,
        closed=closed,
        version=len(log.events),
        ladders={"*": steps, "t2": later},
        supervision_cap_sek=25_000,
        status="closed",
        last_position=log.events[-1].position,
    )
    assert rnd.opened_on == date(2013, 5, 2)


def test_fold_round_of_an_open_round() -> None:
    """Just opened: status open, no allocation, not closed, no cap when none was recorded."""
    log = Log()
    log.add(ROUND, opening().model_copy(update={"supervision_cap_sek": None}), date(2013, 5, 2))
    rnd = log.round()
    assert (rnd.status, rnd.allocation, rnd.closed, rnd.supervision_cap_sek) == (
        "open",
        None,
        None,
        None,
    )
    assert (rnd.version, rnd.last_position, rnd.deadlines, rnd.ladders) == (1, 1, {}, {})


# == policies.state: fold_project ==========================================================


def test_fold_project_of_an_empty_stream() -> None:
    """Nothing on record: no application, no district, nothing in any list."""
    project = fold_project(FARSTA, [])
    assert project.district is None
    assert project.project_id == "r:farsta"
    assert project.last_position == 0
    assert (project.latest_plan, project.approved_plan) == (None, None)
    assert (project.application_status, project.repayment_status) == ("none", "none")
    assert project.ledger == Ledger()
    assert (project.version, project.history) == (0, ())


def test_fold_project_follows_the_application_lifecycle() -> None:
    """A withdrawal before any application counts for nothing; a new application after a
    withdrawal stands and clears the withdrawal."""
    log = Log()
    log.add(FARSTA, ApplicationWithdrawn(reason="x"), date(2013, 5, 1))
    first = log.add(FARSTA, application(), date(2013, 5, 2))
    assert (log.project().application, log.project().withdrawn) == (first, None)
    assert log.project().application_status == "submitted"
    gone = log.add(FARSTA, ApplicationWithdrawn(reason="y"), date(2013, 5, 3))
    project = log.project()
    assert (project.application, project.withdrawn, project.application_status) == (
        first,
        gone,
        "withdrawn",
    )
    log.add(FARSTA, ApplicationWithdrawn(reason="z"), date(2013, 5, 4))  # not allowed: skipped
    assert log.project().withdrawn == gone
    again = log.add(FARSTA, application("Farsta", 200_000), date(2013, 5, 5))
    project = log.project()
    assert (project.application, project.withdrawn, project.application_status) == (
        again,
        None,
        "submitted",
    )
    assert project.district == "Farsta"


def test_fold_project_follows_the_plan_lifecycle() -> None:
    """An approval without a submission is skipped; a resubmitted plan goes to the end,
    undecided; the plan in force is the latest approved one."""
    log = Log()
    log.add(FARSTA, PlanApproved(plan_id="x", meeting_on=date(2014, 2, 1)), date(2014, 2, 1))
    p1 = log.add(FARSTA, PlanSubmitted(plan_id="p1", summary="A"), date(2014, 2, 2))
    no = log.add(
        FARSTA,
        PlanRejected(plan_id="p1", meeting_on=date(2014, 2, 3), reason="B"),
        date(2014, 2, 3),
    )
    assert log.project().plans == (PlanRecord("p1", p1, no, "rejected"),)
    p2 = log.add(FARSTA, PlanSubmitted(plan_id="p2", summary="C"), date(2014, 2, 4))
    yes2 = log.add(
        FARSTA, PlanApproved(plan_id="p2", meeting_on=date(2014, 2, 5)), date(2014, 2, 5)
    )
    p1b = log.add(FARSTA, PlanSubmitted(plan_id="p1", summary="D"), date(2014, 2, 6))
    project = log.project()
    assert project.plans == (
        PlanRecord("p2", p2, yes2, "approved"),
        PlanRecord("p1", p1b, None, "submitted"),
    )
    assert project.latest_plan == PlanRecord("p1", p1b, None, "submitted")
    assert project.approved_plan == PlanRecord("p2", p2, yes2, "approved")
    assert project.plan("p2") == PlanRecord("p2", p2, yes2, "approved")
    assert project.plan("x") is None
    yes1 = log.add(
        FARSTA, PlanApproved(plan_id="p1", meeting_on=date(2014, 2, 7)), date(2014, 2, 7)
    )
    assert log.project().approved_plan == PlanRecord("p1", p1b, yes1, "approved")
    log.add(FARSTA, PlanSubmitted(plan_id="p1", summary="E"), date(2014, 2, 8))  # approved: no
    assert log.project().plan("p1") == PlanRecord("p1", p1b, yes1, "approved")


def test_a_plan_record_starts_submitted() -> None:
    """A plan just handed in is a submitted, undecided plan."""
    log = Log()
    p = log.add(FARSTA, PlanSubmitted(plan_id="p", summary="A"), date(2014, 2, 2))
    assert log.project().plans == (PlanRecord("p", p, None, "submitted"),)


def test_fold_project_follows_each_network_session() -> None:
    """Attended, absent, made up, exempted; a step the table does not allow is skipped."""
    log = Log()
    log.add(FARSTA, NetworkMakeUpRecorded(session_id="s0", how="x"), date(2014, 4, 1))
    came = log.add(FARSTA, NetworkAttendanceRecorded(session_id="s1"), date(2014, 4, 1))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s1"), date(2014, 4, 2))
    away = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s2"), date(2014, 4, 3))
    away3 = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s3"), date(2014, 4, 4))
    made_up = log.add(FARSTA, NetworkMakeUpRecorded(session_id="s3", how="y"), date(2014, 4, 5))
    away4 = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s4", excused=True), date(2014, 4, 6))
    exempt = log.add(FARSTA, NetworkExemptionGranted(session_id="s4", reason="z"), date(2014, 4, 7))
    log.add(FARSTA, NetworkAttendanceRecorded(session_id="s4"), date(2014, 4, 8))
    assert log.project().network == {
        "s1": NetworkRecord("s1", came, None, None, "attended"),
        "s2": NetworkRecord("s2", None, away, None, "absent"),
        "s3": NetworkRecord("s3", None, away3, made_up, "remedied"),
        "s4": NetworkRecord("s4", None, away4, exempt, "remedied"),
    }


def test_only_an_unexcused_absence_without_remedy_blocks() -> None:
    """NetworkRecord.blocking: absent and unexcused; attended, excused or remedied is not."""
    log = Log()
    bad = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s"), date(2014, 4, 1))
    ok = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s", excused=True), date(2014, 4, 1))
    came = log.add(FARSTA, NetworkAttendanceRecorded(session_id="s"), date(2014, 4, 1))
    assert NetworkRecord("s", None, bad, None, "absent").blocking is True
    assert NetworkRecord("s", None, ok, None, "absent").blocking is False
    assert NetworkRecord("s", None, bad, came, "remedied").blocking is False
    assert NetworkRecord("s", came, None, None, "attended").blocking is False
    assert NetworkRecord("s", None, None, None, "absent").blocking is False
    assert NetworkRecord("s").blocking is False
    assert NetworkRecord("s").status == "none"


def test_fold_project_keeps_money_reports_and_reminders_in_their_places() -> None:
    """Awards, supervision, payments, repayments (a settlement before any demand counts for
    nothing), the latest report of each kind, reminders, annulments and the ledger."""
    log = Log()
    log.add(FARSTA, RepaymentReceived(amount_sek=5, payment_reference="X"), date(2014, 1, 1))
    applied = log.add(FARSTA, application(), date(2014, 1, 2))
    award = log.add(
        FARSTA, GrantAwarded(amount_sek=300_000, decision_ref="SN", decided_on=date(2014, 2, 4)),
        date(2014, 2, 4),
    )  # fmt: skip
    asked = log.add(
        FARSTA, SupervisionFundsRequested(amount_sek=25_000, description="H"), date(2014, 2, 5)
    )
    granted = log.add(
        FARSTA, SupervisionFundsGranted(amount_sek=20_000, decision_ref="G"), date(2014, 2, 6)
    )
    paid = log.add(FARSTA, pay(100_000), date(2014, 3, 1))
    wrong = log.add(FARSTA, pay(7, ref="U-2"), date(2014, 3, 2))
    cancelled = log.add(FARSTA, annul(wrong), date(2014, 3, 3))
    paid_sup = log.add(FARSTA, pay(20_000, "supervision", "U-3"), date(2014, 3, 4))
    t2_old = log.add(FARSTA, follow_up("t2"), date(2014, 6, 1))
    t2 = log.add(FARSTA, follow_up("t2", "Plan"), date(2014, 6, 2))
    annual = log.add(FARSTA, follow_up("annual"), date(2014, 6, 3))
    log.add(FARSTA, report("t2", 1), date(2014, 6, 4))
    rep_t2 = log.add(FARSTA, report("t2", 2), date(2014, 6, 5))
    rep_final = log.add(FARSTA, report("final", 3), date(2014, 6, 6))
    log.add(FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="a"), date(2015, 1, 1))
    account = log.add(
        FARSTA, YearEndAccountSubmitted(spent_sek=2, cost_description="b"), date(2015, 1, 2)
    )
    demand = log.add(
        FARSTA, RepaymentDemanded(amount_sek=1_000, reason="R", due_on=date(2015, 3, 1)),
        date(2015, 2, 1),
    )  # fmt: skip
    got = log.add(
        FARSTA, RepaymentReceived(amount_sek=300, payment_reference="B"), date(2015, 2, 2)
    )
    waived = log.add(
        FARSTA, RepaymentWaived(amount_sek=200, reason="W", decision_ref="D"), date(2015, 2, 3)
    )
    again = log.add(
        FARSTA, RepaymentDemanded(amount_sek=50, reason="S", due_on=date(2015, 4, 1)),
        date(2015, 2, 4),
    )  # fmt: skip
    sent = log.add(
        FARSTA,
        ReminderSent(
            key="k", obligation="o", step="due", due_on=date(2015, 1, 1), recipient_role="district"
        ),
        date(2015, 2, 5),
    )
    failed = log.add(
        FARSTA,
        ReminderFailed(
            key="k", obligation="o", step="due", due_on=date(2015, 1, 1),
            recipient_role="district", attempt=1, reason="down",
        ),
        date(2015, 2, 6),
    )  # fmt: skip
    abandoned = log.add(
        FARSTA,
        ReminderAbandoned(
            key="k2", obligation="o", step="late-5", due_on=date(2015, 1, 1),
            recipient_role="district", attempts=3, reason="550 no such user",
        ),
        date(2015, 2, 7),
    )  # fmt: skip
    project = log.project()
    assert project.reminder_abandonments == (abandoned,)
    assert handled_keys(project) == {"k", "k2"}
    assert project.application == applied
    assert project.awards == (award,)
    assert project.supervision_requests == (asked,)
    assert project.supervision_grants == (granted,)
    assert project.disbursements == (paid, paid_sup)
    assert project.follow_ups == {"t2": t2, "annual": annual}
    assert project.follow_ups["t2"] != t2_old
    assert project.financial_reports == {"t2": rep_t2, "final": rep_final}
    assert project.year_end_account == account
    assert project.repayment_demands == (demand, again)
    assert project.repayment_settlements == (got, waived)
    assert project.repayment_status == "demanded"
    assert project.reminders == (sent,)
    assert project.reminder_failures == (failed,)
    assert project.annulments == {wrong.event_key: cancelled}
    assert project.ledger == Ledger(
        awarded_sek=300_000,
        disbursed_grant_sek=100_000,
        supervision_granted_sek=20_000,
        disbursed_supervision_sek=20_000,
        repayment_demanded_sek=1_050,
        repayment_received_sek=300,
        repayment_waived_sek=200,
        events=12,
    )
    assert project.version == len(log.events)
    assert project.history == tuple(log.events)
    assert project.last_position == log.events[-1].position
    assert project.stream_id == FARSTA
    assert project.withdrawn is None


# == policies.lifecycle ====================================================================


def test_an_illegal_step_says_what_may_follow_or_that_nothing_may() -> None:
    """The message names the event, the project, the lifecycle, its state and what is
    allowed there, in alphabetical order."""
    error = IllegalTransition("PlanApproved", "r:farsta", Machine.plan, "none")
    assert str(error) == (
        "PlanApproved is not allowed for r:farsta: its plan is 'none' (allowed: PlanSubmitted)"
    )
    assert (error.event_type, error.where, error.machine, error.state) == (
        "PlanApproved",
        "r:farsta",
        Machine.plan,
        "none",
    )
    absent = IllegalTransition("NetworkAttendanceRecorded", "r:x", Machine.network, "absent")
    assert str(absent) == (
        "NetworkAttendanceRecorded is not allowed for r:x: its network is 'absent' "
        "(allowed: NetworkExemptionGranted, NetworkMakeUpRecorded)"
    )
    closed = IllegalTransition("DeadlineSet", "r", Machine.round, "closed")
    assert (
        str(closed)
        == "DeadlineSet is not allowed for r: its round is 'closed' (nothing may follow)"
    )
    assert isinstance(closed, ValueError)


def test_every_lifecycle_starts_at_none_and_keys_its_instances() -> None:
    """Plans by plan id, sessions by session id, everything else by the empty key."""
    assert {initial(m) for m in Machine} == {"none"}
    assert key_of(NetworkAbsenceRecorded(session_id="s9")) == "s9"
    assert key_of(NetworkMakeUpRecorded(session_id="s8", how="x")) == "s8"
    assert key_of(PlanSubmitted(plan_id="p", summary="x")) == "p"
    assert key_of(RepaymentWaived(amount_sek=1, reason="r", decision_ref="d")) == ""


def test_replay_strictly_walks_each_instance_and_skips_money() -> None:
    """The states of a legal history, per lifecycle and instance; money has no lifecycle."""
    log = Log()
    log.add(FARSTA, application(), date(2014, 1, 1))
    log.add(FARSTA, pay(5), date(2014, 1, 2))
    log.add(FARSTA, PlanSubmitted(plan_id="p", summary="x"), date(2014, 1, 3))
    log.add(FARSTA, PlanSubmitted(plan_id="q", summary="x"), date(2014, 1, 4))
    log.add(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 1, 5)), date(2014, 1, 5))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s"), date(2014, 1, 6))
    log.add(FARSTA, NetworkMakeUpRecorded(session_id="s", how="x"), date(2014, 1, 7))
    assert replay_strictly(log.events, FARSTA) == {
        (Machine.application, ""): "submitted",
        (Machine.plan, "p"): "approved",
        (Machine.plan, "q"): "submitted",
        (Machine.network, "s"): "remedied",
    }
    log.add(FARSTA, NetworkAttendanceRecorded(session_id="s"), date(2014, 1, 8))
    with pytest.raises(IllegalTransition) as caught:
        replay_strictly(log.events, FARSTA)
    assert (caught.value.where, caught.value.state) == (FARSTA, "remedied")


# == policies.workdays =====================================================================


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2018, 9, 15), "Saturday"),
        (date(2018, 9, 16), "Sunday"),
        (date(2018, 9, 14), None),
        (date(2018, 12, 24), "Christmas Eve"),
        (date(2018, 12, 31), "New Year's Eve"),
        (date(2018, 6, 22), "Midsummer Eve"),
        (date(2020, 6, 19), "Midsummer Eve"),
        (date(2021, 6, 25), "Midsummer Eve"),
        (date(2021, 6, 18), None),
        (date(2020, 6, 26), None),
        (date(2018, 5, 10), "Ascension Day"),
        (date(2018, 6, 6), "National Day"),
    ],
)
def test_swedish_days_off_and_why(day: date, reason: str | None) -> None:
    """Weekends, public holidays and the three de facto days off, by name."""
    assert non_working_reason(day) == reason
    assert is_working_day(day) is (reason is None)


def test_working_days_are_counted_past_weekends_and_holidays() -> None:
    """Forward and back, the start day not counted; 0 is the day itself."""
    assert add_working_days(date(2018, 9, 14), 1) == date(2018, 9, 17)
    assert add_working_days(date(2018, 9, 14), 5) == date(2018, 9, 21)
    assert add_working_days(date(2018, 9, 17), -1) == date(2018, 9, 14)
    assert add_working_days(date(2018, 12, 21), 1) == date(2018, 12, 27)
    assert add_working_days(date(2018, 12, 27), -2) == date(2018, 12, 20)
    assert add_working_days(date(2018, 9, 15), 0) == date(2018, 9, 15)


def test_the_working_day_on_or_before_a_day() -> None:
    """A working day is itself; a holiday or weekend goes back to the last working day."""
    assert working_day_on_or_before(date(2018, 9, 14)) == date(2018, 9, 14)
    assert working_day_on_or_before(date(2018, 9, 16)) == date(2018, 9, 14)
    assert working_day_on_or_before(date(2018, 12, 26)) == date(2018, 12, 21)


# == policies.pilot2014 ====================================================================


def pilot_log(*deadlines: RoundDeadline) -> Log:
    log = Log()
    log.add(ROUND, opening(deadlines=deadlines), date(2013, 5, 2))
    log.add(FARSTA, application(), date(2013, 5, 31))
    return log


def plan_condition(log: Log) -> Condition:
    return PILOT._plan(log.project())


def test_pilot_no_plan_blocks_the_grant() -> None:
    """No work plan: unmet, with what must happen before any payment."""
    assert plan_condition(pilot_log()) == unmet(
        "plan_approved",
        En("no work plan submitted; the steering group must approve one before any payment"),
    )


def test_pilot_a_plan_awaiting_approval_blocks_since_its_submission() -> None:
    """Submitted, undecided: unmet since the day it was submitted."""
    log = pilot_log()
    p = log.add(FARSTA, PlanSubmitted(plan_id="p", summary="A"), date(2014, 2, 20))
    assert plan_condition(log) == unmet(
        "plan_approved",
        En("plan p submitted on 2014-02-20 awaits the steering group's approval"),
        p,
        since=date(2014, 2, 20),
    )


def test_pilot_a_rejected_plan_blocks_with_the_steering_groups_reason() -> None:
    """Rejected: unmet, with the meeting, the reason and what to do, since submission."""
    log = pilot_log()
    p = log.add(FARSTA, PlanSubmitted(plan_id="p", summary="A"), date(2014, 2, 20))
    no = log.add(
        FARSTA,
        PlanRejected(plan_id="p", meeting_on=date(2014, 3, 3), reason="Saknar mål"),
        date(2014, 3, 3),
    )
    assert plan_condition(log) == unmet(
        "plan_approved",
        En("plan p was rejected on 2014-03-03: Saknar mål; a revised plan must be submitted"),
        p,
        no,
        since=date(2014, 2, 20),
    )


def test_pilot_an_approved_plan_meets_the_condition() -> None:
    """Approved (the latest plan): met, naming the meeting."""
    log = pilot_log()
    p = log.add(FARSTA, PlanSubmitted(plan_id="p", summary="A"), date(2014, 2, 20))
    yes = log.add(
        FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10)
    )
    assert plan_condition(log) == met(
        "plan_approved", En("plan p approved by the steering group on 2014-03-10"), p, yes
    )


def test_pilot_an_approved_plan_stays_in_force_while_a_newer_one_waits() -> None:
    """A newer plan awaiting a decision does not stop payments on the approved one."""
    log = pilot_log()
    p = log.add(FARSTA, PlanSubmitted(plan_id="p", summary="A"), date(2014, 2, 20))
    yes = log.add(
        FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10)
    )
    log.add(FARSTA, PlanSubmitted(plan_id="q", summary="B"), date(2014, 8, 1))
    assert plan_condition(log) == met(
        "plan_approved",
        En("plan p approved on 2014-03-10; plan q awaits the steering group"),
        p,
        yes,
    )


def test_pilot_network_counts_only_mandatory_sessions_held_by_today() -> None:
    """A session held today counts, one tomorrow or an optional one does not; unrecorded
    attendance is said but does not block."""
    log = pilot_log()
    log.add(ROUND, session("s1", at(date(2014, 4, 10), 13)), date(2014, 1, 10))
    log.add(ROUND, session("s2", at(date(2014, 5, 10), 13)), date(2014, 1, 10))
    log.add(ROUND, session("s3", at(date(2014, 4, 1), 13), mandatory=False), date(2014, 1, 10))
    log.add(ROUND, session("s4", at(date(2014, 4, 2), 13)), date(2014, 1, 10))
    came = log.add(FARSTA, NetworkAttendanceRecorded(session_id="s1"), date(2014, 4, 10))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s2"), date(2014, 4, 10))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s3"), date(2014, 4, 10))
    rnd, project = log.round(), log.project()
    assert PILOT._network(rnd, project, date(2014, 4, 10)) == met(
        "network_participation",
        En(
            "took part in or was excused from 1 of 2 mandatory sessions held so far"
            "; attendance not yet recorded for 1"
        ),
        came,
    )
    assert PILOT._network(rnd, project, date(2014, 4, 9)) == met(
        "network_participation",
        En(
            "took part in or was excused from 0 of 1 mandatory sessions held so far"
            "; attendance not yet recorded for 1"
        ),
    )


def test_pilot_network_met_lists_every_record_of_the_sessions_held() -> None:
    """Attended, excused and made up: all count, and all their records are the evidence."""
    log = pilot_log()
    for sid, day in (("s1", 10), ("s2", 11), ("s3", 12)):
        log.add(ROUND, session(sid, at(date(2014, 4, day), 13)), date(2014, 1, 10))
    came = log.add(FARSTA, NetworkAttendanceRecorded(session_id="s1"), date(2014, 4, 10))
    excused = log.add(
        FARSTA, NetworkAbsenceRecorded(session_id="s2", excused=True), date(2014, 4, 11)
    )
    away = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s3"), date(2014, 4, 12))
    made_up = log.add(FARSTA, NetworkMakeUpRecorded(session_id="s3", how="x"), date(2014, 4, 13))
    assert PILOT._network(log.round(), log.project(), date(2014, 4, 20)) == met(
        "network_participation",
        En("took part in or was excused from 3 of 3 mandatory sessions held so far"),
        came,
        excused,
        away,
        made_up,
    )


def test_pilot_network_an_unexcused_absence_blocks_since_the_first_missed_session() -> None:
    """Every missed session is named with its Stockholm date; evidence: the first session
    and the absences."""
    log = pilot_log()
    s1 = log.add(ROUND, session("s1", at(date(2014, 4, 10), 13), "Första"), date(2014, 1, 10))
    log.add(ROUND, session("s2", at(date(2014, 4, 15), 13), "Andra"), date(2014, 1, 10))
    log.add(
        ROUND, session("s3", datetime(2014, 4, 19, 23, 30, tzinfo=UTC), "Tredje"), date(2014, 1, 10)
    )
    log.add(ROUND, session("s4", at(date(2014, 6, 1), 13), "Fjärde"), date(2014, 1, 10))
    a1 = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s1"), date(2014, 4, 10))
    log.add(FARSTA, NetworkAttendanceRecorded(session_id="s2"), date(2014, 4, 15))
    a3 = log.add(FARSTA, NetworkAbsenceRecorded(session_id="s3"), date(2014, 4, 20))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s4"), date(2014, 6, 1))
    assert PILOT._network(log.round(), log.project(), date(2014, 5, 1)) == unmet(
        "network_participation",
        En(
            "missed without excuse: Första (2014-04-10) and Tredje (2014-04-20); a coordinator "
            "must record a make-up or an exemption before further payment"
        ),
        log.round().sessions["s1"],
        a1,
        a3,
        since=date(2014, 4, 10),
    )
    assert s1 == log.round().sessions["s1"]


def test_pilot_a_session_is_held_on_its_stockholm_date() -> None:
    """23:30 UTC on 9 April is 10 April in Stockholm: not yet held on 9 April."""
    late = session("s", datetime(2014, 4, 9, 23, 30, tzinfo=UTC))
    assert local_date_of(late) == date(2014, 4, 10)
    log = pilot_log()
    log.add(ROUND, late, date(2014, 1, 10))
    log.add(FARSTA, NetworkAbsenceRecorded(session_id="s"), date(2014, 4, 10))
    assert PILOT._network(log.round(), log.project(), date(2014, 4, 9)).status is (
        ConditionStatus.met
    )
    assert PILOT._network(log.round(), log.project(), date(2014, 4, 10)).status is (
        ConditionStatus.unmet
    )


def test_pilot_supervision_is_paid_only_on_a_request() -> None:
    """No request: not yet due (supervision money blocked); a request: met, with what was
    granted; the latest request is the evidence, with the grants."""
    log = pilot_log()
    assert PILOT._supervision(log.project()) == not_due(
        "supervision_requested",
        En(
            "no supervision request yet: supervision money is paid only on a "
            "request that describes the joint supervision"
        ),
        blocks="supervision",
    )
    log.add(FARSTA, SupervisionFundsRequested(amount_sek=5, description="A"), date(2014, 2, 1))
    log.add(FARSTA, SupervisionFundsRequested(amount_sek=6, description="C"), date(2014, 2, 2))
    second = log.add(
        FARSTA, SupervisionFundsRequested(amount_sek=25_000, description="B"), date(2014, 2, 3)
    )
    assert PILOT._supervision(log.project()) == met(
        "supervision_requested",
        En("supervision requested on 2014-02-03, not yet granted"),
        second,
        blocks="supervision",
    )
    g1 = log.add(
        FARSTA, SupervisionFundsGranted(amount_sek=20_000, decision_ref="G"), date(2014, 2, 4)
    )
    g2 = log.add(
        FARSTA, SupervisionFundsGranted(amount_sek=5_000, decision_ref="H"), date(2014, 2, 5)
    )
    assert PILOT._supervision(log.project()) == met(
        "supervision_requested",
        En(f"supervision requested on 2014-02-03, {sek(25_000)} granted"),
        second,
        g1,
        g2,
        blocks="supervision",
    )


def test_pilot_round_conditions_in_order_with_the_year_end_account() -> None:
    """Plan, network, supervision, year-end account: the account's date may be unset, due,
    or passed (then it blocks the grant)."""
    log = pilot_log()
    project = log.project()
    conditions = PILOT.round_conditions(log.round(), project, date(2014, 6, 1))
    assert [c.code for c in conditions] == [
        "plan_approved",
        "network_participation",
        "supervision_requested",
        "year_end_account",
    ]
    assert conditions[1] == PILOT._network(log.round(), project, date(2014, 6, 1))
    assert conditions[3] == not_due(
        "year_end_account", En("the year-end account: the date is not yet set by the city")
    )
    dated = pilot_log(RoundDeadline(code="year_end_account", due_on=date(2015, 1, 31)))
    (*_, due) = PILOT.round_conditions(dated.round(), dated.project(), date(2015, 1, 31))
    assert due == not_due(
        "year_end_account",
        En("the year-end account and cost description is due on 2015-01-31"),
        due_on=date(2015, 1, 31),
    )
    (*_, late) = PILOT.round_conditions(dated.round(), dated.project(), date(2015, 2, 1))
    assert (late.status, late.blocks) == (ConditionStatus.unmet, "grant")
    account = dated.add(
        FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="x"), date(2015, 1, 20)
    )
    (*_, done) = PILOT.round_conditions(dated.round(), dated.project(), date(2015, 2, 1))
    assert (done.status, done.evidence) == (ConditionStatus.met, (account,))


def test_pilot_unused_money_is_what_was_paid_less_what_was_used_per_plan() -> None:
    """Spent outside the plan counts as unused; spending more than paid leaves nothing owed;
    no account yet: nothing owed yet."""
    log = pilot_log()
    paid = log.add(FARSTA, pay(100_000), date(2014, 3, 20))
    sup = log.add(FARSTA, pay(20_000, "supervision", "U-2"), date(2014, 3, 21))
    assert PILOT.unused_money(log.project()) == (0, En("no year-end account yet"), ())
    assert PILOT.accounted(log.project()) is False
    account = log.add(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=90_000, spent_outside_plan_sek=10_000, cost_description="x"
        ),
        date(2015, 1, 20),
    )
    assert PILOT.unused_money(log.project()) == (
        20_000,
        En(
            f"paid {sek(100_000)}, used according to plan {sek(80_000)} (spent {sek(90_000)}, "
            f"of which {sek(10_000)} outside the plan): {sek(20_000)} to pay back"
        ),
        (account, paid, sup),
    )
    assert PILOT.accounted(log.project()) is True
    log.add(
        FARSTA, YearEndAccountSubmitted(spent_sek=150_000, cost_description="y"), date(2015, 1, 21)
    )
    owed, reason, _ = PILOT.unused_money(log.project())
    assert (owed, en(reason)) == (
        0,
        f"paid {sek(100_000)}, used according to plan {sek(100_000)} (spent {sek(150_000)}, "
        f"of which {sek(0)} outside the plan): {sek(0)} to pay back",
    )


# == policies.sst2018 ======================================================================

SIGNED = (
    Signature(role="administration_director", signed_on=date(2018, 3, 1)),
    Signature(role="finance_director", signed_on=date(2018, 3, 1)),
    Signature(role="head_of_department", signed_on=date(2018, 3, 1)),
)
BUDGET = (
    BudgetLine(label="Personal", amount_sek=250_000),
    BudgetLine(label="Övrigt", amount_sek=50_000),
    BudgetLine(label="Egen insats", amount_sek=99_000, own_contribution=True),
)


def sst_round(*deadlines: RoundDeadline, application_deadline: date | None = None) -> Log:
    log = Log()
    log.add(
        ROUND,
        opening("sst-2018", deadlines, application_deadline=application_deadline),
        date(2018, 1, 2),
    )
    return log


def problems(
    app: ApplicationSubmitted, on: date, deadline: date | None = date(2018, 3, 15)
) -> list[str]:
    said = SST.check_application(sst_round(application_deadline=deadline).round(), app, on)
    return [en(p) for p in said]


def test_sst_a_complete_application_on_time_has_no_problems() -> None:
    """Three signatures, a budget that adds up, on the deadline day itself: accepted."""
    good = application(year=2018, signatures=SIGNED, budget=BUDGET)
    assert problems(good, date(2018, 3, 15)) == []
    assert problems(good, date(2018, 3, 1)) == []
    assert problems(good, date(2019, 1, 1), deadline=None) == []


def test_sst_a_late_application_is_refused_with_both_dates() -> None:
    """After the application deadline: refused, saying when it came and when it was due."""
    good = application(year=2018, signatures=SIGNED, budget=BUDGET)
    assert problems(good, date(2018, 3, 16)) == [
        "submitted on 2018-03-16, after the application deadline 2018-03-15"
    ]


def test_sst_missing_signatures_are_named_in_the_forms_order() -> None:
    """Every missing signatory is named; a period outside the round is said first."""
    app = application(year=2018, signatures=SIGNED[1:2], budget=BUDGET)
    assert problems(app, date(2018, 3, 10)) == [
        "not signed by the administration director (förvaltningschef) and the head of "
        "department (avdelningschef)"
    ]
    outside = application(year=2018, signatures=SIGNED, budget=BUDGET).model_copy(
        update={"period_end": date(2019, 6, 30)}
    )
    assert len(problems(outside, date(2018, 3, 10))) == 1


def test_sst_a_signature_dated_after_submission_or_deadline_is_refused() -> None:
    """A signature after the day of submission, or after the deadline, is named."""
    late = (*SIGNED[:2], Signature(role="head_of_department", signed_on=date(2018, 3, 11)))
    app = application(year=2018, signatures=late, budget=BUDGET)
    assert problems(app, date(2018, 3, 10)) == [
        "signature dated after submission or deadline: the head of department "
        "(avdelningschef) signed on 2018-03-11"
    ]
    assert problems(app, date(2018, 3, 11)) == []
    after = (*SIGNED[:2], Signature(role="head_of_department", signed_on=date(2018, 3, 16)))
    app = application(year=2018, signatures=after, budget=BUDGET)
    assert problems(app, date(2018, 3, 16), deadline=None) == []
    assert problems(app, date(2018, 3, 14)) == [
        "signature dated after submission or deadline: the head of department "
        "(avdelningschef) signed on 2018-03-16"
    ]
    on_the_day = tuple(Signature(role=s.role, signed_on=date(2018, 3, 15)) for s in SIGNED)
    app = application(year=2018, signatures=on_the_day, budget=BUDGET)
    assert problems(app, date(2018, 3, 15)) == []
    assert problems(app, date(2018, 3, 14)) == [
        "signature dated after submission or deadline: the administration director "
        "(förvaltningschef) signed on 2018-03-15, the finance director (ekonomichef) signed "
        "on 2018-03-15 and the head of department (avdelningschef) signed on 2018-03-15"
    ]


def test_sst_the_budget_lines_must_add_up_to_the_applied_amount() -> None:
    """Own contribution lines do not count; no lines, or a sum that differs, is refused."""
    assert problems(application(year=2018, signatures=SIGNED), date(2018, 3, 1)) == [
        "the budget has no lines"
    ]
    own_only = application(year=2018, signatures=SIGNED, budget=BUDGET[2:])
    assert problems(own_only, date(2018, 3, 1)) == ["the budget has no lines"]
    short = application(year=2018, applied=300_001, signatures=SIGNED, budget=BUDGET)
    assert problems(short, date(2018, 3, 1)) == [
        f"the budget lines add up to {sek(300_000)}, not the applied {sek(300_001)}"
    ]


T2 = date(2018, 9, 14)
FINAL = date(2018, 11, 30)
ANNUAL = date(2019, 2, 28)
SST_DEADLINES = (
    RoundDeadline(code="t2", due_on=T2),
    RoundDeadline(code="final_financial_report", due_on=FINAL),
    RoundDeadline(code="annual_report", due_on=ANNUAL),
)


def test_sst_round_conditions_take_each_date_from_its_deadline() -> None:
    """T2 follow-up, T2 report, self-financing (a T2 follow-up that presents it), final
    report, annual follow-up: each due on the round's date for it."""
    log = sst_round(*SST_DEADLINES)
    log.add(FARSTA, application(year=2018), date(2018, 3, 1))
    fu = log.add(FARSTA, follow_up("t2"), date(2018, 9, 10))
    rep = log.add(FARSTA, report("t2", 100), date(2018, 9, 20))
    conditions = SST.round_conditions(log.round(), log.project(), date(2018, 10, 1))
    assert conditions == (
        met("t2_follow_up", En("the T2 follow-up submitted on 2018-09-10"), fu, due_on=T2),
        met(
            "t2_financial_report",
            En(
                "the T2 financial report submitted on 2018-09-20, 6 days after the "
                "2018-09-14 deadline"
            ),
            rep,
            due_on=T2,
        ),
        unmet(
            "t2_self_financing",
            En("the T2 presentation of future self-financing was due on 2018-09-14 and is missing"),
            due_on=T2,
            since=T2,
        ),
        not_due(
            "final_financial_report",
            En("the final financial report is due on 2018-11-30"),
            due_on=FINAL,
        ),
        not_due(
            "annual_follow_up",
            En("the follow-up in the annual report is due on 2019-02-28"),
            due_on=ANNUAL,
        ),
    )
    plan = log.add(FARSTA, follow_up("t2", "Egen budget"), date(2018, 9, 12))
    final = log.add(FARSTA, report("final", 1), date(2018, 11, 1))
    annual = log.add(FARSTA, follow_up("annual"), date(2019, 2, 1))
    conditions = SST.round_conditions(log.round(), log.project(), date(2019, 3, 1))
    assert [c.evidence for c in conditions] == [(plan,), (rep,), (plan,), (final,), (annual,)]
    assert {c.status for c in conditions} == {ConditionStatus.met}


def test_sst_round_conditions_without_dates_are_not_yet_due() -> None:
    """No deadlines on record: nothing is due yet, each says the city has not set it."""
    log = sst_round()
    log.add(FARSTA, application(year=2018), date(2018, 3, 1))
    conditions = SST.round_conditions(log.round(), log.project(), date(2018, 10, 1))
    assert [(c.code, c.status, c.due_on) for c in conditions] == [
        (code, ConditionStatus.not_yet_due, None)
        for code in (
            "t2_follow_up",
            "t2_financial_report",
            "t2_self_financing",
            "final_financial_report",
            "annual_follow_up",
        )
    ]


def test_sst_unused_money_is_paid_less_spent_by_the_final_report() -> None:
    """Only the final report counts; spending more than was paid owes nothing back."""
    log = sst_round(*SST_DEADLINES)
    log.add(FARSTA, application(year=2018), date(2018, 3, 1))
    paid = log.add(FARSTA, pay(200_000), date(2018, 4, 1))
    log.add(FARSTA, report("t2", 10), date(2018, 9, 1))
    assert SST.unused_money(log.project()) == (0, En("no final financial report yet"), ())
    assert SST.accounted(log.project()) is False
    final = log.add(FARSTA, report("final", 150_000), date(2018, 11, 20))
    assert SST.unused_money(log.project()) == (
        50_000,
        En(
            f"paid {sek(200_000)}, spent {sek(150_000)} by the final financial report: "
            f"{sek(50_000)} to pay back"
        ),
        (final, paid),
    )
    assert SST.accounted(log.project()) is True
    log.add(FARSTA, report("final", 250_000), date(2018, 11, 21))
    assert SST.unused_money(log.project())[:2] == (
        0,
        En(
            f"paid {sek(200_000)}, spent {sek(250_000)} by the final financial report: "
            f"{sek(0)} to pay back"
        ),
    )


# == policies.reminders ====================================================================

DISTRICT = LadderStep(step="d", offset_working_days=-2, recipient_role="district")
ON_DAY = LadderStep(step="o", offset_working_days=0, recipient_role="district")
AFTER = LadderStep(step="a", offset_working_days=3, recipient_role="coordinator")


def at8(day: date) -> datetime:
    return datetime.combine(day, time(8), tzinfo=STOCKHOLM)


def test_a_step_goes_out_at_eight_on_a_working_day() -> None:
    """Offsets count working days; "on the due date" moves back from a Sunday to Friday."""
    assert step_moment(date(2018, 9, 14), ON_DAY) == at8(date(2018, 9, 14))
    assert step_moment(date(2018, 9, 16), ON_DAY) == at8(date(2018, 9, 14))
    assert step_moment(date(2018, 9, 16), DISTRICT) == at8(date(2018, 9, 13))
    assert step_moment(date(2018, 9, 14), AFTER) == at8(date(2018, 9, 19))
    assert step_moment(date(2018, 9, 14), AFTER).tzinfo is STOCKHOLM


def test_a_reminder_key_is_project_obligation_date_and_step() -> None:
    """Same obligation, date and step: same key; a moved date: another key."""
    assert reminder_key("r:farsta", "t2_follow_up", date(2018, 9, 14), "late-5") == (
        "r:farsta/t2_follow_up/2018-09-14/late-5"
    )


def test_the_ladder_is_the_obligations_else_the_rounds_else_the_default() -> None:
    """A meeting (before_only) keeps only the steps up to its day, the day included;
    sessions share the ``network`` ladder."""
    log = sst_round()
    default_round = log.round()
    t2 = Obligation("t2_follow_up", T2, met=False, blocks="grant")
    meeting = Obligation("network-n1", T2, met=False, blocks="", before_only=True)
    assert meeting.ladder_code == "network"
    assert t2.ladder_code == "t2_follow_up"
    assert Obligation("networked", T2, False, "").ladder_code == "networked"
    assert ladder_for(default_round, t2) == DEFAULT_LADDER
    assert ladder_for(default_round, meeting) == DEFAULT_LADDER[:3]
    log.add(ROUND, ReminderLadderSet(steps=(DISTRICT, AFTER), reason="x"), date(2018, 1, 3))
    assert ladder_for(log.round(), t2) == (DISTRICT, AFTER)
    log.add(
        ROUND,
        ReminderLadderSet(obligation="network", steps=(DISTRICT, ON_DAY, AFTER), reason="y"),
        date(2018, 1, 4),
    )
    assert ladder_for(log.round(), meeting) == (DISTRICT, ON_DAY)
    assert ladder_for(log.round(), t2) == (DISTRICT, AFTER)


def sst_project(*deadlines: RoundDeadline) -> Log:
    log = sst_round(*deadlines)
    log.add(FARSTA, application(year=2018), date(2018, 3, 1))
    return log


def test_obligations_are_the_dated_conditions_repayments_and_mandatory_sessions() -> None:
    """Each with its date, whether it is met, and what missing it blocks; a repayment is met
    once everything demanded is received or waived, and is due on the latest demand's date."""
    log = sst_project(RoundDeadline(code="t2", due_on=T2))
    log.add(ROUND, session("n1", datetime(2018, 9, 4, 23, 0, tzinfo=UTC)), date(2018, 1, 5))
    log.add(ROUND, session("n2", at(date(2018, 9, 6)), mandatory=False), date(2018, 1, 5))
    log.add(FARSTA, follow_up("t2"), date(2018, 9, 1))
    log.add(
        FARSTA,
        RepaymentDemanded(amount_sek=600, reason="a", due_on=date(2018, 10, 1)),
        date(2018, 9, 2),
    )
    log.add(
        FARSTA,
        RepaymentDemanded(amount_sek=400, reason="b", due_on=date(2018, 10, 15)),
        date(2018, 9, 3),
    )
    log.add(FARSTA, RepaymentReceived(amount_sek=999, payment_reference="x"), date(2018, 9, 4))
    log.add(FARSTA, NetworkAttendanceRecorded(session_id="n1"), date(2018, 9, 5))
    now = at(date(2018, 10, 20))
    found = obligations(SST, log.round(), log.project(), now)
    assert found == [
        Obligation("t2_follow_up", T2, True, "grant"),
        Obligation("t2_financial_report", T2, False, "grant"),
        Obligation("t2_self_financing", T2, False, "grant"),
        Obligation("repayment", date(2018, 10, 15), False, "grant"),
        Obligation("network-n1", date(2018, 9, 5), True, "", before_only=True),
    ]
    log.add(FARSTA, RepaymentWaived(amount_sek=1, reason="c", decision_ref="d"), date(2018, 9, 6))
    repayment = obligations(SST, log.round(), log.project(), now)[3]
    assert repayment == Obligation("repayment", date(2018, 10, 15), True, "grant")


def test_a_session_blocks_what_the_policys_network_condition_blocks() -> None:
    """2014: an unrecorded session is an obligation that blocks the grant."""
    log = pilot_log()
    log.add(ROUND, session("n1", at(date(2014, 9, 5))), date(2014, 1, 5))
    (found,) = obligations(PILOT, log.round(), log.project(), at(date(2014, 9, 1)))
    assert found == Obligation("network-n1", date(2014, 9, 5), False, "grant", before_only=True)


def reminder(
    obligation: str, due_on: date, step: LadderStep, *, final: bool = False, blocks: str = "grant"
) -> DueReminder:
    return DueReminder(
        key=f"r:farsta/{obligation}/{due_on.isoformat()}/{step.step}",
        project="r:farsta",
        stream_id=FARSTA,
        district="Farsta",
        obligation=obligation,
        due_on=due_on,
        step=step.step,
        recipient_role=step.recipient_role,
        moment=step_moment(due_on, step),
        final=final,
        blocks=blocks,
    )


def ladder_round(*steps: LadderStep, deadlines: tuple[RoundDeadline, ...] = ()) -> Log:
    log = sst_project(*deadlines)
    log.add(ROUND, ReminderLadderSet(steps=steps, reason="x"), date(2018, 1, 3))
    return log


def test_due_reminders_send_the_latest_step_whose_moment_has_come() -> None:
    """Exactly at 08:00 the step is due; a later step supersedes one missed; the last
    overdue step is final; sorted by moment, then obligation."""
    log = ladder_round(
        DISTRICT, ON_DAY, AFTER,
        deadlines=(RoundDeadline(code="t2", due_on=T2),
                   RoundDeadline(code="final_financial_report", due_on=date(2018, 9, 13))),
    )  # fmt: skip
    rnd, project = log.round(), log.project()
    assert due_reminders(SST, rnd, project, at8(date(2018, 9, 11))) == [
        reminder("final_financial_report", date(2018, 9, 13), DISTRICT),
    ]
    just_before = datetime(2018, 9, 12, 7, 59, 59, tzinfo=STOCKHOLM)
    assert due_reminders(SST, rnd, project, just_before) == [
        reminder("final_financial_report", date(2018, 9, 13), DISTRICT),
    ]
    assert due_reminders(SST, rnd, project, at8(date(2018, 9, 12))) == [
        reminder("final_financial_report", date(2018, 9, 13), DISTRICT),
        reminder("t2_financial_report", T2, DISTRICT),
        reminder("t2_follow_up", T2, DISTRICT),
        reminder("t2_self_financing", T2, DISTRICT),
    ]
    assert due_reminders(SST, rnd, project, at8(date(2018, 9, 18))) == [
        reminder("t2_financial_report", T2, ON_DAY),
        reminder("t2_follow_up", T2, ON_DAY),
        reminder("t2_self_financing", T2, ON_DAY),
        reminder("final_financial_report", date(2018, 9, 13), AFTER, final=True),
    ]
    assert due_reminders(SST, rnd, project, at8(date(2018, 9, 19)))[2] == (
        reminder("t2_follow_up", T2, AFTER, final=True)
    )
    assert due_reminders(SST, rnd, project, at8(date(2018, 9, 10))) == []


def test_due_reminders_are_not_sent_twice_nor_for_what_is_done() -> None:
    """A step on record as sent is not due again; a met obligation has no reminder."""
    log = ladder_round(DISTRICT, AFTER, deadlines=(RoundDeadline(code="t2", due_on=T2),))
    now = at8(date(2018, 9, 12))
    first = due_reminders(SST, log.round(), log.project(), now)
    assert [d.obligation for d in first] == [
        "t2_financial_report",
        "t2_follow_up",
        "t2_self_financing",
    ]
    log.add(
        FARSTA,
        ReminderSent(key=first[1].key, obligation="t2_follow_up", step="d", due_on=T2,
                     recipient_role="district"),
        date(2018, 9, 12),
    )  # fmt: skip
    log.add(FARSTA, report("t2", 1), date(2018, 9, 12))
    assert due_reminders(SST, log.round(), log.project(), now) == [first[2]]


def test_a_meeting_is_reminded_of_up_to_its_day_and_never_after() -> None:
    """Before-only: on the day itself the "on the day" step, the day after nothing; its
    last step is not final."""
    log = ladder_round(DISTRICT, ON_DAY, AFTER)
    log.add(ROUND, session("n1", at(date(2018, 9, 14), 13)), date(2018, 1, 5))
    rnd, project = log.round(), log.project()
    on_the_day = due_reminders(PILOT, rnd, project, at8(date(2018, 9, 14)))
    assert [(d.obligation, d.step, d.final) for d in on_the_day] == [("network-n1", "o", False)]
    late = datetime(2018, 9, 14, 23, 59, tzinfo=STOCKHOLM)
    assert [d.step for d in due_reminders(PILOT, rnd, project, late)] == ["o"]
    assert [d.obligation for d in due_reminders(PILOT, rnd, project, at8(date(2018, 9, 15)))] == []


def test_no_reminders_without_an_application_after_withdrawal_or_closing() -> None:
    """Nobody to remind, nothing wanted any more, or the round is over: no reminders."""
    now = at8(date(2018, 9, 19))
    deadlines = (RoundDeadline(code="t2", due_on=T2),)
    log = ladder_round(DISTRICT, AFTER, deadlines=deadlines)
    assert len(due_reminders(SST, log.round(), log.project(), now)) == 3
    assert due_reminders(SST, log.round(), fold_project(FARSTA, []), now) == []
    withdrawn = ladder_round(DISTRICT, AFTER, deadlines=deadlines)
    withdrawn.add(FARSTA, ApplicationWithdrawn(reason="x"), date(2018, 4, 1))
    assert due_reminders(SST, withdrawn.round(), withdrawn.project(), now) == []
    closed = ladder_round(DISTRICT, AFTER, deadlines=deadlines)
    closed.add(ROUND, RoundClosed(reason="x"), date(2018, 9, 1))
    assert due_reminders(SST, closed.round(), closed.project(), now) == []


def test_the_default_ladders_last_step_is_final_and_goes_to_the_coordinator() -> None:
    """30 working days late: to the coordinator, final, saying what it blocks."""
    log = sst_project(RoundDeadline(code="t2", due_on=T2))
    (*_, last) = due_reminders(SST, log.round(), log.project(), at8(date(2018, 10, 26)))
    assert last == reminder("t2_self_financing", T2, DEFAULT_LADDER[-1], final=True)
    assert last.recipient_role == "coordinator"
    (*_, before) = due_reminders(SST, log.round(), log.project(), at8(date(2018, 10, 25)))
    assert before == reminder("t2_self_financing", T2, DEFAULT_LADDER[-2])


NEXT_DAY = LadderStep(step="n", offset_working_days=1, recipient_role="coordinator")


def test_a_one_day_overdue_step_is_final_and_never_sent_for_a_meeting() -> None:
    """A ladder ending one working day late: that step is final; a meeting's ladder stops
    at its day, so it never gets it."""
    log = ladder_round(ON_DAY, NEXT_DAY, deadlines=(RoundDeadline(code="t2", due_on=T2),))
    log.add(ROUND, session("n1", at(date(2018, 9, 14), 13)), date(2018, 1, 5))
    meeting = Obligation("network-n1", T2, met=False, blocks="", before_only=True)
    assert ladder_for(log.round(), meeting) == (ON_DAY,)
    assert due_reminders(PILOT, log.round(), log.project(), at8(date(2018, 9, 17))) == []
    sst = due_reminders(SST, log.round(), log.project(), at8(date(2018, 9, 17)))
    assert {(d.step, d.final) for d in sst} == {("n", True)}


def test_a_meeting_is_over_at_stockholm_midnight() -> None:
    """ "Today" is the Stockholm day: at 00:30 on 15 September (22:30 UTC on the 14th) a
    meeting held on the 14th is no longer reminded of."""
    log = ladder_round(DISTRICT, ON_DAY)
    log.add(ROUND, session("n1", at(date(2018, 9, 14), 13)), date(2018, 1, 5))
    before = datetime(2018, 9, 14, 21, 30, tzinfo=UTC)
    after = datetime(2018, 9, 14, 22, 30, tzinfo=UTC)
    assert [d.step for d in due_reminders(PILOT, log.round(), log.project(), before)] == ["o"]
    assert due_reminders(PILOT, log.round(), log.project(), after) == []


class RepaymentBlocksSupervision(Pilot2014):
    """A policy whose overdue repayment stops supervision money rather than the grant."""

    def _shared_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> list[Condition]:
        return [
            Condition(c.code, c.status, c.reason, c.evidence, "supervision", c.due_on, c.since)
            if c.code == "repayment_settled"
            else c
            for c in super()._shared_conditions(rnd, project, today)
        ]


def test_a_repayment_obligation_blocks_what_its_overdue_condition_blocks() -> None:
    """Until it is overdue a repayment blocks the grant; once overdue, whatever the
    policy's ``repayment_settled`` condition blocks (here: supervision money)."""
    log = pilot_log()
    log.add(
        FARSTA,
        RepaymentDemanded(amount_sek=100, reason="a", due_on=date(2014, 10, 1)),
        date(2014, 9, 1),
    )
    policy = RepaymentBlocksSupervision()
    (before,) = obligations(policy, log.round(), log.project(), at(date(2014, 9, 15)))
    assert before == Obligation("repayment", date(2014, 10, 1), False, "grant")
    (overdue,) = obligations(policy, log.round(), log.project(), at(date(2014, 10, 2)))
    assert overdue == Obligation("repayment", date(2014, 10, 1), False, "supervision")
