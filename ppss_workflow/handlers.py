"""Command handlers: load what the decision reads, authorise, decide, append. Nothing else decides.

Every command goes through :func:`execute`, the one recipe: the decision itself is a pure
function in :mod:`policies.decisions`. The append carries the expected version of every
stream the decision read, and for a round-wide decision (budget, pool, payment references)
the last position of the whole round, so a concurrent change makes it decide again
(up to a few times) and never overrun.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from sqlalchemy import select

from events import ACCESS_STREAM, Metadata, NewEvent, Recorded, Role
from policies.commands import Annul, AttachDocument, Command, ProjectCommand, RecordAllocation
from policies.decisions import (
    HELD_UNKNOWN,
    Decision,
    Refusal,
    authorise,
    command_moment,
    judge_on,
)
from policies.grants import fold_grants
from policies.reason import Reason
from policies.recusal import STEERING_GROUP, check_recusal, member_email
from policies.state import (
    fold_project,
    fold_round,
    slug,
    stockholm_day,
)
from policies.submissions import (
    ALREADY_RECORDED,
    already_submitted,
    already_submitted_reason,
)
from policies.totals import RoundTotals
from ppss_workflow.db import documents
from ppss_workflow.errors import (
    ConcurrencyError,
    ConditionNotMet,
    InvalidCommand,
    NotAuthorised,
    NotFound,
    WorkflowError,
)
from ppss_workflow.logs import get_logger
from ppss_workflow.projections import ModelUnavailable, Projector
from ppss_workflow.readmodels import group_streams
from ppss_workflow.store import AppendRequest, AppendResult, EventStore, PrefixGuard, StreamGuard
from ppss_workflow.words import english

__all__ = ["Actor", "Commands", "Outcome", "refused"]

R = Recorded[Any]
_log = get_logger(__name__)
#: How often a decision is taken again when another writer changed what it read.
ATTEMPTS = 8

_TURNS: weakref.WeakKeyDictionary[EventStore, dict[str, threading.RLock]] = (
    weakref.WeakKeyDictionary()
)
_TURNS_LOCK = threading.Lock()


def _round_turn(store: EventStore, round_id: str) -> threading.RLock:
    """The lock round-wide commands of ``round_id`` on ``store`` take in this process."""
    with _TURNS_LOCK:
        return _TURNS.setdefault(store, {}).setdefault(round_id, threading.RLock())


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, in which role; a district actor acts for one district only."""

    role: Role
    name: str
    district: str | None = None

    def metadata(self, correlation_id: UUID) -> Metadata:
        return Metadata(
            actor=self.name,
            role=self.role,
            correlation_id=correlation_id,
            district=self.district or None,
        )

    def describe(self) -> str:
        return f"{self.role}:{self.district}" if self.district else self.role


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command recorded; ``already`` when it was on record and nothing was written."""

    results: list[AppendResult] = field(default_factory=list)
    already: Reason | None = None
    #: When the same submission (its command id) was recorded before: the last position it
    #: wrote, so that a repeat can be answered with the first answer.
    first_position: int | None = None
    #: The kinds of the events written, in order (what a confirmation names).
    kinds: tuple[str, ...] = ()

    @property
    def first(self) -> AppendResult:
        """Where the first stream's events went (a command that wrote something)."""
        if not self.results:
            raise LookupError(f"nothing was written: {self.already and self.already.code}")
        return self.results[0]


_ERRORS: dict[str, type[WorkflowError]] = {
    "invalid": InvalidCommand,
    "not_found": NotFound,
    "condition": ConditionNotMet,
    "not_authorised": NotAuthorised,
}


def refused(refusal: Refusal) -> WorkflowError:
    """The machinery's error for a policy's refusal (its exit code and one line): the reason
    said in English, then the command, project, state found and rule (for logs and
    whoever reads the raw error; people read the reason in their language)."""
    line = str(refusal)
    if refusal.reason is not None:
        line = english(refusal.reason) + line[len(refusal.message) :]
    return _ERRORS.get(refusal.kind, ConditionNotMet)(line, refusal=refusal, reason=refusal.reason)


class Commands:
    """Runs commands against one store for whoever acts; ``clock`` says what today is."""

    def __init__(
        self,
        store: EventStore,
        clock: Callable[[], datetime] | None = None,
        correlation_id: UUID | None = None,
    ) -> None:
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self.correlation_id = correlation_id or uuid4()
        self.model = Projector(store, self._clock)

    def execute(self, actor: Actor, command: Command, *, command_id: UUID | None = None) -> Outcome:
        """Authorise, load, decide (as of the command's date and as of today), append.

        ``command_id`` names one submission (a form's own id): given again, the command is
        "already recorded" and nothing is written, even when two arrive at once.
        """
        try:
            authorise(command, actor.role, actor.district)
            if actor.role == STEERING_GROUP and isinstance(command, ProjectCommand):
                # Recusal (jäv): the member's tie to a district is on their grant.
                member = fold_grants(self.store.read_stream(ACCESS_STREAM)).get(
                    member_email(actor.name)
                )
                check_recusal(command, actor.role, member)
            # Round-wide commands (a payment, an award) of one round take turns in this process:
            # each decides on the round as the last one left it instead of all deciding at once
            # and all but one losing the append's guard, again and again. The store's append,
            # its versions and its guard on the round, still decide what is written: this only
            # spares work that would be thrown away (other processes still race, and retry).
            turn = (
                _round_turn(self.store, command.round_id) if command.round_wide else nullcontext()
            )
            with turn:
                for attempt in range(1, ATTEMPTS + 1):
                    try:
                        return self._once(actor, command, command_id)
                    except ConcurrencyError:
                        if attempt == ATTEMPTS:
                            raise
                        _log.info("command_retried", command=command.name, attempt=attempt)
        except Refusal as refusal:
            _log.info(
                "command_refused",
                command=command.name,
                rule=refusal.rule,
                project=refusal.project,
                actor=actor.name,
                role=actor.role,
            )
            raise refused(refusal) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, actor: Actor, command: Command, command_id: UUID | None) -> Outcome:
        now = self._clock()
        today = stockholm_day(now)
        loaded = _load(self.store, self.model, command)
        if command_id is not None:
            earlier = already_submitted([loaded.round, *loaded.streams.values()], command_id)
            if earlier is not None:
                return Outcome(
                    already=already_submitted_reason(earlier),
                    first_position=_last_written(loaded, command_id),
                )
        command, decision = judge_on(
            command,
            loaded.round,
            loaded.streams,
            today,
            totals=loaded.totals,
            districts=loaded.districts,
            target=loaded.target,
            actor=actor.name,
            held_document=loaded.held_document,
        )
        if decision.already is not None:
            _log.info("command_already_recorded", command=command.name, note=decision.already.code)
            return Outcome(already=decision.already)
        at = command_moment(command, fold_round(loaded.round), now)
        results = self._append(actor, command, loaded, decision, at, command_id)
        if results and all(r.duplicate for r in results):
            # The same submission landed while this one was deciding: nothing new written.
            return Outcome(already=ALREADY_RECORDED())
        kinds = tuple(type(e).__name__ for _, events in decision.appends for e in events)
        return Outcome(results, kinds=kinds)

    def _append(
        self,
        actor: Actor,
        command: Command,
        loaded: _Loaded,
        decision: Decision,
        at: datetime,
        command_id: UUID | None = None,
    ) -> list[AppendResult]:
        meta = actor.metadata(self.correlation_id)
        requests = [
            AppendRequest(
                stream,
                [NewEvent(e, at, meta) for e in events],
                loaded.version(stream),
                _command_id_for(command_id, stream, index),
            )
            for index, (stream, events) in enumerate(decision.appends)
        ]
        guards: list[StreamGuard | PrefixGuard] = [
            StreamGuard(s, loaded.version(s)) for s in loaded.read if s not in decision.streams
        ]
        if command.round_wide:
            guards.append(PrefixGuard(loaded.prefix, loaded.last_project_position))
        results = self.store.append_many(requests, guards=guards)
        for result, (_, events) in zip(results, decision.appends, strict=True):
            _log.info(
                "command_recorded",
                command=command.name,
                stream=result.stream_id,
                version=result.stream_version,
                position=result.last_position,
                events=[e.event_type for e in events],
                actor=actor.name,
                role=actor.role,
            )
        return results


def _last_written(loaded: _Loaded, command_id: UUID) -> int:
    """The last position a submission wrote, over every stream it wrote to."""
    ids = {str(command_id)} | {str(uuid5(command_id, s)) for s in loaded.read}
    return max(
        r.position
        for history in (loaded.round, *loaded.streams.values())
        for r in history
        if r.metadata.command_id is not None and str(r.metadata.command_id) in ids
    )


def _command_id_for(command_id: UUID | None, stream: str, index: int) -> UUID | None:
    """The store's command id for one stream of a decision: the submission's own for the
    first, one derived from it for each further stream (the store takes one per request)."""
    if command_id is None or index == 0:
        return command_id
    return uuid5(command_id, stream)


@dataclass(slots=True)
class _Loaded:
    """The histories a decision reads, by stream, as the store has them now."""

    round_id: str
    round: list[R]
    project_stream: str | None = None
    streams: dict[str, list[R]] = field(default_factory=dict)
    round_wide: bool = False
    target: R | None = None
    #: The round's district names, when the command names a district with no project.
    districts: tuple[str, ...] = ()
    #: Attach: what the content store holds under the command's hash (see View).
    held_document: tuple[int, str] | object | None = HELD_UNKNOWN
    #: Round-wide figures from the read model, and the position they reflect.
    totals: RoundTotals | None = None
    totals_position: int = 0

    @property
    def prefix(self) -> str:
        return f"project:{self.round_id}:"

    @property
    def read(self) -> list[str]:
        return [f"round:{self.round_id}", *self.streams]

    @property
    def last_project_position(self) -> int:
        """The last position under the round the decision took into account."""
        if self.totals is not None:
            return self.totals_position
        return max((h[-1].position for h in self.streams.values() if h), default=0)

    def version(self, stream: str) -> int:
        if stream == f"round:{self.round_id}":
            return len(self.round)
        return len(self.streams.get(stream, []))


#: Round-wide commands that need every project's whole history; the others (award,
#: supervision grant, payment) read the round's totals from the read model.
_FOLD_ROUND = (RecordAllocation, Annul)


def _load(store: EventStore, model: Projector, command: Command) -> _Loaded:
    rid = command.round_id
    district = getattr(command, "district", None)
    project_stream = (
        f"project:{rid}:{slug(district or '')}"
        if isinstance(command, ProjectCommand) or district
        else None
    )
    # The round's stream and the project's in one statement. A payment reads the project
    # before the round's totals: if the project changes in between, its version no longer
    # matches at the append, which then decides again (as for any change after a read).
    first = store.read_stream_set([f"round:{rid}", *([project_stream] if project_stream else [])])
    loaded = _Loaded(rid, first.get(f"round:{rid}", []), round_wide=command.round_wide)
    loaded.project_stream = project_stream
    if command.round_wide and not isinstance(command, _FOLD_ROUND):
        try:
            model.catch_up()
            reference = getattr(command, "payment_reference", None)
            loaded.totals, loaded.totals_position = model.totals(rid, reference)
        except ModelUnavailable:
            pass  # folded below; the append will tell this login it may not write
    if command.round_wide and loaded.totals is None:
        loaded.streams = group_streams(store.read_streams(loaded.prefix))
    elif loaded.project_stream:
        history = first.get(loaded.project_stream, [])
        loaded.streams = {loaded.project_stream: history} if history else {}
        if not history:  # for "no such district" answers: the districts that did apply
            try:
                model.catch_up()
                loaded.districts = model.districts(rid)
            except ModelUnavailable:
                others = group_streams(store.read_streams(loaded.prefix))
                folded = (fold_project(s, h).district for s, h in others.items())
                loaded.districts = tuple(sorted(d for d in folded if d))
    if isinstance(command, Annul):
        loaded.target = _target(store, command, loaded)
    if isinstance(command, AttachDocument):
        loaded.held_document = _held(store, command.sha256)
    return loaded


def _held(store: EventStore, sha256: str) -> tuple[int, str] | None:
    """What the content store holds under ``sha256``: (size, sniffed media type), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(documents.c.size_bytes, documents.c.media_type).where(
                documents.c.sha256 == sha256
            )
        ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def _target(store: EventStore, command: Annul, loaded: _Loaded) -> R | None:
    """The event to annul, if it belongs to the command's round (and district, if named)."""
    if command.position is None and command.event_id is None:
        raise InvalidCommand("say which event to annul: --event ID or --position N")
    found = store.find(position=command.position, event_id=command.event_id)
    if found is None:
        return None
    if loaded.project_stream is not None and found.stream_id != loaded.project_stream:
        return None
    if found.stream_id != f"round:{loaded.round_id}" and not found.stream_id.startswith(
        loaded.prefix
    ):
        return None
    return found
