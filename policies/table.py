"""The command table: every command the engine takes, declared once.

One :class:`CommandEntry` per command: its pydantic model (which also says, once, the roles
that may give it and whether it is round-wide), its name as people type it (the CLI's
``ppss disburse``, the web form's and the API's path), its decision function, the event
types it may record, and its label and help (message ids of the catalogue, said in Swedish
by default). Everything else is derived from this table: the decision :func:`decide` runs,
the API's ``POST /api/v1/commands/...`` routes, the generated web forms, the import's
"which command records this event" and the words. A new command is a row here (and its
event, decision and fold: see "Adding a command" in the README).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    ContactRemoved,
    ContactSet,
    DeadlineChanged,
    DeadlineSet,
    DisbursementMade,
    DocumentAttached,
    Event,
    EventAnnulled,
    FinancialReportSubmitted,
    FollowUpSubmitted,
    GrantAwarded,
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
    ReminderLadderSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    ReportAccepted,
    ReportReturned,
    RoundClosed,
    RoundOpened,
    SchoolFollowUpRecorded,
    SchoolKindSet,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies import decisions as d
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

__all__ = [
    "COMMANDS",
    "TABLE",
    "CommandEntry",
    "entry_for",
    "entry_named",
    "recorded_by",
]


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Mark a message id for the catalogue; said in a language by the machinery."""
    return message


Decider = Callable[[Any, "d.View"], "d.Decision"]


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """One command: its model, its name as typed, its decision, what it records, its words."""

    #: The command's pydantic model; its ``roles`` and ``round_wide`` are declared there.
    model: type[Command]
    #: As people type it: ``ppss disburse``, ``ppss plan decision``.
    name: str
    #: The pure decision: (command, View) -> Decision, or a Refusal.
    decide: Decider
    #: The event types it may record (an allocation records its awards too).
    produces: tuple[type[Event], ...]
    #: Catalogue message ids: a short label (a form's heading, a button) and one line of help.
    label: str
    help: str
    #: The hand-made page where a journey needs one (else the generated form serves it).
    page: str | None = None
    #: The CLI commands that give it, when not just ``ppss NAME`` (one per outcome).
    cli: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return self.model.roles

    @property
    def round_wide(self) -> bool:
        return self.model.round_wide

    @property
    def cli_commands(self) -> tuple[str, ...]:
        """The CLI commands that give it: ``plan approve`` and ``plan reject``, or the name."""
        return self.cli or (self.name,)

    @property
    def path(self) -> str:
        """``OpenRound`` -> ``open-round``: the API's and the generated form's path."""
        return re.sub(r"(?<!^)(?=[A-Z])", "-", self.model.__name__).lower()

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(e.event_type for e in self.produces)


#: The table's short name for an entry. (It was a function that only passed its arguments
#: on; it ran at import, where no test of the table could tell it apart from a broken one.)
_e = CommandEntry


#: Every command, in the order a round lives.
TABLE: tuple[CommandEntry, ...] = (
    # -- the round ----------------------------------------------------------------------------
    _e(OpenRound, "round open", d._open_round, (RoundOpened,),
       N_("Open a round"),
       N_("Open a grant round: its title, budget, period and rules."),
       page="/new-round"),
    _e(SetDeadline, "round deadline", d._set_deadline, (DeadlineSet, DeadlineChanged),
       N_("Set a deadline"),
       N_("Set or move one of the round's deadlines, with the reason for it.")),
    _e(ScheduleSession, "network schedule", d._schedule_session, (NetworkSessionScheduled,),
       N_("Schedule a network session"),
       N_("Schedule a network meeting or training that the projects take part in.")),
    _e(SetLadder, "round ladder", d._set_ladder, (ReminderLadderSet,),
       N_("Set a reminder ladder"),
       N_("Say when reminders of a deadline go out, and to whom.")),
    _e(CloseRound, "round close", d._close_round, (RoundClosed,),
       N_("Close the round"),
       N_("Close the round once its loose ends are settled.")),
    _e(RecordAllocation, "allocate --record", d._record_allocation,
       (AllocationDecided, GrantAwarded, EventAnnulled),
       N_("Record the allocation"),
       N_("Share the round's money between the applications by its rule, and award it."),
       page="/rounds/{round_id}/allocation"),
    # -- a project ----------------------------------------------------------------------------
    _e(Apply, "apply", d._apply, (ApplicationSubmitted,),
       N_("Apply"),
       N_("Hand in a district's application for the round."),
       page="/rounds/{round_id}/apply"),
    _e(Withdraw, "withdraw", d._withdraw, (ApplicationWithdrawn,),
       N_("Withdraw the application"),
       N_("Withdraw a district's application, with the reason.")),
    _e(AwardGrant, "award", d._award, (GrantAwarded,),
       N_("Award a grant"),
       N_("Award one project a grant outside an allocation decision.")),
    _e(SubmitPlan, "plan submit", d._submit_plan, (PlanSubmitted,),
       N_("Submit a work plan"),
       N_("Hand in the project's work plan for the steering group.")),
    _e(DecidePlan, "plan decision", d._decide_plan, (PlanApproved, PlanRejected),
       N_("Decide on a work plan"),
       N_("The steering group approves a work plan, or rejects it with a reason."),
       cli=("plan approve", "plan reject")),
    _e(RecordNetwork, "network record", d._record_network,
       (NetworkAttendanceRecorded, NetworkAbsenceRecorded, NetworkMakeUpRecorded,
        NetworkExemptionGranted),
       N_("Record network participation"),
       N_("Record attendance, absence, a make-up or an exemption for a network session.")),
    _e(RequestSupervision, "supervision request", d._request_supervision,
       (SupervisionFundsRequested,),
       N_("Request supervision money"),
       N_("The district asks for money for supervision, saying what it is for.")),
    _e(GrantSupervision, "supervision grant", d._grant_supervision, (SupervisionFundsGranted,),
       N_("Grant supervision money"),
       N_("Grant supervision money from the round's pool, within the request and the cap.")),
    _e(Disburse, "disburse", d._disburse, (DisbursementMade,),
       N_("Record a payment"),
       N_("Record a payment of the grant or of supervision money, with its reference.")),
    _e(SubmitFollowUp, "report follow-up", d._submit_follow_up, (FollowUpSubmitted,),
       N_("Submit a follow-up"),
       N_("Hand in a follow-up report with its indicators.")),
    _e(RecordSchoolFollowUp, "report school", d._record_school_follow_up,
       (SchoolFollowUpRecorded,),
       N_("Record a school's follow-up"),
       N_("Record one school's counts for a term, by gender: aggregates, never a pupil.")),
    _e(SubmitFinancialReport, "report financial", d._submit_financial_report,
       (FinancialReportSubmitted,),
       N_("Submit a financial report"),
       N_("Hand in what was spent so far and what is forecast.")),
    _e(SubmitYearEndAccount, "report year-end", d._submit_year_end_account,
       (YearEndAccountSubmitted,),
       N_("Submit the year-end account"),
       N_("Hand in the year-end account: what was spent and on what.")),
    _e(ReviewReport, "report review", d._review_report, (ReportAccepted, ReportReturned),
       N_("Review a report"),
       N_("Accept a handed-in report, or return it with a reason."),
       cli=("report accept", "report return")),
    _e(AttachDocument, "document attach", d._attach_document, (DocumentAttached,),
       N_("Attach a document"),
       N_("Attach a file to the project's application, plan, report or account.")),
    _e(SetPaymentPlan, "payment-plan set", d._set_payment_plan, (PaymentPlanSet,),
       N_("Set a payment plan"),
       N_("Pay the awards in instalments, each released by what it names.")),
    _e(DemandRepayment, "repayment demand", d._demand_repayment, (RepaymentDemanded,),
       N_("Demand a repayment"),
       N_("Demand money back from a project, with the reason and the day it is due.")),
    _e(SettleRepayment, "repayment settle", d._settle_repayment,
       (RepaymentReceived, RepaymentWaived),
       N_("Settle a repayment"),
       N_("Record a repayment received, or waive it with a reason."),
       cli=("repayment receive", "repayment waive")),
    _e(SetContact, "contact set", d._set_contact, (ContactSet, SchoolKindSet),
       N_("Set a contact"),
       N_("Name the mailbox for a role in the project or at one of its schools.")),
    _e(RemoveContact, "contact remove", d._remove_contact, (ContactRemoved,),
       N_("Remove a contact"),
       N_("Remove the mailbox named for a role.")),
    _e(Annul, "annul", d._annul, (EventAnnulled, PaymentAnnulmentRequested),
       N_("Annul an entry"),
       N_("Annul an earlier entry, with the reason: it stays in the history, struck out.")),
)  # fmt: skip


#: Every command type, in the table's order (the handlers, the access matrix, the API).
COMMANDS: tuple[type[Command], ...] = tuple(e.model for e in TABLE)


@cache
def _by_model() -> dict[type[Command], CommandEntry]:
    return {e.model: e for e in TABLE}


def entry_for(command: Command | type[Command]) -> CommandEntry:
    """The table's entry for a command (or its type)."""
    kind = command if isinstance(command, type) else type(command)
    return _by_model()[kind]


def entry_named(path: str) -> CommandEntry | None:
    """The entry whose path is ``path`` (``open-round``), or None."""
    return next((e for e in TABLE if e.path == path), None)


@cache
def recorded_by() -> dict[str, CommandEntry]:
    """Event type -> the entry of the command that records it, for the import's replay.

    An event several commands may record (a grant: an award or an allocation; an annulment:
    an annulment or a replaced allocation) maps to the command that records it alone."""
    found: dict[str, CommandEntry] = {}
    for entry in TABLE:
        for event in entry.produces:
            if event.event_type in found:
                continue
            if entry.model is RecordAllocation and event is not AllocationDecided:
                continue  # its awards and annulments are checked with the allocation
            found[event.event_type] = entry
    return found
