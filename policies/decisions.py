"""Every decision of the engine: given what a command finds and the day, the events to record.

One function per command, pure: it reads the round's state, the project's state (and, for
round-wide rules, every project of the round) and the day it is judged on, and returns a
:class:`Decision` or raises a :class:`Refusal` that names the command, the project, the
state it found and the rule. Every money rule, lifecycle check, cap and limit lives here
or in the table of :mod:`policies.lifecycle`; the machinery only loads, asks and appends.

A dated command is judged twice by :func:`judge`: on the history as of its own date, and
on the whole history as of today. It is recorded only if both allow it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from events import (
    AllocationDecided,
    AllocationLine,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    DocumentAttached,
    Event,
    EventAnnulled,
    FinancialReportSubmitted,
    FollowUpIndicators,
    FollowUpSubmitted,
    GrantAwarded,
    Instalment,
    LadderStep,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
    NetworkSessionScheduled,
    PaymentAnnulmentRequested,
    PaymentPlanSet,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    Recorded,
    ReminderLadderSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    ReportAccepted,
    ReportReturned,
    RoundClosed,
    RoundDeadline,
    RoundOpened,
    SchoolFollowUpRecorded,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from events.contacts import ContactRemoved, ContactSet, SchoolKindSet
from policies.allocation import (
    METHOD_NAME,
    METHOD_VERSION,
    AllocationInputError,
    AllocationResult,
    DistrictRequest,
    allocate,
)
from policies.base import Policy, RoundTerms, fmt_sek
from policies.commands import (
    Annul,
    Apply,
    AttachDocument,
    AwardGrant,
    CloseRound,
    Command,
    DecidePlan,
    DemandRepayment,
    Disburse,
    GrantSupervision,
    OpenRound,
    ProjectCommand,
    RecordAllocation,
    RecordNetwork,
    RecordSchoolFollowUp,
    RemoveContact,
    RequestSupervision,
    ReviewReport,
    ScheduleSession,
    SetContact,
    SetDeadline,
    SetLadder,
    SetPaymentPlan,
    SettleRepayment,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
    Withdraw,
)
from policies.contacts import contact_book
from policies.corrections import (
    ANNUL_PAYMENT_AWAITS_SECOND,
    payment_annulment,
    relied_on,
    repeated_demand,
)
from policies.documents import attached
from policies.followup import problems as implausible
from policies.followup import term_span
from policies.lifecycle import IllegalTransition, Machine, replay_strictly, step
from policies.plausibility import overspend_refusal, own_contribution_sek
from policies.reason import Kronor, Named, Reason, ReasonCode, joined
from policies.registry import POLICIES, latest_version
from policies.review import REPORTS, accepted_stands
from policies.state import (
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
    stockholm_day,
)
from policies.submissions import NO_T2_RULE, takes_report
from policies.totals import RoundTotals

__all__ = [
    "ACCOUNTING_TAIL_DAYS",
    "DOCUMENT_NOT_AS_STORED",
    "DOCUMENT_NOT_STORED",
    "HELD_UNKNOWN",
    "OPERATIONS",
    "Decision",
    "Refusal",
    "View",
    "allocation_from_applications",
    "authorise",
    "authorise_operation",
    "command_day",
    "command_moment",
    "decide",
    "judge",
    "judge_on",
    "view_of",
]

R = Recorded[Any]

# -- "already recorded" answers (said by ppss_workflow.words) ------------------------------
ALREADY_AWARDED = ReasonCode("already.awarded", "ref", "amount", "district")
ALREADY_GRANTED = ReasonCode("already.supervision_granted", "ref", "amount", "district")
ALREADY_PAID = ReasonCode("already.paid", "ref", "amount", "district")
ALREADY_ATTACHED = ReasonCode("already.attached", "name", "to")
ALREADY_WAIVED = ReasonCode("already.waived", "ref", "amount", "district")
ALREADY_REPAID = ReasonCode("already.repaid", "ref", "amount", "district")
ALREADY_ROUND_PLAN = ReasonCode("already.round_payment_plan", "round")
ALREADY_PLAN = ReasonCode("already.payment_plan", "district")
ALREADY_REVIEWED = ReasonCode("already.reviewed", "report", "district", "review")
ALREADY_CONTACT = ReasonCode("already.contact")
ALREADY_DEMANDED = ReasonCode("already.demanded", "amount", "district", "due_on")

# -- refusals (said by ppss_workflow.words) ----------------------------------------------
MAY_NOT_OPERATE = ReasonCode("role.may_not_operate", "role", "operation", "allowed")
MAY_NOT_COMMAND = ReasonCode("role.may_not_command", "role", "command", "roles")
OWN_DISTRICT_ONLY = ReasonCode("role.own_district_only", "acting_for", "district")
ROUND_ALREADY_OPEN = ReasonCode("round.already_open", "round")
UNKNOWN_POLICY = ReasonCode("round.unknown_policy", "policy", "known")
CAP_OVER_POOL = ReasonCode("round.cap_over_pool", "cap", "pool")
ROUND_RULES = ReasonCode("round.against_rules", "problems")
#: Refused: the policy fixes no budget (or period) and the command gave none.
NO_BUDGET = ReasonCode("round.no_budget", "policy")
NO_PERIOD = ReasonCode("round.no_period", "policy")
DEADLINE_UNCHANGED = ReasonCode("deadline.unchanged", "deadline", "due_on")
SESSION_EXISTS = ReasonCode("session.exists", "session", "round")
SESSION_OUTSIDE = ReasonCode("session.outside_round", "day", "round", "first", "last")
NO_APPLICATIONS = ReasonCode("allocation.no_applications", "round")
NOT_APPLIED = ReasonCode("allocation.not_applied", "district", "round")
RESTATED_WRONG = ReasonCode(
    "allocation.restated_wrong", "district", "applied", "schools", "recorded", "recorded_schools"
)
LEFT_OUT = ReasonCode("allocation.left_out", "districts")
OVER_BUDGET = ReasonCode("allocation.over_budget", "total", "budget")
RULE_INPUT = ReasonCode("allocation.bad_input", "problem")
AWARDS_STAND = ReasonCode("allocation.awards_on_record", "round", "districts")
AWARDS_ELSEWHERE = ReasonCode("allocation.awards_elsewhere", "districts")
PAID_OVER_NEW = ReasonCode("allocation.paid_over_new", "district", "paid", "allocated")
OTHER_DISTRICT = ReasonCode("application.other_district", "named", "district")
NOT_A_DISTRICT = ReasonCode("application.not_a_district", "district")
SHARES_PROJECT = ReasonCode("application.shares_project", "district", "recorded")
ALREADY_APPLIED = ReasonCode("application.already_applied", "district", "round")
APPLICATION_REFUSED = ReasonCode("application.refused", "district", "problems")
AWARD_NOT_POSITIVE = ReasonCode("award.not_positive")
AWARD_OVER_APPLIED = ReasonCode("award.over_applied", "amount", "district", "total", "applied")
AWARD_OVER_BUDGET = ReasonCode("award.over_budget", "amount", "total", "budget")
PLAN_ID_USED = ReasonCode("plan.id_used", "plan", "status")
PLAN_NOT_SUBMITTED = ReasonCode("plan.not_submitted", "district", "plan", "submitted")
PLAN_DECIDED = ReasonCode("plan.already_decided", "plan", "status")
MEETING_BEFORE_PLAN = ReasonCode("plan.meeting_before_submission", "meeting", "plan", "submitted")
REJECT_NEEDS_REASON = ReasonCode("plan.rejection_needs_reason")
NO_SESSION = ReasonCode("session.unknown", "session", "round", "known")
SESSION_LATER = ReasonCode("session.not_yet_held", "session", "day")
NO_ABSENCE = ReasonCode("network.no_absence", "district", "session", "outcome")
NEEDS_NOTE = ReasonCode("network.needs_note", "outcome")
NO_POOL = ReasonCode("supervision.no_pool", "round")
REQUEST_OVER_CAP = ReasonCode("supervision.request_over_cap", "district", "cap", "requested")
NOT_REQUESTED = ReasonCode("supervision.not_requested", "district")
OVER_REQUEST = ReasonCode("supervision.over_request", "requested")
GRANT_OVER_CAP = ReasonCode("supervision.grant_over_cap", "district", "cap")
POOL_LEFT = ReasonCode("supervision.pool_left", "pool", "left")
REFERENCE_USED = ReasonCode("payment.reference_used", "ref", "amount", "purpose", "district")
CANNOT_PAY = ReasonCode("payment.not_payable", "amount", "purpose", "district", "may", "why")
PERIOD_ORDER = ReasonCode("period.ends_before_start", "end", "start")
TERM_OUTSIDE = ReasonCode("follow_up.term_outside_round", "term", "round", "first", "last")
TERM_NOT_BEGUN = ReasonCode("follow_up.term_not_begun", "term", "starts", "day")
ALREADY_SCHOOL_FOLLOW_UP = ReasonCode("already.school_follow_up", "school", "term")
REACHED_ABOVE_TARGET = ReasonCode(
    "follow_up.reached_above_target_group", "where", "reached", "target"
)
NO_T2 = ReasonCode("report.round_has_no_t2", "round")
SUPERVISION_UNSAID = ReasonCode("account.supervision_unsaid", "district", "paid")
SUPERVISION_OVER_PAID = ReasonCode("account.supervision_over_paid", "spent", "paid")
DEMAND_OVER_OWED = ReasonCode(
    "repayment.demand_over_owed", "amount", "district", "undemanded", "why"
)
DUE_BEFORE_DEMAND = ReasonCode("repayment.due_before_demand", "due_on")
SETTLE_OVER = ReasonCode("repayment.settle_over_demanded", "amount", "outstanding", "district")
WAIVER_NEEDS_REASON = ReasonCode("repayment.waiver_needs_reason")
NOT_RELEASE_CODE = ReasonCode("plan.unknown_release", "code", "round", "known")
NO_DISTRICT = ReasonCode("district.unknown", "district", "round", "known")
#: A round with no applications yet has no district to name (a choice: "(the round has: )"
#: told the reader nothing).
NO_DISTRICT_YET = ReasonCode("district.unknown_none_yet", "district", "round")


def unknown_district(district: str, round_id: str, known: Sequence[str]) -> Reason:
    """Why ``district`` is not found in ``round_id``: naming at most 12 of the districts the
    round has, or saying that it has none yet."""
    if not known:
        return NO_DISTRICT_YET(district=district, round=round_id)
    return NO_DISTRICT(district=district, round=round_id, known=tuple(known[:12]))


NOT_ON_RECORD = ReasonCode("district.not_on_record", "district", "recorded")
NOT_A_REPORT = ReasonCode("report.unknown", "report", "known")
NOTHING_TO_REVIEW = ReasonCode("report.nothing_to_review", "district", "report")
REVIEWED_ONCE = ReasonCode("report.reviewed_once", "report", "district", "review")
REVIEW_BEFORE = ReasonCode("report.review_before_submission", "report", "submitted")
RETURN_NEEDS_REASON = ReasonCode("report.return_needs_reason")
ANNUL_TODAY = ReasonCode("annul.dated_today", "day")
NOTHING_TO_ANNUL = ReasonCode("annul.not_found", "round", "entry")
NOT_ANNULLABLE = ReasonCode("annul.not_annullable", "event")
ALREADY_ANNULLED = ReasonCode("annul.already")
LEAVES_ORPHAN = ReasonCode("annul.leaves_orphan", "event", "orphan")
PART_OF_ALLOCATION = ReasonCode("annul.part_of_allocation", "ref")
MONEY_INCONSISTENT = ReasonCode("annul.money_inconsistent", "event", "problems")
#: What would no longer add up (the ``problems`` of MONEY_INCONSISTENT).
PAID_OVER_AWARD = ReasonCode("annul.paid_over_award", "paid", "awarded")
SUPERVISION_PAID_OVER = ReasonCode("annul.supervision_paid_over", "paid", "granted")
SUPERVISION_GRANTED_OVER = ReasonCode("annul.supervision_granted_over", "granted", "requested")
SETTLED_OVER_DEMANDED = ReasonCode("annul.settled_over_demanded", "settled", "demanded")
MONEY_WITHOUT_APPLICATION = ReasonCode("annul.money_without_application")
PAYMENT_WOULD_BLOCK = ReasonCode(
    "annul.payment_would_be_blocked", "ref", "amount", "on", "event", "conditions"
)
PAYMENT_WOULD_EXCEED = ReasonCode(
    "annul.payment_would_exceed", "ref", "amount", "on", "event", "may"
)
NO_ROUND = ReasonCode("round.unknown", "round")
ROUND_IS_CLOSED = ReasonCode("round.is_closed", "round")
WITHDRAWN = ReasonCode("application.has_withdrawn", "district")
OUTSIDE_ROUND = ReasonCode("date.outside_round", "day", "round", "first", "last")
IN_FUTURE = ReasonCode("date.in_future", "day")
ILLEGAL_STEP = ReasonCode("lifecycle.illegal", "machine", "state", "event")
BAD_INPUT = ReasonCode("input.invalid", "problem")
#: A field the input gets wrong: the field as typed (its key) and what is wrong (pydantic's
#: error type, said in words); ``more``: how many other fields are wrong too.
BAD_FIELD = ReasonCode("input.invalid_field", "field", "problem")
BAD_FIELDS = ReasonCode("input.invalid_fields", "field", "problem", "more")
KIND_NEEDS_SCHOOL = ReasonCode("contact.kind_needs_school")
NO_CONTACT = ReasonCode("contact.unknown", "district", "role")
NO_SCHOOL = ReasonCode("contact.unknown_school", "district", "school", "known")
REVIEW_NONE = ReasonCode("review.none")
#: How long after its period a round still takes accounts, final reports and repayments.
#: Choice: the documents set no limit; the 2014 account falls due early the next year and a
#: repayment can take months, and a bound keeps a mistyped year from reopening an old round.
ACCOUNTING_TAIL_DAYS = 400
#: How long before its period a round takes applications (the 2014 ones came in 2013).
#: Choice: a year covers the 2014 applications of 2013 and the 2018 form due 2017-12-29.
APPLICATION_LEAD_DAYS = 366


class Refusal(Exception):
    """A command the rules do not allow. One line: what is wrong, then command, project,
    the state found, the day judged on and the rule.

    ``kind`` tells the machinery how to answer: ``invalid`` (the input itself), ``not_found``,
    ``condition`` (the round's rules), ``not_authorised``.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        command: str,
        project: str,
        state: str,
        rule: str,
        kind: str = "condition",
        day: date | None = None,
        reason: Reason | None = None,
    ) -> None:
        if message is None:
            message = str(reason)
        when = f" as of {day}" if day else ""
        super().__init__(f"{message} [{command}; {project}; {state}{when}; rule: {rule}]")
        #: One line for logs: the reason in its compact form (``code(name=value, ...)``)
        #: unless a message is given; people read the reason, said by the machinery.
        self.message = message
        self.command = command
        self.project = project
        self.state = state
        self.rule = rule
        self.kind = kind
        self.day = day
        #: What is wrong as data (a code and parameters), said by the machinery in the
        #: reader's language.
        self.reason = reason


#: A view whose content store was not read (see :attr:`View.held_document`).
HELD_UNKNOWN: object = object()

#: Refused: the content store holds no bytes under this SHA-256 (upload the file itself).
DOCUMENT_NOT_STORED = ReasonCode("document.not_stored", "sha256")
#: Refused: the bytes held under the hash are not the size or type the command says.
DOCUMENT_NOT_AS_STORED = ReasonCode(
    "document.not_as_stored", "sha256", "size", "media_type", "stored_size", "stored_type"
)


@dataclass(frozen=True, slots=True)
class View:
    """What a decision sees: the round, the project, (round-wide) every project, the day."""

    round: RoundState | None
    day: date
    project: ProjectState | None = None
    #: Every project of the round by stream id, for round-wide rules (budget, pool, refs).
    projects: Mapping[str, ProjectState] = field(default_factory=dict)
    #: District names in the round, for "no such district" answers.
    districts: tuple[str, ...] = ()
    #: The round's totals and payment references, when the machinery read them from its read
    #: model instead of folding ``projects``.
    totals: RoundTotals | None = None
    #: Annul: the event to annul, the whole history of its stream, and the round's.
    target: R | None = None
    target_history: tuple[R, ...] = ()
    round_history: tuple[R, ...] = ()
    #: Attach: what the content store holds under the command's SHA-256, as (size in bytes,
    #: media type sniffed from the bytes), or None when the store holds nothing under it. The
    #: machinery reads it before deciding; ``HELD_UNKNOWN`` means it was not read (a path
    #: that does not attach, or a replay whose documents travel apart).
    held_document: tuple[int, str] | object | None = HELD_UNKNOWN
    #: Who gives the command (the actor's name as recorded in metadata); the four-eyes rule
    #: of a payment's annulment compares it with who asked and who paid. None: unknown.
    actor: str | None = None

    @property
    def round_totals(self) -> RoundTotals:
        """The round's totals: as read, or from every project when those were folded."""
        return self.totals if self.totals is not None else RoundTotals.of(self.projects.values())

    @property
    def policy(self) -> Policy:
        assert self.round is not None
        return POLICIES[(self.round.policy_name, self.round.policy_version)]


@dataclass(frozen=True, slots=True)
class Decision:
    """The events to append, per stream, in order. ``already``: the same thing is on record,
    nothing is written, and the text says where."""

    appends: tuple[tuple[str, tuple[Event, ...]], ...] = ()
    already: Reason | None = None

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.appends)


# -- the entry points --------------------------------------------------------------------


#: What a role may do besides commands: operations that write to the store without a
#: decision on a project (dispatching reminders, importing a history, signing a checkpoint).
#: The first role named is the one an operation runs in when none is given.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "dispatch reminders": ("scheduler", "coordinator"),
    "import a history": ("coordinator",),
    "sign checkpoints": ("scheduler", "coordinator"),
}


def authorise_operation(operation: str, role: str | None) -> str:
    """The role ``operation`` runs in: ``role`` if it may (else a Refusal), or by default the
    first role the operation names."""
    allowed = OPERATIONS[operation]
    if role is None:
        return allowed[0]
    if role not in allowed:
        raise Refusal(
            command=operation,
            project="the store",
            state=f"acting as {role}",
            rule="roles",
            kind="not_authorised",
            reason=MAY_NOT_OPERATE(
                role=Named("role", role),
                operation=Named("operation", operation),
                allowed=tuple(Named("role", a) for a in allowed),
            ),
        )
    return role


def authorise(command: Command, role: str, acting_for: str | None) -> None:
    """The role may give this command; a district only for its own project."""
    where = _where(command)
    if role not in command.roles:
        raise Refusal(
            command=command.name,
            project=where,
            state=f"acting as {role}",
            rule="roles",
            kind="not_authorised",
            reason=MAY_NOT_COMMAND(
                role=Named("role", role),
                command=Named("verb", command.verb),
                roles=tuple(Named("role", r) for r in command.roles),
            ),
        )
    if role == "district":
        district = _district_of(command)
        if district is None or acting_for != slug(district):
            raise Refusal(
                command=command.name,
                project=where,
                state=f"acting for {acting_for}",
                rule="own district only",
                kind="not_authorised",
                reason=OWN_DISTRICT_ONLY(
                    acting_for=acting_for or "", district=slug(district) if district else ""
                ),
            )


def command_day(command: Command, rnd: RoundState | None, today: date) -> date:
    """The day a command happened: its own date, a session's day, else today."""
    own = command.own_date()
    if own is not None:
        return own
    if (
        isinstance(command, RecordNetwork)
        and command.outcome in ("attended", "absent")
        and rnd is not None
        and command.session_id in rnd.sessions
    ):
        return _session_day(rnd.sessions[command.session_id])
    if isinstance(command, ScheduleSession):
        return min(today, stockholm_day(command.starts_at))
    return today


def command_moment(command: Command, rnd: RoundState | None, now: datetime) -> datetime:
    """When the command's events happened: the start of its day, or ``now`` if undated."""
    today = stockholm_day(now)
    day = command_day(command, rnd, today)
    session = _attended_session(command, rnd)
    if session is not None and day == _session_day(session):
        # Attendance happened at the meeting, not at midnight: a view earlier that day does
        # not count a later meeting as held (never after now: nothing is recorded ahead).
        starts_at: datetime = session.event.starts_at
        return min(starts_at, now)
    # An attendance on a session on record was answered above; a session scheduled happens on
    # its day, whatever day it was scheduled on.
    if day == today and command.own_date() is None and not isinstance(command, ScheduleSession):
        return now
    moment = start_of_day(day)
    if rnd is not None and day == rnd.opened_on:
        # Choice: a command dated on the day the round opened happened after the opening
        # (not at midnight, before the round existed), and never after now.
        # Reason: a session scheduled, or a step back-dated, to the opening day was refused
        # as "no such round" although the documents put no order within a day.
        opened_at: datetime = rnd.opened.occurred_at
        moment = max(moment, min(opened_at, now))
    return moment


def view_of(
    command: Command,
    round_history: Sequence[R],
    project_histories: Mapping[str, Sequence[R]],
    day: date,
    moment: datetime | None = None,
    *,
    totals: RoundTotals | None = None,
    districts: tuple[str, ...] = (),
    target: R | None = None,
    actor: str | None = None,
    held_document: tuple[int, str] | object | None = HELD_UNKNOWN,
) -> View:
    """What a decision on ``command`` sees, built from the histories it reads: the one place
    a :class:`View` is made from events (the handlers, the previews, the tests' world).

    ``project_histories``: the round's project streams the caller read (the command's own, or
    every one for a round-wide rule); ``moment``: cut every history as of that instant (None:
    the whole history); ``totals``: the round's figures when the caller read them instead of
    every project; ``districts``: the round's district names when the command's project has
    no stream yet; ``target``: the event an annulment names; ``actor``: who gives the command
    (the four-eyes rule reads it); ``held_document``: what the content store holds for an
    attachment's hash (``HELD_UNKNOWN``: not read).
    """

    projects = {s: fold_project(s, as_of(h, moment)) for s, h in project_histories.items()}
    district = getattr(command, "district", None)
    project = None
    if district:  # every project command names one (a Line is never empty)
        stream = f"project:{command.round_id}:{slug(district)}"
        project = projects.get(stream)
        if project is None:
            # No events yet: _project refuses it, and _apply names its own stream.
            project = fold_project(stream, [])  # pragma: no mutate - the id is never read
    target_history: tuple[R, ...] = ()
    if target is not None:
        on_round = target.stream_id.startswith("round:")
        target_history = tuple(
            round_history if on_round else project_histories.get(target.stream_id, ())
        )
    return View(
        round=fold_round(as_of(round_history, moment)),
        day=day,
        project=project,
        projects=projects if command.round_wide and totals is None else {},
        totals=totals,
        districts=districts or tuple(sorted(p.district for p in projects.values() if p.district)),
        target=target,
        target_history=target_history,
        round_history=tuple(round_history) if target is not None else (),
        actor=actor,
        held_document=held_document,
    )


def judge_on(
    command: Command,
    round_history: Sequence[R],
    project_histories: Mapping[str, Sequence[R]],
    today: date,
    *,
    totals: RoundTotals | None = None,
    districts: tuple[str, ...] = (),
    target: R | None = None,
    actor: str | None = None,
    held_document: tuple[int, str] | object | None = HELD_UNKNOWN,
) -> tuple[Command, Decision]:
    """Judge ``command`` on the histories given ``today``: on the whole history as of today
    and, for a command that happened on an earlier day (its ``on``, its own date, a session's
    day), on the histories as of that day's end too. Returns the command as dated (an undated
    command that happened on another day gets that day as its ``on``) and the decision."""
    day = command_day(command, fold_round(round_history), today)
    if command.on is None and command.own_date() is None and day != today:
        command = command.model_copy(update={"on": day})

    def view(on: date, moment: datetime | None) -> View:
        return view_of(
            command,
            round_history,
            project_histories,
            on,
            moment,
            totals=totals,
            districts=districts,
            target=target,
            actor=actor,
            held_document=held_document,
        )

    then = view(day, end_of_day(day)) if day != today else None
    return command, judge(command, then, view(today, None))


def _attended_session(command: Command, rnd: RoundState | None) -> R | None:
    """The session an attendance or absence is recorded for (None for any other command)."""
    if (
        isinstance(command, RecordNetwork)
        and command.outcome in ("attended", "absent")
        and rnd is not None
    ):
        return rnd.sessions.get(command.session_id)
    return None


def judge(command: Command, then: View | None, now: View) -> Decision:
    """Decide on today's whole history and, for a back-dated command, on the history as of
    its own date: both must allow it. A command already on record is answered at once."""
    decision = decide(command, now)
    if decision.already is None and then is not None:
        decide(command, then)
    return decision


def decide(command: Command, view: View) -> Decision:
    """The one decision function for ``command``'s type, as :data:`policies.table.TABLE`
    names it."""
    from policies.table import entry_for  # noqa: PLC0415 - the table names these decisions

    try:
        entry = entry_for(command)
    except KeyError:
        raise TypeError(f"no decision for {type(command).__name__}") from None
    return entry.decide(command, view)


# -- round decisions ---------------------------------------------------------------------


def _open_round(cmd: OpenRound, view: View) -> Decision:
    if view.round is not None:
        _refuse(
            cmd,
            view,
            "round opens once",
            kind="invalid",
            reason=ROUND_ALREADY_OPEN(round=cmd.round_id),
        )
    version = cmd.policy_version or latest_version(cmd.policy) or 1
    policy = POLICIES.get((cmd.policy, version))
    if policy is None:
        _refuse(
            cmd,
            view,
            "known policies",
            kind="invalid",
            reason=UNKNOWN_POLICY(
                policy=f"{cmd.policy} v{version}",
                known=tuple(f"{n} (v{v})" for n, v in sorted(POLICIES)),
            ),
        )
    _no_future(cmd, view)
    terms = policy.round_terms(
        RoundTerms(
            budget_sek=cmd.budget_sek,
            supervision_pool_sek=cmd.supervision_pool_sek,
            supervision_cap_sek=cmd.supervision_cap_sek,
            period_start=cmd.period_start,
            period_end=cmd.period_end,
            application_deadline=cmd.application_deadline,
            deadlines=cmd.deadlines,
        )
    )
    if terms.budget_sek is None:
        _refuse(
            cmd,
            view,
            "a round's terms",
            kind="invalid",
            reason=NO_BUDGET(policy=f"{cmd.policy} v{version}"),
        )
    if terms.period_start is None or terms.period_end is None:
        _refuse(
            cmd,
            view,
            "a round's terms",
            kind="invalid",
            reason=NO_PERIOD(policy=f"{cmd.policy} v{version}"),
        )
    assert terms.budget_sek is not None
    assert terms.period_start is not None
    assert terms.period_end is not None
    problems = policy.check_terms(terms)
    if problems:
        _refuse(
            cmd,
            view,
            f"{cmd.policy} round rules",
            kind="invalid",
            reason=ROUND_RULES(problems=joined(*problems)),
        )
    pool = terms.supervision_pool_sek or 0
    cap = terms.supervision_cap_sek or 0
    if cap > pool:
        _refuse(
            cmd,
            view,
            "supervision cap within pool",
            kind="invalid",
            reason=CAP_OVER_POOL(cap=Kronor(cap), pool=Kronor(pool)),
        )
    event = _build(
        cmd,
        view,
        RoundOpened,
        round_id=cmd.round_id,
        title=cmd.title,
        budget_sek=terms.budget_sek,
        supervision_pool_sek=pool,
        supervision_cap_sek=cap,
        period_start=terms.period_start,
        period_end=terms.period_end,
        application_deadline=terms.application_deadline,
        policy_name=cmd.policy,
        policy_version=version,
        deadlines=tuple(
            RoundDeadline(code=c, due_on=d, description=t) for c, d, t in terms.deadlines
        ),
    )
    return _on_round(cmd, event)


def _set_deadline(cmd: SetDeadline, view: View) -> Decision:
    rnd = _round_open(cmd, view)
    old = rnd.deadlines.get(cmd.code)
    if old is None:
        event: Event = DeadlineSet(
            code=cmd.code,
            due_on=cmd.due_on,
            reason=cmd.reason,
            description=cmd.description,
        )
    elif old.due_on == cmd.due_on:
        _refuse(
            cmd,
            view,
            "a change changes something",
            kind="invalid",
            reason=DEADLINE_UNCHANGED(deadline=Named("deadline", cmd.code), due_on=cmd.due_on),
        )
    else:
        event = DeadlineChanged(
            code=cmd.code,
            previous_due_on=old.due_on,
            due_on=cmd.due_on,
            reason=cmd.reason,
        )
    return _round_event(cmd, view, event)


def _schedule_session(cmd: ScheduleSession, view: View) -> Decision:
    rnd = _round_open(cmd, view)
    if cmd.session_id in rnd.sessions:
        _refuse(
            cmd,
            view,
            "one session per id",
            kind="invalid",
            reason=SESSION_EXISTS(session=cmd.session_id, round=rnd.round_id),
        )
    held_on = stockholm_day(cmd.starts_at)
    if not rnd.period_start <= held_on <= rnd.period_end:
        _refuse(
            cmd,
            view,
            "sessions within the round's period",
            kind="invalid",
            reason=SESSION_OUTSIDE(
                day=held_on, round=rnd.round_id, first=rnd.period_start, last=rnd.period_end
            ),
        )
    event = NetworkSessionScheduled(
        session_id=cmd.session_id,
        title=cmd.title,
        starts_at=cmd.starts_at,
        mandatory=cmd.mandatory,
    )
    return _round_event(cmd, view, event)


def _set_ladder(cmd: SetLadder, view: View) -> Decision:
    _round_open(cmd, view)
    steps = tuple(_build(cmd, view, LadderStep, **rung.model_dump()) for rung in cmd.steps)
    event = _build(
        cmd, view, ReminderLadderSet, obligation=cmd.obligation, steps=steps, reason=cmd.reason
    )
    return _round_event(cmd, view, event)


def _close_round(cmd: CloseRound, view: View) -> Decision:
    _round_open(cmd, view)
    return _round_event(cmd, view, RoundClosed(reason=cmd.reason))


def allocation_from_applications(
    cmd: RecordAllocation, view: View
) -> tuple[AllocationResult, dict[str, ProjectState]]:
    """The round's rule applied to the recorded applications (checked against a restatement).

    Returns the allocation and the projects by district name. Pure: the CLI previews it
    before anything is recorded.
    """
    rnd = _round_open(cmd, view)
    applied = {
        p.district: p
        for p in sorted(
            (p for p in view.projects.values() if p.application is not None),
            key=lambda p: p.application.position,  # type: ignore[union-attr]
        )
        if p.withdrawn is None and p.district
    }
    if not applied:
        _refuse(
            cmd,
            view,
            "allocate between the recorded applications",
            reason=NO_APPLICATIONS(round=rnd.round_id),
        )
    order = list(applied)
    if cmd.restated is not None:
        by_slug = {slug(name): name for name in applied}
        seen: list[str] = []
        for line in cmd.restated:
            name = by_slug.get(slug(line.name))
            if name is None:
                _refuse(
                    cmd,
                    view,
                    "allocate between the recorded applications",
                    kind="not_found",
                    reason=NOT_APPLIED(district=line.name, round=rnd.round_id),
                )
            event: ApplicationSubmitted = applied[name].application.event  # type: ignore[union-attr]
            if (line.schools, line.applied_sek) != (event.school_count, event.applied_sek):
                _refuse(
                    cmd,
                    view,
                    "restate the recorded applications",
                    reason=RESTATED_WRONG(
                        district=line.name,
                        applied=Kronor(line.applied_sek),
                        schools=line.schools,
                        recorded=Kronor(event.applied_sek),
                        recorded_schools=event.school_count,
                    ),
                )
            seen.append(name)
        missing = [n for n in applied if n not in seen]
        if missing:
            _refuse(
                cmd,
                view,
                "restate the recorded applications",
                reason=LEFT_OUT(districts=tuple(missing)),
            )
        order = seen
    total = rnd.budget_sek if cmd.total_sek is None else cmd.total_sek
    if total > rnd.budget_sek:
        _refuse(
            cmd,
            view,
            "total awarded within the budget",
            reason=OVER_BUDGET(total=Kronor(total), budget=Kronor(rnd.budget_sek)),
        )
    requests = []
    for name in order:
        app: ApplicationSubmitted = applied[name].application.event  # type: ignore[union-attr]
        requests.append(DistrictRequest(name, app.school_count, app.applied_sek))
    try:
        result = allocate(total, requests, exclude=cmd.exclude, min_excess_sek=cmd.min_excess_sek)
    except AllocationInputError as exc:
        _refuse(
            cmd,
            view,
            "the allocation rule's inputs",
            kind="invalid",
            reason=RULE_INPUT(problem=str(exc)),
        )
    return result, applied


def _record_allocation(cmd: RecordAllocation, view: View) -> Decision:
    result, applied = allocation_from_applications(cmd, view)
    rnd = view.round
    assert rnd is not None
    standing = {n: p for n, p in applied.items() if p.awards}
    others = [p for p in view.projects.values() if p.awards and p.district not in applied]
    if (standing or others or rnd.allocation is not None) and not cmd.replace:
        _refuse(
            cmd,
            view,
            "one allocation per round",
            reason=AWARDS_STAND(round=rnd.round_id, districts=tuple(sorted(standing))),
        )
    if others:
        _refuse(
            cmd,
            view,
            "one allocation per round",
            reason=AWARDS_ELSEWHERE(districts=tuple(p.district or p.stream_id for p in others)),
        )
    decision = AllocationDecided(
        decided_by=cmd.decided_by,
        decided_on=cmd.decided_on,
        decision_ref=cmd.decision_ref,
        diary_number=cmd.diary_number,
        minutes_ref=cmd.minutes_ref,
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
        exclude=tuple(cmd.exclude),
        min_excess_sek=cmd.min_excess_sek,
    )
    round_events: list[Event] = []
    if rnd.allocation is not None:
        round_events.append(_annulment(rnd.allocation, f"replaced by {cmd.decision_ref}"))
    appends: list[tuple[str, tuple[Event, ...]]] = [
        (f"round:{rnd.round_id}", (*round_events, decision))
    ]
    for line in result.allocations:
        project = applied[line.name]
        paid = project.ledger.disbursed_grant_sek
        if paid > line.allocated_sek:
            _refuse(
                cmd,
                view,
                "paid within awarded",
                reason=PAID_OVER_NEW(
                    district=line.name, paid=Kronor(paid), allocated=Kronor(line.allocated_sek)
                ),
            )
        events: list[Event] = [
            _annulment(r, f"replaced by {cmd.decision_ref}") for r in project.awards
        ]
        events.append(
            GrantAwarded(
                amount_sek=line.allocated_sek,
                decision_ref=cmd.decision_ref,
                decided_on=cmd.decided_on,
            )
        )
        appends.append((project.stream_id, tuple(events)))
    return Decision(tuple(appends))


# -- project decisions -------------------------------------------------------------------


def _apply(cmd: Apply, view: View) -> Decision:
    rnd = _round_open(cmd, view)
    fields = dict(cmd.application)
    if fields.get("district") != cmd.district:
        _refuse(
            cmd,
            view,
            "one district per application",
            kind="invalid",
            reason=OTHER_DISTRICT(named=str(fields.get("district")), district=cmd.district),
        )
    key = slug(cmd.district)
    if not key:
        _refuse(
            cmd,
            view,
            "district names",
            kind="invalid",
            reason=NOT_A_DISTRICT(district=cmd.district),
        )
    event = _build(
        cmd, view, ApplicationSubmitted, **{**fields, "round_id": rnd.round_id, "project_id": key}
    )
    assert isinstance(event, ApplicationSubmitted)
    project = view.project
    assert project is not None  # the handlers give a new district an empty project
    if project.district and project.district != cmd.district:
        _refuse(
            cmd,
            view,
            "one project per district",
            kind="invalid",
            reason=SHARES_PROJECT(district=cmd.district, recorded=_district(project)),
        )
    status = project.application_status
    if status == "submitted":
        _refuse(
            cmd,
            view,
            "application lifecycle",
            kind="invalid",
            state=f"application {status}",
            reason=ALREADY_APPLIED(district=cmd.district, round=rnd.round_id),
        )
    _step(cmd, view, Machine.application, status, event)  # pragma: no mutate - see _step
    first = rnd.period_start - timedelta(days=APPLICATION_LEAD_DAYS)
    _within(cmd, view, rnd, first, rnd.period_end)
    problems = view.policy.check_application(rnd, event, cmd.on or view.day)
    if problems:
        _refuse(
            cmd,
            view,
            f"{rnd.policy_name} application rules",
            reason=APPLICATION_REFUSED(district=cmd.district, problems=joined(*problems)),
        )
    return Decision(((f"project:{rnd.round_id}:{key}", (event,)),))


def _withdraw(cmd: Withdraw, view: View) -> Decision:
    project = _project(cmd, view)
    event = ApplicationWithdrawn(reason=cmd.reason)
    # _project refused a withdrawn application: this step never refuses, whatever view it has.
    state = project.application_status
    _step(cmd, view, Machine.application, state, event)  # pragma: no mutate - never refuses
    return _on_project(project, event)


def _award(cmd: AwardGrant, view: View) -> Decision:
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    same = _same_on_record(project.awards, "decision_ref", cmd.decision_ref, cmd.amount_sek)
    if same is not None:
        return Decision(
            already=ALREADY_AWARDED(
                ref=cmd.decision_ref, amount=Kronor(cmd.amount_sek), district=_district(project)
            )
        )
    if cmd.amount_sek <= 0:
        _refuse(
            cmd,
            view,
            "awards are positive",
            kind="invalid",
            reason=AWARD_NOT_POSITIVE(),
        )
    application: ApplicationSubmitted = project.application.event  # type: ignore[union-attr]
    awarded_here = project.ledger.awarded_sek
    if awarded_here + cmd.amount_sek > application.applied_sek:
        _refuse(
            cmd,
            view,
            "award within applied",
            state=f"awarded {fmt_sek(awarded_here)}",
            reason=AWARD_OVER_APPLIED(
                amount=Kronor(cmd.amount_sek),
                district=_district(project),
                total=Kronor(awarded_here + cmd.amount_sek),
                applied=Kronor(application.applied_sek),
            ),
        )
    awarded = view.round_totals.awarded_sek
    if awarded + cmd.amount_sek > rnd.budget_sek:
        _refuse(
            cmd,
            view,
            "total awarded within the budget",
            state=f"round awarded {fmt_sek(awarded)}",
            reason=AWARD_OVER_BUDGET(
                amount=Kronor(cmd.amount_sek),
                total=Kronor(awarded + cmd.amount_sek),
                budget=Kronor(rnd.budget_sek),
            ),
        )
    return _on_project(
        project,
        GrantAwarded(
            amount_sek=cmd.amount_sek,
            decision_ref=cmd.decision_ref,
            decided_on=cmd.decided_on,
            decided_by=cmd.decided_by,
            diary_number=cmd.diary_number,
            minutes_ref=cmd.minutes_ref,
        ),
    )


def _submit_plan(cmd: SubmitPlan, view: View) -> Decision:
    project = _project(cmd, view)
    plan = project.plan(cmd.plan_id)
    status = plan.status if plan else "none"
    if status in ("submitted", "approved"):
        _refuse(
            cmd,
            view,
            "plan lifecycle",
            kind="invalid",
            state=f"plan {status}",
            reason=PLAN_ID_USED(plan=cmd.plan_id, status=Named("plan_status", status)),
        )
    event = PlanSubmitted(plan_id=cmd.plan_id, summary=cmd.summary)
    _step(cmd, view, Machine.plan, status, event)  # pragma: no mutate - see _step
    return _on_project(project, event)


def _decide_plan(cmd: DecidePlan, view: View) -> Decision:
    project = _project(cmd, view)
    plan = project.plan(cmd.plan_id)
    if plan is None:
        _refuse(
            cmd,
            view,
            "plan lifecycle",
            state="no such plan",
            reason=PLAN_NOT_SUBMITTED(
                district=_district(project),
                plan=cmd.plan_id,
                submitted=tuple(p.plan_id for p in project.plans),
            ),
        )
    if plan.status != "submitted":
        _refuse(
            cmd,
            view,
            "plan lifecycle",
            kind="invalid",
            state=f"plan {plan.status}",
            reason=PLAN_DECIDED(plan=cmd.plan_id, status=Named("plan_status", plan.status)),
        )
    submitted_on = local_date(plan.submitted)
    if cmd.meeting_on < submitted_on:
        _refuse(
            cmd,
            view,
            "decision not before submission",
            state="plan submitted",
            reason=MEETING_BEFORE_PLAN(
                meeting=cmd.meeting_on, plan=cmd.plan_id, submitted=submitted_on
            ),
        )
    event: Event
    if cmd.approve:
        event = PlanApproved(
            plan_id=cmd.plan_id,
            meeting_on=cmd.meeting_on,
            diary_number=cmd.diary_number,
            minutes_ref=cmd.minutes_ref,
        )
    else:
        if not cmd.reason:
            _refuse(
                cmd,
                view,
                "rejections give a reason",
                kind="invalid",
                reason=REJECT_NEEDS_REASON(),
            )
        event = PlanRejected(
            plan_id=cmd.plan_id,
            meeting_on=cmd.meeting_on,
            reason=cmd.reason,
            diary_number=cmd.diary_number,
            minutes_ref=cmd.minutes_ref,
        )
    _step(cmd, view, Machine.plan, plan.status, event)  # pragma: no mutate - see _step
    return _on_project(project, event)


def _record_network(cmd: RecordNetwork, view: View) -> Decision:
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    session = rnd.sessions.get(cmd.session_id)
    if session is None:
        _refuse(
            cmd,
            view,
            "sessions on the round's calendar",
            kind="not_found",
            reason=NO_SESSION(
                session=cmd.session_id,
                round=rnd.round_id,
                known=tuple(rnd.sessions),
            ),
        )
    record = project.network.get(cmd.session_id)
    status = record.status if record else "none"
    held_on = _session_day(session)
    event: Event
    if cmd.outcome in ("attended", "absent"):
        if (cmd.on or view.day) < held_on:
            _refuse(
                cmd,
                view,
                "attendance after the session",
                kind="invalid",
                reason=SESSION_LATER(session=cmd.session_id, day=held_on),
            )
        if cmd.outcome == "attended":
            event = NetworkAttendanceRecorded(
                session_id=cmd.session_id, participants=cmd.participants
            )
        else:
            event = NetworkAbsenceRecorded(
                session_id=cmd.session_id, excused=cmd.excused, reason=cmd.note
            )
    else:
        if status != "absent":
            _refuse(
                cmd,
                view,
                "network lifecycle",
                state=f"session {status}",
                reason=NO_ABSENCE(
                    district=_district(project),
                    session=cmd.session_id,
                    outcome=Named("network_outcome", cmd.outcome),
                ),
            )
        if not cmd.note:
            _refuse(
                cmd,
                view,
                "make-ups and exemptions say why",
                kind="invalid",
                reason=NEEDS_NOTE(outcome=Named("network_outcome", cmd.outcome)),
            )
        event = (
            NetworkMakeUpRecorded(session_id=cmd.session_id, how=cmd.note)
            if cmd.outcome == "make-up"
            else NetworkExemptionGranted(session_id=cmd.session_id, reason=cmd.note)
        )
    _step(cmd, view, Machine.network, status, event)
    return _on_project(project, event)


def _request_supervision(cmd: RequestSupervision, view: View) -> Decision:
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    if rnd.supervision_pool_sek == 0:
        _refuse(
            cmd,
            view,
            "supervision pool",
            reason=NO_POOL(round=rnd.round_id),
        )
    cap = view.policy.supervision_cap(rnd)
    requested = sum(r.event.amount_sek for r in project.supervision_requests)
    if requested + cmd.amount_sek > cap:
        _refuse(
            cmd,
            view,
            "supervision cap per project",
            state=f"requested {fmt_sek(requested)}",
            reason=REQUEST_OVER_CAP(
                district=_district(project), cap=Kronor(cap), requested=Kronor(requested)
            ),
        )
    return _on_project(
        project, SupervisionFundsRequested(amount_sek=cmd.amount_sek, description=cmd.description)
    )


def _grant_supervision(cmd: GrantSupervision, view: View) -> Decision:
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    same = _same_on_record(
        project.supervision_grants, "decision_ref", cmd.decision_ref, cmd.amount_sek
    )
    if same is not None:
        return Decision(
            already=ALREADY_GRANTED(
                ref=cmd.decision_ref, amount=Kronor(cmd.amount_sek), district=_district(project)
            )
        )
    if not project.supervision_requests:
        _refuse(
            cmd,
            view,
            "supervision on request",
            state="no request",
            reason=NOT_REQUESTED(district=_district(project)),
        )
    requested = sum(r.event.amount_sek for r in project.supervision_requests)
    granted_here = project.ledger.supervision_granted_sek
    if granted_here + cmd.amount_sek > requested:
        _refuse(
            cmd,
            view,
            "supervision within request",
            state=f"granted {fmt_sek(granted_here)}",
            reason=OVER_REQUEST(requested=Kronor(requested)),
        )
    cap = view.policy.supervision_cap(rnd)
    if granted_here + cmd.amount_sek > cap:
        _refuse(
            cmd,
            view,
            "supervision cap per project",
            state=f"granted {fmt_sek(granted_here)}",
            reason=GRANT_OVER_CAP(district=_district(project), cap=Kronor(cap)),
        )
    granted = view.round_totals.supervision_granted_sek
    if granted + cmd.amount_sek > rnd.supervision_pool_sek:
        _refuse(
            cmd,
            view,
            "supervision pool",
            state=f"pool granted {fmt_sek(granted)}",
            reason=POOL_LEFT(
                pool=Kronor(rnd.supervision_pool_sek),
                left=Kronor(rnd.supervision_pool_sek - granted),
            ),
        )
    return _on_project(
        project, SupervisionFundsGranted(amount_sek=cmd.amount_sek, decision_ref=cmd.decision_ref)
    )


def _disburse(cmd: Disburse, view: View) -> Decision:
    _round_open(cmd, view)
    project = _project(cmd, view)
    for paid in view.round_totals.payments.get(cmd.payment_reference, ()):
        same = (paid.stream_id, paid.amount_sek, paid.purpose) == (
            project.stream_id,
            cmd.amount_sek,
            cmd.purpose,
        )
        if same:
            return Decision(
                already=ALREADY_PAID(
                    ref=cmd.payment_reference,
                    amount=Kronor(cmd.amount_sek),
                    district=_district(project),
                )
            )
        _refuse(
            cmd,
            view,
            "payment reference unique in the round",
            kind="invalid",
            state=f"reference at position {paid.position}",
            reason=REFERENCE_USED(
                ref=cmd.payment_reference,
                amount=Kronor(paid.amount_sek),
                purpose=Named("purpose", paid.purpose),
                district=paid.district,
            ),
        )
    payable = view.policy.payable(view.round, project, end_of_day(view.day))  # type: ignore[arg-type]
    may = payable.for_purpose(cmd.purpose)
    if cmd.amount_sek > may:
        _refuse(
            cmd,
            view,
            f"payable {cmd.purpose}",
            state=f"payable {fmt_sek(may)}",
            reason=CANNOT_PAY(
                amount=Kronor(cmd.amount_sek),
                purpose=Named("purpose", cmd.purpose),
                district=_district(project),
                may=Kronor(may),
                why=payable.reason,
            ),
        )
    return _on_project(
        project,
        DisbursementMade(
            amount_sek=cmd.amount_sek, purpose=cmd.purpose, payment_reference=cmd.payment_reference
        ),
    )


def _submit_follow_up(cmd: SubmitFollowUp, view: View) -> Decision:
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    indicators = _build(cmd, view, FollowUpIndicators, **cmd.indicators)
    for where, reached, target in (
        (cmd.district, indicators.pupils_reached, indicators.target_group_size),
        *((s.school, s.pupils_reached, s.target_group_size) for s in indicators.schools),
    ):
        if reached > target:  # seed 001: reach is "i relation till målgruppens storlek"
            _refuse(
                cmd,
                view,
                "plausible counts",
                kind="invalid",
                reason=REACHED_ABOVE_TARGET(where=where, reached=reached, target=target),
            )
    start, end = cmd.period_start or rnd.period_start, cmd.period_end or rnd.period_end
    if end < start:
        _refuse(
            cmd,
            view,
            "periods in order",
            kind="invalid",
            reason=PERIOD_ORDER(end=end, start=start),
        )
    _report_taken(cmd, view, cmd.kind)
    event = FollowUpSubmitted(
        kind=cmd.kind,
        period_start=start,
        period_end=end,
        indicators=indicators,
        self_financing_plan=cmd.self_financing_plan,
    )
    return _on_project(project, event)


def _record_school_follow_up(cmd: RecordSchoolFollowUp, view: View) -> Decision:
    """A school's counts for a term of the round (policies.followup): counts that cannot be
    are refused, naming the first; a term outside the round's period or not yet begun is
    refused; the same counts again are "already recorded"."""
    rnd, project = _round_open(cmd, view), _project(cmd, view)
    first, last = term_span(cmd.term)
    if last < rnd.period_start or first > rnd.period_end:
        _refuse(
            cmd,
            view,
            "terms within the round",
            kind="invalid",
            reason=TERM_OUTSIDE(
                term=cmd.term, round=rnd.round_id, first=rnd.period_start, last=rnd.period_end
            ),
        )
    if first > view.day:
        _refuse(
            cmd,
            view,
            "terms that have begun",
            kind="invalid",
            reason=TERM_NOT_BEGUN(term=cmd.term, starts=first, day=view.day),
        )
    found = implausible(cmd)
    if found:
        _refuse(cmd, view, "plausible counts", kind="invalid", reason=next(iter(found.values())))
    counts = cmd.model_dump(exclude={"round_id", "on", "district"})
    event = SchoolFollowUpRecorded(**counts)
    earlier = project.school_follow_ups.get((cmd.school.casefold(), cmd.term))
    if earlier is not None and earlier.event == event:
        return Decision(already=ALREADY_SCHOOL_FOLLOW_UP(school=cmd.school, term=cmd.term))
    return _on_project(project, event)


def _submit_financial_report(cmd: SubmitFinancialReport, view: View) -> Decision:
    _round_open(cmd, view)
    project = _project(cmd, view)
    _report_taken(cmd, view, cmd.kind)
    if cmd.kind == "final":  # what is owed back is worked out from it (2018)
        _not_accepted_already(cmd, view, project, "final_financial_report")
        _within_what_was_paid(cmd, view, project, cmd.spent_sek, cmd.overspend_explanation)
    return _on_project(
        project,
        FinancialReportSubmitted(
            kind=cmd.kind,
            spent_sek=cmd.spent_sek,
            forecast_sek=cmd.forecast_sek,
            overspend_explanation=cmd.overspend_explanation,
        ),
    )


def _not_accepted_already(cmd: Command, view: View, project: ProjectState, code: str) -> None:
    """An accepted account of the money spent (the year-end account, the final financial
    report: what is owed back is worked out from them) takes no new submission
    (:func:`accepted_stands`)."""
    current = project.report(code)
    why = accepted_stands(current, _district(project))
    if why is not None:
        _refuse(
            cmd,
            view,
            "an accepted report stands",
            state="report accepted",
            reason=why,
        )


def _report_taken(cmd: Command, view: View, kind: str) -> None:
    """A report of a kind the round's rules ask for (no T2 in the 2014 pilot)."""
    rnd = view.round
    assert rnd is not None
    if not takes_report(view.policy.deadlines, kind):
        _refuse(cmd, view, NO_T2_RULE, kind="invalid", reason=NO_T2(round=rnd.round_id))


def _submit_year_end_account(cmd: SubmitYearEndAccount, view: View) -> Decision:
    _round_open(cmd, view)
    project = _project(cmd, view)
    paid = project.ledger.disbursed_supervision_sek
    if paid and cmd.supervision_spent_sek is None:
        _refuse(
            cmd,
            view,
            "supervision accounted apart",
            kind="invalid",
            reason=SUPERVISION_UNSAID(district=_district(project), paid=Kronor(paid)),
        )
    supervision = cmd.supervision_spent_sek
    if supervision is not None and supervision > paid:
        _refuse(
            cmd,
            view,
            "supervision accounted apart",
            kind="invalid",
            reason=SUPERVISION_OVER_PAID(spent=Kronor(supervision), paid=Kronor(paid)),
        )
    _not_accepted_already(cmd, view, project, "year_end_account")
    event = _build(
        cmd,
        view,
        YearEndAccountSubmitted,
        spent_sek=cmd.spent_sek,
        spent_outside_plan_sek=cmd.spent_outside_plan_sek,
        cost_description=cmd.cost_description,
        supervision_spent_sek=cmd.supervision_spent_sek,
        overspend_explanation=cmd.overspend_explanation,
    )
    spent = cmd.spent_sek + (cmd.supervision_spent_sek or 0)
    _within_what_was_paid(cmd, view, project, spent, cmd.overspend_explanation)
    return _on_project(project, event)


def _within_what_was_paid(
    cmd: Command, view: View, project: ProjectState, spent: int, explanation: str | None
) -> None:
    """An account of the money spent above what was paid plus the own contribution is
    refused unless it is explained (policies.plausibility, issue 21)."""
    application = project.application
    assert application is not None  # _project found the project by its standing application
    own = own_contribution_sek(application.event)
    paid = project.ledger.disbursed_sek
    why = overspend_refusal(spent_sek=spent, paid_sek=paid, own_sek=own, explanation=explanation)
    if why is not None:
        _refuse(
            cmd,
            view,
            "accounts within what was paid",
            kind="invalid",
            reason=why,
        )


def _attach_document(cmd: AttachDocument, view: View) -> Decision:
    project = _project(cmd, view)
    held = view.held_document
    if held is None:
        _refuse(
            cmd,
            view,
            "documents are stored before they are attached",
            kind="invalid",
            reason=DOCUMENT_NOT_STORED(sha256=cmd.sha256),
        )
    if isinstance(held, tuple) and held != (cmd.size_bytes, cmd.media_type):
        size, media_type = held
        _refuse(
            cmd,
            view,
            "documents are stored before they are attached",
            kind="invalid",
            reason=DOCUMENT_NOT_AS_STORED(
                sha256=cmd.sha256,
                size=cmd.size_bytes,
                media_type=cmd.media_type,
                stored_size=size,
                stored_type=media_type,
            ),
        )
    for r in attached(project):
        e = r.event
        if e.sha256 == cmd.sha256 and e.attached_to == cmd.attached_to:
            return Decision(
                already=ALREADY_ATTACHED(name=e.name, to=Named("attached_to", e.attached_to))
            )
    event = DocumentAttached(
        attached_to=cmd.attached_to,
        name=cmd.file_name,
        media_type=cmd.media_type,
        size_bytes=cmd.size_bytes,
        sha256=cmd.sha256,
    )
    return _on_project(project, event)


def _demand_repayment(cmd: DemandRepayment, view: View) -> Decision:
    project = _project(cmd, view)
    repeat = repeated_demand(project.repayment_demands, cmd.amount_sek, cmd.reason, cmd.due_on)
    if repeat is not None:
        return Decision(
            already=ALREADY_DEMANDED(
                amount=Kronor(cmd.amount_sek), district=_district(project), due_on=cmd.due_on
            )
        )
    repayment = view.policy.repayment(project)
    if cmd.amount_sek > repayment.undemanded_sek:
        _refuse(
            cmd,
            view,
            "demand within owed",
            state=f"owed {fmt_sek(repayment.owed_sek)}",
            reason=DEMAND_OVER_OWED(
                amount=Kronor(cmd.amount_sek),
                district=_district(project),
                undemanded=Kronor(repayment.undemanded_sek),
                why=repayment.reason,
            ),
        )
    if cmd.due_on < (cmd.on or view.day):
        _refuse(
            cmd,
            view,
            "due after demand",
            kind="invalid",
            reason=DUE_BEFORE_DEMAND(due_on=cmd.due_on),
        )
    event = RepaymentDemanded(amount_sek=cmd.amount_sek, reason=cmd.reason, due_on=cmd.due_on)
    status = project.repayment_status
    _step(cmd, view, Machine.repayment, status, event)  # pragma: no mutate - see _step
    return _on_project(project, event)


def _settle_repayment(cmd: SettleRepayment, view: View) -> Decision:
    project = _project(cmd, view)
    kind = RepaymentWaived if cmd.waive else RepaymentReceived
    settled = tuple(r for r in project.repayment_settlements if isinstance(r.event, kind))
    attribute = "decision_ref" if cmd.waive else "payment_reference"
    same = _same_on_record(settled, attribute, cmd.reference, cmd.amount_sek)
    if same is not None:
        return Decision(
            already=(ALREADY_WAIVED if cmd.waive else ALREADY_REPAID)(
                ref=cmd.reference, amount=Kronor(cmd.amount_sek), district=_district(project)
            )
        )
    ledger = project.ledger
    outstanding = ledger.repayment_outstanding_sek
    if cmd.amount_sek > outstanding:
        _refuse(
            cmd,
            view,
            "settle within demanded",
            state=f"outstanding {fmt_sek(outstanding)}",
            reason=SETTLE_OVER(
                amount=Kronor(cmd.amount_sek),
                outstanding=Kronor(outstanding),
                district=_district(project),
            ),
        )
    event: Event
    if cmd.waive:
        if not cmd.reason:
            _refuse(
                cmd,
                view,
                "waivers give a reason",
                kind="invalid",
                reason=WAIVER_NEEDS_REASON(),
            )
        event = RepaymentWaived(
            amount_sek=cmd.amount_sek, reason=cmd.reason, decision_ref=cmd.reference
        )
    else:
        event = RepaymentReceived(amount_sek=cmd.amount_sek, payment_reference=cmd.reference)
    status = project.repayment_status
    _step(cmd, view, Machine.repayment, status, event)  # pragma: no mutate - see _step
    return _on_project(project, event)


# -- annulments --------------------------------------------------------------------------


def _set_payment_plan(cmd: SetPaymentPlan, view: View) -> Decision:
    rnd = _round_open(cmd, view)
    known = view.policy.release_codes(rnd)
    for item in cmd.instalments:
        unknown = [code for code in item.releases_on if code not in known]
        if unknown:
            _refuse(
                cmd,
                view,
                "release conditions the round knows",
                kind="invalid",
                reason=NOT_RELEASE_CODE(
                    code=Named("release", unknown[0]),
                    round=rnd.round_id,
                    known=tuple(Named("release", k) for k in known),
                ),
            )
    instalments = tuple(_build(cmd, view, Instalment, **i.model_dump()) for i in cmd.instalments)
    event = _build(cmd, view, PaymentPlanSet, instalments=instalments, reason=cmd.reason)
    if cmd.district is None:
        current = rnd.payment_plan
        if current is not None and current.event == event:
            return Decision(already=ALREADY_ROUND_PLAN(round=rnd.round_id))
        return _round_event(cmd, view, event)
    project = view.project
    if project is None or project.application is None:
        _refuse(
            cmd,
            view,
            "known districts",
            kind="not_found",
            reason=unknown_district(cmd.district, rnd.round_id, view.districts),
        )
    if project.district and cmd.district.casefold() != project.district.casefold():
        _refuse(
            cmd,
            view,
            "one project per district",
            kind="not_found",
            reason=NOT_ON_RECORD(district=cmd.district, recorded=_district(project)),
        )
    if project.payment_plan is not None and project.payment_plan.event == event:
        return Decision(already=ALREADY_PLAN(district=_district(project)))
    return _on_project(project, event)


def _review_report(cmd: ReviewReport, view: View) -> Decision:
    project = _project(cmd, view)
    if cmd.report not in REPORTS:
        _refuse(
            cmd,
            view,
            "known reports",
            kind="invalid",
            reason=NOT_A_REPORT(
                report=cmd.report, known=tuple(Named("report", r) for r in REPORTS)
            ),
        )
    review = project.report(cmd.report)
    if review.submission is None:
        _refuse(
            cmd,
            view,
            "review what is submitted",
            state="not submitted",
            reason=NOTHING_TO_REVIEW(
                district=_district(project), report=Named("report", cmd.report)
            ),
        )
    if review.status != "submitted":
        same = (review.status == "accepted") == cmd.accept
        if same:
            assert review.reason is not None
            return Decision(
                already=ALREADY_REVIEWED(
                    report=Named("report", review.code),
                    district=_district(project),
                    review=review.reason,
                )
            )
        _refuse(
            cmd,
            view,
            "a submission is reviewed once",
            state=f"report {review.status}",
            reason=REVIEWED_ONCE(
                report=Named("report", cmd.report),
                district=_district(project),
                review=review.reason or REVIEW_NONE(),
            ),
        )
    submitted_on = local_date(review.submission)
    if (cmd.on or view.day) < submitted_on:
        _refuse(
            cmd,
            view,
            "review not before submission",
            kind="invalid",
            reason=REVIEW_BEFORE(report=Named("report", cmd.report), submitted=submitted_on),
        )
    event: Event
    if cmd.accept:
        event = ReportAccepted(
            report=cmd.report, submission_id=review.submission.event_id, note=cmd.reason
        )
    else:
        if not cmd.reason:
            _refuse(
                cmd,
                view,
                "returns give a reason",
                kind="invalid",
                reason=RETURN_NEEDS_REASON(),
            )
        event = ReportReturned(
            report=cmd.report, submission_id=review.submission.event_id, reason=cmd.reason
        )
    return _on_project(project, event)


def _annul(cmd: Annul, view: View) -> Decision:
    target, history = view.target, view.target_history
    if cmd.on is not None and cmd.on != view.day:
        _refuse(
            cmd,
            view,
            "annulments are dated today",
            kind="invalid",
            reason=ANNUL_TODAY(day=cmd.on or view.day),
        )
    if target is None:
        _refuse(
            cmd,
            view,
            "annul what is on record",
            kind="not_found",
            reason=NOTHING_TO_ANNUL(
                round=cmd.round_id,
                entry=str(cmd.position) if cmd.position is not None else str(cmd.event_id),
            ),
        )
    if isinstance(target.event, EventAnnulled | RoundOpened | PaymentAnnulmentRequested):
        _refuse(
            cmd,
            view,
            "annullable events",
            kind="invalid",
            reason=NOT_ANNULLABLE(event=Named("event", target.event_type)),
        )
    _, annulments = effective(history)
    if target.event_key in annulments:
        _refuse(
            cmd,
            view,
            "annul once",
            kind="invalid",
            state="annulled",
            reason=ALREADY_ANNULLED(),
        )
    rest = [r for r in effective(history)[0] if r.event_key != target.event_key]
    try:
        replay_strictly(rest, target.stream_id)
    except IllegalTransition as exc:
        _refuse(
            cmd,
            view,
            "lifecycle stays legal",
            state=f"{exc.machine} {exc.state}",
            reason=LEAVES_ORPHAN(
                event=Named("event", target.event_type), orphan=Named("event", exc.event_type)
            ),
        )
    rnd = view.round
    assert rnd is not None
    reason = cmd.reason
    if isinstance(target.event, DisbursementMade):
        return _annul_payment(cmd, view, target)
    if target.stream_id.startswith("round:"):
        if isinstance(target.event, AllocationDecided):
            decision = _annul_allocation(cmd, view, target)
            _not_relied_on(cmd, view, target)
            return decision
        _not_relied_on(cmd, view, target)
        return Decision(((target.stream_id, (_annulment(target, reason),)),))
    if isinstance(target.event, GrantAwarded) and _from_allocation(rnd, target):
        _refuse(
            cmd,
            view,
            "allocation and awards annulled together",
            reason=PART_OF_ALLOCATION(ref=target.event.decision_ref),
        )
    after = fold_project(target.stream_id, [*rest])
    _money_still_adds_up(cmd, view, after, target)
    _payments_still_allowed(cmd, view, rest, target)
    _not_relied_on(cmd, view, target)
    return Decision(((target.stream_id, (_annulment(target, reason),)),))


def _whole_round(view: View) -> list[R]:
    """Every event of the round an annulment sees: its stream and every project's."""
    found = {r.event_key: r for r in view.round_history}
    for r in view.target_history:
        found.setdefault(r.event_key, r)
    for project in view.projects.values():
        for r in project.history:
            found.setdefault(r.event_key, r)
    return list(found.values())


def _not_relied_on(cmd: Annul, view: View, target: R) -> None:
    """No annulment of what a standing payment, repayment or review relied on."""
    why = relied_on(target, _whole_round(view))
    if why is not None:
        _refuse(
            cmd,
            view,
            "no annulment of what money relied on",
            state=f"relied on by position {why['position']}",
            reason=why,
        )


def _annul_payment(cmd: Annul, view: View, target: R) -> Decision:
    """A payment is annulled only when its money never left, and by a second person."""
    _not_relied_on(cmd, view, target)
    outcome = payment_annulment(
        target,
        view.target_history,
        view.actor,
        money_never_left=cmd.money_never_left,
        reason=cmd.reason,
    )
    if isinstance(outcome, Reason):
        if outcome.code == ANNUL_PAYMENT_AWAITS_SECOND.code:
            return Decision(already=outcome)
        if outcome.code == "annul.payment_money_left":
            _refuse(
                cmd,
                view,
                "money that left is repaid, not annulled",
                kind="invalid",
                reason=outcome,
            )
        _refuse(
            cmd,
            view,
            "four eyes on a payment's annulment",
            kind="not_authorised",
            reason=outcome,
        )
    return Decision(((target.stream_id, (outcome,)),))


def _annul_allocation(cmd: Annul, view: View, target: R) -> Decision:
    decision: AllocationDecided = target.event
    appends: list[tuple[str, tuple[Event, ...]]] = [
        (target.stream_id, (_annulment(target, cmd.reason),))
    ]
    for project in view.projects.values():
        awards = [r for r in project.awards if r.event.decision_ref == decision.decision_ref]
        if not awards:
            continue
        keys = {r.event_key for r in awards}
        after = fold_project(
            project.stream_id, [r for r in project.history if r.event_key not in keys]
        )
        _money_still_adds_up(cmd, view, after, target)
        appends.append((project.stream_id, tuple(_annulment(r, cmd.reason) for r in awards)))
    return Decision(tuple(appends))


def _money_still_adds_up(cmd: Annul, view: View, after: ProjectState, target: R) -> None:
    """An annulment may not leave money paid that nothing on record allows."""
    ledger = after.ledger
    said: list[Reason] = []
    if ledger.disbursed_grant_sek > ledger.awarded_sek:
        said.append(
            PAID_OVER_AWARD(
                paid=Kronor(ledger.disbursed_grant_sek), awarded=Kronor(ledger.awarded_sek)
            )
        )
    if ledger.disbursed_supervision_sek > ledger.supervision_granted_sek:
        said.append(
            SUPERVISION_PAID_OVER(
                paid=Kronor(ledger.disbursed_supervision_sek),
                granted=Kronor(ledger.supervision_granted_sek),
            )
        )
    requested = sum(r.event.amount_sek for r in after.supervision_requests)
    if ledger.supervision_granted_sek > requested:
        said.append(
            SUPERVISION_GRANTED_OVER(
                granted=Kronor(ledger.supervision_granted_sek), requested=Kronor(requested)
            )
        )
    settled = ledger.repayment_received_sek + ledger.repayment_waived_sek
    if settled > ledger.repayment_demanded_sek:
        said.append(
            SETTLED_OVER_DEMANDED(
                settled=Kronor(settled), demanded=Kronor(ledger.repayment_demanded_sek)
            )
        )
    if after.application is None and (ledger.awarded_sek or ledger.disbursed_sek):
        said.append(MONEY_WITHOUT_APPLICATION())
    if said:
        _refuse(
            cmd,
            view,
            "money stays consistent after an annulment",
            state=f"project {after.project_id}",
            reason=MONEY_INCONSISTENT(
                event=Named("event", target.event_type), problems=joined(*said)
            ),
        )


def _payments_still_allowed(cmd: Annul, view: View, rest: list[R], target: R) -> None:
    """Every payment left standing must still have been allowed on its day: annulling the
    plan approval (or the exemption) a payment was made under is refused."""
    policy = view.policy
    for r in rest:
        if not isinstance(r.event, DisbursementMade):
            continue
        moment = end_of_day(local_date(r))
        rnd = fold_round(as_of(view.round_history, moment)) if view.round_history else view.round
        before = [x for x in rest if x.occurred_at <= moment and x.position < r.position]
        state = fold_project(target.stream_id, before)
        if rnd is None or state.application is None:
            continue
        purpose = r.event.purpose
        blocking = [
            c.code
            for c in policy.conditions(rnd, state, moment)
            if c.blocking and c.blocks in ("grant", purpose)
        ]
        if blocking:
            _refuse(
                cmd,
                view,
                "payments stay allowed after an annulment",
                state=f"payment at position {r.position}",
                reason=PAYMENT_WOULD_BLOCK(
                    ref=r.event.payment_reference,
                    amount=Kronor(r.event.amount_sek),
                    on=local_date(r),
                    event=Named("event", target.event_type),
                    conditions=tuple(Named("condition", c) for c in blocking),
                ),
            )
        if purpose == "grant" and policy.payment_plan(rnd, state) is not None:
            may = policy.payable(rnd, state, moment).grant_sek
            if r.event.amount_sek > may:
                _refuse(
                    cmd,
                    view,
                    "payments stay allowed after an annulment",
                    state=f"payment at position {r.position}",
                    reason=PAYMENT_WOULD_EXCEED(
                        ref=r.event.payment_reference,
                        amount=Kronor(r.event.amount_sek),
                        on=local_date(r),
                        event=Named("event", target.event_type),
                        may=Kronor(may),
                    ),
                )


def _from_allocation(rnd: RoundState, award: R) -> bool:
    if rnd.allocation is None:
        return False
    decision: AllocationDecided = rnd.allocation.event
    return bool(award.event.decision_ref == decision.decision_ref)


def _annulment(target: R, reason: str) -> EventAnnulled:
    return EventAnnulled(annulled_event_id=target.event_id, reason=reason)


# -- shared rules ------------------------------------------------------------------------


def _round_open(cmd: Command, view: View) -> RoundState:
    """The round exists, is open (or the command is taken after closing), and the command's
    day falls within it and is not in the future."""
    rnd = view.round
    if rnd is None:
        _refuse(
            cmd,
            view,
            "known rounds",
            kind="not_found",
            reason=NO_ROUND(round=cmd.round_id),
        )
    _no_future(cmd, view)
    if rnd.status == "closed" and not cmd.after_close:
        _refuse(
            cmd,
            view,
            "round lifecycle",
            state="round closed",
            reason=ROUND_IS_CLOSED(round=rnd.round_id),
        )
    if isinstance(cmd, ProjectCommand) and not isinstance(cmd, Apply):
        tail = timedelta(days=cmd.tail_days or 0)
        _within(cmd, view, rnd, min(rnd.opened_on, rnd.period_start), rnd.period_end + tail)
    return rnd


def _project(cmd: ProjectCommand, view: View) -> ProjectState:
    """The district's project, with a standing application."""
    rnd = view.round
    if rnd is None:
        _refuse(
            cmd,
            view,
            "known rounds",
            kind="not_found",
            reason=NO_ROUND(round=cmd.round_id),
        )
    project = view.project
    if project is None or project.application is None:
        _refuse(
            cmd,
            view,
            "known districts",
            kind="not_found",
            reason=unknown_district(cmd.district, rnd.round_id, view.districts),
        )
    if project.district and cmd.district.casefold() != project.district.casefold():
        # The project was found by the name's slug, which forgets accents: "Fårsta" finds
        # Farsta's project. Another district's name never acts on it.
        _refuse(
            cmd,
            view,
            "one project per district",
            kind="not_found",
            reason=NOT_ON_RECORD(district=cmd.district, recorded=_district(project)),
        )
    accounting = (
        DemandRepayment
        | SettleRepayment
        | SubmitYearEndAccount
        | SubmitFinancialReport
        | ReviewReport
    )
    if project.withdrawn is not None and not isinstance(cmd, accounting):
        _refuse(
            cmd,
            view,
            "application lifecycle",
            state="application withdrawn",
            reason=WITHDRAWN(district=_district(project)),
        )
    _round_open(cmd, view)
    return project


def _within(cmd: Command, view: View, rnd: RoundState, first: date, last: date) -> None:
    day = cmd.own_date() or view.day
    if not first <= day <= last:
        _refuse(
            cmd,
            view,
            "dates within the round",
            kind="invalid",
            reason=OUTSIDE_ROUND(day=day, round=rnd.round_id, first=first, last=last),
        )


def _no_future(cmd: Command, view: View) -> None:
    own = cmd.own_date()
    if own is not None and own > view.day:
        _refuse(
            cmd,
            view,
            "no future dates",
            kind="invalid",
            reason=IN_FUTURE(day=own),
        )


def _step(cmd: Command, view: View, machine: Machine, state: str, event: Event) -> None:
    """The last guard of a lifecycle step: a step the table lacks is refused. Every caller
    refuses the steps it knows to be wrong first, with its own reason, so this never refuses
    there; the calls carry ``# pragma: no mutate`` for that reason."""
    if step(machine, state, type(event)) is None:
        _refuse(
            cmd,
            view,
            f"{machine} lifecycle",
            kind="invalid",
            state=f"{machine} {state}",
            reason=ILLEGAL_STEP(
                machine=Named("machine", str(machine)),
                state=Named("state", state),
                event=Named("event", type(event).__name__),
            ),
        )


M = TypeVar("M", bound=BaseModel)


def _build(cmd: Command, view: View, model: type[M], /, **fields: Any) -> M:
    """A model from the command's input; a validation error is a one-line refusal."""
    try:
        return model(**fields)
    except ValidationError as exc:
        _refuse(
            cmd,
            view,
            "well-formed input",
            kind="invalid",
            reason=_bad_input(exc),
        )


def _bad_input(exc: ValidationError) -> Reason:
    """The first field a validation error names, and what is wrong with it, as data."""
    return bad_fields([dict(e) for e in exc.errors()])


def bad_fields(errors: list[dict[str, Any]], skip: int = 0) -> Reason:
    """The first of pydantic's ``errors`` as data: the field (its ``loc`` less the first
    ``skip`` parts), what is wrong (its ``type``), and how many more fields are wrong."""
    first = errors[0]
    field = ".".join(str(p) for p in tuple(first.get("loc", ()))[skip:]) or "-"
    if first.get("type") in ("value_error", "assertion_error"):
        # A rule of our own model (its message says which): said as before, in its words.
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return BAD_INPUT(problem=f"{field}: {first.get('msg', '')}{more}")
    problem = Named("validation", str(first.get("type", "")))
    if len(errors) == 1:
        return BAD_FIELD(field=field, problem=problem)
    return BAD_FIELDS(field=field, problem=problem, more=len(errors) - 1)


def _refuse(
    cmd: Command,
    view: View,
    rule: str,
    *,
    reason: Reason,
    kind: str = "condition",
    state: str | None = None,
) -> NoReturn:
    raise Refusal(
        command=cmd.name,
        project=_where(cmd),
        state=state or _describe(view),
        rule=rule,
        kind=kind,
        day=view.day,
        reason=reason,
    )


def _describe(view: View) -> str:
    if view.project is not None and view.project.application is not None:
        p = view.project
        plan = p.latest_plan
        return (
            f"application {p.application_status}, plan {plan.status if plan else 'none'}, "
            f"awarded {fmt_sek(p.ledger.awarded_sek)}, paid "
            f"{fmt_sek(p.ledger.disbursed_sek)}"
        )
    if view.round is not None:
        return f"round {view.round.status}"
    return "no round"


def _district(project: ProjectState) -> str:
    """The district's name as its application gives it: every project a decision names has
    one (it was found by its standing application, or its name was compared)."""
    assert project.district is not None
    return project.district


def _where(cmd: Command) -> str:
    district = _district_of(cmd)
    return f"{cmd.round_id}:{slug(district)}" if district else cmd.round_id


def _district_of(cmd: Command) -> str | None:
    if isinstance(cmd, ProjectCommand):
        return cmd.district
    if isinstance(cmd, Annul | SetPaymentPlan):
        return cmd.district
    return None


def _session_day(session: R) -> date:
    event: NetworkSessionScheduled = session.event
    return stockholm_day(event.starts_at)


def _same_on_record(records: Sequence[R], attribute: str, reference: str, amount: int) -> R | None:
    """The record among ``records`` with this reference and amount: the same decision or
    payment submitted again (a retried form), which is answered "already recorded"."""
    for r in records:
        if (getattr(r.event, attribute), r.event.amount_sek) == (reference, amount):
            return r
    return None


def _on_project(project: ProjectState, event: Event) -> Decision:
    return Decision(((project.stream_id, (event,)),))


def _on_round(cmd: Command, event: Event) -> Decision:
    return Decision(((f"round:{cmd.round_id}", (event,)),))


def _round_event(cmd: Command, view: View, event: Event) -> Decision:
    assert view.round is not None
    # _round_open has refused a closed round; a failure here is a bug, and it fails loudly.
    assert step(Machine.round, view.round.status, type(event)) is not None
    return _on_round(cmd, event)


def _set_contact(cmd: SetContact, view: View) -> Decision:
    _round_open(cmd, view)
    project = _project(cmd, view)
    school = _school(cmd, view, project, cmd.school)
    if cmd.school_kind is not None and school is None:
        _refuse(
            cmd,
            view,
            "school kinds",
            kind="invalid",
            reason=KIND_NEEDS_SCHOOL(),
        )
    events: list[Event] = []
    if contact_book(project.history).project_or_school(school).get(cmd.role) != cmd.email:
        events.append(ContactSet(role=cmd.role, email=cmd.email, school=school))
    kind = cmd.school_kind
    if school is not None and kind and contact_book(project.history).kinds.get(school) != kind:
        events.append(SchoolKindSet(school=school, kind=kind))
    if not events:
        return Decision(already=ALREADY_CONTACT())
    return Decision(((project.stream_id, tuple(events)),))


def _remove_contact(cmd: RemoveContact, view: View) -> Decision:
    _round_open(cmd, view)
    project = _project(cmd, view)
    school = _school(cmd, view, project, cmd.school)
    if cmd.role not in contact_book(project.history).project_or_school(school):
        _refuse(
            cmd,
            view,
            "known contacts",
            kind="not_found",
            reason=NO_CONTACT(district=_district(project), role=Named("contact_role", cmd.role)),
        )
    return _on_project(project, ContactRemoved(role=cmd.role, school=school))


def _school(cmd: Command, view: View, project: ProjectState, school: str | None) -> str | None:
    """The school as the application names it (any case), or as given if it names none."""
    assert project.application is not None  # found by _project: it has applied
    app: ApplicationSubmitted = project.application.event
    if school is None or not app.schools:
        return school
    for named in app.schools:
        if named.casefold() == school.casefold():
            return named
    _refuse(
        cmd,
        view,
        "known schools",
        kind="not_found",
        reason=NO_SCHOOL(district=_district(project), school=str(school), known=tuple(app.schools)),
    )


def some_names(names: Sequence[str], most: int = 12) -> str:
    """``a, b, c`` — or the first ``most`` and how many more, for a round of thousands."""
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most]) + f" and {len(names) - most} more"
