"""Could the engine have recorded this? An imported history judged by the engine's decisions.

A hash chain proves only that a file is self-consistent: anyone can write rows and hash
them. An import is therefore replayed event by event through the path a live command takes:
each recorded event is mapped back to the command that records it (:data:`_COMMAND_BUILDERS`,
the only table here), the command is authorised (:func:`policies.decisions.authorise`: the
role in the event's metadata, a district only for its own project) and decided
(:func:`policies.decisions.decide`) on the history recorded before it, as of the day the
event happened, and, when later-dated events are already on record, on the history as of
that day too (as :func:`policies.decisions.judge` does for a back-dated command). The
event is accepted if and only if the decision records exactly it, and then every further
event that decision records must follow it, in the decision's order (an allocation's
awards, an annulment's companions, a contact's school kind). There is no hand-written
judgment: allocations are worked out again from the inputs they keep, annulments go
through the annulment decision, role grants through :mod:`policies.grants`, reminders
through :func:`policies.reminders.due_reminders`.

Linear: the replay keeps each project's folded state until its stream grows, and each
round's running totals (awarded, supervision granted, payments by reference), updated only
for the projects that changed, the way the read model keeps them for live commands; a cut
view re-folds only the streams the command reads.

Pure: the caller feeds the events in position order (:meth:`Replay.feed`), then calls
:meth:`Replay.finish`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    Event,
    EventAnnulled,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkMakeUpRecorded,
    PaymentAnnulmentRequested,
    Recorded,
    ReminderAbandoned,
    ReminderFailed,
    ReminderSent,
    RoleGranted,
    RoleRevoked,
    SchoolKindSet,
)
from events.streams import EVENT_STREAMS, stream_kind, stream_round
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
    RecordSchoolFollowUp,
    RemoveContact,
    RequestSupervision,
    RestatedApplication,
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
from policies.decisions import IN_FUTURE, OPERATIONS, Refusal, View, authorise, decide
from policies.grants import MANAGER, decide_grant, decide_revoke, fold_grants
from policies.reason import Named, Reason, ReasonCode
from policies.recusal import STEERING_GROUP, check_recusal, member_email
from policies.registry import POLICIES
from policies.reminders import due_reminders
from policies.state import (
    STOCKHOLM,
    ProjectFold,
    ProjectState,
    RoundState,
    as_of,
    effective,
    end_of_day,
    fold_project,
    fold_round,
    local_date,
    slug,
    stockholm_day,
)
from policies.totals import PaymentOnRecord, RoundTotals, payments_of

__all__ = [
    "IMPORT_NOT_WHAT_THE_DECISION_GIVES",
    "IMPORT_REFUSED_BY_THE_ENGINE",
    "IMPORT_STREAM",
    "IMPORT_UNRECORDABLE",
    "RECORDED_BY",
    "Problem",
    "Replay",
    "command_for",
    "happened_by_its_recording",
    "roles_recording",
]

R = Recorded[Any]

#: An event on a kind of stream its type never goes on.
IMPORT_STREAM = ReasonCode("import.wrong_stream", "event", "stream")
#: No command or operation of the engine records this event here.
IMPORT_UNRECORDABLE = ReasonCode("import.unrecordable", "event", "why")
#: The decision for the event's command records something else at this place.
IMPORT_NOT_WHAT_THE_DECISION_GIVES = ReasonCode(
    "import.not_what_the_decision_gives", "event", "expected"
)
#: The engine's decision refused the event's command (the nested reason, or its rule).
IMPORT_REFUSED_BY_THE_ENGINE = ReasonCode("import.refused_by_the_engine", "event", "rule")
#: A decision recorded more events than the export holds after it.
IMPORT_DECISION_CUT_SHORT = ReasonCode("import.decision_cut_short", "event", "missing")

#: Events no single command records, and the roles (operations) that record them.
RECORDED_BY: dict[str, tuple[str, ...]] = {
    "ReminderSent": OPERATIONS["dispatch reminders"],
    "ReminderFailed": OPERATIONS["dispatch reminders"],
    "ReminderAbandoned": OPERATIONS["dispatch reminders"],
    "RoleGranted": (MANAGER,),
    "RoleRevoked": (MANAGER,),
}

_ANNUL_RULE = "an annulment is decided as the engine decides it"


def roles_recording(event_type: str) -> tuple[str, ...]:
    """The roles that may record ``event_type`` (through its command, or its operation)."""
    if event_type in RECORDED_BY:
        return RECORDED_BY[event_type]
    from policies.table import recorded_by  # noqa: PLC0415 - the table imports the decisions

    return recorded_by()[event_type].roles


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the engine could not have recorded an event: one line, the rule, as data."""

    message: str
    rule: str
    reason: Reason
    kind: str = "condition"
    #: The event judged: its position, type and stream (set by :meth:`Replay.feed`).
    position: int = 0
    event_type: str = ""
    stream_id: str = ""

    def __str__(self) -> str:
        return f"{self.message} (rule: {self.rule})"

    def at(self, r: R) -> Problem:
        return replace(self, position=r.position, event_type=r.event_type, stream_id=r.stream_id)


class _Unrecordable(Exception):
    """Carries a problem out of the judging to :meth:`Replay.feed` (it never escapes it)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _unrecordable(r: R, why: str, rule: str) -> _Unrecordable:
    return _Unrecordable(
        Problem(why, rule, IMPORT_UNRECORDABLE(event=Named("event", r.event_type), why=why))
    )


@dataclass(slots=True)
class _Expected:
    """The rest of a decision: the events it records after the one that began it."""

    head: R
    events: list[tuple[str, Event]]


@dataclass(slots=True)
class _Totals:
    """One round's running totals, kept per project so a changed project is swapped out."""

    awarded: int = 0
    supervision: int = 0
    parts: dict[str, tuple[int, int, tuple[PaymentOnRecord, ...]]] = field(default_factory=dict)
    by_reference: dict[str, dict[str, tuple[PaymentOnRecord, ...]]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)

    def refresh(self, fold: Callable[[str], ProjectState]) -> None:
        for stream in self.dirty:
            old = self.parts.get(stream)
            if old is not None:
                self.awarded -= old[0]
                self.supervision -= old[1]
                # Its payments are all in by_reference, under their references, as of then.
                for reference in {paid.reference for paid in old[2]}:
                    del self.by_reference[reference][stream]
            project = fold(stream)
            paid_now = tuple(payments_of(project))
            new = (project.ledger.awarded_sek, project.ledger.supervision_granted_sek, paid_now)
            self.parts[stream] = new
            self.awarded += new[0]
            self.supervision += new[1]
            mine: dict[str, list[PaymentOnRecord]] = {}
            for paid in paid_now:
                mine.setdefault(paid.reference, []).append(paid)
            for reference, payments in mine.items():
                self.by_reference.setdefault(reference, {})[stream] = tuple(payments)
        self.dirty.clear()

    def totals(self, reference: str | None) -> RoundTotals:
        payments: dict[str, tuple[PaymentOnRecord, ...]] = {}
        if reference is not None:
            found = self.by_reference.get(reference, {})
            standing = [p for ps in found.values() for p in ps]
            # A reference stands at most once in a round, so this order is never read.
            ordered = sorted(standing, key=lambda p: p.position)  # pragma: no mutate - moot
            payments[reference] = tuple(ordered)
        return RoundTotals(self.awarded, self.supervision, payments)


@dataclass(slots=True)
class Replay:
    """The history replayed so far, by stream; :meth:`feed` each event in order."""

    streams: dict[str, list[R]] = field(default_factory=dict)
    #: Folded projects, by stream (dropped when the stream grows).
    _projects: dict[str, ProjectState] = field(default_factory=dict)
    #: Each project's fold, by stream: a new event is folded in, not the stream again (an
    #: annulment drops it, and the stream is folded again from its start when next read).
    _folds: dict[str, ProjectFold] = field(default_factory=dict)
    #: Folded rounds, by round id (dropped when the round's stream grows).
    _rounds: dict[str, RoundState | None] = field(default_factory=dict)
    #: Round id -> its project streams, in the order they began.
    _round_projects: dict[str, list[str]] = field(default_factory=dict)
    #: Stream -> the latest occurred_at among its events (is a cut view needed?).
    _latest: dict[str, datetime] = field(default_factory=dict)
    _totals: dict[str, _Totals] = field(default_factory=dict)
    #: What the decision being replayed still records.
    _expected: _Expected | None = None
    #: An annulment of a round's allocation: a replacing allocation (it records the
    #: annulment first), or an annulment on its own; the next event says which.
    _held: R | None = None
    checked: int = 0
    #: The event being judged (a held annulment is judged when the next one comes).
    _judging: R | None = None

    def feed(self, recorded: R) -> Problem | None:
        """Why the engine could not have recorded ``recorded`` (or a held event before it)
        after the history so far; None if it could (it is then part of the history)."""
        self._judging = recorded
        try:
            self._feed(recorded)
        except _Unrecordable as exc:
            return exc.problem.at(self._judging)
        except Refusal as refusal:
            return _refused(self._judging, refusal)
        self.checked += 1
        return None

    def finish(self) -> Problem | None:
        """After the last event: why the history's end is not what the engine records (a
        decision it holds only in part), or None."""
        if self._held is not None:
            held, self._held = self._held, None
            try:
                self._begin(held)
            except _Unrecordable as exc:
                return exc.problem.at(held)
            except Refusal as refusal:
                return _refused(held, refusal)
        expected = self._expected
        if expected is not None:
            missing = ", ".join(f"{e.event_type} on {s}" for s, e in expected.events)
            why = f"its decision also records {missing}, which the history lacks"
            return Problem(
                why,
                "a decision is recorded whole",
                IMPORT_DECISION_CUT_SHORT(event=Named("event", expected.head.event_type),
                                          missing=missing),
            ).at(expected.head)  # fmt: skip
        return None

    # -- the order of events -------------------------------------------------------------

    def _feed(self, r: R) -> None:
        if self._expected is not None:
            self._continue(r)
            return
        if self._held is not None:
            held, self._held = self._held, None
            self._judging = held
            if isinstance(r.event, AllocationDecided) and r.stream_id == held.stream_id:
                self._begin(held, then=r)
                return
            self._begin(held)
            self._judging = r
            if self._pending():
                self._continue(r)
                return
        if self._annuls_allocation(r):
            self._held = r  # judged with the next event (or at the end)
            return
        self._begin(r)

    def _pending(self) -> bool:
        """Whether a decision's further events are still to come."""
        return self._expected is not None

    def _continue(self, r: R) -> None:
        expected = self._expected
        assert expected is not None
        stream, event = expected.events[0]
        head = expected.head
        if (
            (stream, event) != (r.stream_id, r.event)
            or r.occurred_at != head.occurred_at
            or (r.metadata.role, r.metadata.actor) != (head.metadata.role, head.metadata.actor)
        ):
            raise self._not_given(r, f"the {event.event_type} on {stream} that the decision at "
                                     f"position {head.position} records next")  # fmt: skip
        expected.events.pop(0)
        if not expected.events:
            self._expected = None
        self._add(r)

    def _begin(self, r: R, *, then: R | None = None) -> None:
        """Judge ``r`` as the first event of a decision (``then``: the allocation that a held
        annulment begins)."""
        self._check_stream_and_role(r)
        future = happened_by_its_recording(r)
        if future is not None:
            raise _Unrecordable(future)
        if stream_kind(r.stream_id) == "access":
            self._check_access(r)
            self._add(r)
            return
        if r.event_type in RECORDED_BY:
            self._check_reminder(r)
            self._add(r)
            return
        command = self._command(then or r)
        if then is not None:
            self._check_stream_and_role(then)
        view = self._view(r, command)
        authorise(command, r.metadata.role, r.metadata.district)
        if r.metadata.role == STEERING_GROUP:
            # Recusal (jäv), as the handlers judge it: the member's grant as it stood then.
            grants = fold_grants(self.streams.get("access", []))
            check_recusal(command, r.metadata.role, grants.get(member_email(r.metadata.actor)))
        decision = decide(command, view)
        if decision.already is not None:
            raise _unrecordable(r, f"the engine records it once only: {decision.already}",
                                "recorded once")  # fmt: skip
        flat = [(s, e) for s, events in decision.appends for e in events]
        self._first(r, flat, command)
        cut = self._cut_view(r, command, view)
        if cut is not None:
            decide(command, cut)
        self._add(r)
        rest = flat[1:]
        if rest:
            self._expected = _Expected(r, rest)
        if then is not None:
            self._continue(then)

    def _first(self, r: R, flat: list[tuple[str, Event]], command: Command) -> None:
        if flat and flat[0] == (r.stream_id, r.event):
            return
        if not flat:
            raise self._not_given(r, "nothing")
        stream, event = flat[0]
        if isinstance(r.event, AllocationDecided) and isinstance(event, EventAnnulled):
            # A second allocation that does not annul the first in the same decision.
            why = (
                f"round {command.round_id} has an allocation or awards on record: a new "
                "allocation annuls and replaces them in the same decision"
            )
            raise _Unrecordable(
                Problem(why, "one allocation per round",
                        IMPORT_UNRECORDABLE(event=Named("event", r.event_type), why=why))
            )  # fmt: skip
        raise self._not_given(r, f"a {event.event_type} on {stream}")

    @staticmethod
    def _not_given(r: R, expected: str) -> _Unrecordable:
        why = (
            f"the engine's decision records {expected} here, not this {r.event_type} on "
            f"{r.stream_id} (a field, the stream or the order differs from what the rules give)"
        )
        return _Unrecordable(
            Problem(why, "the import records what the decision gives",
                    IMPORT_NOT_WHAT_THE_DECISION_GIVES(event=Named("event", r.event_type),
                                                       expected=expected))
        )  # fmt: skip

    def _add(self, r: R) -> None:
        stream = r.stream_id
        history = self.streams.setdefault(stream, [])
        kind = stream_kind(stream)
        if not history and kind == "project":
            self._round_projects.setdefault(stream_round(stream), []).append(stream)
        history.append(r)
        if kind == "project":
            self._projects.pop(stream, None)
            if isinstance(r.event, EventAnnulled):
                self._folds.pop(stream, None)  # pragma: no mutate - a cache: folded again
            else:
                fold = self._folds.get(stream)  # pragma: no mutate - a cache
                if fold is not None:
                    fold.add(r)
            self._round_totals(stream_round(stream)).dirty.add(stream)
        elif kind == "round":
            self._rounds.pop(stream_round(stream), None)
        latest = self._latest.get(stream)  # pragma: no mutate - a fast path
        if latest is None or r.occurred_at > latest:  # pragma: no mutate - a fast path
            self._latest[stream] = r.occurred_at

    # -- what is not a command -------------------------------------------------------------

    def _check_stream_and_role(self, r: R) -> None:
        kind = stream_kind(r.stream_id)
        allowed = EVENT_STREAMS[r.event_type]  # every event type has its kinds (unit-tested)
        if kind is None or kind not in allowed:
            where = " or ".join(sorted(allowed))
            why = f"a {r.event_type} is recorded on a {where} stream, not on {r.stream_id}"
            raise _Unrecordable(
                Problem(why, "streams", IMPORT_STREAM(event=Named("event", r.event_type),
                                                      stream=r.stream_id))
            )  # fmt: skip
        if r.event_type in RECORDED_BY:
            roles = RECORDED_BY[r.event_type]
            if r.metadata.role not in roles:
                why = (
                    f"its metadata says the {r.metadata.role} role recorded a {r.event_type}, "
                    f"which only {', '.join(roles)} may record"
                )
                raise _Unrecordable(
                    Problem(why, "roles",
                            IMPORT_UNRECORDABLE(event=Named("event", r.event_type), why=why),
                            kind="not_authorised")
                )  # fmt: skip

    def _check_access(self, r: R) -> None:
        """A role grant or revocation, decided as the engine decides it."""
        grants = fold_grants(self.streams.get("access", []))
        event = r.event
        if isinstance(event, RoleGranted):
            if decide_grant(grants, r.metadata.role, event) is None:
                raise _unrecordable(r, f"{event.email} holds that role already", "recorded once")
        elif isinstance(event, RoleRevoked):
            decide_revoke(grants, r.metadata.role, event)

    def _check_reminder(self, r: R) -> None:
        """A reminder the dispatcher's own rule (:func:`policies.reminders.due_reminders`) had
        due then, for that obligation and step, on the history as it was at that moment.

        A choice (the documents say nothing of imports): the history is cut at the reminder's
        moment, because the dispatcher reads what is recorded when it runs, and that happened
        by then; a history whose later events came in before it (a bulk-written store) is
        judged as the dispatcher saw it."""
        rid, moment = stream_round(r.stream_id), r.occurred_at
        # The folds kept serve when nothing on record happened after that moment.
        rnd = (
            self._round(rid)
            if self._happened_by(f"round:{rid}", moment)  # pragma: no mutate - a fast path
            # Not all happened by then: the stream is on record (a fold of what had).
            else fold_round(as_of(self.streams[f"round:{rid}"], moment))
        )
        if rnd is None:
            raise _unrecordable(r, f"round {rid} was not opened before it", "known rounds")
        project = (
            self._project(r.stream_id)
            if self._happened_by(r.stream_id, moment)  # pragma: no mutate - a fast path
            else fold_project(r.stream_id, as_of(self.streams[r.stream_id], moment))
        )
        event: ReminderSent | ReminderFailed | ReminderAbandoned = r.event
        policy = POLICIES[(rnd.policy_name, rnd.policy_version)]
        for due in due_reminders(policy, rnd, project, r.occurred_at):
            if (due.key, due.obligation, due.step, due.due_on, due.recipient_role) == (
                event.key, event.obligation, event.step, event.due_on, event.recipient_role
            ):  # fmt: skip
                return
        raise _unrecordable(
            r,
            f"no reminder {event.key} to {event.recipient_role} was due then",
            "reminders go out when their ladder's step is due",
        )

    # -- commands and views ----------------------------------------------------------------

    def _annuls_allocation(self, r: R) -> bool:
        if not (isinstance(r.event, EventAnnulled) and stream_kind(r.stream_id) == "round"):
            return False
        rnd = self._round(stream_round(r.stream_id))
        return (
            rnd is not None
            and rnd.allocation is not None
            and rnd.allocation.event_id == r.event.annulled_event_id
        )

    def _command(self, r: R) -> Command:
        rid = stream_round(r.stream_id)
        if stream_kind(r.stream_id) == "project":
            project: ProjectState | None = self._project(r.stream_id)
            assert project is not None
            # Before its application, a project is named by its stream (as the engine does).
            district = (r.event.district if isinstance(r.event, ApplicationSubmitted)
                        else project.district or r.stream_id.split(":")[-1])  # fmt: skip
        else:
            project, district = None, ""
        try:
            return command_for(r.event, rid, district, project)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _unrecordable(
                r, f"no command records this {r.event_type} ({where}: {first['msg']})",
                "commands",
            ) from None  # fmt: skip
        except LookupError as exc:
            raise _unrecordable(r, str(exc), "commands") from None

    def _view(self, r: R, command: Command) -> View:
        rid = stream_round(r.stream_id)
        day = r.occurred_at.astimezone(STOCKHOLM).date()
        project = self._project(r.stream_id) if stream_kind(r.stream_id) == "project" else None
        if isinstance(command, Annul) and command.district:
            project = self._project(f"project:{rid}:{slug(command.district)}")
        folds = command.round_wide and isinstance(command, _FOLD_ROUND)
        projects = self._round_folded(rid) if folds else {}
        totals = None
        if command.round_wide and not folds:
            running = self._round_totals(rid)
            running.refresh(self._project)
            totals = running.totals(getattr(command, "payment_reference", None))
        target: R | None = None
        target_history: tuple[R, ...] = ()
        if isinstance(command, Annul):
            target, target_history = self._target(rid, command)
        round_history = tuple(self.streams.get(f"round:{rid}", []))
        districts = tuple(sorted(p.district for p in projects.values() if p.district))
        if not districts and project is not None and project.district:
            districts = (project.district,)
        return View(
            round=self._round(rid),
            day=day,
            project=project,
            projects=projects,
            districts=districts,
            totals=totals,
            target=target,
            target_history=target_history,
            round_history=round_history if target is not None else (),
            actor=r.metadata.actor,
        )

    def _target(self, rid: str, command: Annul) -> tuple[R | None, tuple[R, ...]]:
        wanted = str(command.event_id)
        streams = [f"round:{rid}"]
        if command.district:
            streams = [f"project:{rid}:{slug(command.district)}"]
        for stream in streams:
            history = self.streams.get(stream, [])
            for h in history:
                if h.event_key == wanted:
                    return h, tuple(history)
        return None, ()

    def _cut_view(self, r: R, command: Command, view: View) -> View | None:
        """The history as of the event's own day, if anything recorded before it happened
        later (a back-dated command is judged on both, as the engine judges it)."""
        moment = end_of_day(view.day)
        rid = stream_round(r.stream_id)
        folds = command.round_wide and isinstance(command, _FOLD_ROUND)
        wanted = [f"round:{rid}"]
        if folds:
            wanted += self._round_projects.get(rid, [])
        elif view.project is not None:
            wanted.append(view.project.stream_id)
        if all(self._latest.get(s, moment) <= moment for s in wanted):
            return None

        def cut(history: list[R]) -> list[R]:
            return [
                h for h in history if h.occurred_at <= moment or isinstance(h.event, EventAnnulled)
            ]

        folded = {s: fold_project(s, cut(self.streams.get(s, []))) for s in wanted[1:]}
        # The view's project is among them (its stream is wanted, even with nothing on it
        # yet), and the round is on record (the decision on the whole history found it).
        project = None if view.project is None else folded[view.project.stream_id]
        return replace(
            view,
            round=fold_round(cut(self.streams[f"round:{rid}"])),
            project=project,
            projects=folded if folds else {},
        )

    def _happened_by(self, stream: str, moment: datetime) -> bool:
        """Whether every event on record on ``stream`` happened by ``moment`` (so the stream
        as of then is the whole stream)."""
        latest = self._latest.get(stream)  # pragma: no mutate - a fast path
        return latest is None or latest <= moment  # pragma: no mutate - a fast path

    def _project(self, stream: str) -> ProjectState:
        found = self._projects.get(stream)  # pragma: no mutate - a cache: a fold is the same
        if found is None:
            history = self.streams.get(stream, [])
            fold = self._folds.get(stream)  # pragma: no mutate - a cache
            if fold is None:
                kept, annulments = effective(history)
                fold = self._folds[stream] = ProjectFold(annulments)
                for r in kept:
                    fold.add(r)
            found = self._projects[stream] = fold.state(stream, history)
        return found

    def _round(self, rid: str) -> RoundState | None:
        if rid not in self._rounds:
            self._rounds[rid] = fold_round(self.streams.get(f"round:{rid}", []))
        return self._rounds[rid]

    def _round_folded(self, rid: str) -> dict[str, ProjectState]:
        return {s: self._project(s) for s in self._round_projects.get(rid, [])}

    def _round_totals(self, rid: str) -> _Totals:
        found = self._totals.get(rid)
        if found is None:
            found = self._totals[rid] = _Totals()
        return found


#: Round-wide commands that read every project of the round (as the handlers load them);
#: the other round-wide ones read the round's totals.
_FOLD_ROUND = (RecordAllocation, Annul)


def happened_by_its_recording(r: R) -> Problem | None:
    """Why ``r`` could not have been recorded when it was: it happened on a later day than
    the day it was recorded on (None if it had happened by then).

    The engine records what has happened, when it has: a command dated after today is
    refused ("no future dates"), an undated one happens now, and a decision's own date is
    never after today. So every event it records happened on or before its recording day.
    Choice: the days are Stockholm's and the recording day is the event's "today" (an import
    judges each event on its own day, and without this an event dated after it was recorded
    would be judged as if that later day had come: a payment dated next month, recorded
    today, would import and stay out of every view until then). A decision's further events
    share its first one's moment, so the first one is checked."""
    happened, recorded = local_date(r), stockholm_day(r.recorded_at)
    if happened <= recorded:
        return None
    why = (
        f"it happened on {happened} but was recorded on {recorded}: the engine records what "
        "has happened, when it has"
    )
    reason = IMPORT_REFUSED_BY_THE_ENGINE(
        event=Named("event", r.event_type), rule=IN_FUTURE(day=happened)
    )
    return Problem(why, "no future dates", reason, kind="invalid")


def _refused(r: R, refusal: Refusal) -> Problem:
    why = f"the engine would have refused it: {refusal.message}"
    reason = IMPORT_REFUSED_BY_THE_ENGINE(
        event=Named("event", r.event_type), rule=refusal.reason or refusal.rule
    )
    return Problem(why, refusal.rule, reason, kind=refusal.kind).at(r)


def command_for(event: Event, rid: str, district: str, project: ProjectState | None) -> Command:
    """The command that records ``event`` first, on the round ``rid`` (for ``district``'s
    project, whose state is ``project``). Raises ValidationError when no command could say
    what the event says, LookupError when the event needs what the project lacks."""
    if isinstance(event, EventAnnulled | PaymentAnnulmentRequested):
        # A payment's annulment (its request and its confirmation) is only ever recorded with
        # the statement that the money never left; for any other entry the statement is not
        # read, so the rebuilt command always carries it.
        return Annul(round_id=rid, district=district or None, event_id=event.annulled_event_id,
                     reason=event.reason, money_never_left=True)  # fmt: skip
    if isinstance(event, AllocationDecided):
        return RecordAllocation(
            round_id=rid,
            decided_by=event.decided_by,
            decided_on=event.decided_on,
            decision_ref=event.decision_ref,
            diary_number=event.diary_number,
            minutes_ref=event.minutes_ref,
            total_sek=event.total_sek,
            exclude=event.exclude,
            min_excess_sek=event.min_excess_sek,
            restated=tuple(
                RestatedApplication(name=x.district, schools=x.schools, applied_sek=x.applied_sek)
                for x in event.lines
            ),
            # Replacing nothing records the same as not replacing; what stands is replaced.
            replace=True,
        )
    if isinstance(event, SchoolKindSet):
        # Alone, a school's kind comes from a contact set again for that school. A choice:
        # the command is rebuilt with the first contact on record there (any gives the same
        # decision: the contact is unchanged, only the kind is recorded).
        assert project is not None
        contacts = contact_book(project.history).project_or_school(event.school)
        if not contacts:
            raise LookupError(f"a school kind is set with a contact for {event.school}; "
                              "none is on record")  # fmt: skip
        role, email = next(iter(contacts.items()))
        return SetContact.model_validate(
            {"round_id": rid, "district": district, "role": role, "email": email,
             "school": event.school, "school_kind": event.kind}
        )  # fmt: skip
    return _COMMAND_BUILDERS[event.event_type](event, rid, district)


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
        decided_by=e.decided_by,
        diary_number=e.diary_number,
        minutes_ref=e.minutes_ref,
    ),
    "PlanSubmitted": lambda e, rid, d: SubmitPlan(
        round_id=rid, district=d, plan_id=e.plan_id, summary=e.summary
    ),
    "PlanApproved": lambda e, rid, d: DecidePlan(
        round_id=rid,
        district=d,
        plan_id=e.plan_id,
        approve=True,
        meeting_on=e.meeting_on,
        diary_number=e.diary_number,
        minutes_ref=e.minutes_ref,
    ),
    "PlanRejected": lambda e, rid, d: DecidePlan(
        round_id=rid,
        district=d,
        plan_id=e.plan_id,
        approve=False,
        meeting_on=e.meeting_on,
        reason=e.reason,
        diary_number=e.diary_number,
        minutes_ref=e.minutes_ref,
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
    "SchoolFollowUpRecorded": lambda e, rid, d: RecordSchoolFollowUp(
        round_id=rid, district=d, **e.model_dump()
    ),
    "FinancialReportSubmitted": lambda e, rid, d: SubmitFinancialReport(
        round_id=rid,
        district=d,
        kind=e.kind,
        spent_sek=e.spent_sek,
        forecast_sek=e.forecast_sek,
        overspend_explanation=e.overspend_explanation,
    ),
    "YearEndAccountSubmitted": lambda e, rid, d: SubmitYearEndAccount(
        round_id=rid,
        district=d,
        spent_sek=e.spent_sek,
        cost_description=e.cost_description,
        spent_outside_plan_sek=e.spent_outside_plan_sek,
        supervision_spent_sek=e.supervision_spent_sek,
        overspend_explanation=e.overspend_explanation,
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
_ = (ReminderSent, ReminderFailed, ReminderAbandoned, RoleGranted, RoleRevoked)
