"""The read model: every project's board line, obligations and payments, kept from the events.

A projector follows the log by global position and stores how far it got (a checkpoint)
together with the fingerprint of the program that computed the rows. A reader brings the
model up to the head before it reads (:meth:`Projector.catch_up`: one query when nothing is
new), so nothing it shows is older than the log it started from.

Three things make a stored row stale, and each is caught:

- **new events** on the project's stream (or on its round's stream, which touches every
  project of the round): the projector recomputes those rows from their histories;
- **the day.** A board line depends on the day (a deadline passes). Each row carries the
  first day on which that may happen (``Policy.stable_until``); from that day the projector
  computes it again, and a reader never uses a row outside the days it is good for;
- **another program.** The fingerprint covers the source of ``events/`` and ``policies/``
  (the rules, the upcasters) and of this module: a store whose rows another version
  computed is rebuilt from the events before anyone reads it.

Writers to the model race safely: a catch-up writes only if the checkpoint is where it
found it (compare-and-set on the checkpoint row), so an older result never overwrites a
newer one. As-of boards for past dates and "known at" views fold the events instead.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import events as _events_package
import policies as _policies_package
from policies.registry import UnknownPolicy, policy_for
from policies.reminders import (
    DueReminder,
    Obligation,
    due_for,
    first_moment,
    handled_keys,
    reminded_obligations,
)
from policies.state import (
    ProjectState,
    RoundState,
    fold_project,
    fold_round,
    remembered,
    stockholm_day,
)
from policies.totals import PaymentOnRecord, RoundTotals, payments_of
from ppss_workflow.db import (
    WRITE,
    board_groups,
    iso_utc,
    obligation_rows,
    parse_utc,
    payment_refs,
    project_rows,
    projection_checkpoints,
)
from ppss_workflow.errors import STORE_CANNOT_READ, StoreUnavailable
from ppss_workflow.logs import get_logger
from ppss_workflow.rows import BoardRow, board_row
from ppss_workflow.store import EventStore, Statement

__all__ = [
    "BOARD_SORTS",
    "PROJECTION_VERSION",
    "BoardPage",
    "BoardQuery",
    "ModelUnavailable",
    "Projector",
    "fingerprint",
    "keep_folded_states",
]

#: Raise when the rows' layout or meaning changes (the fingerprint covers the code as well).
PROJECTION_VERSION = 4
_NAME = "projects"
#: A round with more stale projects than this is read whole rather than stream by stream.
_WHOLE_ROUND = 32
_CHUNK = 500
#: How often a catch-up tries again when another process moved the checkpoint meanwhile.
_ATTEMPTS = 10

_log = get_logger(__name__)
Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """SHA-256 over the projection version and the source of the rules, the event catalogue
    (with its upcasters) and this module: any change to them means the rows are recomputed."""
    digest = hashlib.sha256(f"projection v{PROJECTION_VERSION}\n".encode())
    folders = [Path(p) for pkg in (_events_package, _policies_package) for p in pkg.__path__]
    files = sorted(f for folder in folders for f in folder.rglob("*.py"))
    for path in [*files, Path(__file__), Path(__file__).with_name("rows.py")]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def round_of(stream_id: str) -> str:
    """``ppss-2014`` for ``project:ppss-2014:farsta`` or ``round:ppss-2014``."""
    if stream_id.startswith("round:"):
        return stream_id[len("round:") :]
    return stream_id[len("project:") :].rsplit(":", 1)[0]


class ModelUnavailable(Exception):
    """This login may not write the read model (an auditor's SELECT-only login, a read-only
    file) and it is behind: the caller reads from the events instead."""


@dataclass(frozen=True, slots=True)
class _Computed:
    """A project's rows, computed from its history and its round for one day."""

    row: dict[str, Any]
    payments: list[PaymentOnRecord]
    #: Obligation rows in _OBLIGATION_COLUMNS' order (``remind_from`` a datetime).
    obligations: list[tuple[Any, ...]]


#: A project's row (in _ROW_COLUMNS' order) and its obligation rows by code, as written.
_Entry = tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]


def _entry(c: _Computed) -> _Entry:
    return itemgetter(*_ROW_COLUMNS)(c.row), {o[1]: o for o in c.obligations}


def _sent(state: ProjectState) -> str:
    """The reminder keys the project has handled, as the row stores them (JSON)."""
    return orjson.dumps(sorted(handled_keys(state))).decode()


def _payment_rows(computed: Sequence[_Computed]) -> list[tuple[Any, ...]]:
    return [
        (p.stream_id, p.position, c.row["round_id"], p.reference, p.district, p.amount_sek,
         p.purpose)
        for c in computed
        for p in c.payments
    ]  # fmt: skip


#: The round's totals at the model's checkpoint, and the payments under one reference (a row
#: each; one row of NULLs where there are none), in one statement ("?": the driver's marker).
_TOTALS = (
    "SELECT cp.position, t.awarded, t.supervision, p.stream_id, p.district, p.amount_sek, "
    "p.purpose, p.reference, p.position "
    "FROM (SELECT position FROM projection_checkpoints WHERE name = ?) AS cp "
    "CROSS JOIN (SELECT coalesce(sum(grant_awarded_sek), 0) AS awarded, "
    "coalesce(sum(supervision_granted_sek), 0) AS supervision "
    "FROM project_rows WHERE round_id = ?) AS t "
    "LEFT JOIN payment_refs AS p ON p.round_id = ? AND p.reference = ? "
    "ORDER BY p.position"
)

#: Where the model is (position, fingerprint), the store's head, and the rows' first
#: ``valid_until`` and last ``assessed_on`` (a row is stale today if the one is today or
#: before, or the other after today), in one statement. Each part is one end of an index: a
#: filter on the two columns instead made PostgreSQL scan every row when none was stale.
_CURRENT = (
    "SELECT (SELECT position FROM projection_checkpoints WHERE name = ?), "
    "(SELECT fingerprint FROM projection_checkpoints WHERE name = ?), "
    "(SELECT max(position) FROM events), "
    "(SELECT min(valid_until) FROM project_rows), "
    "(SELECT max(assessed_on) FROM project_rows)"
)

#: The full look (see :meth:`Projector._look`) in one statement, so one snapshot and one round
#: trip on a connection the store lends: the checkpoint (kind 0), the store's head (1), the
#: rows stale today (2) and the streams with events after the checkpoint up to that head (3;
#: after nothing when the checkpoint is another program's or missing). Parameters: the
#: checkpoint's name, today twice, the name and this program's fingerprint.
_LOOK = (
    "SELECT 0, position, fingerprint, updated_at, NULL FROM projection_checkpoints "
    "WHERE name = ? "
    "UNION ALL SELECT 1, max(position), NULL, NULL, NULL FROM events "
    "UNION ALL SELECT 2, NULL, NULL, NULL, stream_id FROM project_rows "
    "WHERE valid_until <= ? OR assessed_on > ? "
    "UNION ALL SELECT 3, NULL, NULL, NULL, stream_id FROM (SELECT DISTINCT stream_id "
    "FROM events WHERE position > coalesce((SELECT position FROM projection_checkpoints "
    "WHERE name = ? AND fingerprint = ?), 0) AND position <= (SELECT max(position) "
    "FROM events)) AS t"
)


@dataclass(frozen=True, slots=True)
class _Look:
    """The model's checkpoint and the store's head, as one read saw them."""

    known: int | None
    fingerprint: str | None
    #: When the checkpoint was last written (its compare-and-set covers it: see _Kept.written).
    seen_at: Any
    head: int
    since: int
    rebuild: bool
    stale: Sequence[str]
    touched: Sequence[str]

    @property
    def current(self) -> bool:
        return not self.rebuild and self.head == self.since and not self.stale


class _Turn:
    """One process's turn at bringing one store's model up: the lock the computing thread
    holds, and how far (position, day) the last catch-up of this process brought it."""

    __slots__ = ("__weakref__", "lock", "reached")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: Set by the thread holding ``lock`` as it finishes; read by those that waited for it.
        self.reached: tuple[int, date] | None = None


_CATCHING_UP: weakref.WeakKeyDictionary[EventStore, _Turn] = weakref.WeakKeyDictionary()


def _catching_up(store: EventStore) -> _Turn:
    """The turn one thread of this process holds while it brings ``store``'s model up."""
    with _KEPT_LOCK:
        return _CATCHING_UP.setdefault(store, _Turn())


class Projector:
    """Keeps and reads the read model of one store; ``clock`` says what today is."""

    #: How many project rows and obligation rows the last catch-up wrote (for tests, logs).
    last_written: tuple[int, int] = (0, 0)

    def __init__(self, store: EventStore, clock: Clock | None = None) -> None:
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- keeping it current ------------------------------------------------------------

    def catch_up(self, *, progress: Progress | None = None) -> int:
        """Bring the model to the store's head and to today; returns the position it reflects.

        Raises ModelUnavailable when it is behind and this login may not write it.
        """
        today = stockholm_day(self._clock())
        current, wanted = self._current(today)
        if current is not None:
            return current
        if wanted is None:  # the short look could not say where the store is: the full one
            look = self._look(today)
            if look.current:
                return look.head
            wanted = look.head
        # One thread of this process computes at a time: the others wait for it rather than
        # compute the same rows and lose the checkpoint's compare-and-set to it. Whoever
        # waited is done, with no further look, if that catch-up brought the model, today, as
        # far as the head this thread saw on the way in (``reached``); else it looks again
        # and computes what is left. The thread that did not wait looks once, holding the
        # turn (the checkpoint's compare-and-set refuses its write if the model moved since,
        # then it looks again).
        turn = _catching_up(self.store)
        if not turn.lock.acquire(blocking=False):
            turn.lock.acquire()
            reached = turn.reached
            if reached is not None and reached[1] == today and reached[0] >= wanted:
                turn.lock.release()
                return reached[0]
        try:
            for _ in range(_ATTEMPTS):
                with _kept(self.store).computing():
                    done = self._try_catch_up(progress, wanted)
                if done is not None:
                    reached = turn.reached
                    if reached is None or reached[1] != today or reached[0] < done:
                        turn.reached = (done, today)
                    return done
        finally:
            turn.lock.release()
        raise RuntimeError("the read model could not catch up: other processes kept moving it")

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Throw the model away and compute it again from every event."""
        _catching_up(self.store).reached = None  # nobody waits on a model now gone
        with self._write() as conn:
            self._wipe(conn)
            conn.execute(delete(projection_checkpoints))
        _kept(self.store).clear()  # from every event: nothing folded before is used
        _log.info("projections_cleared")
        return self.catch_up(progress=progress)

    def _current(self, today: date) -> tuple[int | None, int | None]:
        """The head, if the model is at it and current for ``today`` (else None), and the
        store's head (None if it could not be read). One statement on the store's own
        connection (one round trip): every read of a board asks this."""
        try:
            ((position, seen, head, until, assessed),) = self.store.fetch(
                Statement(_CURRENT, (_NAME, _NAME))
            )
        except StoreUnavailable:
            return None, None  # the full look says why, as it always did
        day = today.isoformat()
        stale = (until is not None and until <= day) or (assessed is not None and assessed > day)
        head = int(head or 0)
        if seen != fingerprint() or position is None or stale or head != position:
            return None, head
        return int(position), head

    def _look(self, today: date) -> _Look:
        """Where the model is, where the store is, and what changed in between: one statement
        (``_LOOK``) on a connection the store lends, so one snapshot and one round trip."""
        day = today.isoformat()
        mine = fingerprint()
        found = self.store.fetch(Statement(_LOOK, (_NAME, day, day, _NAME, mine)))
        known = seen_fingerprint = seen_at = None
        head = 0
        stale: list[str] = []
        touched: list[str] = []
        for kind, position, seen, at, stream_id in found:
            if kind == 0:
                known, seen_fingerprint, seen_at = int(position), seen, parse_utc(at)
            elif kind == 1:
                head = int(position or 0)
            elif kind == 2:
                stale.append(stream_id)
            else:
                touched.append(stream_id)
        rebuild = seen_fingerprint != mine
        since = 0 if rebuild else int(known or 0)
        return _Look(
            known, seen_fingerprint, seen_at, head, since, rebuild, [] if rebuild else stale,
            touched,
        )  # fmt: skip

    def _try_catch_up(self, progress: Progress | None, wanted: int = 0) -> int | None:
        """One attempt: look, and compute what changed; None if another writer won."""
        now = self._clock()
        today = stockholm_day(now)
        look = self._look(today)
        if look.current:
            return look.head
        if not look.rebuild and not look.stale and look.since >= wanted:
            return look.since  # another thread brought it this far while this one waited
        known, seen_fingerprint, seen_at = look.known, look.fingerprint, look.seen_at
        head, since = look.head, look.since
        rebuild, stale, touched = look.rebuild, look.stale, look.touched
        kept = _kept(self.store)
        if rebuild:
            kept.clear()
        whole, some = self._plan(touched, stale, rebuild)
        base = (known, seen_fingerprint, seen_at)
        # What this process wrote last, if nothing was written after it (see _Kept.written).
        written = None if rebuild else kept.written(base)
        # The rounds every project row of which is among those (see _Kept.rounds).
        rounds = frozenset() if written is None else kept.rounds(base)
        computed, paid_kept = self._compute(
            whole, some, now, today, progress, (written, rounds, touched)
        )
        # Remembered by a process that keeps states (a command line run keeps nothing).
        entries = {c.row["stream_id"]: _entry(c) for c in computed} if kept.keeps else {}
        tally = _Tally()
        try:
            with self._write() as conn:
                if not self._advance(conn, known, seen_fingerprint, seen_at, head, now):
                    _log.info("projections_raced", position=since, head=head)
                    return None
                if rebuild:
                    self._wipe(conn)
                    counts = self._store(conn, computed, tally)
                else:
                    same = self._same_rounds(whole, entries, written)
                    self._forget(conn, some_streams(some), whole - same, paid_kept, tally)
                    counts = self._store(
                        conn, [c for c in computed if c.row["round_id"] not in same], tally
                    )
                    counts = self._store_changes(
                        conn, [c for c in computed if c.row["round_id"] in same], entries, written,
                        paid_kept, counts, tally,
                    )  # fmt: skip
                self._keep_groups(conn, tally)
        except IntegrityError:
            # Two processes made the first checkpoint at once (PostgreSQL reads committed
            # data only, so both saw none): the other one won; read again.
            _log.info("projections_raced", position=since, head=head)
            return None
        except DBAPIError as exc:
            if not _may_not_write(exc):
                raise
            _log.info("projections_read_only", position=since, head=head)
            raise ModelUnavailable(str(exc.orig).strip().splitlines()[0]) from None
        kept.remember(base, (head, fingerprint(), now), entries, *_covered(whole, some, entries))
        self.last_written = counts
        _log.info(
            "projections_caught_up",
            position=head,
            since=since,
            rows=len(computed),
            rows_written=counts[0],
            obligations_written=counts[1],
            stale=len(stale),
            rebuilt=rebuild,
        )
        return head

    @property
    def _marker(self) -> str:
        return "%s" if self.store.engine.dialect.paramstyle in ("format", "pyformat") else "?"

    @staticmethod
    def _plan(
        touched: Sequence[str], stale: Sequence[str], rebuild: bool
    ) -> tuple[set[str], dict[str, set[str]]]:
        """Rounds to recompute whole, and single project streams to recompute, by round."""
        whole: set[str] = set()
        some: dict[str, set[str]] = {}
        for stream in touched:
            if stream.startswith("round:"):
                whole.add(round_of(stream))
        for stream in [*touched, *stale]:
            if stream.startswith("project:"):
                some.setdefault(round_of(stream), set()).add(stream)
        if rebuild:
            whole |= set(some)
        for rid in list(some):
            if rid in whole or len(some[rid]) > _WHOLE_ROUND:
                whole.add(rid)
                del some[rid]
        return whole, some

    def _compute(
        self,
        whole: set[str],
        some: dict[str, set[str]],
        now: datetime,
        today: date,
        progress: Progress | None,
        memory: tuple[dict[str, _Entry] | None, frozenset[str], Sequence[str]] | None = None,
    ) -> tuple[list[_Computed], set[str]]:
        """The rows to write, and the rounds whose payment rows stand as they are.

        ``memory``: the rows this process wrote that are stored as written (or None), the
        rounds all of whose rows are among them, and the streams touched since the
        checkpoint they were written under (see :meth:`_whole_round`)."""
        written, rounds, touched = memory or (None, frozenset(), ())
        out: list[_Computed] = []
        paid_kept: set[str] = set()
        total = len(whole) + len(some)
        for i, rid in enumerate(sorted(whole | set(some)), 1):
            streams = sorted(some.get(rid, ()))
            # The round's stream and a few projects' (at most _WHOLE_ROUND) in one statement.
            histories = self.store.read_stream_set([f"round:{rid}", *streams])
            rnd = fold_round(histories.get(f"round:{rid}", []))
            if rnd is None:
                continue  # project streams without a round (an odd import): nothing to show
            if rid in whole:
                known = None
                if written is not None and rid in rounds:
                    known = _versions_of(written, rid), _under(touched, f"project:{rid}:")
                rows, same = self._whole_round(rnd, now, today, known)
                out.extend(rows)
                if same:
                    paid_kept.add(rid)
            else:
                kept = _kept(self.store)
                states = []
                for stream_id in streams:
                    history = histories.get(stream_id)
                    if history:
                        states.append(kept.put(fold_project(stream_id, history)))
                out.extend(self._assessed(rnd, states, now, today))
            if progress is not None:
                progress(i, total)
        _kept(self.store).settle()
        return out, paid_kept

    def _whole_round(
        self,
        rnd: RoundState,
        now: datetime,
        today: date,
        known: tuple[dict[str, int], set[str]] | None = None,
    ) -> tuple[list[_Computed], bool]:
        """Every project of the round assessed again. A project whose stream has not grown
        since this process last folded it is not read again: its folded state is kept (with
        its stream version) and only assessed anew, so a round event (a deadline moved, a
        session scheduled) costs the assessments, not a read of the round's events.

        Also says whether every project's row is already at its stream's version: then no
        project stream changed, and the payment rows (a project's own facts) stand as they
        are (the rows are replaced only under the checkpoint they were read with).

        ``known``: the versions of the round's rows as this process wrote them, when those
        are the rows stored and every stream of the round has one (:meth:`_Kept.rounds`),
        and the round's project streams with events after the checkpoint they were written
        under. Then neither the streams' versions nor the rows' are read: a stream not
        touched since has no event after its row's version (positions have no gaps and
        commit in order, and every write since recomputed the streams it saw touched), so
        its version is its row's; a touched one is read and folded again. The payment rows
        stand if no project stream was touched (if one was, they are computed and written
        again: the same rows, at worst)."""
        kept = _kept(self.store)
        prefix = f"project:{rnd.round_id}:"
        missing: list[str] = []
        if known is not None:
            remembered, touched = known
            versions = {s: v for s, v in remembered.items() if s not in touched}
            missing.extend(sorted(touched))
            same = not touched
        else:
            versions = self.store.stream_versions(prefix)
            with self._read() as conn:
                rows = conn.execute(
                    select(project_rows.c.stream_id, project_rows.c.version)
                    .where(project_rows.c.round_id == rnd.round_id)
                ).all()  # fmt: skip
            same = {r[0]: int(r[1]) for r in rows} == versions
        out: list[_Computed] = []
        states: list[ProjectState] = []
        for stream_id, version in versions.items():
            state = kept.get(stream_id, version)
            if state is None:
                missing.append(stream_id)
            else:
                states.append(state)
        if len(missing) > _WHOLE_ROUND:
            # A batch of streams at a time: a round of 100 000 projects is read in slices
            # (and, where no states are kept, never held in memory at once).
            wanted = set(missing)
            for histories in self.store.read_stream_batches(prefix):
                folded = [
                    kept.put(fold_project(stream_id, history))
                    for stream_id, history in histories.items()
                    if stream_id in wanted and history
                ]
                if kept.keeps:
                    states.extend(folded)
                else:
                    out.extend(self._assessed(rnd, folded, now, today, payments=not same))
        else:
            for stream_id in missing:
                history = self.store.read_stream(stream_id)
                if history:
                    states.append(kept.put(fold_project(stream_id, history)))
        out.extend(self._assessed(rnd, states, now, today, payments=not same))
        return out, same

    @classmethod
    def _rows(
        cls, rnd: RoundState, histories: dict[str, list[Any]], now: datetime, today: date
    ) -> list[_Computed]:
        states = [fold_project(s, h) for s, h in histories.items() if h]
        return cls._assessed(rnd, states, now, today)

    @staticmethod
    def _assessed(
        rnd: RoundState,
        states: Sequence[ProjectState],
        now: datetime,
        today: date,
        *,
        payments: bool = True,
    ) -> list[_Computed]:
        try:
            policy = policy_for(rnd)
        except UnknownPolicy:
            return []  # the board says so when asked; there is nothing to keep
        out = []
        round_id = rnd.round_id
        # An obligation's row but for its stream: the same for every project that has it (a
        # round deadline's, a session's), so worked out once per obligation.
        said: dict[Obligation, tuple[Any, ...]] = {}

        def duty(o: Obligation) -> tuple[Any, ...]:
            found = said.get(o)
            if found is None:
                found = said[o] = (
                    o.code, round_id, o.due_on.isoformat(), int(o.met), o.blocks,
                    int(o.before_only),
                    # In UTC (as stored): comparing it with what was written last is then
                    # cheap (an instant in Europe/Stockholm asks the zone at every comparison).
                    first_moment(rnd, o).astimezone(UTC),
                )  # fmt: skip
            return found

        day = today.isoformat()
        # The round's part of every project's stable_until: the same for all of them.
        round_until = policy.round_stable_until(rnd, today)
        for state in states:
            stream_id = state.stream_id
            ledger = state.ledger
            project_id = state.project_id
            district = state.district
            assessment = policy.assess(rnd, state, now)
            line = board_row(project_id, district or project_id, ledger, assessment, state.memo)
            until = policy.stable_until(rnd, state, today, round_until)
            next_deadline = line.next_deadline
            row = {
                "stream_id": stream_id,
                "round_id": round_id,
                "project_id": project_id,
                "district": district,
                "listed": int(
                    state.application is not None
                    or bool(ledger.awarded_sek)
                    or bool(ledger.disbursed_sek)
                ),
                "version": state.version,
                "assessed_on": day,
                "valid_until": until.isoformat() if until else None,
                "grant_awarded_sek": ledger.awarded_sek,
                "supervision_granted_sek": ledger.supervision_granted_sek,
                "supervision_paid_sek": ledger.disbursed_supervision_sek,
                "supervision_payable_sek": assessment.payable.supervision_sek,
                "awarded_sek": line.awarded_sek,
                "disbursed_sek": line.disbursed_sek,
                "payable_sek": line.payable_sek,
                "repayment_due_sek": line.repayment_due_sek,
                "may_be_paid": int(line.may_be_paid),
                "status": line.status,
                "blocking": orjson.dumps(list(line.blocking)).decode(),
                "next_code": next_deadline[0] if next_deadline else None,
                "next_on": next_deadline[1].isoformat() if next_deadline else None,
                "detail": line.detail,
                "sent": remembered(state.memo, "projections.sent", (), partial(_sent, state)),
            }
            duties = reminded_obligations(policy, rnd, state, now, assessment.conditions)
            out.append(
                _Computed(
                    row,
                    payments_of(state) if payments else [],
                    [(stream_id, *duty(o)) for o in duties],
                )
            )
        return out

    def _advance(
        self,
        conn: Connection,
        known: int | None,
        seen_fingerprint: str | None,
        seen_at: datetime | None,
        head: int,
        now: datetime,
    ) -> bool:
        """Compare-and-set the checkpoint: False if another process wrote the model since we
        read it. Every write of the model sets ``updated_at``, so a write that left the
        position as it was (rows of a new day) is seen too."""
        values = {"position": head, "fingerprint": fingerprint(), "updated_at": now}
        if known is None:
            exists = conn.execute(
                select(func.count()).select_from(projection_checkpoints)
                .where(projection_checkpoints.c.name == _NAME)
            ).scalar_one()  # fmt: skip
            if exists:
                return False
            conn.execute(insert(projection_checkpoints).values(name=_NAME, **values))
            return True
        moved = conn.execute(
            update(projection_checkpoints)
            .where(
                projection_checkpoints.c.name == _NAME,
                projection_checkpoints.c.position == known,
                projection_checkpoints.c.fingerprint == seen_fingerprint,
                projection_checkpoints.c.updated_at == seen_at,
            )
            .values(**values)
        )
        return moved.rowcount == 1

    @staticmethod
    def _wipe(conn: Connection) -> None:
        for table in (obligation_rows, payment_refs, project_rows, board_groups):
            conn.execute(delete(table))

    @staticmethod
    def _forget(
        conn: Connection,
        streams: Sequence[str],
        rounds: Iterable[str],
        paid_kept: set[str],
        tally: _Tally,
    ) -> None:
        """Delete the rows of ``streams`` and of whole ``rounds`` (their new rows are written
        next); ``tally`` takes the deleted rows out of their rounds' groups."""
        tables = (obligation_rows, payment_refs, project_rows)
        c = project_rows.c
        for i in range(0, len(streams), _CHUNK):
            chunk = list(streams[i : i + _CHUNK])
            for row in conn.execute(
                select(*(c[name] for name in _TALLIED)).where(c.stream_id.in_(chunk))
            ):
                tally.count(tuple(row), -1)
            for table in tables:
                conn.execute(delete(table).where(table.c.stream_id.in_(chunk)))
        if rounds := sorted(rounds):
            tally.reset.update(rounds)
            for table in tables:
                some = rounds
                if table is payment_refs:
                    some = [r for r in rounds if r not in paid_kept]
                if some:
                    conn.execute(delete(table).where(table.c.round_id.in_(some)))

    def _store(
        self, conn: Connection, computed: Sequence[_Computed], tally: _Tally
    ) -> tuple[int, int]:
        """Insert the rows (their streams' and rounds' old rows are gone); returns how many
        project rows and obligation rows were written."""
        row_of = itemgetter(*_ROW_COLUMNS)
        rows = [row_of(c.row) for c in computed]
        for row in rows:
            tally.count(_tallied(row), 1)
        duties = [o for c in computed for o in c.obligations]
        self._insert(conn, rows, _payment_rows(computed), duties)
        return len(rows), len(duties)

    @staticmethod
    def _same_rounds(
        whole: set[str],
        entries: dict[str, _Entry],
        written: dict[str, _Entry] | None,
    ) -> set[str]:
        """The rounds to recompute whole whose every stored row is one this process wrote and
        still remembers (see :meth:`_Kept.written`): only their changed rows are written."""
        if written is None or not whole:
            return set()
        streams: dict[str, set[str]] = {}
        for stream_id, (row, _duties) in entries.items():
            streams.setdefault(row[_ROUND], set()).add(stream_id)
        same = set()
        for rid in whole:
            computed = streams.get(rid)
            if not computed:
                continue  # nothing to show (an unknown policy): its old rows go, if any
            remembered = {s for s, (row, _) in written.items() if row[_ROUND] == rid}
            if remembered == computed:
                same.add(rid)
        return same

    def _store_changes(
        self,
        conn: Connection,
        computed: Sequence[_Computed],
        entries: dict[str, _Entry],
        written: dict[str, _Entry] | None,
        paid_kept: set[str],
        counts: tuple[int, int],
        tally: _Tally,
    ) -> tuple[int, int]:
        """Write, of rounds recomputed whole that :meth:`_same_rounds` found, only the rows
        that differ from those stored, and of those only the columns that differ: a deadline
        moved updates the rows that show it (their next date, detail and days of validity)
        and the obligations dated by it (their date and first reminder), not the round.

        Safe because what is stored is known without reading it: every row of these rounds
        is one this process wrote, and the checkpoint this catch-up compared-and-set is the
        one that write left (:meth:`_Kept.written`), so no other write came between. A
        column equal to the one stored is the same value written again; leaving it changes
        nothing. Payment rows are handled as before: kept when no project stream changed,
        else the round's are replaced."""
        if not computed:
            return counts
        assert written is not None
        # By the columns that changed: their new values, then the row's key.
        rows: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
        duties: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
        gone: list[tuple[str, str]] = []
        new: list[tuple[Any, ...]] = []
        written_rows = written_duties = 0
        for c in computed:
            stream_id = c.row["stream_id"]
            row, now_due = entries[stream_id]
            old_row, old_due = written[stream_id]
            if row != old_row:
                written_rows += 1
                _changed(rows, row, old_row, (stream_id,))
                before, after = _tallied(old_row), _tallied(row)
                if before != after:  # a moved date leaves the round's groups as they are
                    tally.count(before, -1)
                    tally.count(after, 1)
            if now_due != old_due:
                gone.extend((stream_id, code) for code in old_due if code not in now_due)
                for code, o in now_due.items():
                    old = old_due.get(code)
                    if old is None:
                        new.append(o)
                    elif o != old:
                        _changed(duties, o, old, (stream_id, code))
                    else:
                        continue
                    written_duties += 1
        m = self._marker
        for changed, values in rows.items():
            sets = ", ".join(f"{_ROW_COLUMNS[i]} = {m}" for i in changed)
            sql = f"UPDATE project_rows SET {sets} WHERE stream_id = {m}"  # noqa: S608
            for i in range(0, len(values), 5_000):
                conn.exec_driver_sql(sql, values[i : i + 5_000])
        for changed, found in duties.items():
            values = found
            if _REMIND_FROM in changed and self.store.engine.dialect.name == "sqlite":
                values = _as_text(found, changed.index(_REMIND_FROM))
            sets = ", ".join(f"{_OBLIGATION_COLUMNS[i]} = {m}" for i in changed)
            sql = (
                f"UPDATE obligation_rows SET {sets} "  # noqa: S608 - constants only
                f"WHERE stream_id = {m} AND code = {m}"
            )
            for i in range(0, len(values), 5_000):
                conn.exec_driver_sql(sql, values[i : i + 5_000])
        if gone:
            conn.exec_driver_sql(
                f"DELETE FROM obligation_rows WHERE stream_id = {m} AND code = {m}",  # noqa: S608
                gone,
            )
        unpaid = sorted({c.row["round_id"] for c in computed} - paid_kept)
        if unpaid:
            conn.execute(delete(payment_refs).where(payment_refs.c.round_id.in_(unpaid)))
        self._insert(conn, [], _payment_rows(computed) if unpaid else [], new)
        return counts[0] + written_rows, counts[1] + written_duties

    def _keep_groups(self, conn: Connection, tally: _Tally) -> None:
        """Bring ``board_groups`` of the rounds this write touched in line with their rows: the
        stored groups plus what the write added and took away (a round written whole: its new
        rows alone). Costs the rows written, not the round. A round whose sums would not add
        up (never expected) is counted again from its rows."""
        rounds = sorted({key[0] for key in tally.deltas} | tally.reset)
        if not rounds:
            return
        g = board_groups.c
        groups: dict[tuple[str, str, str], list[int]] = {}
        kept = [r for r in rounds if r not in tally.reset]
        for i in range(0, len(kept), _CHUNK):
            for found in conn.execute(
                select(board_groups).where(g.round_id.in_(kept[i : i + _CHUNK]))
            ):
                groups[(found[0], found[1], found[2])] = [int(v) for v in found[3:]]
        for key, delta in tally.deltas.items():
            sums = groups.setdefault(key, [0] * len(delta))
            for i, v in enumerate(delta):
                sums[i] += v
        recount = sorted(
            {key[0] for key, sums in groups.items() if sums[0] < 0 or (not sums[0] and any(sums))}
        )
        for i in range(0, len(rounds), _CHUNK):
            conn.execute(delete(board_groups).where(g.round_id.in_(rounds[i : i + _CHUNK])))
        values = [
            (*key, *sums) for key, sums in groups.items() if sums[0] and key[0] not in recount
        ]
        if values:
            m = self._marker
            conn.exec_driver_sql(
                f"INSERT INTO board_groups ({', '.join(_GROUP_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join([m] * len(_GROUP_COLUMNS))})",
                values,
            )
        if recount:
            _log.warning("board_groups_recounted", rounds=recount)
            c = project_rows.c
            conn.execute(
                insert(board_groups).from_select(
                    list(_GROUP_COLUMNS),
                    select(
                        c.round_id, c.status, c.blocking, func.count(),
                        *(func.sum(c[name]) for name in _TALLIED[4:]),
                    )
                    .where(c.round_id.in_(recount), c.listed == 1)
                    .group_by(c.round_id, c.status, c.blocking),
                )
            )  # fmt: skip

    def _insert(
        self,
        conn: Connection,
        rows: list[tuple[Any, ...]],
        paid: list[tuple[Any, ...]],
        duties: list[tuple[Any, ...]],
    ) -> None:
        """Insert with the driver's executemany: no per-row statement compiling."""
        if duties and self.store.engine.dialect.name == "sqlite":
            duties = _as_text(duties, _REMIND_FROM)
        for table, columns, values in (
            ("project_rows", _ROW_COLUMNS, rows),
            ("payment_refs", _PAYMENT_COLUMNS, paid),
            ("obligation_rows", _OBLIGATION_COLUMNS, duties),
        ):
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constants only
                f"VALUES ({', '.join([self._marker] * len(columns))})"
            )
            for i in range(0, len(values), 5_000):
                conn.exec_driver_sql(sql, values[i : i + 5_000])

    # -- reading it ----------------------------------------------------------------------

    def board(self, round_id: str, *, printed: bool = False) -> list[BoardRow]:
        """The round's board for today, from the model (caught up first).

        ``printed``: only the details a printed board shows are read (a blocked row's
        conditions, a payment plan's instalments); every other row's ``detail`` is ``""``
        and must not be decoded. ``ppss board`` of 10 000 rows keeps no details it does not
        print."""
        self.catch_up()
        now = self._clock()
        today = stockholm_day(now)
        query = _PRINTED_SQL if printed else _BOARD_SQL
        if self._marker != "?":
            query = query.replace("%", "%%")  # a literal % beside psycopg's %s markers
        rows = None if printed else self._remembered_board(round_id)
        if rows is None:
            # On a connection the store lends, as one short read: plain tuples from the
            # driver, no result-row machinery for 10 000 rows, no pool check-out (its ping,
            # its rollback).
            rows = self.store.fetch(Statement(query, (round_id,)))
        board: list[BoardRow] = []
        day = today.isoformat()
        for (stream_id, project, district, awarded, paid, payable, may, blocking, due, status,
             code, on, detail, assessed_on, valid_until) in rows:  # fmt: skip
            if assessed_on > day or (valid_until is not None and valid_until <= day):
                # Another process's clock moved the row on (or back) since the catch-up:
                # never show a row outside its days; compute this one afresh.
                board.append(self._afresh(round_id, stream_id, now, today))
                continue
            board.append(
                BoardRow(
                    project, district or project, awarded, paid, payable, bool(may),
                    tuple(orjson.loads(blocking)) if blocking != "[]" else (), due, status,
                    (code, date.fromisoformat(on)) if code and on else None, detail,
                )
            )  # fmt: skip
        return board

    def _remembered_board(self, round_id: str) -> list[tuple[Any, ...]] | None:
        """What ``_BOARD_SQL`` reads now, taken from the rows this process wrote, if they are
        what is stored (:meth:`_Kept.written`, for the checkpoint read here) and every row of
        the round is among them (:meth:`_Kept.rounds`); else None. A board read after a
        catch-up of this process then decodes no rows (10 000 details of 1.5 KB each).

        The same values (every board column is text or an integer, stored as computed) in
        the same order: on SQLite only, where ``ORDER BY project_id`` compares the UTF-8
        bytes (BINARY), as Python compares strings; PostgreSQL's collation may not."""
        kept = _kept(self.store)
        if not kept.keeps or self.store.engine.dialect.name != "sqlite":
            return None
        cp = projection_checkpoints.c
        with self._read() as conn:
            found = conn.execute(
                select(cp.position, cp.fingerprint, cp.updated_at).where(cp.name == _NAME)
            ).first()
        if found is None:
            return None
        base = (found[0], found[1], found[2])
        written = kept.written(base)
        if written is None or found[1] != fingerprint() or round_id not in kept.rounds(base):
            return None
        rows = [
            _on_the_board(row)
            for row, _ in written.values()
            if row[_ROUND] == round_id and row[_LISTED] == 1
        ]
        rows.sort(key=itemgetter(1))
        return rows

    def board_page(self, round_id: str, query: BoardQuery) -> BoardPage:
        """One page of the round's board for today: filtered, sorted and paged in SQL, with the
        whole round's totals and the choices the filters offer. Only the page's rows are read
        (and their conditions decoded only where a row shows them)."""
        self.catch_up()
        now = self._clock()
        today = stockholm_day(now)
        day = today.isoformat()
        c = project_rows.c
        in_round = (c.round_id == round_id) & (c.listed == 1)
        where = in_round
        if query.status:
            where = where & (c.status == query.status)
        if query.blocking == "-":
            where = where & (c.blocking == "[]")
        elif query.blocking:
            where = where & c.blocking.contains(
                orjson.dumps(query.blocking).decode(), autoescape=True
            )
        if query.district:
            where = where & func.lower(c.district).contains(query.district.lower(), autoescape=True)
        column = {
            "district": c.district,
            "awarded": c.awarded_sek,
            "paid": c.disbursed_sek,
            "payable": c.payable_sek,
            "owed": c.repayment_due_sek,
            "status": c.status,
        }[query.sort]
        order = (column.desc(), c.project_id.desc()) if query.descending else (column, c.project_id)
        g = board_groups.c
        with self._read() as conn:
            # The round's totals and the filters' choices from its groups (a few rows, kept
            # with the project rows); then the page's keys, walking the sort's index
            # (ix_project_rows_by_*) to the page's end; then the page's rows.
            groups = conn.execute(
                select(*(g[name] for name in _GROUP_COLUMNS[1:])).where(g.round_id == round_id)
            ).all()
            if query.district:
                matching = int(conn.execute(select(func.count()).where(where)).scalar_one())
            else:
                matching = sum(
                    int(grp[2])
                    for grp in groups
                    if (not query.status or grp[0] == query.status)
                    and _blocks_match(str(grp[1]), query.blocking)
                )
            keys = [
                k
                for (k,) in conn.execute(
                    select(c.stream_id)
                    .where(where)
                    .order_by(*order)
                    .limit(query.per_page)
                    .offset(query.offset)
                )
            ]
            fetched = (
                conn.execute(
                    select(
                        c.stream_id, c.project_id, c.district, c.awarded_sek, c.disbursed_sek,
                        c.payable_sek, c.may_be_paid, c.blocking, c.repayment_due_sek, c.status,
                        c.next_code, c.next_on, c.detail, c.assessed_on, c.valid_until,
                    ).where(c.stream_id.in_(keys))
                ).all()
                if keys
                else []
            )  # fmt: skip
        by_key = {row[0]: row for row in fetched}
        found = [by_key[k] for k in keys]
        rows: list[BoardRow] = []
        for (stream_id, project, district, awarded, paid, payable, may, blocking, due, status,
             code, on, detail, assessed_on, valid_until) in found:  # fmt: skip
            if assessed_on > day or (valid_until is not None and valid_until <= day):
                rows.append(self._afresh(round_id, stream_id, now, today))
                continue
            rows.append(
                BoardRow(
                    project, district or project, awarded, paid, payable, bool(may),
                    tuple(orjson.loads(blocking)) if blocking != "[]" else (), due, status,
                    (code, date.fromisoformat(on)) if code and on else None, detail,
                )
            )  # fmt: skip
        codes = sorted({code for grp in groups for code in orjson.loads(grp[1])})
        sums = [sum(int(grp[i]) for grp in groups) for i in range(2, len(_GROUP_COLUMNS) - 1)]
        return BoardPage(
            rows=rows,
            matching=matching,
            projects=sums[0],
            awarded_sek=sums[1],
            paid_sek=sums[2],
            payable_sek=sums[3],
            owed_sek=sums[4],
            payable_projects=sums[5],
            statuses=tuple(sorted({str(grp[0]) for grp in groups})),
            blocking_codes=tuple(codes),
            supervision=(sums[6], sums[7], sums[8]),
        )

    def _afresh(self, round_id: str, stream_id: str, now: datetime, today: date) -> BoardRow:
        rnd = fold_round(self.store.read_stream(f"round:{round_id}"))
        assert rnd is not None  # the row exists, so its round did
        (computed,) = self._rows(rnd, {stream_id: self.store.read_stream(stream_id)}, now, today)
        r = computed.row
        return BoardRow(
            r["project_id"], r["district"] or r["project_id"], r["awarded_sek"],
            r["disbursed_sek"], r["payable_sek"], bool(r["may_be_paid"]),
            tuple(orjson.loads(r["blocking"])), r["repayment_due_sek"], r["status"],
            (r["next_code"], date.fromisoformat(r["next_on"])) if r["next_code"] else None,
            r["detail"],
        )  # fmt: skip

    def totals(self, round_id: str, reference: str | None = None) -> tuple[RoundTotals, int]:
        """The round's totals (and the payments under ``reference``) and the position they
        reflect: nothing under the round after that position is in them.

        One statement on a connection the store lends (a payment asks this while the round's
        other payments wait their turn): the checkpoint and the sums from one snapshot."""
        found = self.store.fetch(Statement(_TOTALS, (_NAME, round_id, round_id, reference)))
        if not found:
            raise ModelUnavailable("the read model has no checkpoint yet")
        position, awarded, supervision = found[0][:3]
        payments = tuple(
            PaymentOnRecord(stream_id, district, int(amount), purpose, ref, int(at))
            for (_, _, _, stream_id, district, amount, purpose, ref, at) in found
            if stream_id is not None
        )
        by_reference = {reference: payments} if reference is not None and payments else {}
        return RoundTotals(int(awarded), int(supervision), by_reference), int(position)

    def districts(self, round_id: str) -> tuple[str, ...]:
        """The district names that applied in the round."""
        c = project_rows.c
        with self._read() as conn:
            names = conn.execute(
                select(c.district).where(c.round_id == round_id, c.district.is_not(None))
            ).scalars().all()  # fmt: skip
        return tuple(sorted(names))

    def due(self, now: datetime, round_id: str | None = None) -> list[DueReminder]:
        """Every reminder due at ``now`` (today's clock) and not yet sent, from the model."""
        self.catch_up()
        o, c = obligation_rows.c, project_rows.c
        query = (
            select(o.stream_id, o.round_id, o.code, o.due_on, o.met, o.blocks, o.before_only,
                   c.district, c.sent)
            .join(project_rows, c.stream_id == o.stream_id)
            .where(o.met == 0, o.remind_from <= now)
            .order_by(o.stream_id)
        )  # fmt: skip
        if round_id is not None:
            query = query.where(o.round_id == round_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        rounds: dict[str, RoundState | None] = {}
        memos: dict[str, dict[Any, Any]] = {}
        by_stream: dict[str, list[Any]] = {}
        for r in rows:
            by_stream.setdefault(r.stream_id, []).append(r)
        due: list[DueReminder] = []
        for stream_id, found in by_stream.items():
            rid = found[0].round_id
            if rid not in rounds:
                rounds[rid] = fold_round(self.store.read_stream(f"round:{rid}"))
            rnd = rounds[rid]
            if rnd is None or rnd.closed is not None:
                continue
            duties = [
                Obligation(
                    r.code, date.fromisoformat(r.due_on), bool(r.met), r.blocks, bool(r.before_only)
                )
                for r in found
            ]
            sent = set(orjson.loads(found[0].sent))
            memo = memos.setdefault(rid, {})
            due.extend(due_for(rnd, stream_id, found[0].district, duties, sent, now, memo))
        return sorted(due, key=lambda d: (d.moment, d.project, d.obligation))

    def status(self) -> tuple[int, int, bool]:
        """(position the model reflects, the store's head, made by this program)."""
        with self._read() as conn:
            found = conn.execute(
                select(projection_checkpoints.c.position, projection_checkpoints.c.fingerprint)
                .where(projection_checkpoints.c.name == _NAME)
            ).first()  # fmt: skip
            head = int(conn.exec_driver_sql("SELECT max(position) FROM events").scalar() or 0)
        if found is None:
            return 0, head, False
        return int(found[0]), head, found[1] == fingerprint()

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the model in a stable order (to compare a rebuild with what was kept)."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self._read() as conn:
            for table in (project_rows, payment_refs, obligation_rows, board_groups):
                keys = [col for col in table.primary_key.columns]
                out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*keys))]
        return out

    # -- connections ----------------------------------------------------------------------

    def _read(self) -> Any:
        return _Read(self.store)

    def _write(self) -> Any:
        return _Write(self.store)


#: How many events' folded states a process keeps per store (1-1.5 KB of memory each: a
#: round of 10 000 projects of 30 events is kept whole; of a larger round, the first ones).
_KEEP_EVENTS = 400_000
#: How many states folded at once make it worth settling them (see _Kept.settle).
_SETTLE_AFTER = 2_000
#: How many projects' written rows a process remembers per store (about 2 KB each).
_KEEP_ROWS = 100_000


class _Kept:
    """Projects' folded states with their stream versions, kept by this process for one
    store. A stream's first ``version`` events never change (the store is append-only), so a
    state folded from them stays right as long as the stream is at that version."""

    keeps = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ProjectState] = {}
        self._events = 0
        self._states_since_settled = 0
        #: The rows this process wrote (by stream), and the checkpoint its last write left.
        self._written: dict[str, _Entry] = {}
        self._token: tuple[Any, ...] | None = None
        #: The rounds every stream of which has a row among ``_written`` (see :meth:`rounds`).
        self._rounds: frozenset[str] = frozenset()
        #: Rows remembered since the last freeze (see :meth:`computing`).
        self._rows_since_frozen = 0

    def written(self, base: tuple[Any, ...]) -> dict[str, _Entry] | None:
        """The rows this process wrote, as stored now, if the checkpoint read is ``base``
        (position, fingerprint, updated_at) and that is what this process's last write left;
        None when another write may have come since.

        Every write of the model compares-and-sets the checkpoint on all three and sets
        ``updated_at`` to its own clock's instant, in the same transaction as its rows; so
        an unchanged checkpoint means no write after ours. (A write that keeps the position
        recomputes rows gone stale on its day, and there are none on the day of the write
        that left the checkpoint, so its instant differs; a rebuild starts over from a
        position after the one we wrote.) The rows remembered were written by this process
        since its memory last started over, and are the ones stored: each write remembers
        every row it computed, whether it wrote it or found the stored one equal. The dict
        returned is never changed afterwards (a write replaces it)."""
        with self._lock:
            return self._written if base[0] is not None and self._token == base else None

    def rounds(self, base: tuple[Any, ...]) -> frozenset[str]:
        """The rounds every project stream of which (up to the checkpoint ``base``) has its
        row among :meth:`written`'s, if that is what is stored; else none.

        A round is so once a write of this process computed it whole with rows (every
        stream of a round whose rules are known gets one); it stays so while the memory
        goes on from write to write, since each write computes every stream touched since
        its checkpoint, new ones included, and remembers its rows. A write that computed
        some of a round's streams without a row for each (rules unknown) drops the round."""
        with self._lock:
            return self._rounds if base[0] is not None and self._token == base else frozenset()

    def remember(
        self,
        base: tuple[Any, ...],
        token: tuple[Any, ...] | None,
        entries: dict[str, _Entry],
        covered: frozenset[str] = frozenset(),
        dropped: frozenset[str] = frozenset(),
    ) -> None:
        """After a write based on checkpoint ``base`` that left ``token``: the rows it
        computed are the ones stored. On top of what was remembered if that was still
        ``base``, else starting over (another thread or process wrote meanwhile).
        ``covered``: the rounds this write computed whole, with a row for each stream;
        ``dropped``: the rounds it computed streams of, not all with a row."""
        with self._lock:
            if base[0] is not None and self._token == base:
                written = {**self._written, **entries}
                rounds = (self._rounds - dropped) | covered
            else:
                written = dict(entries)
                rounds = covered
            if len(written) > _KEEP_ROWS:
                written, token, rounds = {}, None, frozenset()
            self._written, self._token, self._rounds = written, token, rounds
            self._rows_since_frozen += len(entries)

    def get(self, stream_id: str, version: int) -> ProjectState | None:
        state = self._states.get(stream_id)
        return state if state is not None and state.version == version else None

    def put(self, state: ProjectState) -> ProjectState:
        with self._lock:
            old = self._states.pop(state.stream_id, None)
            if old is not None:
                self._events -= old.version
            if self._events + state.version <= _KEEP_EVENTS:
                self._states[state.stream_id] = state
                self._events += state.version
                self._states_since_settled += 1
        return state

    def settle(self) -> None:
        """After many states were folded at once (a process's first catch-up of a round):
        collect what is garbage, then leave every object alive now out of the cyclic garbage
        collector's full passes (``gc.freeze``). The kept states live as long as the
        process; without this, each full pass walks them all (0.8 s at 10 000 projects, in
        the middle of some later request). Frozen objects are still freed when no longer
        referenced (reference counting); only a cycle among them would stay."""
        with self._lock:
            if self._states_since_settled < _SETTLE_AFTER:
                return
            self._states_since_settled = 0
        gc.collect()
        gc.freeze()

    def clear(self) -> None:
        with self._lock:
            self._states.clear()
            self._events = 0
            self._written, self._token, self._rounds = {}, None, frozenset()

    @contextmanager
    def computing(self) -> Iterator[None]:
        """Around one catch-up: no cyclic garbage collection while it computes and writes,
        and, if it remembered many rows, everything alive then left out of the collector's
        passes after it (``gc.freeze``, as :meth:`settle` does for the states).

        A round event re-assesses every project of the round: the answers kept on the
        states and the rows remembered are new objects that live until the next one, and
        the collector's passes over them (young, then old) cost a fifth of the catch-up at
        10 000 projects. Nothing of it needs the collector: those objects are freed by
        reference counting when replaced, frozen or not; a catch-up leaves only a handful
        of cycles (the query builder's), which a freeze keeps."""
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            yield
        finally:
            if paused:
                gc.enable()
        with self._lock:
            if self._rows_since_frozen < _SETTLE_AFTER:
                return
            self._rows_since_frozen = 0
        gc.freeze()


class _KeepNone(_Kept):
    """A store whose process keeps no states (a command line run: it reads once and ends)."""

    keeps = False

    def get(self, stream_id: str, version: int) -> ProjectState | None:
        return None

    def put(self, state: ProjectState) -> ProjectState:
        return state

    def written(self, base: tuple[Any, ...]) -> dict[str, _Entry] | None:
        return None

    def settle(self) -> None:
        return None

    @contextmanager
    def computing(self) -> Iterator[None]:
        yield  # a command line run ends soon: the collector as it is

    def rounds(self, base: tuple[Any, ...]) -> frozenset[str]:
        return frozenset()

    def remember(
        self,
        base: tuple[Any, ...],
        token: tuple[Any, ...] | None,
        entries: dict[str, _Entry],
        covered: frozenset[str] = frozenset(),
        dropped: frozenset[str] = frozenset(),
    ) -> None:
        return None


_KEPT: weakref.WeakKeyDictionary[EventStore, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()
_NONE = _KeepNone()


def keep_folded_states(store: EventStore) -> None:
    """Let this process keep the projects' folded states of ``store`` (a long-lived server,
    a benchmark): a round event then re-assesses them without reading their events again."""
    with _KEPT_LOCK:
        _KEPT.setdefault(store, _Kept())


def _kept(store: EventStore) -> _Kept:
    return _KEPT.get(store, _NONE)


def _blocks_match(blocking: str, wanted: str) -> bool:
    """Whether a row whose blocking codes are ``blocking`` (JSON) passes the filter ``wanted``
    ("" any, "-" none, else a code), as the SQL filter judges it."""
    if not wanted:
        return True
    if wanted == "-":
        return blocking == "[]"
    return orjson.dumps(wanted).decode() in blocking


#: How the overview's rows are sorted (the query's ``sort``: a column people see).
BOARD_SORTS = ("district", "awarded", "paid", "payable", "owed", "status")


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """A page of the overview: its filters (status, a blocking condition's code or ``-`` for
    none, part of a district's name), its sort and which page (from 1)."""

    status: str = ""
    blocking: str = ""
    district: str = ""
    sort: str = "district"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if self.sort not in BOARD_SORTS:
            raise ValueError(f"sort by one of {', '.join(BOARD_SORTS)}, not {self.sort!r}")
        if self.page < 1 or not 1 <= self.per_page <= 500:
            raise ValueError("page from 1, and 1 to 500 rows a page")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class BoardPage:
    """One page of rows, how many rows match the filters, and the whole round's totals."""

    rows: list[BoardRow]
    matching: int
    projects: int
    awarded_sek: int
    paid_sek: int
    payable_sek: int
    owed_sek: int
    payable_projects: int
    statuses: tuple[str, ...]
    blocking_codes: tuple[str, ...]
    #: The round's supervision money, apart from the grant: (granted, paid, payable now).
    supervision: tuple[int, int, int] = (0, 0, 0)

    def pages(self, per_page: int) -> int:
        return max(1, -(-self.matching // per_page))


#: Today's board of a round, in project order ("?" is the driver's parameter marker).
_BOARD_SQL = (
    "SELECT stream_id, project_id, district, awarded_sek, disbursed_sek, payable_sek, "
    "may_be_paid, blocking, repayment_due_sek, status, next_code, next_on, detail, "
    "assessed_on, valid_until FROM project_rows WHERE round_id = ? AND listed = 1 "
    "ORDER BY project_id"
)
#: The same, with ``detail`` only where a printed board shows it (see BoardRow.has_instalments).
_PRINTED_SQL = _BOARD_SQL.replace(
    " detail,",
    " CASE WHEN blocking <> '[]' OR detail LIKE '%\"instalments\":%' THEN detail ELSE '' END,",
)
_ROW_COLUMNS = tuple(c.name for c in project_rows.columns)
_ROUND = _ROW_COLUMNS.index("round_id")
_VERSION = _ROW_COLUMNS.index("version")
_LISTED = _ROW_COLUMNS.index("listed")
#: A row's columns in _BOARD_SQL's order.
_on_the_board = itemgetter(
    *(
        _ROW_COLUMNS.index(name)
        for name in _BOARD_SQL[len("SELECT ") : _BOARD_SQL.index(" FROM ")].split(", ")
    )
)
#: What a project row adds to its round's group in board_groups: whether it is listed, the
#: group's key, then the amounts summed (in _GROUP_COLUMNS' order after ``projects``).
_TALLIED = (
    "listed", "round_id", "status", "blocking", "awarded_sek", "disbursed_sek", "payable_sek",
    "repayment_due_sek", "may_be_paid", "supervision_granted_sek", "supervision_paid_sek",
    "supervision_payable_sek",
)  # fmt: skip
_tallied = itemgetter(*(_ROW_COLUMNS.index(name) for name in _TALLIED))
_GROUP_COLUMNS = tuple(c.name for c in board_groups.columns)
_PAYMENT_COLUMNS = (
    "stream_id", "position", "round_id", "reference", "district", "amount_sek", "purpose",
)  # fmt: skip
_OBLIGATION_COLUMNS = (
    "stream_id", "code", "round_id", "due_on", "met", "blocks", "before_only", "remind_from",
)  # fmt: skip
_REMIND_FROM = _OBLIGATION_COLUMNS.index("remind_from")


def _changed(
    out: dict[tuple[int, ...], list[tuple[Any, ...]]],
    row: tuple[Any, ...],
    old: tuple[Any, ...],
    key: tuple[Any, ...],
) -> None:
    """Add to ``out``, under the indexes of the columns in which ``row`` differs from ``old``
    (rows of one table), the new values of those columns followed by ``key``."""
    changed = tuple([i for i in range(len(row)) if row[i] != old[i]])
    out.setdefault(changed, []).append((*[row[i] for i in changed], *key))


def _versions_of(written: dict[str, _Entry], round_id: str) -> dict[str, int]:
    """The stream versions of the round's rows among ``written``."""
    return {s: row[_VERSION] for s, (row, _) in written.items() if row[_ROUND] == round_id}


def _under(streams: Iterable[str], prefix: str) -> set[str]:
    return {s for s in streams if s.startswith(prefix)}


def _covered(
    whole: set[str], some: dict[str, set[str]], entries: dict[str, _Entry]
) -> tuple[frozenset[str], frozenset[str]]:
    """Of the rounds one write computed: those computed whole with a row for every stream
    (a round whose rules are known has one for each, or none at all), and those some of
    whose computed streams have no row (see :meth:`_Kept.rounds`)."""
    with_rows = {row[_ROUND] for row, _ in entries.values()}
    covered = frozenset(whole & with_rows)
    dropped = frozenset(whole - with_rows) | frozenset(
        rid for rid, streams in some.items() if any(s not in entries for s in streams)
    )
    return covered, dropped


def _as_text(rows: list[tuple[Any, ...]], at: int) -> list[tuple[Any, ...]]:
    """``rows`` with the instant at index ``at`` in the column's own text form (SQLite); few
    distinct instants, each formatted once."""
    text: dict[datetime, str] = {}
    return [
        (*r[:at], text.get(r[at]) or text.setdefault(r[at], iso_utc(r[at])), *r[at + 1 :])
        for r in rows
    ]


class _Tally:
    """What one write of the model changes in board_groups: per (round, status, blocking),
    projects and amounts added (rows written) and taken away (rows deleted); and the rounds
    whose rows were all deleted (their stored groups no longer count)."""

    __slots__ = ("deltas", "reset")

    def __init__(self) -> None:
        self.deltas: dict[tuple[str, str, str], list[int]] = {}
        self.reset: set[str] = set()

    def count(self, row: tuple[Any, ...], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) a row given in _TALLIED's order."""
        if not row[0]:
            return  # not listed: not on the overview, in no total
        sums = self.deltas.get(row[1:4])
        if sums is None:
            sums = self.deltas[row[1:4]] = [0] * (len(_TALLIED) - 3)
        sums[0] += sign
        for i, amount in enumerate(row[4:], 1):
            sums[i] += sign * amount


def _may_not_write(exc: DBAPIError) -> bool:
    """A refusal to write for want of a privilege (PostgreSQL) or a read-only file (SQLite)."""
    if getattr(exc.orig, "sqlstate", None) == "42501":
        return True
    message = str(exc.orig).lower()
    return "readonly database" in message or "read-only" in message


def some_streams(some: dict[str, set[str]]) -> list[str]:
    return sorted(s for streams in some.values() for s in streams)


class _Read:
    """One read transaction on the store's engine, rolled back after."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        try:
            self._conn = self._store.engine.connect()
            self._conn.begin()
        except OperationalError as exc:
            raise StoreUnavailable(
                f"cannot read {self._store.url}: {exc.orig}",
                reason=STORE_CANNOT_READ(store=str(self._store.url), cause=str(exc.orig)),
            ) from exc
        return self._conn

    def __exit__(self, *exc: object) -> None:
        assert self._conn is not None
        self._conn.rollback()
        self._conn.close()


class _Write:
    """One write transaction on the store's engine (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        self._conn = self._store.engine.connect()
        self._conn.execution_options(**WRITE)
        self._conn.begin()
        return self._conn

    def __exit__(self, kind: object, *rest: object) -> None:
        assert self._conn is not None
        try:
            if kind is None:
                self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._conn.close()
