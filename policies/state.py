"""Folding event histories into the state of a round and of a project (pure, no clock)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    EventAnnulled,
    FinancialReportSubmitted,
    FollowUpSubmitted,
    GrantAwarded,
    LadderStep,
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
    ReminderAbandoned,
    ReminderFailed,
    ReminderLadderSet,
    ReminderSent,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    ReportAccepted,
    ReportReturned,
    RoundClosed,
    RoundOpened,
    SchoolFollowUpRecorded,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies.ledger import Ledger, LedgerBuilder
from policies.lifecycle import Machine, step
from policies.review import Review, review

__all__ = [
    "STOCKHOLM",
    "Deadline",
    "NetworkRecord",
    "PlanRecord",
    "ProjectFold",
    "ProjectState",
    "RoundState",
    "as_of",
    "effective",
    "end_of_day",
    "fold_project",
    "fold_round",
    "local_date",
    "remembered",
    "slug",
    "start_of_day",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
R = Recorded[Any]


def slug(name: str) -> str:
    """``Spånga -Tensta`` -> ``spanga-tensta``: ASCII, lower case, single hyphens."""
    ascii_ = "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii())
    words = "".join(c if c.isalnum() else " " for c in ascii_.lower()).split()
    return "-".join(words)


def start_of_day(day: date) -> datetime:
    """Midnight in Stockholm: when a date-only event is taken to have happened."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def end_of_day(day: date) -> datetime:
    """The last instant of a Stockholm day: "as of 10 March" includes all of 10 March."""
    return datetime.combine(day, time.max, tzinfo=STOCKHOLM)


@lru_cache(maxsize=1 << 16)
def stockholm_day(instant: datetime) -> date:
    """The Stockholm calendar day of an instant (the one helper for it: people's days are
    Stockholm's, whatever zone the instant is stored in).

    Remembered per instant (equal instants in any zone have one day): assessing a round
    asks it for the same few dates, sessions and events thousands of times."""
    return instant.astimezone(STOCKHOLM).date()


def local_date(recorded: R) -> date:
    """The Stockholm calendar date on which an event happened in the world."""
    return stockholm_day(recorded.occurred_at)


def effective(history: Iterable[R]) -> tuple[list[R], dict[str, R]]:
    """The events that still count, and the annulments (by annulled event id) that removed others.

    Annulment is the only correction: the annulled event stays in history and is skipped here.
    """
    events = list(history)
    annulments = {
        str(r.event.annulled_event_id): r for r in events if isinstance(r.event, EventAnnulled)
    }
    kept = [
        r
        for r in events
        if r.event_key not in annulments and not isinstance(r.event, EventAnnulled)
    ]
    return kept, annulments


def as_of(history: Iterable[R], moment: datetime | None) -> list[R]:
    """The events that had happened in the world by ``moment`` (all of them if None).

    An annulment is kept whatever its own date: an annulled event never counted (world
    time), so it drops out of every as-of view. What was *known* at an earlier instant is
    the store's business (``known_at`` reads by recorded time) and still shows it.
    """
    if moment is None:
        return list(history)
    return [r for r in history if r.occurred_at <= moment or isinstance(r.event, EventAnnulled)]


@dataclass(frozen=True, slots=True)
class Deadline:
    """A round obligation date as the round has it on record now, with how it got there."""

    code: str
    due_on: date
    description: str | None
    evidence: tuple[R, ...]


@dataclass(frozen=True, slots=True)
class RoundState:
    """What the round's own stream says: money, period, rules, deadlines, sessions."""

    round_id: str
    title: str
    budget_sek: int
    supervision_pool_sek: int
    period_start: date
    period_end: date
    application_deadline: date | None
    policy_name: str
    policy_version: int
    opened: R
    deadlines: dict[str, Deadline]
    sessions: dict[str, R]
    allocation: R | None
    closed: R | None
    version: int
    #: Reminder ladders set on record: by obligation code, "*" for the round's default.
    ladders: dict[str, tuple[LadderStep, ...]] = field(default_factory=dict)
    #: Supervision money one project may be granted, as recorded when the round opened
    #: (None: the round was opened before the cap was recorded; the policy's default holds).
    supervision_cap_sek: int | None = None
    #: The round's lifecycle state (see policies.lifecycle): "open" or "closed".
    status: str = "open"
    #: The last global position of the round's stream that this state was folded from.
    last_position: int = 0
    #: The round's payment plan (PaymentPlanSet), if one is on record: the latest counts.
    payment_plan: R | None = None
    #: Answers worked out from this state alone (see :func:`remembered`): never compared,
    #: never copied (``dataclasses.replace`` makes a state with an empty one).
    memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def opened_on(self) -> date:
        return local_date(self.opened)


T = TypeVar("T")


def remembered(memo: dict[Any, Any], key: Any, args: tuple[Any, ...], work: Callable[[], T]) -> T:
    """``work()``, kept in a state's ``memo`` under ``key`` for ``args`` (the day, say).

    Only for an answer that depends on that state (immutable) and ``args`` alone: then the
    kept answer is the one ``work()`` would give again. One answer per key: other ``args``
    (the next day) replace it, so a state kept for months holds one answer per key, not one
    per day. Threads may race to fill a key; each computes the same answer."""
    found = memo.get(key)
    if found is not None and found[0] == args:
        kept: T = found[1]
        return kept
    value = work()
    memo[key] = (args, value)
    return value


def fold_round(history: Sequence[R]) -> RoundState | None:
    """The round's state, or None if its stream has no RoundOpened (yet, or annulled)."""
    kept, _ = effective(history)
    opened = next((r for r in kept if isinstance(r.event, RoundOpened)), None)
    if opened is None:
        return None
    o: RoundOpened = opened.event
    deadlines = {d.code: Deadline(d.code, d.due_on, d.description, (opened,)) for d in o.deadlines}
    sessions: dict[str, R] = {}
    allocation: R | None = None
    closed: R | None = None
    payment_plan: R | None = None
    ladders: dict[str, tuple[LadderStep, ...]] = {}
    status = "none"
    for r in kept:
        e = r.event
        nxt = step(Machine.round, status, type(e))
        if nxt is None:
            continue  # not a round event, or one its lifecycle does not allow: it counts not
        status = nxt
        if isinstance(e, DeadlineSet):
            deadlines[e.code] = Deadline(e.code, e.due_on, e.description, (r,))
        elif isinstance(e, DeadlineChanged):
            old = deadlines.get(e.code)
            trail = (*old.evidence, r) if old else (r,)
            deadlines[e.code] = Deadline(e.code, e.due_on, old.description if old else None, trail)
        elif isinstance(e, NetworkSessionScheduled):
            sessions[e.session_id] = r
        elif isinstance(e, AllocationDecided):
            allocation = r
        elif isinstance(e, RoundClosed):
            closed = r
        elif isinstance(e, ReminderLadderSet):
            ladders[e.obligation or "*"] = e.steps
        elif isinstance(e, PaymentPlanSet):
            payment_plan = r
    return RoundState(
        round_id=o.round_id,
        title=o.title,
        budget_sek=o.budget_sek,
        supervision_pool_sek=o.supervision_pool_sek,
        period_start=o.period_start,
        period_end=o.period_end,
        application_deadline=o.application_deadline,
        policy_name=o.policy_name,
        policy_version=o.policy_version,
        opened=opened,
        deadlines=deadlines,
        sessions=sessions,
        allocation=allocation,
        closed=closed,
        version=len(history),
        ladders=ladders,
        supervision_cap_sek=o.supervision_cap_sek,
        status=status,
        last_position=history[-1].position,
        payment_plan=payment_plan,
    )


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One work plan and what the steering group made of it."""

    plan_id: str
    submitted: R
    decision: R | None  # PlanApproved or PlanRejected
    #: Lifecycle state from the table: "submitted", "approved" or "rejected".
    status: str


@dataclass(frozen=True, slots=True)
class NetworkRecord:
    """The project's record for one network session."""

    session_id: str
    attended: R | None = None
    absence: R | None = None
    remedy: R | None = None  # make-up or exemption
    #: Lifecycle state from the table: "none", "attended", "absent" or "remedied".
    status: str = "none"

    @property
    def blocking(self) -> bool:
        """An unexcused absence with no make-up or exemption on record."""
        if self.status != "absent" or self.absence is None:
            return False
        absence: NetworkAbsenceRecorded = self.absence.event
        return not absence.excused


#: A session the project has nothing recorded for yet (its id is never read).
_NO_RECORD = NetworkRecord("")


@dataclass(frozen=True, slots=True)
class ProjectState:
    """Everything a project's stream says that the policies look at."""

    stream_id: str
    application: R | None
    withdrawn: R | None
    awards: tuple[R, ...]
    plans: tuple[PlanRecord, ...]
    network: dict[str, NetworkRecord]
    supervision_requests: tuple[R, ...]
    supervision_grants: tuple[R, ...]
    disbursements: tuple[R, ...]
    follow_ups: dict[str, R]  # kind -> latest
    financial_reports: dict[str, R]  # kind -> latest
    year_end_account: R | None
    repayment_demands: tuple[R, ...]
    repayment_settlements: tuple[R, ...]
    reminders: tuple[R, ...]
    reminder_failures: tuple[R, ...]
    #: Reminders given up after permanent refusals: never sent again.
    reminder_abandonments: tuple[R, ...]
    annulments: dict[str, R]
    ledger: Ledger
    version: int
    history: tuple[R, ...] = field(repr=False)
    #: Lifecycle states from the table: the application's and the repayment's.
    application_status: str = "none"
    repayment_status: str = "none"
    #: This project's own payment plan (PaymentPlanSet), if one is on record.
    payment_plan: R | None = None
    #: Reviews of reports (ReportAccepted, ReportReturned), in order.
    reviews: tuple[R, ...] = ()
    #: Each school's latest follow-up per term: (school, casefolded; term) -> the record.
    school_follow_ups: dict[tuple[str, str], R] = field(default_factory=dict)
    #: Answers worked out from this state alone (see :func:`remembered`): never compared,
    #: never copied (``dataclasses.replace`` makes a state with an empty one).
    memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def district(self) -> str | None:
        if self.application is None:
            return None
        application: ApplicationSubmitted = self.application.event
        return application.district

    @property
    def project_id(self) -> str:
        """``ppss-2014:farsta`` for ``project:ppss-2014:farsta``."""
        return self.stream_id.split(":", 1)[1]

    @property
    def last_position(self) -> int:
        return self.history[-1].position if self.history else 0

    @property
    def latest_plan(self) -> PlanRecord | None:
        return self.plans[-1] if self.plans else None

    @property
    def approved_plan(self) -> PlanRecord | None:
        """The plan in force: the latest approved one."""
        approved = [p for p in self.plans if p.status == "approved"]
        return approved[-1] if approved else None

    def plan(self, plan_id: str) -> PlanRecord | None:
        return next((p for p in self.plans if p.plan_id == plan_id), None)

    def submission(self, code: str) -> R | None:
        """The latest submission of report ``code`` (see policies.review.REPORTS)."""
        if code == "year_end_account":
            return self.year_end_account
        kind, _, what = code.partition("_")
        if what == "follow_up":
            return self.follow_ups.get(kind)
        if what == "financial_report":
            return self.financial_reports.get(kind)
        return None

    def report(self, code: str) -> Review:
        """Report ``code`` as it stands: submitted, accepted or returned, and by what (worked
        out once per state: the rules ask it several times a project)."""
        key = ("report", code)  # pragma: no mutate - a cache key
        found: Review | None = self.memo.get(key)  # pragma: no mutate - a cache
        if found is None:
            found = self.memo[key] = review(self.submission(code), self.reviews, code)
        return found


def fold_project(stream_id: str, history: Sequence[R]) -> ProjectState:
    """A project's state from its stream (any prefix of a valid history folds).

    Lifecycle steps go through the one table in :mod:`policies.lifecycle`; an event that
    the table does not allow where it stands counts for nothing (the decisions never record
    one, but an old or imported history may hold one).
    """
    kept, annulments = effective(history)
    fold = ProjectFold(annulments)
    for r in kept:
        fold.add(r)
    return fold.state(stream_id, history)


class ProjectFold:
    """:func:`fold_project` one event at a time: a left fold over the events that count.

    ``fold_project(s, h + [r])`` is ``fold.add(r); fold.state(s, h + [r])`` for a fold of
    ``h``, as long as ``r`` is no annulment (an annulment removes an earlier event, so the
    stream is folded again from its start); ``r`` itself counts for nothing if an
    annulment already on record names it (:meth:`add` skips it). :meth:`state` is a
    snapshot: later :meth:`add` calls do not change a state it returned.
    """

    __slots__ = (
        "annulments",
        "application",
        "application_status",
        "follow_ups",
        "ledger",
        "lists",
        "network",
        "payment_plan",
        "plans",
        "repayment_status",
        "reports",
        "reviews",
        "schools",
        "withdrawn",
        "year_end",
    )

    def __init__(self, annulments: dict[str, R] | None = None) -> None:
        #: The annulments on record (by annulled event id): the events they name never count.
        self.annulments: dict[str, R] = annulments if annulments is not None else {}
        self.plans: dict[str, PlanRecord] = {}
        self.network: dict[str, NetworkRecord] = {}
        self.lists: dict[str, list[R]] = {k: [] for k in _LISTS}
        self.follow_ups: dict[str, R] = {}
        self.schools: dict[tuple[str, str], R] = {}
        self.reports: dict[str, R] = {}
        self.application: R | None = None
        self.withdrawn: R | None = None
        self.year_end: R | None = None
        self.payment_plan: R | None = None
        self.reviews: list[R] = []
        self.application_status = "none"
        self.repayment_status = "none"
        self.ledger = LedgerBuilder()

    def add(self, r: R) -> None:
        """Fold in ``r``, the stream's next event (never an annulment: see the class)."""
        e = r.event
        if isinstance(e, EventAnnulled):
            raise ValueError("an annulment changes what came before it: fold the stream again")
        if r.event_key in self.annulments:
            return
        # One step per kind of event, found by its exact type (no event type subclasses
        # another); the rest are money entries, reminders or nothing the state keeps.
        _STEPS.get(type(e), ProjectFold._entry)(self, r, e)

    def _application(self, r: R, e: Any) -> None:
        nxt = step(Machine.application, self.application_status, type(e))
        if nxt is None:
            return
        self.application_status = nxt
        if isinstance(e, ApplicationSubmitted):
            self.application, self.withdrawn = r, None
        else:
            self.withdrawn = r

    def _plan(self, r: R, e: Any) -> None:
        plans = self.plans
        old = plans.get(e.plan_id)
        nxt = step(Machine.plan, old.status if old else "none", type(e))
        if nxt is None:
            return
        if isinstance(e, PlanSubmitted):
            plans.pop(e.plan_id, None)  # a resubmission goes to the end, undecided
            plans[e.plan_id] = PlanRecord(e.plan_id, r, None, nxt)
        elif old is not None:
            plans[e.plan_id] = PlanRecord(old.plan_id, old.submitted, r, nxt)

    def _network(self, r: R, e: Any) -> None:
        network = self.network
        rec = network.get(e.session_id, _NO_RECORD)
        nxt = step(Machine.network, rec.status, type(e))
        if nxt is None:
            return
        if isinstance(e, NetworkAttendanceRecorded):
            network[e.session_id] = NetworkRecord(e.session_id, r, None, None, nxt)
        elif isinstance(e, NetworkAbsenceRecorded):
            network[e.session_id] = NetworkRecord(e.session_id, None, r, None, nxt)
        else:
            network[e.session_id] = NetworkRecord(e.session_id, None, rec.absence, r, nxt)

    def _repayment(self, r: R, e: Any) -> None:
        nxt = step(Machine.repayment, self.repayment_status, type(e))
        if nxt is None:
            return
        self.repayment_status = nxt
        self.ledger.apply(r)
        bucket = (
            "repayment_demands" if isinstance(e, RepaymentDemanded) else "repayment_settlements"
        )
        self.lists[bucket].append(r)

    def _follow_up(self, r: R, e: Any) -> None:
        self.follow_ups[e.kind] = r

    def _school(self, r: R, e: Any) -> None:
        self.schools[(e.school.casefold(), e.term)] = r

    def _report(self, r: R, e: Any) -> None:
        self.reports[e.kind] = r

    def _year_end(self, r: R, e: Any) -> None:
        self.year_end = r

    def _payment_plan(self, r: R, e: Any) -> None:
        self.payment_plan = r

    def _review(self, r: R, e: Any) -> None:
        self.reviews.append(r)

    def _entry(self, r: R, e: Any) -> None:
        self.ledger.apply(r)
        found = _BUCKET.get(type(e))
        if found is not None:
            self.lists[found].append(r)

    def state(self, stream_id: str, history: Sequence[R]) -> ProjectState:
        """The project's state after the events folded in; ``history``: its whole stream
        (annulments and annulled events included), as :func:`fold_project` was given it."""
        lists = self.lists
        return ProjectState(
            stream_id=stream_id,
            application=self.application,
            withdrawn=self.withdrawn,
            awards=tuple(lists["awards"]),
            plans=tuple(self.plans.values()),
            network=dict(self.network),
            supervision_requests=tuple(lists["supervision_requests"]),
            supervision_grants=tuple(lists["supervision_grants"]),
            disbursements=tuple(lists["disbursements"]),
            follow_ups=dict(self.follow_ups),
            financial_reports=dict(self.reports),
            year_end_account=self.year_end,
            repayment_demands=tuple(lists["repayment_demands"]),
            repayment_settlements=tuple(lists["repayment_settlements"]),
            reminders=tuple(lists["reminders"]),
            reminder_failures=tuple(lists["reminder_failures"]),
            reminder_abandonments=tuple(lists["reminder_abandonments"]),
            annulments=dict(self.annulments),
            ledger=self.ledger.result(),
            version=len(history),
            history=tuple(history),
            application_status=self.application_status,
            repayment_status=self.repayment_status,
            payment_plan=self.payment_plan,
            reviews=tuple(self.reviews),
            school_follow_ups=dict(self.schools),
        )


_LISTS = (
    "awards",
    "supervision_requests",
    "supervision_grants",
    "disbursements",
    "repayment_demands",
    "repayment_settlements",
    "reminders",
    "reminder_failures",
    "reminder_abandonments",
)
_Step = Callable[[ProjectFold, R, Any], None]
_STEPS: dict[type, _Step] = {
    ApplicationSubmitted: ProjectFold._application,
    ApplicationWithdrawn: ProjectFold._application,
    PlanSubmitted: ProjectFold._plan,
    PlanApproved: ProjectFold._plan,
    PlanRejected: ProjectFold._plan,
    NetworkAttendanceRecorded: ProjectFold._network,
    NetworkAbsenceRecorded: ProjectFold._network,
    NetworkMakeUpRecorded: ProjectFold._network,
    NetworkExemptionGranted: ProjectFold._network,
    RepaymentDemanded: ProjectFold._repayment,
    RepaymentReceived: ProjectFold._repayment,
    RepaymentWaived: ProjectFold._repayment,
    FollowUpSubmitted: ProjectFold._follow_up,
    SchoolFollowUpRecorded: ProjectFold._school,
    FinancialReportSubmitted: ProjectFold._report,
    YearEndAccountSubmitted: ProjectFold._year_end,
    PaymentPlanSet: ProjectFold._payment_plan,
    ReportAccepted: ProjectFold._review,
    ReportReturned: ProjectFold._review,
}
_BUCKET: dict[type, str] = {
    GrantAwarded: "awards",
    SupervisionFundsRequested: "supervision_requests",
    SupervisionFundsGranted: "supervision_grants",
    DisbursementMade: "disbursements",
    ReminderSent: "reminders",
    ReminderFailed: "reminder_failures",
    ReminderAbandoned: "reminder_abandonments",
}
