"""The append-only event store: SQLAlchemy for the schema and engines, the driver on the hot path.

Appends and reads go straight to the DBAPI connection (sqlite3 or psycopg 3) with SQL
strings built once per backend: SQLAlchemy's statement, pool and result layers cost more
than the database itself for a one-event append. A store keeps a small, bounded set of
connections (``LINKS`` at most): each read or append borrows one for its short transaction and
gives it back, so a process with many threads (a web server) holds no more connections than
that (:meth:`EventStore.writer` holds one for a burst of commands). No transaction is left open
between calls, so an idle store pins no snapshot and holds no lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Engine

from events.base import InvalidEvent, registry
from events.envelope import NewEvent, Recorded
from ppss_workflow.codec import GENESIS_HASH, EncodedEvent, chain_hash_text, encode, request_hash
from ppss_workflow.db import (
    begin_immediate,
    begin_immediate_after_wait,
    create_store_engine,
    iso_utc,
    locked_out,
    parse_utc,
    safe_url,
)
from ppss_workflow.errors import (
    COMMAND_ID_REUSED,
    IMPORT_STORE_NOT_EMPTY,
    STORE_CANNOT_OPEN,
    STORE_CANNOT_READ,
    STORE_CANNOT_WRITE,
    STORE_LINKS_BUSY,
    STORE_NO_LINKS,
    STORE_REFUSED_EVENTS,
    STORE_REFUSED_IMPORT,
    STORED_EVENT_UNREADABLE,
    STREAM_ID_BAD,
    STREAM_NOTHING,
    STREAM_VERSION_NEGATIVE,
    ConcurrencyError,
    ConfigurationError,
    IdempotencyConflict,
    InvalidEventError,
    StoreUnavailable,
)
from ppss_workflow.faults import ChainBroken, StorageFault, note_store, storage_fault

__all__ = [
    "AppendRequest",
    "AppendResult",
    "EventStore",
    "Head",
    "PrefixGuard",
    "Statement",
    "StoredRow",
    "StreamGuard",
    "Writer",
]

_new_tuple = tuple.__new__
_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9:._-]{0,199}$")
_stream_id_ok = _STREAM_ID.match
Clock = Callable[[], datetime]

#: The most connections one store holds at once (each call borrows one for its transaction);
#: with the engine's own pool (``db.POOL_SIZE`` + ``db.POOL_OVERFLOW``) the bound of a process.
LINKS = 8
#: How long a call waits for one of the store's connections when all are busy (seconds).
LINK_WAIT_S = 30.0

#: A stored row as the driver returns it, in the order of the stored columns: position,
#: stream_id, version, event_id, event_type, schema_version, data, metadata, occurred_at,
#: recorded_at, hash (instants are text on SQLite, aware datetimes on PostgreSQL).
StoredRow = tuple[Any, ...]
#: An append's rows, its commands' rows and its results, placed after the head.
_Placed = tuple[list[StoredRow], list[tuple[Any, ...]], list["AppendResult"]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """Events for one stream, with the version the caller based its decision on."""

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int
    command_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """One more statement for an append's transaction: SQL with ``?`` markers, and its
    parameters (aware datetimes are stored as the backend keeps instants)."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class StreamGuard:
    """A stream a decision read without writing to it: it must still be at ``version``."""

    stream_id: str
    version: int


@dataclass(frozen=True, slots=True)
class PrefixGuard:
    """Every stream under ``prefix`` (a round's projects) as a decision read them: nothing
    may have been appended there after ``last_position``, not even to a new stream."""

    prefix: str
    last_position: int


Guard = StreamGuard | PrefixGuard


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where the events went. ``duplicate`` means a retried command: nothing new was written."""

    stream_id: str
    first_position: int
    last_position: int
    stream_version: int
    recorded_at: datetime
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Head:
    """The last event in the store: its position and hash (GENESIS for an empty store)."""

    position: int
    hash: str
    recorded_at: datetime | None


class EventStore:
    """Appends events atomically with optimistic concurrency, and reads them back in order.

    Appends are serialised (``BEGIN IMMEDIATE`` on SQLite, a transaction-level advisory lock
    on PostgreSQL) and positions are the head position plus one, assigned under that lock.
    So positions have no gaps, and commit order equals position order: a reader that polls
    "after P" never misses an event that commits later with a lower position.

    The store may be shared between threads: each call borrows one of at most ``links``
    connections and gives it back when its transaction ends. A :class:`Writer` may not.
    """

    def __init__(self, engine: Engine, *, clock: Clock = _utc_now, links: int = LINKS) -> None:
        self.engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._sql = _PG_SQL if self._postgres else _SQLITE_SQL
        dbapi = engine.dialect.loaded_dbapi
        self._refused: tuple[type[BaseException], ...] = (dbapi.IntegrityError, dbapi.DataError)
        self._unavailable: type[BaseException] = dbapi.OperationalError
        #: Anything else the database refuses (no privilege, a read-only file): one line too.
        self._failed: type[BaseException] = dbapi.DatabaseError
        self._closers: list[weakref.finalize[Any, Any]] = []
        self._closers_lock = threading.Lock()
        if links < 1:
            raise ConfigurationError(
                f"a store needs at least one connection, not {links}",
                reason=STORE_NO_LINKS(links=links),
            )
        self.links = links
        self._pool_pid = os.getpid()
        #: Connections not in use, the last given back on top (it is the warmest).
        self._idle: list[_Link] = []
        self._idle_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(links)
        note_store(self.url)

    @classmethod
    def from_url(cls, url: str, *, clock: Clock = _utc_now) -> EventStore:
        return cls(create_store_engine(url), clock=clock)

    @property
    def url(self) -> str:
        return safe_url(self.engine.url)

    @property
    def clock(self) -> Clock:
        """What the store reads ``recorded_at`` from."""
        return self._clock

    def use_clock(self, clock: Clock) -> Clock:
        """Record with ``clock`` from now on (the demo's story clock); returns the clock it had.
        The same store and its connections go on: a second store on the same SQLite file would
        hold a connection of its own, and two writers lock each other out."""
        before, self._clock = self._clock, clock
        return before

    def close(self) -> None:
        """Close every connection the store holds (in any thread) and the engine's pool.

        The store stays usable: the next call opens a connection again.
        """
        with self._closers_lock:
            closers, self._closers = self._closers, []
        with self._idle_lock:
            self._idle = []
        for closer in closers:
            closer()
        self.engine.dispose()

    # -- connections ---------------------------------------------------------------------

    def _open_link(self) -> _Link:
        try:
            link: _Link = _PgLink(self) if self._postgres else _SqliteLink(self)
        except self._unavailable as exc:
            raise _fault(exc, self.url, "open") from exc
        closer = weakref.finalize(link, _close_quietly, link.conn, link.pid)
        with self._closers_lock:
            self._closers = [c for c in self._closers if c.alive]
            self._closers.append(closer)
        link.closer = closer
        return link

    def _reset_after_fork(self) -> None:
        """A forked child starts with no connections of its own (the parent's stay the
        parent's: they are never used nor closed here) and every slot free."""
        with self._idle_lock:
            if self._pool_pid != os.getpid():
                self._idle = []
                self._slots = threading.BoundedSemaphore(self.links)
                self._pool_pid = os.getpid()

    def _borrow(self) -> _Link:
        """One of the store's connections for one transaction: an idle one, or a new one while
        fewer than ``links`` are open; else wait for one to be given back."""
        if self._pool_pid != os.getpid():
            self._reset_after_fork()
        slots = self._slots
        if not slots.acquire(timeout=LINK_WAIT_S):
            raise StoreUnavailable(
                f"all {self.links} connections of this process to {self.url} stayed busy for "
                f"{LINK_WAIT_S:.0f} s: nothing was done; try again",
                reason=STORE_LINKS_BUSY(
                    links=self.links, store=str(self.url), seconds=f"{LINK_WAIT_S:.0f}"
                ),
            )
        try:
            with self._idle_lock:
                while self._idle:
                    link = self._idle.pop()
                    if link.usable():
                        return link
                    link.close()
            return self._open_link()
        except BaseException:
            slots.release()
            raise

    def _give_back(self, link: _Link) -> None:
        if link.pid != self._pool_pid:  # borrowed before a fork: not this process's to keep
            return
        if link.usable():
            with self._idle_lock:
                self._idle.append(link)
        self._slots.release()

    @contextmanager
    def _leased(self) -> Iterator[_Link]:
        """A connection for the length of the block, given back at its end (closed first if
        the call found it broken: see ``_drop``)."""
        link = self._borrow()
        try:
            yield link
        finally:
            self._give_back(link)

    @staticmethod
    def _drop(link: _Link) -> None:
        """Close a connection found broken: given back, it frees its slot and is not kept."""
        link.close()

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One connection held for a burst of appends, each its own transaction::

            with store.writer() as w:
                for command in burst:
                    w.append(stream_id, events, version)

        The connection is one of the store's and is given back when the block ends. A writer
        belongs to one thread.
        """
        with self._leased() as link:
            yield Writer(self, link)

    # -- writing -------------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        *,
        command_id: UUID | None = None,
    ) -> AppendResult:
        """Append ``events`` to ``stream_id`` if it is still at ``expected_version``.

        All or nothing. A stale ``expected_version`` raises ConcurrencyError; an event that
        does not fit the catalogue raises InvalidEventError; in both cases nothing is written.
        A ``command_id`` seen before returns the earlier result without writing again.
        """
        request = AppendRequest(stream_id, events, expected_version, command_id)
        return self._append_many(None, [request], ())[0]

    def append_many(
        self,
        requests: Sequence[AppendRequest],
        *,
        guards: Sequence[Guard] = (),
        also: Sequence[Statement] = (),
    ) -> list[AppendResult]:
        """Several appends in one transaction (a decision over several streams, bulk import):
        all land or none.

        ``guards`` name what the decision read besides the streams it writes: if any of it
        changed since, ConcurrencyError is raised and nothing is written, so a decision
        against the whole round (its budget, its pool) can never overrun it. ``also``: other
        statements (``?`` as the parameter marker) that commit with the events or not at all
        (a reminder's claim marked sent with its ``ReminderSent`` events).
        """
        return self._append_many(None, requests, guards, also)

    def _append_many(
        self,
        held: _Link | None,
        requests: Sequence[AppendRequest],
        guards: Sequence[Guard],
        also: Sequence[Statement] = (),
        *,
        waited: bool = False,
    ) -> list[AppendResult]:
        """``waited``: a held SQLite link's append onto the head it knew has waited the lock
        note's delay for the write lock, in vain (see :meth:`_SqliteLink.append_one`)."""
        # (No comprehension for the common single request: in Python 3.11 each one is a
        # function made and called, on every append.)
        if len(requests) == 1:
            prepared = [self._prepare(requests[0])]
        else:
            prepared = [self._prepare(r) for r in requests]
            if not prepared:
                return []
        extra = [self._statement(s) for s in also] if also else []
        for attempt in (1, 2):
            link = held if held is not None else self._borrow()
            try:
                if waited:
                    return link.write_after_wait(prepared)
                return link.write(prepared, guards, extra)
            except _Stale:
                # A kept connection the server dropped while idle (a restart, a timeout);
                # nothing was sent after BEGIN, so it is safe to try once on a new one.
                if held is not None or attempt == 2:
                    raise StorageFault("connection_lost", self.url, "write") from None
                self._drop(link)
                continue
            except self._refused as exc:
                # The lock makes this unreachable for well-behaved writers; a duplicate
                # event id supplied by the caller still lands here.
                raise InvalidEventError(
                    f"the store refused the events: {_first_line(exc)}; nothing was written",
                    reason=STORE_REFUSED_EVENTS(cause=_first_line(exc)),
                ) from exc
            except self._unavailable as exc:
                if held is None:
                    self._drop(link)
                raise _fault(exc, self.url, "write") from exc
            except self._failed as exc:
                raise _fault(exc, self.url, "write") from exc
            finally:
                if held is None:
                    self._give_back(link)  # as _leased does: a dropped one is not kept
        raise AssertionError("unreachable")  # pragma: no cover

    def import_rows(
        self,
        rows: Iterable[tuple[Any, ...]],
        *,
        batch_size: int = 5_000,
        checkpoints: Sequence[tuple[int, str, datetime, str, str]] = (),
    ) -> int:
        """Load exported rows (positions, times and hashes as exported) into an empty store.

        One transaction: if ``rows`` raises part-way (a hash that does not verify), nothing
        is written. Rows are tuples in the order of the stored columns (instants as their
        canonical text). PostgreSQL loads them with COPY. ``checkpoints`` (position, hash,
        signed_at, public key, signature) go in with them, read once the rows are: the
        caller may fill the sequence while ``rows`` is consumed.
        """
        with self._leased() as link:
            try:
                return link.import_rows(rows, batch_size, checkpoints)
            except self._refused as exc:
                raise InvalidEventError(
                    f"the store refused the imported rows: {_first_line(exc)}; "
                    "nothing was imported",
                    reason=STORE_REFUSED_IMPORT(cause=_first_line(exc)),
                ) from exc
            except self._unavailable as exc:
                self._drop(link)
                raise _fault(exc, self.url, "write") from exc
            except self._failed as exc:
                raise _fault(exc, self.url, "write") from exc

    def _statement(self, statement: Statement) -> tuple[str, tuple[Any, ...]]:
        """A statement in this backend's parameter style, instants as the backend keeps them."""
        sql = statement.sql if not self._postgres else statement.sql.replace("?", "%s")
        params = tuple(
            (v if self._postgres else iso_utc(v)) if isinstance(v, datetime) else v
            for v in statement.params
        )
        return sql, params

    def _prepare(self, request: AppendRequest) -> _Prepared:
        if not _STREAM_ID.match(request.stream_id):
            raise InvalidEventError(
                f"stream id {request.stream_id!r} is not valid: use lower-case letters, digits "
                "and ':._-', e.g. project:ppss-2014:farsta",
                reason=STREAM_ID_BAD(stream=request.stream_id, example="project:ppss-2014:farsta"),
            )
        if not request.events:
            raise InvalidEventError(
                f"nothing to append to {request.stream_id!r}",
                reason=STREAM_NOTHING(stream=request.stream_id),
            )
        if request.expected_version < 0:
            raise InvalidEventError(
                "expected_version must be 0 (a new stream) or more",
                reason=STREAM_VERSION_NEGATIVE(),
            )
        command_id = request.command_id
        events = request.events
        if len(events) == 1:
            encoded = [encode(events[0], command_id=command_id)]
        else:
            encoded = [encode(e, command_id=command_id) for e in events]
        if command_id is None:
            return _new_tuple(_Prepared, (request, encoded, None, None))  # no Python __new__
        return _Prepared(
            request, encoded, str(command_id), request_hash(request.stream_id, encoded)
        )

    def _rows_for(
        self,
        head: tuple[Any, ...] | None,
        versions: dict[str, int],
        prepared: list[_Prepared],
        earlier: dict[str, tuple[Any, ...]],
    ) -> tuple[list[StoredRow], list[tuple[Any, ...]], list[AppendResult]]:
        """The rows to insert, positioned and hashed after ``head``; raises on a conflict."""
        if head is None:
            position, prev_hash = 0, GENESIS_HASH
            recorded_at, recorded_text = self._recorded_after(None)
        else:
            position, prev_hash = head[0], head[1]
            recorded_at, recorded_text = self._recorded_after(head[2])
        results: list[AppendResult] = []
        rows: list[StoredRow] = []
        command_rows: list[tuple[Any, ...]] = []
        for item in prepared:
            req = item.request
            stream_id = req.stream_id
            if item.command_id is not None:
                row = earlier.get(item.command_id)
                if row is not None:
                    results.append(_earlier_result(item, row))
                    continue
            actual = versions.get(stream_id, 0)
            if actual != req.expected_version:
                raise ConcurrencyError(stream_id, req.expected_version, actual)
            first = position + 1
            for enc in item.encoded:
                position += 1
                actual += 1
                values = (position, stream_id, actual, enc.event_id, enc.event_type,
                          enc.schema_version, enc.data, enc.metadata, enc.occurred_at,
                          recorded_text)  # fmt: skip
                prev_hash = chain_hash_text(prev_hash, *values)
                rows.append((*values, prev_hash))
            versions[stream_id] = actual
            if item.command_id is not None:
                command_rows.append((item.command_id, stream_id, item.request_hash, first,
                                     position, actual, recorded_text))  # fmt: skip
                # A command id twice in one batch: the second is a retry of the first.
                earlier[item.command_id] = (item.command_id, stream_id, item.request_hash,
                                            first, position, actual, recorded_text)  # fmt: skip
            results.append(_result(stream_id, first, position, actual, recorded_at))
        return rows, command_rows, results

    def _recorded_after(self, head_recorded: Any) -> tuple[datetime, str]:
        """The recorded instant of the next append after a head recorded at ``head_recorded``
        (None: an empty store), and its canonical text: the clock's time, or the head's if
        that is later."""
        recorded_at = self._clock()
        if recorded_at.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        recorded_text = iso_utc(recorded_at)
        if head_recorded is None:
            return recorded_at, recorded_text
        # recorded_at never goes backwards along the positions: "known at T" is a prefix.
        # Canonical texts (fixed width, UTC) sort as their instants: no parse when later.
        if isinstance(head_recorded, str):
            if head_recorded > recorded_text:
                return parse_utc(head_recorded), head_recorded
        elif head_recorded > recorded_at:
            recorded_at = parse_utc(head_recorded)
            return recorded_at, iso_utc(recorded_at)
        return recorded_at, recorded_text

    # -- reading -------------------------------------------------------------------------

    def fetch(self, statement: Statement) -> list[tuple[Any, ...]]:
        """One short read of the store's other tables on a lent connection, as its own
        transaction: one round trip, for a lookup that every request makes (an API token)."""
        return self._fetch(*self._statement(statement))

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement on a borrowed connection, as its own short read."""
        for attempt in (1, 2):
            with self._leased() as link:
                try:
                    return link.fetch(sql, params)
                except _Stale:
                    self._drop(link)
                    if attempt == 2:
                        raise StorageFault("connection_lost", self.url, "read") from None
                except self._unavailable as exc:
                    self._drop(link)
                    raise _fault(exc, self.url, "read") from exc
                except self._failed as exc:
                    raise _fault(exc, self.url, "read") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def head_problem(self) -> ChainBroken | None:
        """Whether the newest row matches its hash (None) or was changed behind the store's
        back (the refusal an append would meet): a cheap check for boards to warn with."""
        try:
            check_head(self._fetch(self._sql.head_rows), self.url)
        except ChainBroken as broken:
            return broken
        return None

    def head(self) -> Head:
        """Position and hash of the newest event."""
        rows = self._fetch(self._sql.head)
        if not rows:
            return Head(0, GENESIS_HASH, None)
        position, hash_, recorded_at = rows[0]
        return Head(position, hash_, parse_utc(recorded_at))

    def stream_version(self, stream_id: str) -> int:
        """How many events the stream has (0 for a stream that does not exist yet)."""
        return int(self._fetch(self._sql.version, (stream_id,))[0][0] or 0)

    def last_position_under(self, prefix: str) -> int:
        """The newest position among the streams under ``prefix`` (0: none yet)."""
        found = self._fetch(self._sql.last_under, (prefix, prefix + _TOP))
        return int(found[0][0] or 0)

    def read_stream(
        self,
        stream_id: str,
        *,
        to_version: int | None = None,
        known_at: datetime | None = None,
    ) -> list[Recorded[Any]]:
        """One stream in version order, optionally only up to a version or a recorded instant."""
        sql = self._sql
        params: list[Any] = [stream_id]
        query = sql.select + sql.where_stream
        if to_version is not None:
            query += sql.and_version_upto
            params.append(to_version)
        if known_at is not None:
            query += sql.and_known_at
            params.append(iso_utc(known_at))
        rows = self._fetch(query + " ORDER BY version", params)
        return [_decode(row) for row in rows]

    def read_stream_set(self, stream_ids: Sequence[str]) -> dict[str, list[Recorded[Any]]]:
        """A few whole streams (a round's and one project's) in one statement, each in
        version order and as of one moment; a stream with no events is not in the answer."""
        if not stream_ids:
            return {}
        m = self._sql.marker
        marks = ", ".join([m] * len(stream_ids))
        rows = self._fetch(
            f"{self._sql.select} WHERE stream_id IN ({marks}) ORDER BY stream_id, version",
            list(stream_ids),
        )
        streams: dict[str, list[Recorded[Any]]] = {}
        for row in rows:
            streams.setdefault(row[1], []).append(_decode(row))
        return streams

    def find(
        self, *, position: int | None = None, event_id: UUID | None = None
    ) -> Recorded[Any] | None:
        """One event by its global position or its id (None if there is no such event)."""
        if position is not None:
            rows = self._fetch(self._sql.by_position, (position,))
        elif event_id is not None:
            rows = self._fetch(self._sql.by_event_id, (str(event_id),))
        else:
            raise ValueError("give a position or an event id")
        return _decode(rows[0]) if rows else None

    def read_streams(self, prefix: str, *, known_at: datetime | None = None) -> list[Recorded[Any]]:
        """Every stream whose id starts with ``prefix`` (a round's projects), in global order."""
        # A range on the (stream_id, version) index, not LIKE: no escaping, index-friendly.
        sql = self._sql
        query = sql.select + sql.where_prefix
        params: list[Any] = [prefix, prefix + _TOP]
        if known_at is not None:
            query += sql.and_known_at
            params.append(iso_utc(known_at))
        rows = self._fetch(query + " ORDER BY position", params)
        return [_decode(row) for row in rows]

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams under ``prefix``, in order (from the index alone)."""
        m = self._sql.marker
        rows = self._fetch(
            f"SELECT DISTINCT stream_id FROM events WHERE stream_id >= {m} AND stream_id < {m} "  # noqa: S608
            "ORDER BY stream_id",
            (prefix, prefix + _TOP),
        )
        return [r[0] for r in rows]

    def stream_versions(self, prefix: str) -> dict[str, int]:
        """Each stream under ``prefix`` with its version (from the index alone)."""
        m = self._sql.marker
        rows = self._fetch(
            f"SELECT stream_id, max(version) FROM events WHERE stream_id >= {m} "  # noqa: S608
            f"AND stream_id < {m} GROUP BY stream_id",
            (prefix, prefix + _TOP),
        )
        return {r[0]: int(r[1]) for r in rows}

    def read_stream_batches(
        self, prefix: str, *, streams: int = 1000
    ) -> Iterator[dict[str, list[Recorded[Any]]]]:
        """The streams under ``prefix``, ``streams`` at a time, each in version order: a round of
        many projects read without holding all of it in memory."""
        ids = self.stream_ids(prefix)
        m = self._sql.marker
        query = (
            f"{self._sql.select} WHERE stream_id >= {m} AND stream_id <= {m} "
            "ORDER BY stream_id, version"
        )
        for i in range(0, len(ids), streams):
            chunk = ids[i : i + streams]
            batch: dict[str, list[Recorded[Any]]] = {}
            for row in self._fetch(query, (chunk[0], chunk[-1])):
                batch.setdefault(row[1], []).append(_decode(row))
            yield batch

    def read_all(
        self, after: int = 0, *, batch_size: int = 1000, limit: int | None = None
    ) -> Iterator[Recorded[Any]]:
        """All events after position ``after`` in global order, fetched a batch at a time.

        Each batch is its own short read, so a long replay never pins an old snapshot. Rows
        are decoded one at a time as the caller asks for them: a decoded event the caller
        has finished with is garbage at once, which keeps Python's collector cheap.
        """
        for rows in self.read_rows(after, batch_size=batch_size, limit=limit):
            for row in rows:
                yield _decode(row)

    def read_all_batches(
        self, after: int = 0, *, batch_size: int = 1000, limit: int | None = None
    ) -> Iterator[list[Recorded[Any]]]:
        """Like :meth:`read_all`, a list per batch (for progress bars and checkpoints)."""
        for rows in self.read_rows(after, batch_size=batch_size, limit=limit):
            yield [_decode(row) for row in rows]

    def read_rows(
        self, after: int = 0, *, batch_size: int = 1000, limit: int | None = None
    ) -> Iterator[list[StoredRow]]:
        """The stored rows themselves, undecoded, a batch at a time (for verification).

        Each row is a plain tuple in the order of the stored columns (see :data:`StoredRow`).
        """
        remaining = limit
        select_after = self._sql.select_after
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)
            rows = self._fetch(select_after, (after, size))
            if not rows:
                return
            yield rows
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return

    def count(self) -> int:
        return int(self._fetch(self._sql.count)[0][0])


class Writer:
    """One held connection for a burst of appends; each append is its own transaction.

    Made by :meth:`EventStore.writer`; the same semantics as the store's own methods.
    """

    def __init__(self, store: EventStore, link: _Link) -> None:
        self.store = store
        self.link = link

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        *,
        command_id: UUID | None = None,
    ) -> AppendResult:
        waited = False
        if command_id is None and len(events) == 1:
            one = self.link.append_one
            if one is not None:
                try:
                    done = one(stream_id, events[0], expected_version)
                except _WaitedForLock:
                    waited = True  # the note's delay is spent: the full path waits the rest
                else:
                    if done is not None:
                        return done
        request = AppendRequest(stream_id, events, expected_version, command_id)
        return self.store._append_many(self.link, [request], (), waited=waited)[0]

    def append_many(
        self, requests: Sequence[AppendRequest], *, guards: Sequence[Guard] = ()
    ) -> list[AppendResult]:
        return self.store._append_many(self.link, requests, guards)


class _Prepared(NamedTuple):
    request: AppendRequest
    encoded: list[EncodedEvent]
    command_id: str | None
    request_hash: str | None


_new_result = object.__new__
# fmt: off
(_set_stream_id, _set_first, _set_last, _set_version, _set_recorded_at,
 _set_duplicate) = (AppendResult.__dict__[name].__set__ for name in (
     "stream_id", "first_position", "last_position", "stream_version", "recorded_at",
     "duplicate"))
# fmt: on


def _result(
    stream_id: str, first: int, last: int, version: int, recorded_at: datetime
) -> AppendResult:
    """``AppendResult(stream_id, first, last, version, recorded_at)``, its slots set directly:
    a frozen dataclass's own __init__ sets each through object.__setattr__, twice the time."""
    result: AppendResult = _new_result(AppendResult)
    _set_stream_id(result, stream_id)
    _set_first(result, first)
    _set_last(result, last)
    _set_version(result, version)
    _set_recorded_at(result, recorded_at)
    _set_duplicate(result, False)
    return result


def _read_the_rest(
    cur: Any,
    sql: Any,
    rest: list[str],
    guards: Sequence[Guard],
    prepared: list[_Prepared],
    versions: dict[str, int],
) -> tuple[list[list[Any]], dict[str, tuple[Any, ...]]]:
    """After the head and the first streams' versions, under the write lock (both links):
    the other streams' versions into ``versions``, what each prefix guard finds after its
    position, and the commands seen before under the command ids, by id."""
    for i in range(0, len(rest), _IN_CHUNK):
        chunk = rest[i : i + _IN_CHUNK]
        versions.update(cur.execute(sql.versions(len(chunk)), chunk).fetchall())
    hits = [
        cur.execute(sql.prefix_after, (g.last_position, g.prefix, g.prefix + _TOP)).fetchall()
        for g in guards
        if isinstance(g, PrefixGuard)
    ]
    earlier = {
        p.command_id: row
        for p in prepared
        if p.command_id is not None
        for row in cur.execute(sql.command, (p.command_id,)).fetchall()
    }
    return hits, earlier


def _earlier_result(item: _Prepared, row: tuple[Any, ...]) -> AppendResult:
    command_id, stream_id, hash_, first, last, version, recorded_at = row
    if hash_ != item.request_hash or stream_id != item.request.stream_id:
        raise IdempotencyConflict(
            f"command id {command_id} was already used for a different command "
            f"on {stream_id!r}; use a new command id; nothing was written",
            reason=COMMAND_ID_REUSED(command=str(command_id), stream=stream_id),
        )
    return AppendResult(stream_id, first, last, version, parse_utc(recorded_at), duplicate=True)


class _Stale(Exception):
    """A held connection was found broken before anything was sent in its transaction."""


class _Unsure(Exception):
    """SQLite: an append onto the head a connection knew was refused, nothing written; the
    full path (which reads the head and the versions) says why, or writes it after all."""


class _WaitedForLock(Exception):
    """SQLite: a write that takes the lock itself waited the note's delay for it, in vain."""


class _Link:
    """One DBAPI connection, detached from the engine's pool, held for many transactions."""

    conn: Any
    closer: weakref.finalize[Any, Any] | None

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.sql = store._sql
        fairy = store.engine.raw_connection()  # runs the engine's connect hooks (pragmas)
        self.conn = fairy.driver_connection
        fairy.detach()  # ours now: the pool neither counts nor resets it
        self.pid = os.getpid()
        self.used = False
        self.closer = None
        #: The last row this connection wrote, and the hash it was chained onto.
        self.wrote: tuple[tuple[Any, ...], str] | None = None

    def usable(self) -> bool:
        return self.pid == os.getpid() and self.closer is not None and self.closer.alive

    def close(self) -> None:
        if self.closer is not None:
            self.closer()

    #: SQLite: a writer's one-event append onto the head this connection knows, else None.
    append_one: Callable[[str, NewEvent, int], AppendResult | None] | None = None

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def write_after_wait(self, prepared: list[_Prepared]) -> list[AppendResult]:
        raise NotImplementedError

    def write(
        self, prepared: list[_Prepared], guards: Sequence[Guard], also: Sequence[Any] = ()
    ) -> list[AppendResult]:
        raise NotImplementedError

    def import_rows(
        self, rows: Iterable[tuple[Any, ...]], batch_size: int, checkpoints: Sequence[Any]
    ) -> int:
        raise NotImplementedError

    @staticmethod
    def _wanted(prepared: list[_Prepared], guards: Sequence[Guard]) -> list[str]:
        ids = {p.request.stream_id for p in prepared}
        ids.update(g.stream_id for g in guards if isinstance(g, StreamGuard))
        return sorted(ids)

    @staticmethod
    def _check_guards(
        guards: Sequence[Guard], versions: dict[str, int], prefix_hits: list[Any]
    ) -> None:
        hits = iter(prefix_hits)
        for guard in guards:
            if isinstance(guard, StreamGuard):
                actual = versions.get(guard.stream_id, 0)
                if actual != guard.version:
                    raise ConcurrencyError(guard.stream_id, guard.version, actual)
            else:
                found = next(hits)
                if found:
                    raise ConcurrencyError(guard.prefix + "*", guard.last_position, found[0][0])

    def _check_head(self, head: tuple[Any, ...]) -> None:
        """Refuse a head row whose hash is not that of its content and the hash before it.
        The row this connection wrote last, found again exactly as written (every column,
        and the hash before it), has that hash by construction: no need to hash it again."""
        if self.wrote is not None and _stored_order(head) == self.wrote:
            return
        check_head_row(head, self.store.url)

    def _remember(self, rows: list[StoredRow], head: tuple[Any, ...] | None) -> None:
        if not rows:
            return
        prev = rows[-2][10] if len(rows) > 1 else head[1] if head is not None else GENESIS_HASH
        self.wrote = (tuple(rows[-1]), prev)

    @staticmethod
    def _split(rows: list[tuple[Any, ...]], versions: dict[str, int]) -> tuple[Any, ...] | None:
        """The head row out of a head-and-versions result, the versions into ``versions``."""
        head = None
        for row in rows:
            if row[0] is None:
                head = row[1:]
            else:
                versions[row[0]] = row[1] or 0
        return head


#: One lock per in-memory (shared-cache) database: its connections do not wait for each other
#: as a file's do (a lock conflict is an error at once), so this process takes turns itself.
_MEMORY_TURNS: dict[str, threading.RLock] = {}
_MEMORY_TURNS_LOCK = threading.Lock()


def _turns(url: Any) -> AbstractContextManager[Any]:
    if url.query.get("mode") != "memory":
        return nullcontext()
    with _MEMORY_TURNS_LOCK:
        return _MEMORY_TURNS.setdefault(str(url.database), threading.RLock())


class _SqliteLink(_Link):
    def __init__(self, store: EventStore) -> None:
        super().__init__(store)
        self.conn.isolation_level = None  # we say BEGIN ourselves (the connect hook does too)
        self.cur = self.conn.cursor()
        self._turn = _turns(store.engine.url)
        #: Connections to one shared-cache (in-memory) database share one data_version: there
        #: the head is read on every append.
        self._watch = store.engine.url.query.get("mode") != "memory"
        #: This connection's data_version when it last read the head (None: not read yet).
        self.changes: int | None = None

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        # One statement outside BEGIN is its own read transaction: one consistent snapshot.
        with self._turn:
            return self.cur.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def write(
        self, prepared: list[_Prepared], guards: Sequence[Guard], also: Sequence[Any] = ()
    ) -> list[AppendResult]:
        if not self._watch:  # a shared-cache database: this process takes turns itself
            with self._turn:
                return self._write(prepared, guards, also)
        if (
            self.changes is not None
            and self.wrote is not None
            and len(prepared) == 1
            and not (guards or also)
        ):
            try:
                return self._write_known(prepared[0])
            except _Unsure:
                pass
            except _WaitedForLock:
                return self.write_after_wait(prepared)
        return self._write(prepared, guards, also)

    def write_after_wait(self, prepared: list[_Prepared]) -> list[AppendResult]:
        """One request whose append onto the known head waited the note's delay for the write
        lock, in vain: the note, the rest of the wait, then the full path."""
        begin_immediate_after_wait(self.cur, self.store.engine.url)
        return self._write(prepared, (), (), begun=True)

    def append_one(self, stream_id: str, new: NewEvent, expected: int) -> AppendResult | None:
        """A writer's append of one event without a command id, onto the head this connection
        knows: :meth:`_write_known` for that one case, the layers between made in one frame
        (no request, prepared or row lists; the row placed and hashed here, as
        :meth:`EventStore._rows_for` does). None, nothing written, when the full path must
        do it: the head is not known, the request is one the full path refuses (it says why),
        the INSERT's checks failed or the store refused the row. Raises what the full path
        raises for an event that does not encode, and _WaitedForLock after the note's delay.
        """
        wrote, changes = self.wrote, self.changes
        if wrote is None or changes is None or not self._watch:
            return None
        if expected < 0 or not _stream_id_ok(stream_id):
            return None
        store = self.store
        event_id, event_type, schema_version, data, metadata, occurred_at = encode(new)
        known, prev_hash = wrote[0], wrote[0][10]
        recorded_at, recorded_text = store._recorded_after(known[9])
        position, version = known[0] + 1, expected + 1
        # fmt: off
        hash_ = chain_hash_text(prev_hash, position, stream_id, version, event_id, event_type,
                                schema_version, data, metadata, occurred_at, recorded_text)
        # fmt: on
        try:
            # fmt: off
            self.cur.execute(self.sql.insert_known, (
                position, stream_id, changes, stream_id, expected, version, event_id,
                event_type, schema_version, data, metadata, occurred_at, recorded_text, hash_))
            # fmt: on
        except store._refused:
            return None  # nothing written: the full path says why, or writes it after all
        except store._failed as exc:
            if isinstance(exc, store._unavailable) and locked_out(exc):
                raise _WaitedForLock from exc
            raise _fault(exc, store.url, "write") from exc
        # fmt: off
        self.wrote = ((position, stream_id, version, event_id, event_type, schema_version, data,
                       metadata, occurred_at, recorded_text, hash_), prev_hash)
        # fmt: on
        return _result(stream_id, position, position, version, recorded_at)

    def _write_known(self, item: _Prepared) -> list[AppendResult]:
        """One request chained onto the head this connection knows, with the checks that the
        full path makes by reading (no other connection has committed since: the
        data_version; the stream is at the expected version) made by the INSERT itself: its
        first row's version is NULL, refused by the column, unless both hold. One statement,
        its own transaction, for one event without a command id; else in BEGIN IMMEDIATE ...
        COMMIT with the rest. Raises _Unsure (nothing written) when the full path must say
        what is so: a check failed, or the store refused the rows (a duplicate event id, a
        command id seen before).
        """
        cur, sql = self.cur, self.sql
        known = self.wrote[0]  # type: ignore[index]
        head = (known[0], known[10], known[9])  # position, hash, recorded_at
        request = item.request
        stream_id, expected = request.stream_id, request.expected_version
        rows, command_rows, results = self.store._rows_for(head, {stream_id: expected}, [item], {})
        first = rows[0]
        # fmt: off
        guarded = (first[0], first[1], self.changes, stream_id, expected, first[2], first[3],
                   first[4], first[5], first[6], first[7], first[8], first[9], first[10])
        # fmt: on
        try:
            if len(rows) == 1 and not command_rows:
                cur.execute(sql.insert_known, guarded)  # BEGIN IMMEDIATE ... COMMIT in one
            else:
                begin_immediate(cur, self.store.engine.url)
                try:
                    cur.execute(sql.insert_known, guarded)
                    if len(rows) > 1:
                        cur.executemany(sql.insert, rows[1:])
                    if command_rows:
                        cur.executemany(sql.insert_command, command_rows)
                    cur.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
        except self.store._refused as exc:
            raise _Unsure from exc
        except self.store._unavailable as exc:
            if len(rows) == 1 and not command_rows and locked_out(exc):
                raise _WaitedForLock from exc
            raise
        self._remember(rows, head)
        return results

    def _write(
        self,
        prepared: list[_Prepared],
        guards: Sequence[Guard],
        also: Sequence[Any] = (),
        *,
        begun: bool = False,
    ) -> list[AppendResult]:
        cur, sql = self.cur, self.sql
        if not begun:
            begin_immediate(cur, self.store.engine.url)
        try:
            head, (rows, command_rows, results) = self._read_and_place(prepared, guards)
            if len(rows) == 1:
                cur.execute(sql.insert, rows[0])
            elif rows:
                cur.executemany(sql.insert, rows)
            if command_rows:
                cur.executemany(sql.insert_command, command_rows)
            for statement, params in also:
                cur.execute(statement, params)
            cur.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self._remember(rows, head)
        return results

    def _read_and_place(
        self, prepared: list[_Prepared], guards: Sequence[Guard]
    ) -> tuple[tuple[Any, ...] | None, _Placed]:
        """Read the head (checked), the versions, the guards and earlier commands, then place
        the rows after the head; raises on a conflict."""
        cur, sql = self.cur, self.sql
        if guards or len(prepared) > 1:
            wanted = self._wanted(prepared, guards)
        else:  # one stream, nothing else read: the common command
            wanted = [prepared[0].request.stream_id]
        versions: dict[str, int] = {}
        first, rest = wanted[:_WITH_HEAD], wanted[_WITH_HEAD:]
        head = self._head(first, versions)
        hits, earlier = _read_the_rest(cur, sql, rest, guards, prepared, versions)
        if guards:
            self._check_guards(guards, versions, hits)
        return head, self.store._rows_for(head, versions, prepared, earlier)

    def _head(self, first: list[str], versions: dict[str, int]) -> tuple[Any, ...] | None:
        """The head to chain onto (checked), with the versions of ``first`` into ``versions``.

        If this connection knows the head (it wrote that row, or read and checked it) and no
        other connection has committed anything since (SQLite's data_version, read under the
        write lock, is what it was then), the head is that row, unchanged: only the
        data_version and the versions are read, one statement as before, without the head
        row's columns. Else the head row itself, with the hash before it, is read and checked.
        """
        cur, sql = self.cur, self.sql
        params = sql.head_and_versions_params(first)
        if self.wrote is not None and self._watch:
            found = cur.execute(sql.changes_and_versions(len(first)), params).fetchall()
            changes = None
            for key, value in found:
                if key is None:
                    changes = value
                else:
                    versions[key] = value or 0
            if changes == self.changes:
                row = self.wrote[0]
                return (row[0], row[10], row[9])  # position, hash, recorded_at
            head_rows = cur.execute(sql.head_row).fetchall()
        else:
            head_rows = cur.execute(sql.head_and_versions(len(first)), params).fetchall()
        head = self._split(head_rows, versions)
        if head is None:
            self.wrote = self.changes = None
            return None
        head, changes = head[:-1], head[-1]
        self._check_head(head)
        # The head as read and checked, and the data_version it goes with: until another
        # connection commits, the head is this row (or one this connection writes after it).
        self.wrote, self.changes = _stored_order(head), changes
        return head

    def import_rows(
        self, rows: Iterable[tuple[Any, ...]], batch_size: int, checkpoints: Sequence[Any]
    ) -> int:
        with self._turn:
            return self._import_rows(rows, batch_size, checkpoints)

    def _import_rows(
        self, rows: Iterable[tuple[Any, ...]], batch_size: int, checkpoints: Sequence[Any]
    ) -> int:
        cur, sql = self.cur, self.sql
        count = 0
        self.wrote = self.changes = None  # the head is read again after an import
        begin_immediate(cur, self.store.engine.url)
        try:
            if cur.execute(sql.head).fetchall():
                raise ConfigurationError(
                    f"{self.store.url} already holds events: import only into an empty store",
                    reason=IMPORT_STORE_NOT_EMPTY(store=str(self.store.url)),
                )
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    cur.executemany(sql.insert, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql.insert, batch)
                count += len(batch)
            if checkpoints:
                texts = [(p, h, iso_utc(at), k, sig) for p, h, at, k, sig in checkpoints]
                cur.executemany(sql.insert_checkpoint, texts)
            cur.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return count

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except Exception:
                self.close()


class _PgLink(_Link):
    def __init__(self, store: EventStore) -> None:
        super().__init__(store)
        conn = self.conn
        if conn.info.transaction_status:  # the pool's ping may have opened one
            conn.rollback()
        # Autocommit, and BEGIN said ourselves: BEGIN and the lock go in one message.
        conn.autocommit = True
        self.cur = conn.cursor()
        self.cur_head = conn.cursor()

    def _stale(self, exc: BaseException) -> bool:
        return self.used and bool(self.conn.broken or self.conn.closed)

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            rows: list[tuple[Any, ...]] = self.cur.execute(sql, params).fetchall()
        except self.store._unavailable as exc:
            if self._stale(exc):
                raise _Stale from exc
            raise
        self.used = True
        return rows

    def write(
        self, prepared: list[_Prepared], guards: Sequence[Guard], also: Sequence[Any] = ()
    ) -> list[AppendResult]:
        cur, sql = self.cur, self.sql
        wanted = self._wanted(prepared, guards)
        first, rest = wanted[:_WITH_HEAD], wanted[_WITH_HEAD:]
        try:
            # BEGIN and the lock in one simple-protocol message (no parameters), then the
            # head and versions in one statement after the lock: two round trips. (psycopg's
            # pipeline mode would save one, but costs more in client waits than it saves.)
            cur.execute(sql.begin_lock)
            head_rows = self.cur_head.execute(
                sql.head_and_versions(len(first)), sql.head_and_versions_params(first)
            ).fetchall()
            versions: dict[str, int] = {}
            head = self._split(head_rows, versions)
            if head is not None:
                self._check_head(head)
            hits, earlier = _read_the_rest(cur, sql, rest, guards, prepared, versions)
        except self.store._unavailable as exc:
            if self._stale(exc):
                raise _Stale from exc
            self._rollback()
            raise
        except BaseException:
            self._rollback()
            raise
        self.used = True
        try:
            self._check_guards(guards, versions, hits)
            rows, command_rows, results = self.store._rows_for(head, versions, prepared, earlier)
            if len(rows) >= _COPY_FROM:
                with cur.copy(sql.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
                if command_rows:
                    cur.executemany(sql.insert_command, command_rows)
                for statement, params in also:
                    cur.execute(statement, params)
                cur.execute("COMMIT")
            else:
                if len(rows) == 1:
                    cur.execute(sql.insert, rows[0])
                elif rows:
                    cur.executemany(sql.insert, rows)
                if command_rows:
                    cur.executemany(sql.insert_command, command_rows)
                for statement, params in also:
                    cur.execute(statement, params)
                cur.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self._remember(rows, head)
        return results

    def import_rows(
        self, rows: Iterable[tuple[Any, ...]], batch_size: int, checkpoints: Sequence[Any]
    ) -> int:
        cur, sql = self.cur, self.sql
        count = 0
        try:
            cur.execute("BEGIN")
            cur.execute(sql.lock)
            if cur.execute(sql.head).fetchall():
                raise ConfigurationError(
                    f"{self.store.url} already holds events: import only into an empty store",
                    reason=IMPORT_STORE_NOT_EMPTY(store=str(self.store.url)),
                )
            with cur.copy(sql.copy) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            if checkpoints:
                cur.executemany(sql.insert_checkpoint, list(checkpoints))
            cur.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self.used = True
        return count

    def _rollback(self) -> None:
        conn = self.conn
        if conn.closed or conn.broken:
            self.close()
            return
        try:
            if conn.info.transaction_status:
                conn.execute("ROLLBACK")
        except Exception:
            self.close()


def _close_quietly(conn: Any, pid: int) -> None:
    """Close a held connection, only in the process that opened it (never a fork's copy)."""
    if os.getpid() != pid:
        return
    with contextlib.suppress(Exception):  # closing what may already be broken
        conn.close()


# -- SQL, built once per backend ----------------------------------------------------------

_COLUMNS = (
    "position, stream_id, version, event_id, event_type, schema_version, data, metadata, "
    "occurred_at, recorded_at, hash"
)
_TOP = "\U0010ffff"
_IN_CHUNK = 500
#: Streams whose versions come with the head, one branch each; the rest by IN lists.
_WITH_HEAD = 8
#: From this many rows in one append, PostgreSQL gets them by COPY rather than INSERTs.
_COPY_FROM = 200


#: The head row whole, and the hash of the row before it (NULL if that row is missing): what
#: an append needs to chain onto it and to check it first, in the same statement.
_HEAD_ROW = (
    "SELECT NULL, h.position, h.hash, h.recorded_at, h.stream_id, h.version, h.event_id, "
    "h.event_type, h.schema_version, h.data, h.metadata, h.occurred_at, "
    "(SELECT p.hash FROM events AS p WHERE p.position = h.position - 1){changes} FROM "
    "(SELECT position, hash, recorded_at, stream_id, version, event_id, event_type, "
    "schema_version, data, metadata, occurred_at FROM events ORDER BY position DESC LIMIT 1) AS h"
)
#: SQLite's count of commits made by other connections to this connection's database:
#: unchanged since this connection's own last append, the head is still the row it wrote.
_CHANGES = "(SELECT data_version FROM pragma_data_version)"


class _Sql:
    """The store's statements in one backend's parameter style (and its index hints)."""

    def __init__(self, marker: str, *, postgres: bool) -> None:
        m = self.marker = marker
        # fmt: off
        self.select = f"SELECT {_COLUMNS} FROM events"  # noqa: S608 - constants only
        self.select_after = f"{self.select} WHERE position > {m} ORDER BY position LIMIT {m}"
        self.where_stream = f" WHERE stream_id = {m}"
        self.where_prefix = f" WHERE stream_id >= {m} AND stream_id < {m}"
        self.and_version_upto = f" AND version <= {m}"
        self.and_known_at = f" AND recorded_at <= {m}"
        self.by_position = f"{self.select} WHERE position = {m}"
        self.by_event_id = f"{self.select} WHERE event_id = {m}"
        self.head = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
        self.version = f"SELECT max(version) FROM events WHERE stream_id = {m}"  # noqa: S608
        self.count = "SELECT count(*) FROM events"
        #: The newest two rows: the head's hash is checked from its content before an append.
        self.head_rows = f"{self.select} ORDER BY position DESC LIMIT 2"
        self.last_under = ("SELECT max(position) FROM events "  # noqa: S608
                           f"WHERE stream_id >= {m} AND stream_id < {m}")
        # Only what came after the decision's reading: a walk up the primary key from
        # ``last``, not a scan of the whole round (SQLite's unary + keeps it off the
        # stream index; PostgreSQL's ORDER BY ... LIMIT 1 steers it to the primary key).
        plus = "" if postgres else "+"
        self.prefix_after = (f"SELECT position FROM events WHERE position > {m} "  # noqa: S608
                             f"AND {plus}stream_id >= {m} AND {plus}stream_id < {m} "
                             "ORDER BY position LIMIT 1")
        self.insert = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join([m] * 11)})"  # noqa: S608
        # SQLite: a row chained onto the head a connection knows. Its version is NULL (the
        # column refuses it) unless no other connection has committed since the connection
        # last saw the head (the data_version it had then) and the stream is still at the
        # expected version. Parameters: position, stream_id, data_version, stream_id,
        # expected version, then the row from its version on.
        self.insert_known = (
            f"INSERT INTO events ({_COLUMNS}) VALUES ({m}, {m}, CASE WHEN "  # noqa: S608
            f"{_CHANGES} = {m} AND coalesce((SELECT max(version) FROM events "
            f"WHERE stream_id = {m}), 0) = {m} THEN {m} END, {', '.join([m] * 8)})"
        )
        self.copy = f"COPY events ({_COLUMNS}) FROM STDIN"
        self.insert_checkpoint = ("INSERT INTO checkpoints (position, hash, signed_at, "  # noqa: S608
                                  f"public_key, signature) VALUES ({', '.join([m] * 5)})")
        self.command = ("SELECT command_id, stream_id, request_hash, first_position, "  # noqa: S608
                        f"last_position, stream_version, recorded_at FROM commands "
                        f"WHERE command_id = {m}")
        self.insert_command = ("INSERT INTO commands (command_id, stream_id, request_hash, "  # noqa: S608
                               "first_position, last_position, stream_version, recorded_at) "
                               f"VALUES ({', '.join([m] * 7)})")
        # One lock per schema, so separate stores in one database do not wait on each other.
        self.lock = ("SELECT pg_advisory_xact_lock("
                     "hashtextextended('ppss_workflow.events:' || current_schema(), 0))")
        self.begin_lock = f"BEGIN; {self.lock}"
        # fmt: on
        self._m = m
        self._head_and_versions: dict[int, str] = {}
        self._changes_and_versions: dict[int, str] = {}
        self._versions: dict[int, str] = {}
        # On SQLite the head row ends with the connection's data_version (see _CHANGES).
        self.head_row = _HEAD_ROW.format(changes="" if postgres else f", {_CHANGES}")
        self._head_pad = ", NULL" * (11 if postgres else 12)

    def head_and_versions(self, n: int) -> str:
        """The head (a row whose first column is NULL) and the versions of ``n`` streams
        (NULL for a new one), in one statement: one round trip, one snapshot.

        Each stream id is bound twice (see :meth:`head_and_versions_params`): a branch per
        stream with a bare ``max`` is the cheapest plan on both backends for a few streams.
        """
        found = self._head_and_versions.get(n)
        if found is None:
            m = self._m
            branch = (
                f" UNION ALL SELECT {m}, max(version){self._head_pad} "  # noqa: S608
                f"FROM events WHERE stream_id = {m}"
            )
            found = self.head_row + branch * n
            self._head_and_versions[n] = found
        return found

    def changes_and_versions(self, n: int) -> str:
        """SQLite: the connection's data_version (a row whose first column is NULL) and the
        versions of ``n`` streams, in one statement (parameters as for head_and_versions)."""
        found = self._changes_and_versions.get(n)
        if found is None:
            m = self._m
            branch = f" UNION ALL SELECT {m}, max(version) FROM events WHERE stream_id = {m}"  # noqa: S608
            found = f"SELECT NULL, data_version FROM pragma_data_version{branch * n}"  # noqa: S608
            self._changes_and_versions[n] = found
        return found

    @staticmethod
    def head_and_versions_params(stream_ids: list[str]) -> list[str]:
        return [s for stream_id in stream_ids for s in (stream_id, stream_id)]

    def versions(self, n: int) -> str:
        found = self._versions.get(n)
        if found is None:
            where = f"= {self._m}" if n == 1 else f"IN ({', '.join([self._m] * n)})"
            found = self._versions[n] = (
                f"SELECT stream_id, max(version) FROM events WHERE stream_id {where} "  # noqa: S608
                "GROUP BY stream_id"
            )
        return found


_SQLITE_SQL = _Sql("?", postgres=False)
_PG_SQL = _Sql("%s", postgres=True)


def _decode(row: Any) -> Recorded[Any]:
    """A stored row as a Recorded event: the data upcast and validated as the current model."""
    (position, stream_id, version, event_id, event_type, schema_version, data, meta,
     occurred_at, recorded_at, hash_) = row  # fmt: skip
    try:
        event = registry.decode_json(event_type, schema_version, data)
    except InvalidEvent as exc:
        raise InvalidEventError(
            f"stored event at position {position}: {exc}",
            reason=STORED_EVENT_UNREADABLE(position=int(position), cause=str(exc)),
        ) from exc
    return Recorded(
        position,
        stream_id,
        version,
        event,
        parse_utc(occurred_at),
        parse_utc(recorded_at),
        event_id,
        meta,
        hash_,
    )


def _stored_order(head: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """The head as an append reads it, as (the row in stored order, instants as text; the
    hash before it)."""
    (position, hash_, recorded_at, stream_id, version, event_id, event_type, schema_version,
     data, metadata, occurred_at, prev) = head  # fmt: skip
    if isinstance(occurred_at, datetime):
        occurred_at, recorded_at = iso_utc(occurred_at), iso_utc(recorded_at)
    row = (position, stream_id, version, event_id, event_type, schema_version, data, metadata,
           occurred_at, recorded_at, hash_)  # fmt: skip
    return row, prev


def check_head_row(head: tuple[Any, ...], url: str) -> None:
    """:func:`check_head` on the head as an append reads it (one statement with the stream
    versions): position, hash, recorded_at, the other stored columns, the previous hash."""
    (position, hash_, recorded_at, stream_id, version, event_id, event_type, schema_version,
     data, metadata, occurred_at, prev) = head  # fmt: skip
    if position == 1:
        prev = GENESIS_HASH
    elif prev is None:  # the row before the head is missing
        raise ChainBroken(int(position), url)
    if isinstance(occurred_at, datetime):
        occurred_at, recorded_at = iso_utc(occurred_at), iso_utc(recorded_at)
    values = (position, stream_id, version, event_id, event_type, schema_version, data,
              metadata, occurred_at, recorded_at)  # fmt: skip
    if chain_hash_text(prev, *values) != hash_:
        raise ChainBroken(int(position), url)


def check_head(rows: Sequence[tuple[Any, ...]], url: str) -> None:
    """Refuse to chain onto a head row whose hash is not that of its content and the hash
    before it (``rows``: the newest two, newest first): the store was changed outside the
    program; ``ppss audit verify`` says where."""
    if not rows:
        return
    head = rows[0]
    if head[0] == 1:
        prev = GENESIS_HASH
    elif len(rows) > 1 and rows[1][0] == head[0] - 1:
        prev = rows[1][10]
    else:  # the row before the head is missing
        raise ChainBroken(int(head[0]), url)
    values: list[Any] = [iso_utc(v) if isinstance(v, datetime) else v for v in head[:10]]
    if chain_hash_text(prev, *values) != head[10]:
        raise ChainBroken(int(head[0]), url)


def _fault(exc: BaseException, url: str, doing: str) -> StoreUnavailable:
    """The driver's error as one line: its cause named when known (a full disk...)."""
    found = storage_fault(exc, url, doing)
    if found is not None:
        return found
    verb = {"write": "write to", "read": "read", "open": "open"}[doing]
    return StoreUnavailable(
        f"cannot {verb} {url}: {_first_line(exc)}",
        reason={"write": STORE_CANNOT_WRITE, "read": STORE_CANNOT_READ, "open": STORE_CANNOT_OPEN}[
            doing
        ](store=url, cause=_first_line(exc)),
    )


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else "error"
