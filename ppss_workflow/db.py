"""Tables, column types and engines for the two backends: SQLite (default) and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool
from sqlalchemy.types import TypeDecorator, TypeEngine

from ppss_workflow.errors import (
    DB_LOCK_HELD,
    DB_LOCK_TIMEOUT_BAD,
    DB_SYNCHRONOUS_BAD,
    DB_UNSUPPORTED,
    DB_URL_UNREADABLE,
    ConfigurationError,
    StoreUnavailable,
)

__all__ = [
    "ENV_LOCK_TIMEOUT",
    "LOCK_NOTE_AFTER",
    "STREAM_ID",
    "WRITE",
    "api_tokens",
    "begin_immediate",
    "begin_immediate_after_wait",
    "board_groups",
    "calendar_tokens",
    "checkpoints",
    "commands",
    "create_store_engine",
    "documents",
    "events_table",
    "iso_utc",
    "locked_out",
    "metadata",
    "normalise_url",
    "obligation_rows",
    "parse_utc",
    "payment_refs",
    "project_rows",
    "projection_checkpoints",
    "reminder_claims",
    "safe_url",
    "set_lock_wait_note",
]

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE = {"ppss_write": True}


def iso_utc(moment: datetime) -> str:
    """The one text form of an instant: UTC, microseconds, ``Z``. Used in storage and hashes."""
    tz = moment.tzinfo
    if tz is not UTC:  # the store's own instants are UTC already: no offset to ask for
        if tz is None:
            raise ValueError("naive datetime: give a time zone (UTC or Europe/Stockholm)")
        if moment.utcoffset():
            moment = moment.astimezone(UTC)
    # The fields as ready-made digit pairs joined by one f-string: a third of the time of
    # %-formatting them (which was half that of replace() + isoformat()), the same text
    # (isoformat's four-digit year, six-digit fraction); every append formats two or three.
    two = _TWO_DIGITS
    us = moment.microsecond
    year = _YEARS.get(moment.year) or _year_text(moment.year)
    return (
        f"{year}-{two[moment.month]}-{two[moment.day]}T{two[moment.hour]}:"
        f"{two[moment.minute]}:{two[moment.second]}."
        f"{two[us // 10_000]}{two[us // 100 % 100]}{two[us % 100]}Z"
    )


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
#: Four-digit years, made as they are first met (at most 9 999 of them).
_YEARS: dict[int, str] = {}


def _year_text(year: int) -> str:
    text = _YEARS[year] = f"{year:04d}"
    return text


def parse_utc(value: datetime | str) -> datetime:
    """An instant read back from either backend (text on SQLite, timestamptz on PostgreSQL)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant: ``timestamptz`` on PostgreSQL, sortable ISO text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(27))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return iso_utc(value)
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return parse_utc(value)


metadata = MetaData()

#: Stream ids compare byte-wise on both backends ("C" collation on PostgreSQL), so prefix
#: ranges and orderings agree between SQLite and PostgreSQL whatever the server's locale.
STREAM_ID = String(200).with_variant(String(200, collation="C"), "postgresql")

events_table = Table(
    "events",
    metadata,
    # INTEGER PRIMARY KEY on SQLite is the rowid itself: the cheapest ordered key it has.
    Column(
        "position",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("stream_id", STREAM_ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # Canonical JSON as text, not JSONB: the hash chain covers these exact bytes.
    Column("data", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    # No index on recorded_at: it never decreases along positions, so "known at T" is a
    # prefix of the log, and each index costs every append (see README, benchmark).
)

commands = Table(
    "commands",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("stream_id", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("first_position", BigInteger, nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)


reminder_claims = Table(
    "reminder_claims",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("stream_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_by", String(200), nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
)


# -- the read model (derived from the events; `ppss db rebuild-projections` makes it anew) ---

#: How far the read model has followed the log, and for which program (its fingerprint).
#: API tokens: only each token's SHA-256 is kept; the token itself is shown once.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("role", String(50), nullable=False),
    Column("district", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

calendar_tokens = Table(
    "calendar_tokens",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("district", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

projection_checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: One row per project stream: its board line, good from ``assessed_on`` until the day
#: before ``valid_until`` (ISO dates; NULL: for ever), and what round-wide rules sum up.
project_rows = Table(
    "project_rows",
    metadata,
    Column("stream_id", STREAM_ID, primary_key=True),
    Column("round_id", STREAM_ID, nullable=False),
    Column("project_id", String(200), nullable=False),
    Column("district", String(200), nullable=True),
    Column("listed", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("assessed_on", String(10), nullable=False, index=True),
    Column("valid_until", String(10), nullable=True, index=True),
    Column("grant_awarded_sek", BigInteger, nullable=False),
    Column("supervision_granted_sek", BigInteger, nullable=False),
    #: Supervision money paid and payable now (also in ``detail``): summed without decoding.
    Column("supervision_paid_sek", BigInteger, nullable=False, server_default="0"),
    Column("supervision_payable_sek", BigInteger, nullable=False, server_default="0"),
    Column("awarded_sek", BigInteger, nullable=False),
    Column("disbursed_sek", BigInteger, nullable=False),
    Column("payable_sek", BigInteger, nullable=False),
    Column("repayment_due_sek", BigInteger, nullable=False),
    Column("may_be_paid", Integer, nullable=False),
    Column("status", String(100), nullable=False),
    Column("blocking", Text, nullable=False),
    Column("next_code", String(100), nullable=True),
    Column("next_on", String(10), nullable=True),
    Column("detail", Text, nullable=False),
    #: Reminder keys already recorded as sent (JSON list).
    Column("sent", Text, nullable=False),
    #: Covers the round totals a decision reads (budget, supervision pool): no table reads.
    Index(
        "ix_project_rows_round_totals", "round_id", "grant_awarded_sek", "supervision_granted_sek"
    ),
    #: The overview's sorts (projections.BOARD_SORTS): a page walks its index and stops at its end.
    *(
        Index(f"ix_project_rows_by_{name}", "round_id", "listed", column, "project_id", "stream_id")
        for name, column in (
            ("district", "district"),
            ("awarded", "awarded_sek"),
            ("paid", "disbursed_sek"),
            ("payable", "payable_sek"),
            ("owed", "repayment_due_sek"),
            ("status", "status"),
        )
    ),
)

#: A round's listed project rows counted and summed by what the overview's filters look at
#: (status, blocking codes): the whole round's totals and the filters' choices without
#: reading its rows. Kept by the projector with the rows, in the same transactions.
board_groups = Table(
    "board_groups",
    metadata,
    Column("round_id", STREAM_ID, primary_key=True),
    Column("status", String(100), primary_key=True),
    Column("blocking", Text, primary_key=True),
    Column("projects", BigInteger, nullable=False),
    Column("awarded_sek", BigInteger, nullable=False),
    Column("disbursed_sek", BigInteger, nullable=False),
    Column("payable_sek", BigInteger, nullable=False),
    Column("repayment_due_sek", BigInteger, nullable=False),
    Column("payable_projects", BigInteger, nullable=False),
    Column("supervision_granted_sek", BigInteger, nullable=False),
    Column("supervision_paid_sek", BigInteger, nullable=False),
    Column("supervision_payable_sek", BigInteger, nullable=False),
)

#: Payments that stand, by round and reference: "a reference is used once in a round".
payment_refs = Table(
    "payment_refs",
    metadata,
    Column("stream_id", STREAM_ID, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("round_id", STREAM_ID, nullable=False),
    Column("reference", String(200), nullable=False),
    Column("district", String(200), nullable=False),
    Column("amount_sek", BigInteger, nullable=False),
    Column("purpose", String(50), nullable=False),
    Index("ix_payment_refs_round_reference", "round_id", "reference"),
)

#: Dated obligations of projects that are reminded, with when their first reminder is due.
obligation_rows = Table(
    "obligation_rows",
    metadata,
    Column("stream_id", STREAM_ID, primary_key=True),
    Column("code", String(200), primary_key=True),
    Column("round_id", STREAM_ID, nullable=False),
    Column("due_on", String(10), nullable=False),
    Column("met", Integer, nullable=False),
    Column("blocks", String(20), nullable=False),
    Column("before_only", Integer, nullable=False),
    Column("remind_from", UTCDateTime, nullable=False),
    Index("ix_obligation_rows_due", "met", "remind_from"),
)


#: Heads signed with an Ed25519 key kept outside the store (`ppss audit checkpoint`).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)


#: Documents' bytes, once per SHA-256 (``ppss_workflow/documents.py``; events name the hash).
documents = Table(
    "documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(120), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
)


def normalise_url(raw: str) -> URL:
    """Parse a database URL, choosing psycopg 3 for PostgreSQL; refuse what we cannot serve."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"cannot read database URL {raw!r}: use sqlite:///PATH or postgresql://HOST/DATABASE",
            reason=DB_URL_UNREADABLE(typed=raw),
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigurationError(
                "an in-memory SQLite store would vanish on exit: give a file, "
                "e.g. sqlite:///ppss.sqlite3"
            )
        return url
    raise ConfigurationError(
        f"unsupported database {backend!r} in {safe_url(url)}: "
        "use sqlite:///PATH or postgresql://HOST/DATABASE",
        reason=DB_UNSUPPORTED(backend=backend, store=safe_url(url)),
    )


def safe_url(url: URL | str) -> str:
    """The URL for logs and messages, password hidden."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<unreadable URL>"
    return url.render_as_string(hide_password=True)


#: ``?synchronous=`` in a SQLite URL: how often SQLite waits for the disk (see the README's
#: "Durability"). Only settings that keep every commit across a crash of the program; OFF,
#: which could lose or corrupt the store on a power loss, is not offered.
SQLITE_SYNCHRONOUS = ("normal", "full", "extra")

#: Page size of a new SQLite store (an existing file keeps the size it was created with).
SQLITE_PAGE_SIZE = 4096


#: How long a command waits for another process's SQLite write lock before it gives up
#: (seconds; ``PPSS_SQLITE_LOCK_TIMEOUT``), and after how long it says that it is waiting.
ENV_LOCK_TIMEOUT = "PPSS_SQLITE_LOCK_TIMEOUT"
LOCK_TIMEOUT = 60.0
LOCK_NOTE_AFTER = 2.0

_lock_wait_note: Callable[[], None] | None = None


def set_lock_wait_note(note: Callable[[], None] | None) -> None:
    """What to do (once per wait) when a write has waited ``LOCK_NOTE_AFTER`` for the SQLite
    write lock: the command line prints a note; the log records it anyway."""
    global _lock_wait_note  # noqa: PLW0603 - one process-wide hook, set by the CLI
    _lock_wait_note = note


def lock_timeout() -> float:
    raw = os.environ.get(ENV_LOCK_TIMEOUT)
    if raw is None or not raw.strip():
        return LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        raise ConfigurationError(
            f"{ENV_LOCK_TIMEOUT}={raw!r}: give the seconds to wait for another process's "
            f"write lock, e.g. {int(LOCK_TIMEOUT)}",
            reason=DB_LOCK_TIMEOUT_BAD(
                variable=ENV_LOCK_TIMEOUT, typed=raw, seconds=int(LOCK_TIMEOUT)
            ),
        )
    return value


def locked_out(exc: BaseException) -> bool:
    """Whether a statement was refused because another connection held the write lock past
    the connection's busy timeout (the note's delay): nothing was written."""
    return "locked" in str(exc) or "busy" in str(exc)


def begin_immediate(cursor: Any, url: URL) -> None:
    """``BEGIN IMMEDIATE`` on a SQLite connection whose busy timeout is the note's delay.

    The fast path is the one statement. Only when another process holds the write lock past
    ``LOCK_NOTE_AFTER`` is the note given, and the rest of the timeout waited; then, if the
    lock is still held, one line saying so (StoreUnavailable), nothing written.
    """
    try:
        cursor.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if not locked_out(exc):
            raise
    begin_immediate_after_wait(cursor, url)


def begin_immediate_after_wait(cursor: Any, url: URL) -> None:
    """The rest of :func:`begin_immediate` once a write has waited the note's delay for the
    lock (at BEGIN IMMEDIATE, or at a write that takes the lock itself): the note, then the
    rest of the timeout; then, if the lock is still held, one line (StoreUnavailable)."""
    from ppss_workflow.logs import get_logger  # noqa: PLC0415 - only on the slow path

    total = lock_timeout()
    note = min(LOCK_NOTE_AFTER, total)
    where = safe_url(url)
    get_logger(__name__).info("sqlite_write_lock_wait", store=where, waited=note)
    if _lock_wait_note is not None:
        _lock_wait_note()
    started = time.monotonic()
    cursor.execute(f"PRAGMA busy_timeout = {max(1, int((total - note) * 1000))}")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if not locked_out(exc):
            raise
        waited = note + time.monotonic() - started
        raise StoreUnavailable(
            f"another ppss process has held the write lock of {where} for {waited:.0f} s: "
            f"nothing was written; try again when it has finished (or set {ENV_LOCK_TIMEOUT} "
            "to wait longer)",
            reason=DB_LOCK_HELD(store=where, seconds=f"{waited:.0f}", variable=ENV_LOCK_TIMEOUT),
        ) from None
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(note * 1000)}")


#: The engine's pool on PostgreSQL (SQLAlchemy's own reads and writes: the read model, tokens,
#: documents): connections kept open, and how many more it may open while all are busy.
POOL_SIZE = 6
POOL_OVERFLOW = 4


def create_store_engine(raw_url: str | URL) -> Engine:
    """An engine with the settings the store relies on (WAL and write locks on SQLite)."""
    url = normalise_url(raw_url) if isinstance(raw_url, str) else raw_url
    if url.get_backend_name() == "sqlite":
        synchronous = _synchronous(url)
        # The driver waits this long for a lock by itself; a write then says it is waiting
        # and waits the rest of the timeout (see begin_immediate).
        wait = min(LOCK_NOTE_AFTER, lock_timeout())
        # A scratch in-memory store (shared cache, see scratch.MEMORY) pools connections
        # like a file does; SQLAlchemy would otherwise guess a pool from ``mode=memory``.
        # Its connections move between threads (the store lends them to whichever thread
        # calls; see store.LINKS), as a file's do by SQLAlchemy's default.
        memory = url.query.get("mode") == "memory"
        pool = {"poolclass": QueuePool} if memory else {}
        connect_args: dict[str, Any] = {"timeout": wait}
        if memory:
            connect_args["check_same_thread"] = False
        engine = create_engine(
            url.difference_update_query(["synchronous"]), connect_args=connect_args, **pool
        )
        _configure_sqlite(engine, synchronous)
        return engine
    # A bounded pool kept warm: POOL_SIZE connections stay open between uses, at most
    # POOL_OVERFLOW more are opened (and closed when given back) when all are busy; a
    # server process then holds at most these and the store's own ``store.LINKS``.
    return create_engine(
        url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_use_lifo=True
    )


def _synchronous(url: URL) -> str:
    value = url.query.get("synchronous", "normal")
    if isinstance(value, tuple) or value.lower() not in SQLITE_SYNCHRONOUS:
        raise ConfigurationError(
            f"synchronous={value!r} in {safe_url(url)} is not a setting the store offers: "
            f"use one of {', '.join(SQLITE_SYNCHRONOUS)} (normal is the default)",
            reason=DB_SYNCHRONOUS_BAD(
                typed=value, store=safe_url(url), allowed=", ".join(SQLITE_SYNCHRONOUS)
            ),
        )
    return value.upper()


def _configure_sqlite(engine: Engine, synchronous: str = "NORMAL") -> None:
    # pysqlite's own transaction handling cannot say BEGIN IMMEDIATE, so we take it over
    # (the SQLAlchemy documentation's recipe for SQLite transactions).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect only in a new, empty file, before WAL writes its first page.
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a crash of the program never loses a commit and nothing ever
        # corrupts the store; a power loss or an OS crash may lose the last commits. FULL
        # (``?synchronous=full``) syncs the WAL to disk at every commit.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Appends take the write lock up front so that two writers never both read the
        # same head position: that is what keeps the global order gap-free for readers.
        if conn.get_execution_options().get("ppss_write"):
            try:
                begin_immediate(conn.connection.driver_connection, conn.engine.url)
            except sqlite3.Error as exc:  # as SQLAlchemy would have said it (a read-only file)
                raise DBAPIError.instance("BEGIN IMMEDIATE", (), exc, sqlite3.Error) from exc
        else:
            conn.exec_driver_sql("BEGIN")
