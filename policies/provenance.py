"""Could the engine have recorded this? An imported history replayed through the decisions.

A hash chain proves only that a file is self-consistent: anyone can write rows and hash
them. An import is therefore replayed event by event: each recorded event is mapped back to
the command that records it, and that command is authorised (the role in the event's
metadata, a district only for its own project) and decided by the very decision functions
of :mod:`policies.decisions`, on the history recorded before it, as of the day the event
happened. The decision must allow it and produce exactly the recorded event. A few events
have no single command (an allocation's awards, annulments, reminders): they are checked
against what must hold for them (the allocation's lines, the annulled event, the project).

Pure: the caller feeds the events in position order (:meth:`Replay.check`, then
:meth:`Replay.add`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    Event,
    EventAnnulled,
    GrantAwarded,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkMakeUpRecorded,
    Recorded,
    ReminderAbandoned,
    ReminderFailed,
    ReminderSent,
    RoleGranted,
    RoleRevoked,
    RoundOpened,
    SchoolKindSet,
)
from events.streams import EVENT_STREAMS, stream_kind, stream_round
from policies.base import fmt_sek
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
    InstalmentInput,
    LadderRung,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
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
from policies.decisions import OPERATIONS, Refusal, View, authorise, decide, view_of
from policies.grants import MANAGER, decide_grant, decide_revoke, fold_grants
from policies.state import (
    ProjectState,
    effective,
    end_of_day,
    fold_project,
    fold_round,
    stockholm_day,
)
from policies.table import recorded_by

__all__ = ["RECORDED_BY", "Replay", "roles_recording"]

R = Recorded[Any]

#: Events no single command records, and the roles that record them.
RECORDED_BY: dict[str, tuple[str, ...]] = {
    "AllocationDecided": RecordAllocation.roles,
    "EventAnnulled": Annul.roles,
    "PaymentAnnulmentRequested": Annul.roles,
    "ReminderSent": OPERATIONS["dispatch reminders"],
    "ReminderFailed": OPERATIONS["dispatch reminders"],
    "ReminderAbandoned": OPERATIONS["dispatch reminders"],
    # a school's kind comes with a contact set for that school
    "SchoolKindSet": SetContact.roles,
    "RoleGranted": (MANAGER,),
    "RoleRevoked": (MANAGER,),
}


def roles_recording(event_type: str) -> tuple[str, ...]:
    """The roles that may record ``event_type`` (through its command, or its operation)."""
    if event_type in RECORDED_BY:
        return RECORDED_BY[event_type]
    return recorded_by()[event_type].roles


class _Unrecordable(Exception):
    """The event is not one the engine could have recorded here; the message says why."""


@dataclass(slots=True)
class Replay:
    """The history replayed so far, by stream; ask :meth:`check` before each :meth:`add`."""

    streams: dict[str, list[R]] = field(default_factory=dict)
    #: Folded projects, by stream (dropped when the stream grows).
    _projects: dict[str, ProjectState] = field(default_factory=dict)
    #: Round id -> its project streams, in the order they began.
    _round_projects: dict[str, list[str]] = field(default_factory=dict)
    #: Stream -> the latest occurred_at among its events (is a cut view needed?).
    _latest: dict[str, datetime] = field(default_factory=dict)
    checked: int = 0

    def check(self, recorded: R) -> str | None:
        """Why the engine could not have recorded ``recorded`` after the history so far, in
        one line; None if it could."""
        try:
            self._check(recorded)
        except _Unrecordable as exc:
            return str(exc)
        except Refusal as refusal:
            return f"the engine would have refused it: {refusal.message} (rule: {refusal.rule})"
        self.checked += 1
        return None

    def add(self, recorded: R) -> None:
        stream = recorded.stream_id
        history = self.streams.setdefault(stream, [])
        if not history and stream_kind(stream) == "project":
            self._round_projects.setdefault(stream_round(stream), []).append(stream)
        history.append(recorded)
        self._projects.pop(stream, None)
        latest = self._latest.get(stream)
        if latest is None or recorded.occurred_at > latest:
            self._latest[stream] = recorded.occurred_at

    # -- the checks ----------------------------------------------------------------------

    def _check(self, r: R) -> None:
        kind = stream_kind(r.stream_id)
        allowed = EVENT_STREAMS.get(r.event_type, frozenset())
        if kind is None or kind not in allowed:
            where = " or ".join(sorted(allowed)) or "no"
            raise _Unrecordable(
                f"a {r.event_type} is recorded on a {where} stream, not on {r.stream_id}"
            )
        meta = r.metadata
        roles = roles_recording(r.event_type)
        if meta.role not in roles:
            raise _Unrecordable(
                f"its metadata says the {meta.role} role recorded a {r.event_type}, which "
                f"only {', '.join(roles)} may record"
            )
        if meta.role == "district" and meta.district != r.stream_id.split(":")[-1]:
            acting = meta.district or "no district"
            raise _Unrecordable(
                f"a district role acting for {acting} recorded it on {r.stream_id}: a "
                "district acts for its own project only"
            )
        if r.event_type in RECORDED_BY:
            self._check_without_command(r)
            return
        if isinstance(r.event, GrantAwarded) and self._allocated(r):
            return
        command = self._command(r)
        view = self._view(r, command)
        authorise(command, meta.role, meta.district)
        decision = decide(command, view)
        if decision.already is not None:
            raise _Unrecordable(f"the engine records it once only: {decision.already}")
        self._same(r, decision.appends[0] if decision.appends else None)
        cut = self._cut_view(r, command, view)
        if cut is not None:
            decide(command, cut)

    def _same(self, r: R, first: tuple[str, tuple[Event, ...]] | None) -> None:
        if first is None or first[0] != r.stream_id or first[1][0] != r.event:
            raise _Unrecordable(
                f"the engine would not record this {r.event_type} on {r.stream_id} for the "
                "command it answers (a field differs from what the rules give)"
            )

    def _check_without_command(self, r: R) -> None:
        if stream_kind(r.stream_id) == "access":
            self._check_access(r)
            return
        rid = stream_round(r.stream_id)
        rnd = fold_round(self.streams.get(f"round:{rid}", []))
        if rnd is None:
            raise _Unrecordable(f"round {rid} was not opened before it")
        event = r.event
        if isinstance(event, EventAnnulled):
            history = self.streams.get(r.stream_id, [])
            target = next((h for h in history if h.event_id == event.annulled_event_id), None)
            if target is None:
                raise _Unrecordable(
                    f"it annuls event {event.annulled_event_id}, which is not on {r.stream_id}"
                )
            if isinstance(target.event, EventAnnulled | RoundOpened):
                raise _Unrecordable(f"a {target.event_type} cannot be annulled")
            if target.event_key in effective(history)[1]:
                raise _Unrecordable(f"event {target.event_key} is already annulled")
            return
        if isinstance(event, AllocationDecided):
            self._check_allocation(r, event)
            return
        project = self._project(r.stream_id)
        if project.application is None:
            raise _Unrecordable(f"{r.stream_id} has no application for a {r.event_type}")

    def _check_access(self, r: R) -> None:
        """A role grant or revocation, decided as the engine decides it."""
        grants = fold_grants(self.streams.get("access", []))
        event = r.event
        if isinstance(event, RoleGranted):
            if decide_grant(grants, r.metadata.role, event) is None:
                raise _Unrecordable(f"{event.email} holds that role already")
        elif isinstance(event, RoleRevoked):
            decide_revoke(grants, r.metadata.role, event)

    def _check_allocation(self, r: R, event: AllocationDecided) -> None:
        rid = stream_round(r.stream_id)
        rnd = fold_round(self.streams.get(r.stream_id, []))
        assert rnd is not None
        if event.total_sek > rnd.budget_sek:
            raise _Unrecordable(
                f"the allocation shares {fmt_sek(event.total_sek)}, over the round's budget "
                f"of {fmt_sek(rnd.budget_sek)}"
            )
        applied = {
            p.district: p.application.event
            for p in self._round(rid).values()
            if p.application is not None and p.withdrawn is None and p.district
        }
        for line in event.lines:
            application = applied.get(line.district)
            if application is None:
                raise _Unrecordable(f"the allocation names {line.district}, which has not applied")
            if (line.schools, line.applied_sek) != (
                application.school_count,
                application.applied_sek,
            ):
                raise _Unrecordable(
                    f"the allocation's line for {line.district} does not restate its application"
                )
            if line.allocated_sek > line.applied_sek:
                raise _Unrecordable(
                    f"the allocation gives {line.district} {fmt_sek(line.allocated_sek)}, more "
                    f"than the {fmt_sek(line.applied_sek)} it applied for"
                )
        if rnd.status == "closed":
            raise _Unrecordable(f"round {rid} is closed")

    # -- commands and views ----------------------------------------------------------------

    def _command(self, r: R) -> Command:
        rid = stream_round(r.stream_id)
        district = ""
        if stream_kind(r.stream_id) == "project":
            if isinstance(r.event, ApplicationSubmitted):
                district = r.event.district
            else:
                district = self._project(r.stream_id).district or r.stream_id.split(":")[-1]
        build = _COMMAND_BUILDERS[r.event_type]
        try:
            return build(r.event, rid, district)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _Unrecordable(
                f"no command records this {r.event_type} ({where}: {first['msg']})"
            ) from None

    def _allocated(self, r: R) -> bool:
        """Whether ``r`` is an award an allocation decision records with it (then checked
        here: the decision's line for the district, recorded once)."""
        award: GrantAwarded = r.event
        rid = stream_round(r.stream_id)
        rnd = fold_round(self.streams.get(f"round:{rid}", []))
        if rnd is None or rnd.allocation is None:
            return False
        decision: AllocationDecided = rnd.allocation.event
        if award.decision_ref != decision.decision_ref:
            return False
        project = self._project(r.stream_id)
        line = next((x for x in decision.lines if x.district == project.district), None)
        if line is None or (award.amount_sek, award.decided_on) != (
            line.allocated_sek,
            decision.decided_on,
        ):
            raise _Unrecordable(
                f"the award under allocation {decision.decision_ref} is not its line for "
                f"{project.district or r.stream_id}"
            )
        if any(a.event.decision_ref == decision.decision_ref for a in project.awards):
            raise _Unrecordable(
                f"{project.district} already has its award under {decision.decision_ref}"
            )
        return True

    def _view(self, r: R, command: Command) -> View:
        rid = stream_round(r.stream_id)
        round_history = self.streams.get(f"round:{rid}", [])
        day = stockholm_day(r.occurred_at)
        project = None
        if stream_kind(r.stream_id) == "project":
            project = self._project(r.stream_id)
        projects = self._round(rid) if command.round_wide else {}
        return View(
            round=fold_round(round_history),
            day=day,
            project=project,
            projects=projects,
            districts=tuple(sorted(p.district for p in projects.values() if p.district)),
        )

    def _cut_view(self, r: R, command: Command, view: View) -> View | None:
        """The history as of the event's own day, if anything recorded before it happened
        later (a back-dated command is judged on both, as the engine judges it)."""
        moment = end_of_day(view.day)
        rid = stream_round(r.stream_id)
        wanted = [f"round:{rid}"]
        if command.round_wide:
            wanted += self._round_projects.get(rid, [])
        elif stream_kind(r.stream_id) == "project":
            wanted.append(r.stream_id)
        if all(self._latest.get(s, moment) <= moment for s in wanted):
            return None

        return view_of(
            command,
            self.streams.get(f"round:{rid}", []),
            {s: self.streams.get(s, []) for s in wanted[1:]},
            view.day,
            moment,
            districts=view.districts,
        )

    def _project(self, stream: str) -> ProjectState:
        found = self._projects.get(stream)
        if found is None:
            found = self._projects[stream] = fold_project(stream, self.streams.get(stream, []))
        return found

    def _round(self, rid: str) -> dict[str, ProjectState]:
        return {s: self._project(s) for s in self._round_projects.get(rid, [])}


# -- events back to the commands that record them -------------------------------------------

Builder = Callable[[Any, str, str], Command]


def _network(e: Any, rid: str, district: str) -> Command:
    if isinstance(e, NetworkAttendanceRecorded):
        return RecordNetwork(round_id=rid, district=district, session_id=e.session_id,
                             outcome="attended", participants=e.participants)  # fmt: skip
    if isinstance(e, NetworkAbsenceRecorded):
        return RecordNetwork(round_id=rid, district=district, session_id=e.session_id,
                             outcome="absent", excused=e.excused, note=e.reason)  # fmt: skip
    if isinstance(e, NetworkMakeUpRecorded):
        return RecordNetwork(round_id=rid, district=district, session_id=e.session_id,
                             outcome="make-up", note=e.how)  # fmt: skip
    return RecordNetwork(round_id=rid, district=district, session_id=e.session_id,
                         outcome="exemption", note=e.reason)  # fmt: skip


_COMMAND_BUILDERS: dict[str, Builder] = {
    "RoundOpened": lambda e, rid, _: OpenRound(
        round_id=rid,
        title=e.title,
        budget_sek=e.budget_sek,
        supervision_pool_sek=e.supervision_pool_sek,
        supervision_cap_sek=e.supervision_cap_sek,
        period_start=e.period_start,
        period_end=e.period_end,
        application_deadline=e.application_deadline,
        policy=e.policy_name,
        policy_version=e.policy_version,
        deadlines=tuple((d.code, d.due_on, d.description) for d in e.deadlines),
    ),
    "DeadlineSet": lambda e, rid, _: SetDeadline(
        round_id=rid, code=e.code, due_on=e.due_on, reason=e.reason, description=e.description
    ),
    "DeadlineChanged": lambda e, rid, _: SetDeadline(
        round_id=rid, code=e.code, due_on=e.due_on, reason=e.reason
    ),
    "NetworkSessionScheduled": lambda e, rid, _: ScheduleSession(
        round_id=rid,
        session_id=e.session_id,
        title=e.title,
        starts_at=e.starts_at,
        mandatory=e.mandatory,
    ),
    "ReminderLadderSet": lambda e, rid, _: SetLadder(
        round_id=rid,
        steps=tuple(LadderRung(**s.model_dump()) for s in e.steps),
        reason=e.reason,
        obligation=e.obligation,
    ),
    "RoundClosed": lambda e, rid, _: CloseRound(round_id=rid, reason=e.reason),
    "ApplicationSubmitted": lambda e, rid, d: Apply(
        round_id=rid,
        district=d,
        application=e.model_dump(exclude={"round_id", "project_id"}, exclude_defaults=True),
    ),
    "ApplicationWithdrawn": lambda e, rid, d: Withdraw(round_id=rid, district=d, reason=e.reason),
    "GrantAwarded": lambda e, rid, d: AwardGrant(
        round_id=rid,
        district=d,
        amount_sek=e.amount_sek,
        decision_ref=e.decision_ref,
        decided_on=e.decided_on,
    ),
    "PlanSubmitted": lambda e, rid, d: SubmitPlan(
        round_id=rid, district=d, plan_id=e.plan_id, summary=e.summary
    ),
    "PlanApproved": lambda e, rid, d: DecidePlan(
        round_id=rid, district=d, plan_id=e.plan_id, approve=True, meeting_on=e.meeting_on
    ),
    "PlanRejected": lambda e, rid, d: DecidePlan(
        round_id=rid,
        district=d,
        plan_id=e.plan_id,
        approve=False,
        meeting_on=e.meeting_on,
        reason=e.reason,
    ),
    "NetworkAttendanceRecorded": _network,
    "NetworkAbsenceRecorded": _network,
    "NetworkMakeUpRecorded": _network,
    "NetworkExemptionGranted": _network,
    "SupervisionFundsRequested": lambda e, rid, d: RequestSupervision(
        round_id=rid, district=d, amount_sek=e.amount_sek, description=e.description
    ),
    "SupervisionFundsGranted": lambda e, rid, d: GrantSupervision(
        round_id=rid, district=d, amount_sek=e.amount_sek, decision_ref=e.decision_ref
    ),
    "DisbursementMade": lambda e, rid, d: Disburse(
        round_id=rid,
        district=d,
        amount_sek=e.amount_sek,
        payment_reference=e.payment_reference,
        purpose=e.purpose,
    ),
    "FollowUpSubmitted": lambda e, rid, d: SubmitFollowUp(
        round_id=rid,
        district=d,
        kind=e.kind,
        indicators=e.indicators.model_dump(),
        period_start=e.period_start,
        period_end=e.period_end,
        self_financing_plan=e.self_financing_plan,
    ),
    "FinancialReportSubmitted": lambda e, rid, d: SubmitFinancialReport(
        round_id=rid, district=d, kind=e.kind, spent_sek=e.spent_sek, forecast_sek=e.forecast_sek
    ),
    "YearEndAccountSubmitted": lambda e, rid, d: SubmitYearEndAccount(
        round_id=rid,
        district=d,
        spent_sek=e.spent_sek,
        cost_description=e.cost_description,
        spent_outside_plan_sek=e.spent_outside_plan_sek,
        supervision_spent_sek=e.supervision_spent_sek,
    ),
    "RepaymentDemanded": lambda e, rid, d: DemandRepayment(
        round_id=rid, district=d, amount_sek=e.amount_sek, reason=e.reason, due_on=e.due_on
    ),
    "RepaymentReceived": lambda e, rid, d: SettleRepayment(
        round_id=rid,
        district=d,
        amount_sek=e.amount_sek,
        waive=False,
        reference=e.payment_reference,
    ),
    "PaymentPlanSet": lambda e, rid, d: SetPaymentPlan(
        round_id=rid,
        district=d or None,
        instalments=tuple(InstalmentInput(**i.model_dump()) for i in e.instalments),
        reason=e.reason,
    ),
    "ReportAccepted": lambda e, rid, d: ReviewReport(
        round_id=rid, district=d, report=e.report, accept=True, reason=e.note
    ),
    "ReportReturned": lambda e, rid, d: ReviewReport(
        round_id=rid, district=d, report=e.report, accept=False, reason=e.reason
    ),
    "DocumentAttached": lambda e, rid, d: AttachDocument(
        round_id=rid,
        district=d,
        attached_to=e.attached_to,
        file_name=e.name,
        media_type=e.media_type,
        size_bytes=e.size_bytes,
        sha256=e.sha256,
    ),
    "ContactSet": lambda e, rid, d: SetContact(
        round_id=rid, district=d, role=e.role, email=e.email, school=e.school
    ),
    "ContactRemoved": lambda e, rid, d: RemoveContact(
        round_id=rid, district=d, role=e.role, school=e.school
    ),
    "RepaymentWaived": lambda e, rid, d: SettleRepayment(
        round_id=rid,
        district=d,
        amount_sek=e.amount_sek,
        waive=True,
        reference=e.decision_ref,
        reason=e.reason,
    ),
}

# Every catalogued event is either a command's or one of RECORDED_BY's (unit-tested).
_ = (ReminderSent, ReminderFailed, ReminderAbandoned, SchoolKindSet, RoleGranted, RoleRevoked)
