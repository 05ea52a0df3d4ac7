"""The append-only event store on SQLAlchemy Core: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Row, func, insert, select, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from events.base import InvalidEvent, registry
from events.envelope import NewEvent, Recorded
from ppss_workflow.codec import GENESIS_HASH, EncodedEvent, chain_hash_text, encode, request_hash
from ppss_workflow.db import (
    WRITE,
    commands,
    create_store_engine,
    events_table,
    iso_utc,
    parse_utc,
    safe_url,
)
from ppss_workflow.errors import (
    ConcurrencyError,
    ConfigurationError,
    IdempotencyConflict,
    InvalidEventError,
    StoreUnavailable,
)

__all__ = ["AppendRequest", "AppendResult", "EventStore", "Head", "PrefixGuard", "StreamGuard"]

_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9:._-]{0,199}$")
Clock = Callable[[], datetime]


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
    """

    def __init__(self, engine: Engine, *, clock: Clock = _utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        marker = "%s" if engine.dialect.paramstyle in ("format", "pyformat") else "?"
        self._insert_sql = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join([marker] * 11)})"  # noqa: S608

    @classmethod
    def from_url(cls, url: str, *, clock: Clock = _utc_now) -> EventStore:
        return cls(create_store_engine(url), clock=clock)

    @property
    def url(self) -> str:
        return safe_url(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

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
        return self.append_many([request])[0]

    def append_many(
        self, requests: Sequence[AppendRequest], *, guards: Sequence[Guard] = ()
    ) -> list[AppendResult]:
        """Several appends in one transaction (a decision over several streams, bulk import):
        all land or none.

        ``guards`` name what the decision read besides the streams it writes: if any of it
        changed since, ConcurrencyError is raised and nothing is written, so a decision
        against the whole round (its budget, its pool) can never overrun it.
        """
        prepared = [self._prepare(r) for r in requests]
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**WRITE)
                with conn.begin():
                    self._lock(conn)
                    self._check(conn, guards)
                    return self._write(conn, prepared)
        except IntegrityError as exc:
            # The lock makes this unreachable for well-behaved writers; a duplicate event id
            # supplied by the caller still lands here.
            raise InvalidEventError(
                f"the store refused the events: {_first_line(exc.orig)}; nothing was written"
            ) from exc
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot write to {self.url}: {_first_line(exc.orig)}") from exc

    def import_rows(self, rows: Iterable[tuple[Any, ...]], *, batch_size: int = 5_000) -> int:
        """Load exported rows (positions, times and hashes as exported) into an empty store.

        One transaction: if ``rows`` raises part-way (a hash that does not verify), nothing
        is written. Rows are tuples in the order of the stored columns.
        """
        count = 0
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**WRITE)
                with conn.begin():
                    self._lock(conn)
                    if self._head(conn).position:
                        raise ConfigurationError(f"{self.url} already holds events: import "
                                                 "only into an empty store")  # fmt: skip
                    batch: list[tuple[Any, ...]] = []
                    for row in rows:
                        batch.append(row)
                        if len(batch) >= batch_size:
                            conn.exec_driver_sql(self._insert_sql, batch)
                            count += len(batch)
                            batch = []
                    if batch:
                        conn.exec_driver_sql(self._insert_sql, batch)
                        count += len(batch)
        except (IntegrityError, DataError) as exc:
            raise InvalidEventError(
                f"the store refused the imported rows: {_first_line(exc.orig)}; "
                "nothing was imported"
            ) from exc
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot write to {self.url}: {_first_line(exc.orig)}") from exc
        return count

    def _prepare(self, request: AppendRequest) -> _Prepared:
        if not _STREAM_ID.match(request.stream_id):
            raise InvalidEventError(
                f"stream id {request.stream_id!r} is not valid: use lower-case letters, digits "
                "and ':._-', e.g. project:ppss-2014:farsta"
            )
        if not request.events:
            raise InvalidEventError(f"nothing to append to {request.stream_id!r}")
        if request.expected_version < 0:
            raise InvalidEventError("expected_version must be 0 (a new stream) or more")
        command_id = str(request.command_id) if request.command_id else None
        encoded = [encode(e, command_id=request.command_id) for e in request.events]
        return _Prepared(
            request=request,
            encoded=encoded,
            command_id=command_id,
            request_hash=request_hash(request.stream_id, encoded) if command_id else None,
        )

    def _lock(self, conn: Connection) -> None:
        if self._postgres:
            # One lock per schema, so separate stores in one database do not wait on each other.
            conn.execute(
                text(
                    "SELECT pg_advisory_xact_lock("
                    "hashtextextended('ppss_workflow.events:' || current_schema(), 0))"
                )
            )

    def _check(self, conn: Connection, guards: Sequence[Guard]) -> None:
        for guard in guards:
            if isinstance(guard, StreamGuard):
                actual = self._stream_version(conn, guard.stream_id)
                if actual != guard.version:
                    raise ConcurrencyError(guard.stream_id, guard.version, actual)
            else:
                found = conn.execute(
                    _LAST_UNDER, {"low": guard.prefix, "high": guard.prefix + "\U0010ffff"}
                ).scalar()
                last = int(found or 0)
                if last > guard.last_position:
                    raise ConcurrencyError(guard.prefix + "*", guard.last_position, last)

    def last_position_under(self, prefix: str) -> int:
        """The newest position among the streams under ``prefix`` (0: none yet)."""
        with self._reading() as conn:
            last = conn.execute(_LAST_UNDER, {"low": prefix, "high": prefix + "\U0010ffff"})
            return int(last.scalar() or 0)

    def _write(self, conn: Connection, prepared: list[_Prepared]) -> list[AppendResult]:
        head = self._head(conn)
        recorded_at = self._clock()
        if recorded_at.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        # recorded_at never goes backwards along the positions, so "known at T" is a prefix.
        if head.recorded_at is not None and recorded_at < head.recorded_at:
            recorded_at = head.recorded_at
        recorded_text = iso_utc(recorded_at)
        position, prev_hash = head.position, head.hash
        results: list[AppendResult] = []
        rows: list[tuple[Any, ...]] = []
        command_rows: list[dict[str, Any]] = []
        versions = self._stream_versions(conn, {p.request.stream_id for p in prepared})
        for item in prepared:
            req = item.request
            if item.command_id is not None:
                earlier = self._earlier_command(conn, item)
                if earlier is not None:
                    results.append(earlier)
                    continue
            actual = versions.get(req.stream_id, 0)
            if actual != req.expected_version:
                raise ConcurrencyError(req.stream_id, req.expected_version, actual)
            first = position + 1
            for enc in item.encoded:
                position += 1
                actual += 1
                prev_hash = chain_hash_text(
                    prev_hash,
                    position,
                    req.stream_id,
                    actual,
                    enc.event_id,
                    enc.event_type,
                    enc.schema_version,
                    enc.data,
                    enc.metadata,
                    enc.occurred_at,
                    recorded_text,
                )
                rows.append(
                    (
                        position,
                        req.stream_id,
                        actual,
                        enc.event_id,
                        enc.event_type,
                        enc.schema_version,
                        enc.data,
                        enc.metadata,
                        enc.occurred_at,
                        recorded_text,
                        prev_hash,
                    )
                )
            versions[req.stream_id] = actual
            if item.command_id is not None:
                command_rows.append(
                    {
                        "command_id": item.command_id,
                        "stream_id": req.stream_id,
                        "request_hash": item.request_hash,
                        "first_position": first,
                        "last_position": position,
                        "stream_version": actual,
                        "recorded_at": recorded_at,
                    }
                )
            results.append(AppendResult(req.stream_id, first, position, actual, recorded_at))
        if rows:
            # Driver-level executemany of ready rows: timestamps are already canonical text,
            # and SQLAlchemy's per-row parameter processing would double a bulk import's cost.
            conn.exec_driver_sql(self._insert_sql, rows)
        if command_rows:
            conn.execute(insert(commands), command_rows)
        return results

    def _earlier_command(self, conn: Connection, item: _Prepared) -> AppendResult | None:
        row = conn.execute(select(commands).where(commands.c.command_id == item.command_id)).first()
        if row is None:
            return None
        if row.request_hash != item.request_hash or row.stream_id != item.request.stream_id:
            raise IdempotencyConflict(
                f"command id {item.command_id} was already used for a different command "
                f"on {row.stream_id!r}; use a new command id; nothing was written"
            )
        return AppendResult(
            row.stream_id,
            row.first_position,
            row.last_position,
            row.stream_version,
            row.recorded_at,
            duplicate=True,
        )

    # -- reading -------------------------------------------------------------------------

    def head(self) -> Head:
        """Position and hash of the newest event."""
        with self._reading() as conn:
            return self._head(conn)

    def stream_version(self, stream_id: str) -> int:
        """How many events the stream has (0 for a stream that does not exist yet)."""
        with self._reading() as conn:
            return self._stream_version(conn, stream_id)

    def read_stream(
        self,
        stream_id: str,
        *,
        to_version: int | None = None,
        known_at: datetime | None = None,
    ) -> list[Recorded[Any]]:
        """One stream in version order, optionally only up to a version or a recorded instant."""
        sql = _SELECT + " WHERE stream_id = :stream_id"
        params: dict[str, Any] = {"stream_id": stream_id}
        if to_version is not None:
            sql += " AND version <= :to_version"
            params["to_version"] = to_version
        if known_at is not None:
            sql += " AND recorded_at <= :known_at"
            params["known_at"] = iso_utc(known_at)
        with self._reading() as conn:
            rows = conn.execute(text(sql + " ORDER BY version"), params).all()
        return [_decode(row) for row in rows]

    def find(
        self, *, position: int | None = None, event_id: UUID | None = None
    ) -> Recorded[Any] | None:
        """One event by its global position or its id (None if there is no such event)."""
        params: dict[str, Any]
        if position is not None:
            sql, params = _SELECT + " WHERE position = :p", {"p": position}
        elif event_id is not None:
            sql, params = _SELECT + " WHERE event_id = :p", {"p": str(event_id)}
        else:
            raise ValueError("give a position or an event id")
        with self._reading() as conn:
            row = conn.execute(text(sql), params).first()
        return _decode(row) if row is not None else None

    def read_streams(self, prefix: str, *, known_at: datetime | None = None) -> list[Recorded[Any]]:
        """Every stream whose id starts with ``prefix`` (a round's projects), in global order."""
        # A range on the primary key's neighbour index, not LIKE: no escaping, index-friendly.
        sql = _SELECT + " WHERE stream_id >= :low AND stream_id < :high"
        params: dict[str, Any] = {"low": prefix, "high": prefix + "\U0010ffff"}
        if known_at is not None:
            sql += " AND recorded_at <= :known_at"
            params["known_at"] = iso_utc(known_at)
        with self._reading() as conn:
            rows = conn.execute(text(sql + " ORDER BY position"), params).all()
        return [_decode(row) for row in rows]

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
    ) -> Iterator[Sequence[Row[Any]]]:
        """The stored rows themselves, undecoded, a batch at a time (for verification)."""
        remaining = limit
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)
            with self._reading() as conn:
                rows = conn.execute(_SELECT_AFTER, {"after": after, "size": size}).all()
            if not rows:
                return
            yield rows
            after = rows[-1].position
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return

    def count(self) -> int:
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())

    # -- helpers -------------------------------------------------------------------------

    def _reading(self) -> _ReadContext:
        return _ReadContext(self)

    @staticmethod
    def _head(conn: Connection) -> Head:
        row = conn.execute(_HEAD).first()
        if row is None:
            return Head(0, GENESIS_HASH, None)
        return Head(row.position, row.hash, parse_utc(row.recorded_at))

    @staticmethod
    def _stream_versions(conn: Connection, stream_ids: set[str]) -> dict[str, int]:
        if len(stream_ids) == 1:
            (only,) = stream_ids
            return {only: int(conn.execute(_VERSION, {"stream_id": only}).scalar() or 0)}
        found: dict[str, int] = {}
        ids = sorted(stream_ids)
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(events_table.c.stream_id, func.max(events_table.c.version))
                .where(events_table.c.stream_id.in_(ids[i : i + 500]))
                .group_by(events_table.c.stream_id)
            )
            for stream_id, version in rows:
                found[stream_id] = version
        return found

    @staticmethod
    def _stream_version(conn: Connection, stream_id: str) -> int:
        return int(conn.execute(_VERSION, {"stream_id": stream_id}).scalar() or 0)


@dataclass(frozen=True, slots=True)
class _Prepared:
    request: AppendRequest
    encoded: list[EncodedEvent]
    command_id: str | None
    request_hash: str | None


class _ReadContext:
    """A read transaction that turns driver failures into StoreUnavailable."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        try:
            self._conn = self._store.engine.connect()
            self._conn.begin()
        except OperationalError as exc:
            raise StoreUnavailable(
                f"cannot read {self._store.url}: {_first_line(exc.orig)}"
            ) from exc
        return self._conn

    def __exit__(self, *exc: object) -> None:
        assert self._conn is not None
        self._conn.rollback()
        self._conn.close()


_COLUMNS = (
    "position, stream_id, version, event_id, event_type, schema_version, data, metadata, "
    "occurred_at, recorded_at, hash"
)
_SELECT = f"SELECT {_COLUMNS} FROM events"  # noqa: S608 - constants only, values bound
_SELECT_AFTER = text(f"{_SELECT} WHERE position > :after ORDER BY position LIMIT :size")
_HEAD = text("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
_VERSION = text("SELECT max(version) FROM events WHERE stream_id = :stream_id")
_LAST_UNDER = text("SELECT max(position) FROM events WHERE stream_id >= :low AND stream_id < :high")


def _decode(row: Any) -> Recorded[Any]:
    """A stored row as a Recorded event: the data upcast and validated as the current model."""
    (position, stream_id, version, event_id, event_type, schema_version, data, meta,
     occurred_at, recorded_at, hash_) = row  # fmt: skip
    try:
        event = registry.decode_json(event_type, schema_version, data)
    except InvalidEvent as exc:
        raise InvalidEventError(f"stored event at position {position}: {exc}") from exc
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


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else "error"
