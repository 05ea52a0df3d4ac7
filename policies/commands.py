"""Commands: what a person asks the engine to record. Frozen data; the decisions judge them.

Each command says once who may give it (``roles``) and in what words (``verb``); the
decision functions in :mod:`policies.decisions` say whether it may be recorded now.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from events.application import Email
from events.base import Code, Kronor, PositiveKronor, Text
from events.contacts import ContactRoleName, SchoolKind
from events.documents import AttachedTo
from events.followup import SchoolCounts
from policies.reason import Reason

#: Bidirectional overrides and isolates: printable-looking, but they reorder what a reader
#: sees (a name that reads as another).
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


#: Layout characters that free text may hold (a line break, a tab); a one-line value none.
_LAYOUT = frozenset("\n\t")


def _printable(value: str, layout: frozenset[str], hint: str) -> str:
    """``value`` if it holds no control character but those of ``layout``; else a
    ValueError that ends with ``hint`` (what else the value must be)."""
    for character in value:
        if character in layout:
            continue
        if unicodedata.category(character) == "Cc" or character in _BIDI:
            raise ValueError(
                f"contains the control character {character!a}: use printable characters only{hint}"
            )
    return value


def _one_line(value: str) -> str:
    return _printable(value, frozenset(), ", on one line")


def _free_text(value: str) -> str:
    return _printable(value, _LAYOUT, "")


#: A name or a reference a person types: printable, one line, at most 200 characters.
Line = Annotated[Text, Field(max_length=200), AfterValidator(_one_line)]
#: A reason or a description: printable (line breaks and tabs allowed), at most 4000.
FreeText = Annotated[Text, AfterValidator(_free_text)]

__all__ = [
    "MAX_POSITION",
    "Annul",
    "Apply",
    "AttachDocument",
    "AwardGrant",
    "CloseRound",
    "Command",
    "DecidePlan",
    "DemandRepayment",
    "Disburse",
    "GrantSupervision",
    "InstalmentInput",
    "LadderRung",
    "OpenRound",
    "ProjectCommand",
    "RecordAllocation",
    "RecordNetwork",
    "RecordSchoolFollowUp",
    "RemoveContact",
    "RequestSupervision",
    "RestatedApplication",
    "ReviewReport",
    "ScheduleSession",
    "SetContact",
    "SetDeadline",
    "SetLadder",
    "SetPaymentPlan",
    "SettleRepayment",
    "SubmitFinancialReport",
    "SubmitFollowUp",
    "SubmitPlan",
    "SubmitYearEndAccount",
    "Withdraw",
]

#: The largest position a command may name: the store's positions are 64-bit integers on
#: every backend, so a larger one is an input error, not a query that overflows.
MAX_POSITION = 2**63 - 1

COORDINATOR = ("coordinator",)
DISTRICT_OR_COORDINATOR = ("district", "coordinator")
STEERING_GROUP = ("steering_group",)


class Command(BaseModel):
    """A request to record something in a round. ``on``: when it happened (default today)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    #: The roles that may give this command.
    roles: ClassVar[tuple[str, ...]] = COORDINATOR
    #: What the command does, in words for "the district role may not ...".
    verb: ClassVar[str] = "do this"
    #: Whether the decision reads the other projects of the round (budget, pool, references).
    round_wide: ClassVar[bool] = False
    #: Whether the command is taken after the round has closed (accounting and repayment).
    after_close: ClassVar[bool] = False
    #: How long after the round's period the command is still taken: None, only within it.
    tail_days: ClassVar[int | None] = None

    round_id: Code
    on: date | None = None

    def field_problems(self) -> dict[str, Reason]:
        """Fields whose values cannot be, with why (a form says each beside its field before
        anything is decided); the decision refuses the same."""
        return {}

    @property
    def name(self) -> str:
        """The command's name as people type it: ``disburse``, ``plan decision``..."""
        from policies.table import entry_for  # noqa: PLC0415 - the table imports this module

        try:
            return entry_for(self).name
        except KeyError:  # a command the table does not list (a test's own)
            return type(self).__name__

    def own_date(self) -> date | None:
        """The date the command carries for itself (a decision date, a meeting), if any."""
        return self.on


class ProjectCommand(Command):
    """A command about one district's project in a round."""

    district: Line


# -- round commands ----------------------------------------------------------------------


class OpenRound(Command):
    verb: ClassVar[str] = "open a round"

    title: Line
    #: None: the policy's (its documents' number), where it has one.
    budget_sek: Kronor | None = None
    #: None: the policy's pool (2014: the 200 000 kr of R&D money), else none.
    supervision_pool_sek: Kronor | None = None
    supervision_cap_sek: Kronor | None = None
    period_start: date | None = None
    period_end: date | None = None
    application_deadline: date | None = None
    policy: Code
    #: None: the policy's newest version.
    policy_version: Annotated[int, Field(ge=1, le=1000)] | None = None
    deadlines: tuple[tuple[Code, date, FreeText | None], ...] = ()


class SetDeadline(Command):
    verb: ClassVar[str] = "set deadlines"

    code: Code
    due_on: date
    reason: FreeText
    description: FreeText | None = None


class ScheduleSession(Command):
    verb: ClassVar[str] = "schedule network sessions"

    session_id: Code
    title: Line
    starts_at: AwareDatetime
    mandatory: bool = True


class LadderRung(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Code
    offset_working_days: int
    recipient_role: str


class SetLadder(Command):
    verb: ClassVar[str] = "set reminder ladders"

    steps: tuple[LadderRung, ...]
    reason: FreeText
    obligation: Code | None = None


class CloseRound(Command):
    verb: ClassVar[str] = "close a round"

    reason: FreeText


class RestatedApplication(BaseModel):
    """A line of an allocation input file: it may only restate a recorded application."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Line
    schools: Annotated[int, Field(ge=1, le=1000)]
    applied_sek: Kronor


class RecordAllocation(Command):
    """Share the round's money by its rule between the recorded applications, and award it."""

    verb: ClassVar[str] = "record allocation decisions"
    round_wide: ClassVar[bool] = True

    decided_by: Line = "Socialnämnden"
    decided_on: date
    decision_ref: Line
    #: The decision's diary number (diarienummer) and minutes' reference (protokoll, §).
    diary_number: Line | None = None
    minutes_ref: Line | None = None
    #: What to share; None: the round's budget.
    total_sek: Kronor | None = None
    #: Districts left out of the remainder's share (seed 000: Älvsjö).
    exclude: tuple[Line, ...] = ()
    min_excess_sek: Kronor = 0
    #: An input file's districts: each must match a recorded application exactly.
    restated: tuple[RestatedApplication, ...] | None = None
    #: Replace the awards already on record (they are annulled in the same transaction).
    replace: bool = False

    def own_date(self) -> date | None:
        return self.decided_on


# -- project commands --------------------------------------------------------------------


class Apply(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "apply"

    #: The application form's fields, as ApplicationSubmitted takes them.
    application: dict[str, Any]


class Withdraw(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "withdraw the application"

    reason: FreeText


class AwardGrant(ProjectCommand):
    verb: ClassVar[str] = "award grants"
    round_wide: ClassVar[bool] = True

    amount_sek: Kronor
    decision_ref: Line
    decided_on: date
    #: The body that decided, the diary number (diarienummer), the minutes' reference.
    decided_by: Line | None = None
    diary_number: Line | None = None
    minutes_ref: Line | None = None

    def own_date(self) -> date | None:
        return self.decided_on


class SubmitPlan(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "submit plans"

    plan_id: Code
    summary: FreeText


class DecidePlan(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = STEERING_GROUP
    verb: ClassVar[str] = "decide on plans"

    plan_id: Code
    approve: bool
    meeting_on: date
    reason: FreeText | None = None
    #: The decision's diary number (diarienummer) and minutes' reference (protokoll, §).
    diary_number: Line | None = None
    minutes_ref: Line | None = None

    def own_date(self) -> date | None:
        return self.meeting_on


class RecordNetwork(ProjectCommand):
    verb: ClassVar[str] = "record network participation"

    session_id: Code
    outcome: Literal["attended", "absent", "make-up", "exemption"]
    excused: bool = False
    note: FreeText | None = None
    participants: Annotated[int, Field(ge=1, le=1000)] = 1


class RequestSupervision(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "request supervision money"

    amount_sek: PositiveKronor
    description: FreeText


class GrantSupervision(ProjectCommand):
    verb: ClassVar[str] = "grant supervision money"
    round_wide: ClassVar[bool] = True

    amount_sek: PositiveKronor
    decision_ref: Line


class Disburse(ProjectCommand):
    verb: ClassVar[str] = "record payments"
    round_wide: ClassVar[bool] = True

    amount_sek: PositiveKronor
    payment_reference: Line
    purpose: Literal["grant", "supervision"] = "grant"


class SubmitFollowUp(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "submit follow-ups"
    tail_days: ClassVar[int | None] = 400

    kind: Literal["t2", "annual"]
    indicators: dict[str, Any]
    period_start: date | None = None
    period_end: date | None = None
    self_financing_plan: FreeText | None = None


class RecordSchoolFollowUp(SchoolCounts, ProjectCommand):
    """One school's counts for one term (seed 001, seed 004): aggregates, never a pupil."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "record school follow-ups"
    tail_days: ClassVar[int | None] = 400

    #: A school's name as a person types it: printable, one line.
    school: Line

    def field_problems(self) -> dict[str, Reason]:
        from policies.followup import problems  # noqa: PLC0415 - followup reads the events only

        return problems(self)


class SubmitFinancialReport(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "submit financial reports"
    tail_days: ClassVar[int | None] = 400

    kind: Literal["t2", "final"]
    spent_sek: Kronor
    forecast_sek: Kronor
    #: Required when a final report states more spent than paid plus own contribution.
    overspend_explanation: FreeText | None = None


class SubmitYearEndAccount(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "submit year-end accounts"
    tail_days: ClassVar[int | None] = 400

    spent_sek: Kronor
    cost_description: FreeText
    spent_outside_plan_sek: Kronor = 0
    supervision_spent_sek: Kronor | None = None
    #: Required when more was spent than paid plus own contribution (policies.plausibility).
    overspend_explanation: FreeText | None = None


class AttachDocument(ProjectCommand):
    """A file handed in with the project's application, plan, report or account; its content
    is already kept under its SHA-256 (the handlers' caller stores it first)."""

    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "attach documents"
    tail_days: ClassVar[int | None] = 400
    after_close: ClassVar[bool] = True

    attached_to: AttachedTo
    file_name: Line
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]{1,100}$")]
    size_bytes: Annotated[int, Field(gt=0, le=10**10)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DemandRepayment(ProjectCommand):
    verb: ClassVar[str] = "demand repayments"
    tail_days: ClassVar[int | None] = 400
    after_close: ClassVar[bool] = True

    amount_sek: PositiveKronor
    reason: FreeText
    due_on: date


class SettleRepayment(ProjectCommand):
    verb: ClassVar[str] = "settle repayments"
    tail_days: ClassVar[int | None] = 400
    after_close: ClassVar[bool] = True

    amount_sek: PositiveKronor
    waive: bool
    reference: Line
    reason: FreeText | None = None


class Annul(Command):
    """Annul an earlier event of a round or a project, by its id or its position."""

    verb: ClassVar[str] = "annul events"
    round_wide: ClassVar[bool] = True
    after_close: ClassVar[bool] = True

    district: Line | None = None
    event_id: UUID | None = None
    position: Annotated[int, Field(ge=1, le=MAX_POSITION)] | None = None
    reason: FreeText
    #: For a payment: the one annulling states that the money never left the city (the entry
    #: was a mistake). Money that left is corrected by a repayment, never by an annulment.
    money_never_left: bool = False


# -- payment plans and review -----------------------------------------------------------


class InstalmentInput(BaseModel):
    """One instalment as typed: a percent or whole kronor, and the codes that release it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: Annotated[int, Field(ge=1, le=100)] | None = None
    amount_sek: PositiveKronor | None = None
    releases_on: tuple[Code, ...] = ()


class SetPaymentPlan(Command):
    """Pay the round's awards (or, with ``district``, one project's award) in instalments."""

    verb: ClassVar[str] = "set payment plans"

    district: Line | None = None
    instalments: tuple[InstalmentInput, ...]
    reason: FreeText | None = None


class ReviewReport(ProjectCommand):
    """Accept a submitted report, or return it with a reason."""

    verb: ClassVar[str] = "review reports"
    tail_days: ClassVar[int | None] = 400

    report: Code
    accept: bool
    reason: FreeText | None = None


class SetContact(ProjectCommand):
    """Name the mailbox for a role in a project (or at one of its schools): seed 004."""

    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "set contacts"
    tail_days: ClassVar[int | None] = 400
    after_close: ClassVar[bool] = True

    role: ContactRoleName
    email: Email
    school: Line | None = None
    #: With ``school``: whether it is municipal or a free school.
    school_kind: SchoolKind | None = None


class RemoveContact(ProjectCommand):
    roles: ClassVar[tuple[str, ...]] = DISTRICT_OR_COORDINATOR
    verb: ClassVar[str] = "remove contacts"
    tail_days: ClassVar[int | None] = 400
    after_close: ClassVar[bool] = True

    role: ContactRoleName
    school: Line | None = None


def __getattr__(name: str) -> tuple[type[Command], ...]:
    """``COMMANDS`` (kept for older callers): every command type, in the order of
    :data:`policies.table.COMMANDS` (the one place commands are listed)."""
    if name == "COMMANDS":
        from policies.table import TABLE  # noqa: PLC0415 - the table imports this module

        return tuple(e.model for e in TABLE)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
