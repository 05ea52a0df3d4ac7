"""Command handlers and read models: load the streams, ask the policy, append, done."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from events import (
    AllocationDecided,
    AllocationLine,
    ApplicationSubmitted,
    ApplicationWithdrawn,
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
    Metadata,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
    NetworkSessionScheduled,
    NewEvent,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    Recorded,
    ReminderLadderSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    Role,
    RoundClosed,
    RoundDeadline,
    RoundOpened,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from events.base import describe_validation_error
from policies.allocation import METHOD_NAME, METHOD_VERSION, AllocationResult
from policies.base import Assessment, Policy, fmt_sek
from policies.registry import POLICIES, UnknownPolicy, policy_for
from policies.state import STOCKHOLM, ProjectState, RoundState, fold_project, fold_round
from ppss_workflow.errors import ConditionNotMet, InvalidCommand, NotAuthorised, NotFound
from ppss_workflow.logs import get_logger
from ppss_workflow.store import AppendRequest, AppendResult, EventStore

__all__ = [
    "Actor",
    "BoardRow",
    "ConditionNotMet",
    "InvalidCommand",
    "NotAuthorised",
    "NotFound",
    "ProjectView",
    "Workflow",
    "end_of_day",
    "slug",
]

R = Recorded[Any]
_log = get_logger(__name__)


def slug(name: str) -> str:
    """``Spånga -Tensta`` -> ``spanga-tensta``: ASCII, lower case, single hyphens."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_.lower()).split()
    return "-".join(words)


def start_of_day(day: date) -> datetime:
    """Midnight in Stockholm: when a date-only event is taken to have happened."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def end_of_day(day: date) -> datetime:
    """The last instant of a Stockholm day: "as of 10 March" includes all of 10 March."""
    return datetime.combine(day, time.max, tzinfo=STOCKHOLM)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, in which role; a district actor acts for one district only."""

    role: Role
    name: str
    district: str | None = None

    def metadata(self, correlation_id: UUID) -> Metadata:
        return Metadata(actor=self.name, role=self.role, correlation_id=correlation_id)

    def describe(self) -> str:
        return f"{self.role}:{self.district}" if self.district else self.role


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project's state with its round and the policy that judges it."""

    round: RoundState
    state: ProjectState
    policy: Policy
    project_id: str

    def assess(self, now: datetime) -> Assessment:
        return self.policy.assess(self.round, self.state, now)


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the coordinator's board."""

    project: str
    district: str
    #: Granted in all: the award plus any supervision money granted.
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    may_be_paid: bool
    blocking: tuple[str, ...]
    repayment_due_sek: int
    status: str
    next_deadline: tuple[str, date] | None
    assessment: Assessment = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "district": self.district,
            "awarded_sek": self.awarded_sek,
            "disbursed_sek": self.disbursed_sek,
            "payable_sek": self.payable_sek,
            "may_be_paid": self.may_be_paid,
            "blocking": list(self.blocking),
            "repayment_due_sek": self.repayment_due_sek,
            "status": self.status,
            "next_deadline": (
                {"code": self.next_deadline[0], "due_on": self.next_deadline[1].isoformat()}
                if self.next_deadline
                else None
            ),
            "conditions": [
                {
                    "code": c.code,
                    "status": str(c.status),
                    "reason": c.reason,
                    "evidence": [r.position for r in c.evidence],
                }
                for c in self.assessment.conditions
            ],
        }


COORDINATOR: tuple[Role, ...] = ("coordinator",)
DISTRICT_OR_COORDINATOR: tuple[Role, ...] = ("district", "coordinator")
STEERING_GROUP: tuple[Role, ...] = ("steering_group",)
#: How long after its period a round still takes accounts, final reports and repayments.
ACCOUNTING_TAIL = timedelta(days=400)


class Workflow:
    """The application service: every command and read of ppss-workflow goes through here."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self.correlation_id = uuid4()

    def now(self) -> datetime:
        return self._clock()

    # -- reading --------------------------------------------------------------------------

    def round(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> RoundState:
        history = _upto(self.store.read_stream(f"round:{round_id}", known_at=known_at), as_of)
        state = fold_round(history)
        if state is None:
            raise NotFound(f"no round {round_id!r} on record; `ppss round list` shows the rounds")
        return state

    def round_ids(self) -> list[str]:
        ids = {r.stream_id.split(":", 1)[1] for r in self.store.read_streams("round:")}
        return sorted(ids)

    def projects(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> list[ProjectView]:
        rnd = self.round(round_id, as_of=as_of, known_at=known_at)
        policy = self._policy(rnd)
        streams: dict[str, list[R]] = {}
        for r in self.store.read_streams(f"project:{round_id}:", known_at=known_at):
            streams.setdefault(r.stream_id, []).append(r)
        views = []
        for stream_id, history in streams.items():
            state = fold_project(stream_id, _upto(history, as_of))
            if state.application is not None:
                project_id = stream_id.split(":", 1)[1]
                views.append(ProjectView(rnd, state, policy, project_id))
        return sorted(views, key=lambda v: v.project_id)

    def project(self, round_id: str, district: str) -> ProjectView:
        rnd = self.round(round_id)
        key = slug(district)
        stream_id = f"project:{round_id}:{key}"
        state = fold_project(stream_id, self.store.read_stream(stream_id))
        if state.application is None:
            known = [v.state.district or v.project_id for v in self.projects(round_id)]
            raise NotFound(
                f"no district {district!r} in round {round_id}"
                + (f"; the round has: {', '.join(known)}" if known else "; it has no applications")
            )
        return ProjectView(rnd, state, self._policy(rnd), f"{round_id}:{key}")

    def board(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> list[BoardRow]:
        now = as_of or self.now()
        rows = []
        for view in self.projects(round_id, as_of=now, known_at=known_at):
            a = view.assess(now)
            ledger = view.state.ledger
            rows.append(
                BoardRow(
                    project=view.project_id,
                    district=view.state.district or "",
                    awarded_sek=ledger.awarded_sek + ledger.supervision_granted_sek,
                    disbursed_sek=ledger.disbursed_sek,
                    payable_sek=a.payable.total_sek,
                    may_be_paid=a.may_be_paid,
                    blocking=a.blocking,
                    repayment_due_sek=a.repayment.due_sek,
                    status=a.status,
                    next_deadline=a.next_deadline,
                    assessment=a,
                )
            )
        return rows

    # -- round commands -------------------------------------------------------------------

    def open_round(
        self,
        actor: Actor,
        *,
        round_id: str,
        title: str,
        budget_sek: int,
        period_start: date,
        period_end: date,
        policy: str,
        policy_version: int = 1,
        supervision_pool_sek: int = 0,
        application_deadline: date | None = None,
        deadlines: Sequence[tuple[str, date, str | None]] = (),
        on: date | None = None,
    ) -> AppendResult:
        self._authorise(actor, COORDINATOR, "open a round")
        if (policy, policy_version) not in POLICIES:
            known = ", ".join(f"{n} (v{v})" for n, v in sorted(POLICIES))
            raise InvalidCommand(f"unknown policy {policy!r} v{policy_version}; use one of {known}")
        stream = f"round:{round_id}"
        if self.store.stream_version(stream):
            raise InvalidCommand(f"round {round_id!r} is already open")
        event = self._event(
            RoundOpened,
            round_id=round_id,
            title=title,
            budget_sek=budget_sek,
            supervision_pool_sek=supervision_pool_sek,
            period_start=period_start,
            period_end=period_end,
            application_deadline=application_deadline,
            policy_name=policy,
            policy_version=policy_version,
            deadlines=tuple(
                RoundDeadline(code=c, due_on=d, description=t) for c, d, t in deadlines
            ),
        )
        return self._append(actor, stream, [event], 0, self._occurred(on))

    def set_deadline(
        self,
        actor: Actor,
        round_id: str,
        code: str,
        due_on: date,
        reason: str,
        description: str | None = None,
        on: date | None = None,
    ) -> AppendResult:
        """Set a round deadline, or move one already on record (the old date stays in history)."""
        self._authorise(actor, COORDINATOR, "set deadlines")
        rnd = self.round(round_id)
        old = rnd.deadlines.get(code)
        event: Event
        if old is None:
            event = self._event(
                DeadlineSet, code=code, due_on=due_on, reason=reason, description=description
            )
        elif old.due_on == due_on:
            raise InvalidCommand(f"deadline {code} is already {due_on}; nothing to change")
        else:
            event = self._event(
                DeadlineChanged, code=code, previous_due_on=old.due_on, due_on=due_on, reason=reason
            )
        return self._append(actor, f"round:{round_id}", [event], rnd.version, self._occurred(on))

    def schedule_session(
        self,
        actor: Actor,
        round_id: str,
        session_id: str,
        title: str,
        starts_at: datetime,
        *,
        mandatory: bool = True,
        on: date | None = None,
    ) -> AppendResult:
        """Put a network session on the round's calendar (``on``: when it was announced)."""
        self._authorise(actor, COORDINATOR, "schedule network sessions")
        rnd = self._open_round(round_id)
        if session_id in rnd.sessions:
            raise InvalidCommand(f"session {session_id!r} is already scheduled in {round_id}")
        self._within_round(rnd, starts_at.astimezone(STOCKHOLM).date(), tail=False)
        event = self._event(
            NetworkSessionScheduled,
            session_id=session_id,
            title=title,
            starts_at=starts_at,
            mandatory=mandatory,
        )
        return self._append(actor, f"round:{round_id}", [event], rnd.version, self._occurred(on))

    def set_ladder(
        self,
        actor: Actor,
        round_id: str,
        steps: Sequence[tuple[str, int, str]],
        reason: str,
        obligation: str | None = None,
        on: date | None = None,
    ) -> AppendResult:
        """Set the reminder ladder for one obligation (or, with none, the round's default).

        It applies from ``on`` (default today): a back-filling run uses the ladder of its day.
        """
        self._authorise(actor, COORDINATOR, "set reminder ladders")
        rnd = self._open_round(round_id)
        ladder = tuple(
            self._model(LadderStep, step=s, offset_working_days=o, recipient_role=r)
            for s, o, r in steps
        )
        event = self._event(ReminderLadderSet, obligation=obligation, steps=ladder, reason=reason)
        return self._append(actor, f"round:{round_id}", [event], rnd.version, self._occurred(on))

    def close_round(
        self, actor: Actor, round_id: str, reason: str, on: date | None = None
    ) -> AppendResult:
        self._authorise(actor, COORDINATOR, "close a round")
        rnd = self._open_round(round_id)
        event = self._event(RoundClosed, reason=reason)
        return self._append(actor, f"round:{round_id}", [event], rnd.version, self._occurred(on))

    def record_allocation(
        self,
        actor: Actor,
        round_id: str,
        result: AllocationResult,
        *,
        decided_by: str,
        decided_on: date,
        decision_ref: str,
    ) -> list[AppendResult]:
        """Record an allocation decision on the round and each project's award, atomically."""
        self._authorise(actor, COORDINATOR, "record allocation decisions")
        rnd = self._open_round(round_id)
        if rnd.allocation is not None:
            raise InvalidCommand(f"round {round_id} already has an allocation decision on record")
        shared = result.total_allocated_sek + result.unallocated_sek
        if shared > rnd.budget_sek:
            raise InvalidCommand(
                f"the allocation shares {fmt_sek(shared)}"
                f" but the round's budget is {fmt_sek(rnd.budget_sek)}"
            )
        views = {slug(a.name): a for a in result.allocations}
        projects = {v.project_id.split(":", 1)[1]: v for v in self.projects(round_id)}
        missing = sorted(set(views) - set(projects))
        if missing:
            raise NotFound(f"no application from {', '.join(missing)} in round {round_id}")
        at = self._occurred(decided_on)
        decision = self._event(
            AllocationDecided,
            decided_by=decided_by,
            decided_on=decided_on,
            decision_ref=decision_ref,
            method=METHOD_NAME,
            method_version=METHOD_VERSION,
            total_sek=result.total_allocated_sek + result.unallocated_sek,
            lines=tuple(
                AllocationLine(
                    district=a.name,
                    schools=a.schools,
                    applied_sek=a.applied_sek,
                    base_sek=a.base_sek,
                    share_sek=a.share_sek,
                    allocated_sek=a.allocated_sek,
                )
                for a in result.allocations
            ),
            unallocated_sek=result.unallocated_sek,
        )
        meta = actor.metadata(self.correlation_id)
        requests = [AppendRequest(f"round:{round_id}", [NewEvent(decision, at, meta)], rnd.version)]
        for key, line in views.items():
            award = self._event(
                GrantAwarded,
                amount_sek=line.allocated_sek,
                decision_ref=decision_ref,
                decided_on=decided_on,
            )
            view = projects[key]
            requests.append(
                AppendRequest(view.state.stream_id, [NewEvent(award, at, meta)], view.state.version)
            )
        return self.store.append_many(requests)

    # -- project commands -----------------------------------------------------------------

    def apply(
        self, actor: Actor, round_id: str, application: dict[str, Any], *, on: date | None = None
    ) -> AppendResult:
        """Submit a district's application; the round's policy decides if it is acceptable."""
        rnd = self._open_round(round_id)
        district = str(application.get("district", ""))
        key = slug(district)
        self._authorise(actor, DISTRICT_OR_COORDINATOR, "apply", district=key)
        event = self._event(
            ApplicationSubmitted, **{**application, "round_id": round_id, "project_id": key}
        )
        assert isinstance(event, ApplicationSubmitted)
        day = on or self._today()
        self._within_round(rnd, day, tail=False, before_opening_ok=True)
        problems = self._policy(rnd).check_application(rnd, event, day)
        if problems:
            raise ConditionNotMet(f"application from {district} refused: " + "; ".join(problems))
        stream = f"project:{round_id}:{key}"
        state = fold_project(stream, self.store.read_stream(stream))
        if state.application is not None and state.withdrawn is None:
            raise InvalidCommand(f"{district} has already applied in {round_id}")
        return self._append(actor, stream, [event], state.version, self._occurred(day))

    def withdraw(
        self, actor: Actor, round_id: str, district: str, reason: str, on: date | None = None
    ) -> AppendResult:
        return self._project_command(
            actor,
            round_id,
            district,
            DISTRICT_OR_COORDINATOR,
            "withdraw the application",
            on,
            lambda v: [self._event(ApplicationWithdrawn, reason=reason)],
        )

    def award(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        decision_ref: str,
        decided_on: date,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            awarded = sum(v.state.ledger.awarded_sek for v in self.projects(round_id))
            if awarded + amount_sek > view.round.budget_sek:
                raise ConditionNotMet(
                    f"awarding {fmt_sek(amount_sek)} would take the round's awards to "
                    f"{fmt_sek(awarded + amount_sek)}, over its budget of "
                    f"{fmt_sek(view.round.budget_sek)}"
                )
            return [
                self._event(
                    GrantAwarded,
                    amount_sek=amount_sek,
                    decision_ref=decision_ref,
                    decided_on=decided_on,
                )
            ]

        return self._project_command(
            actor, round_id, district, COORDINATOR, "award grants", decided_on, build
        )

    def submit_plan(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        plan_id: str,
        summary: str,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            plan = next((p for p in view.state.plans if p.plan_id == plan_id), None)
            if plan is not None and plan.status != "rejected":
                raise InvalidCommand(f"plan {plan_id} is already {plan.status}; use a new plan id")
            return [self._event(PlanSubmitted, plan_id=plan_id, summary=summary)]

        return self._project_command(
            actor, round_id, district, DISTRICT_OR_COORDINATOR, "submit plans", on, build
        )

    def decide_plan(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        plan_id: str,
        *,
        approve: bool,
        meeting_on: date,
        reason: str | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            plan = next((p for p in view.state.plans if p.plan_id == plan_id), None)
            if plan is None:
                submitted = ", ".join(p.plan_id for p in view.state.plans) or "none"
                raise ConditionNotMet(
                    f"{view.state.district} has not submitted plan {plan_id!r} "
                    f"(submitted: {submitted}); a plan must be submitted before it is decided"
                )
            if plan.status != "submitted":
                raise InvalidCommand(f"plan {plan_id} is already {plan.status}")
            if approve:
                return [self._event(PlanApproved, plan_id=plan_id, meeting_on=meeting_on)]
            if not reason:
                raise InvalidCommand(
                    "a rejection needs --reason, so the district knows what to fix"
                )
            return [
                self._event(PlanRejected, plan_id=plan_id, meeting_on=meeting_on, reason=reason)
            ]

        verb = "approve plans" if approve else "reject plans"
        return self._project_command(
            actor, round_id, district, STEERING_GROUP, verb, meeting_on, build
        )

    def record_network(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        session_id: str,
        outcome: str,
        *,
        excused: bool = False,
        note: str | None = None,
        participants: int = 1,
        on: date | None = None,
    ) -> AppendResult:
        """Attendance, absence, make-up or exemption for one session (``outcome`` says which)."""

        def build(view: ProjectView) -> list[Event]:
            session = view.round.sessions.get(session_id)
            if session is None:
                known = ", ".join(view.round.sessions) or "none"
                raise NotFound(f"no network session {session_id!r} in {round_id} (has: {known})")
            record = view.state.network.get(session_id)
            if outcome == "attended":
                return [
                    self._event(
                        NetworkAttendanceRecorded, session_id=session_id, participants=participants
                    )
                ]
            if outcome == "absent":
                return [
                    self._event(
                        NetworkAbsenceRecorded, session_id=session_id, excused=excused, reason=note
                    )
                ]
            if record is None or record.absence is None:
                raise ConditionNotMet(
                    f"{view.state.district} has no absence on record for {session_id}; "
                    f"a {outcome} answers an absence"
                )
            if not note:
                raise InvalidCommand(f"a {outcome} needs --note saying how or why")
            if outcome == "make-up":
                return [self._event(NetworkMakeUpRecorded, session_id=session_id, how=note)]
            return [self._event(NetworkExemptionGranted, session_id=session_id, reason=note)]

        if outcome not in ("attended", "absent", "make-up", "exemption"):
            raise InvalidCommand(f"unknown outcome {outcome!r}")
        if outcome in ("attended", "absent"):
            on = on or self._session_day(round_id, session_id)
        return self._project_command(
            actor, round_id, district, COORDINATOR, "record network participation", on, build
        )

    def request_supervision(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        description: str,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            if view.round.supervision_pool_sek == 0:
                raise ConditionNotMet(f"round {round_id} has no supervision money")
            return [
                self._event(
                    SupervisionFundsRequested, amount_sek=amount_sek, description=description
                )
            ]

        return self._project_command(
            actor,
            round_id,
            district,
            DISTRICT_OR_COORDINATOR,
            "request supervision money",
            on,
            build,
        )

    def grant_supervision(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        decision_ref: str,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            if not view.state.supervision_requests:
                raise ConditionNotMet(
                    f"{view.state.district} has not requested supervision money; it is granted "
                    "only on a request that describes the joint supervision"
                )
            requested = sum(r.event.amount_sek for r in view.state.supervision_requests)
            if view.state.ledger.supervision_granted_sek + amount_sek > requested:
                raise ConditionNotMet(f"more than the {fmt_sek(requested)} requested")
            granted = sum(v.state.ledger.supervision_granted_sek for v in self.projects(round_id))
            if granted + amount_sek > view.round.supervision_pool_sek:
                raise ConditionNotMet(
                    f"the supervision pool of {fmt_sek(view.round.supervision_pool_sek)} has "
                    f"{fmt_sek(view.round.supervision_pool_sek - granted)} left"
                )
            return [
                self._event(
                    SupervisionFundsGranted, amount_sek=amount_sek, decision_ref=decision_ref
                )
            ]

        return self._project_command(
            actor, round_id, district, COORDINATOR, "grant supervision money", on, build
        )

    def disburse(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        payment_reference: str,
        *,
        purpose: str = "grant",
        on: date | None = None,
    ) -> AppendResult:
        """Record a payment, if the round's policy says that much may be paid now."""

        def build(view: ProjectView) -> list[Event]:
            event = self._event(
                DisbursementMade,
                amount_sek=amount_sek,
                purpose=purpose,
                payment_reference=payment_reference,
            )
            now = end_of_day(on or self._today())
            payable = view.policy.payable(view.round, view.state, now)
            may = payable.for_purpose(purpose)
            if amount_sek > may:
                raise ConditionNotMet(
                    f"cannot pay {fmt_sek(amount_sek)} ({purpose}) to {view.state.district}: "
                    f"{fmt_sek(may)} may be paid now ({payable.reason})"
                )
            return [event]

        return self._project_command(
            actor, round_id, district, COORDINATOR, "record payments", on, build
        )

    def submit_follow_up(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        kind: str,
        indicators: dict[str, int],
        period: tuple[date, date],
        *,
        self_financing_plan: str | None = None,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            measures = self._model(FollowUpIndicators, **indicators)
            return [
                self._event(
                    FollowUpSubmitted,
                    kind=kind,
                    period_start=period[0],
                    period_end=period[1],
                    indicators=measures,
                    self_financing_plan=self_financing_plan,
                )
            ]

        return self._project_command(
            actor,
            round_id,
            district,
            DISTRICT_OR_COORDINATOR,
            "submit follow-ups",
            on,
            build,
            tail=True,
        )

    def submit_financial_report(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        kind: str,
        spent_sek: int,
        forecast_sek: int,
        on: date | None = None,
    ) -> AppendResult:
        return self._project_command(
            actor,
            round_id,
            district,
            DISTRICT_OR_COORDINATOR,
            "submit financial reports",
            on,
            lambda v: [
                self._event(
                    FinancialReportSubmitted,
                    kind=kind,
                    spent_sek=spent_sek,
                    forecast_sek=forecast_sek,
                )
            ],
            tail=True,
        )

    def submit_year_end_account(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        spent_sek: int,
        cost_description: str,
        *,
        spent_outside_plan_sek: int = 0,
        on: date | None = None,
    ) -> AppendResult:
        return self._project_command(
            actor,
            round_id,
            district,
            DISTRICT_OR_COORDINATOR,
            "submit year-end accounts",
            on,
            lambda v: [
                self._event(
                    YearEndAccountSubmitted,
                    spent_sek=spent_sek,
                    spent_outside_plan_sek=spent_outside_plan_sek,
                    cost_description=cost_description,
                )
            ],
            tail=True,
        )

    def demand_repayment(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        reason: str,
        due_on: date,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            repayment = view.policy.repayment(
                view.round, view.state, end_of_day(on or self._today())
            )
            if amount_sek > repayment.undemanded_sek:
                raise ConditionNotMet(
                    f"cannot demand {fmt_sek(amount_sek)} back from {view.state.district}: "
                    f"{fmt_sek(repayment.undemanded_sek)} is owed and not yet demanded "
                    f"({repayment.reason})"
                )
            return [
                self._event(RepaymentDemanded, amount_sek=amount_sek, reason=reason, due_on=due_on)
            ]

        return self._project_command(
            actor,
            round_id,
            district,
            COORDINATOR,
            "demand repayments",
            on,
            build,
            tail=True,
            closed_ok=True,
        )

    def settle_repayment(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        amount_sek: int,
        *,
        waive: bool,
        reference: str,
        reason: str | None = None,
        on: date | None = None,
    ) -> AppendResult:
        def build(view: ProjectView) -> list[Event]:
            r = view.policy.repayment(view.round, view.state, end_of_day(on or self._today()))
            outstanding = max(0, r.demanded_sek - r.settled_sek)
            if amount_sek > outstanding:
                raise ConditionNotMet(
                    f"{fmt_sek(amount_sek)} is more than the {fmt_sek(outstanding)} demanded "
                    f"from {view.state.district} and not yet settled"
                )
            if waive:
                if not reason:
                    raise InvalidCommand("a waiver needs --reason")
                return [
                    self._event(
                        RepaymentWaived,
                        amount_sek=amount_sek,
                        reason=reason,
                        decision_ref=reference,
                    )
                ]
            return [
                self._event(RepaymentReceived, amount_sek=amount_sek, payment_reference=reference)
            ]

        return self._project_command(
            actor,
            round_id,
            district,
            COORDINATOR,
            "settle repayments",
            on,
            build,
            tail=True,
            closed_ok=True,
        )

    def annul(
        self, actor: Actor, round_id: str, district: str | None, event_id: UUID, reason: str
    ) -> AppendResult:
        """Annul an earlier event of a project (or, without district, of the round)."""
        self._authorise(actor, COORDINATOR, "annul events")
        if district is None:
            stream = f"round:{round_id}"
            self.round(round_id)
        else:
            stream = self.project(round_id, district).state.stream_id
        history = self.store.read_stream(stream)
        target = next((r for r in history if r.event_id == event_id), None)
        if target is None:
            raise NotFound(f"no event {event_id} in {stream}")
        if isinstance(target.event, EventAnnulled | RoundOpened):
            raise InvalidCommand(f"a {target.event_type} cannot be annulled")
        if any(
            isinstance(r.event, EventAnnulled) and r.event.annulled_event_id == event_id
            for r in history
        ):
            raise InvalidCommand(f"event {event_id} is already annulled")
        event = self._event(EventAnnulled, annulled_event_id=event_id, reason=reason)
        return self._append(actor, stream, [event], len(history), self._occurred(None))

    # -- the recipe every project command follows ----------------------------------------

    def _project_command(
        self,
        actor: Actor,
        round_id: str,
        district: str,
        roles: tuple[Role, ...],
        verb: str,
        on: date | None,
        build: Callable[[ProjectView], list[Event]],
        *,
        tail: bool = False,
        closed_ok: bool = False,
    ) -> AppendResult:
        view = self.project(round_id, district)
        self._authorise(actor, roles, verb, district=slug(district))
        if view.round.closed is not None and not closed_ok:
            raise ConditionNotMet(
                f"round {round_id} is closed: it takes no more reports or payments"
            )
        if view.state.withdrawn is not None:
            raise ConditionNotMet(f"{view.state.district} has withdrawn its application")
        day = on or self._today()
        self._within_round(view.round, day, tail=tail)
        return self._append(
            actor, view.state.stream_id, build(view), view.state.version, self._occurred(day)
        )

    # -- helpers ---------------------------------------------------------------------------

    def _append(
        self, actor: Actor, stream: str, events: list[Event], version: int, at: datetime
    ) -> AppendResult:
        meta = actor.metadata(self.correlation_id)
        result = self.store.append(stream, [NewEvent(e, at, meta) for e in events], version)
        _log.info("command_recorded", stream=stream, version=result.stream_version,
                  position=result.last_position, events=[e.event_type for e in events],
                  actor=actor.name, role=actor.role)  # fmt: skip
        return result

    def _authorise(
        self, actor: Actor, roles: tuple[Role, ...], verb: str, district: str | None = None
    ) -> None:
        if actor.role not in roles:
            raise NotAuthorised(
                f"the {actor.role} role may not {verb}; that is for: {', '.join(roles)}"
            )
        if actor.role == "district" and district is not None and actor.district != district:
            raise NotAuthorised(
                f"acting for district {actor.district}, you may not act on {district}'s project"
            )

    def _policy(self, rnd: RoundState) -> Policy:
        try:
            return policy_for(rnd)
        except UnknownPolicy as exc:
            raise InvalidCommand(str(exc)) from None

    def _open_round(self, round_id: str) -> RoundState:
        rnd = self.round(round_id)
        if rnd.closed is not None:
            raise ConditionNotMet(
                f"round {round_id} is closed: it takes no more reports or payments"
            )
        return rnd

    def _today(self) -> date:
        return self.now().astimezone(STOCKHOLM).date()

    def _occurred(self, day: date | None) -> datetime:
        """A date-only event happened at the start of that Stockholm day; none given: now."""
        if day is None:
            return self.now()
        if day > self._today():
            raise InvalidCommand(f"{day} is in the future: record what has happened, when it has")
        return start_of_day(day)

    def _within_round(
        self, rnd: RoundState, day: date, *, tail: bool, before_opening_ok: bool = False
    ) -> None:
        first = rnd.period_start - timedelta(days=366) if before_opening_ok else rnd.opened_on
        first = min(first, rnd.period_start)
        last = rnd.period_end + (ACCOUNTING_TAIL if tail else timedelta(0))
        if not first <= day <= last:
            raise InvalidCommand(
                f"{day} is outside round {rnd.round_id} ({first} to {last}); check the date"
            )

    def _session_day(self, round_id: str, session_id: str) -> date | None:
        session = self.round(round_id).sessions.get(session_id)
        return session.event.starts_at.astimezone(STOCKHOLM).date() if session else None

    @staticmethod
    def _event(model: type[Event], /, **fields: Any) -> Event:
        event: Event = Workflow._model(model, **fields)
        return event

    @staticmethod
    def _model(model: type[Any], /, **fields: Any) -> Any:
        """Build a model from command input, turning validation errors into one line."""
        try:
            return model(**fields)
        except ValidationError as exc:
            raise InvalidCommand(f"{model.__name__}: {describe_validation_error(exc)}") from None


def _upto(history: list[R], as_of: datetime | None) -> list[R]:
    """The events that had happened in the world by ``as_of`` (all if None)."""
    if as_of is None:
        return history
    return [r for r in history if r.occurred_at <= as_of]
