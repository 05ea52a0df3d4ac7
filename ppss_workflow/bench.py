"""The store benchmark: appends, bulk import and replay, each beside its raw-driver floor."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import make_url

from events import (
    DisbursementMade,
    FinancialReportSubmitted,
    FollowUpIndicators,
    FollowUpSubmitted,
    GrantAwarded,
    Metadata,
    NetworkAttendanceRecorded,
    NewEvent,
    PlanApproved,
    PlanSubmitted,
    YearEndAccountSubmitted,
)
from events.base import Event
from policies.ledger import LedgerBuilder
from ppss_workflow.codec import GENESIS_HASH, canonical_json, chain_hash_text, encode
from ppss_workflow.db import iso_utc
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import AppendRequest, EventStore

__all__ = [
    "STREAM_LENGTH",
    "BenchResult",
    "run_store_bench",
    "run_verify_bench",
    "synthetic_rows",
    "synthetic_streams",
]

STREAM_LENGTH = 10
_BULK_CHUNK = 10_000
#: Appends one transaction each are timed on at most this many events (and so is their
#: floor): enough for a steady rate, without minutes of fsyncs on a server.
APPEND_EVENTS = 20_000
_READ_BATCH = 5_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Events per second for each way of using the store, and the floors under each,
    measured in the same run on tables made by the product's own migrations."""

    backend: str
    events: int
    append_events: int
    append_1_per_command_eps: float
    append_10_per_command_eps: float
    bulk_import_eps: float
    replay_eps: float
    raw_txn_per_event_eps: float
    raw_chain_txn_per_event_eps: float
    raw_insert_eps: float
    raw_read_decode_eps: float
    encode_hash_eps: float
    raw_copy_eps: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "backend": self.backend,
            "events": self.events,
            "append_events": self.append_events,
            "stream_length": STREAM_LENGTH,
            "append_mode": "store.writer(): one held connection, one transaction per append",
            "append_1_per_command_eps": round(self.append_1_per_command_eps),
            "append_10_per_command_eps": round(self.append_10_per_command_eps),
            "bulk_import_eps": round(self.bulk_import_eps),
            "replay_eps": round(self.replay_eps),
            "raw_txn_per_event_eps": round(self.raw_txn_per_event_eps),
            "raw_chain_txn_per_event_eps": round(self.raw_chain_txn_per_event_eps),
            "raw_insert_eps": round(self.raw_insert_eps),
            "raw_read_decode_eps": round(self.raw_read_decode_eps),
            "encode_hash_eps": round(self.encode_hash_eps),
        }
        if self.raw_copy_eps is not None:
            out["raw_copy_eps"] = round(self.raw_copy_eps)
        out["append_1_vs_raw_txn"] = _ratio(self.append_1_per_command_eps,
                                             self.raw_txn_per_event_eps)  # fmt: skip
        out["append_1_vs_raw_chain_txn"] = _ratio(self.append_1_per_command_eps,
                                                   self.raw_chain_txn_per_event_eps)  # fmt: skip
        out["bulk_import_vs_raw_insert"] = _ratio(self.bulk_import_eps, self.raw_insert_eps)
        if self.raw_copy_eps is not None:
            out["bulk_import_vs_raw_copy"] = _ratio(self.bulk_import_eps, self.raw_copy_eps)
        out["replay_vs_raw_read_decode"] = _ratio(self.replay_eps, self.raw_read_decode_eps)
        return out


def _ratio(value: float, floor: float) -> float:
    return round(value / floor, 3)


def _stream_events(i: int, start: datetime) -> list[Event]:
    amount = 100_000 + (i % 50) * 1_000
    return [
        PlanSubmitted(plan_id=f"plan-{i}", summary="Arbetsplan för skolsocialt team"),
        PlanApproved(plan_id=f"plan-{i}", meeting_on=date(2014, 3, 10)),
        GrantAwarded(amount_sek=amount, decision_ref="SN 2014-02-04", decided_on=date(2014, 2, 4)),
        NetworkAttendanceRecorded(session_id="natverk-1", participants=3),
        DisbursementMade(amount_sek=amount // 2, purpose="grant", payment_reference=f"U-{i}-1"),
        NetworkAttendanceRecorded(session_id="natverk-2", participants=2),
        FinancialReportSubmitted(kind="t2", spent_sek=amount // 3, forecast_sek=amount),
        FollowUpSubmitted(
            kind="t2",
            period_start=date(2014, 1, 1),
            period_end=date(2014, 8, 31),
            indicators=FollowUpIndicators(target_group_size=50, pupils_reached=24),
        ),
        DisbursementMade(amount_sek=amount // 2, purpose="grant", payment_reference=f"U-{i}-2"),
        YearEndAccountSubmitted(spent_sek=amount - 5_000, cost_description="Personal, handledning"),
    ]


def synthetic_streams(total_events: int) -> Iterator[tuple[str, list[NewEvent]]]:
    """Project streams of ``STREAM_LENGTH`` plausible events each (the last may be shorter)."""
    start = datetime(2014, 2, 4, 9, tzinfo=UTC)
    meta = Metadata(actor="bench", role="coordinator")
    made = 0
    i = 0
    while made < total_events:
        stream = _stream_events(i, start)[: total_events - made]
        yield (
            f"project:bench:{i:07d}",
            [NewEvent(e, start + timedelta(days=k), meta) for k, e in enumerate(stream)],
        )
        made += len(stream)
        i += 1


def run_store_bench(
    total_events: int, base_url: str | None = None, progress: Progress | None = None
) -> BenchResult:
    """Measure the store on scratch databases (``base_url``'s backend, SQLite by default).

    The input events are built before each timed phase and frozen out of the garbage
    collector's sight (``gc.freeze``): building them is the caller's cost, not the store's.
    Each floor is the raw driver (on a connection made by the store's engine, so with the
    same pragmas) writing or reading the very rows the store wrote, into a table made by
    the product's own migrations.
    """
    report = progress or (lambda _stage, _done, _total: None)
    append_events = min(total_events, APPEND_EVENTS)

    with scratch_store(base_url) as store, _prepared_input(append_events) as streams:
        backend = store.engine.dialect.name
        append_1_s = _append_one_by_one(store, streams, append_events, report)
        txn_rows = _stored_rows(store)
    with scratch_store(base_url) as floor:
        raw_txn_s = _raw_txn_per_event(floor, txn_rows, report)
    with scratch_store(base_url) as floor:
        raw_chain_s = _raw_chain_txn_per_event(floor, txn_rows, report)
    del txn_rows

    with scratch_store(base_url) as store, _prepared_input(append_events) as streams:
        append_10_s = _append_per_stream(store, streams, append_events, report)

    with scratch_store(base_url) as store:
        with _prepared_input(total_events) as streams:
            encode_s = _encode_and_hash(store, streams)
            bulk_s = _bulk_import(store, streams, total_events, report)
        del streams
        replay_s = _replay(store, total_events, report)
        raw_read_s = _raw_read_decode(store, total_events)
        rows = _stored_rows(store)
    with scratch_store(base_url) as floor:
        raw_insert_s = _raw_insert(floor, rows)
    raw_copy_s = None
    if backend == "postgresql":
        with scratch_store(base_url) as floor:
            raw_copy_s = _raw_copy(floor, rows)
    report("floors", total_events, total_events)

    return BenchResult(
        backend=backend,
        events=total_events,
        append_events=append_events,
        append_1_per_command_eps=append_events / append_1_s,
        append_10_per_command_eps=append_events / append_10_s,
        bulk_import_eps=total_events / bulk_s,
        replay_eps=total_events / replay_s,
        raw_txn_per_event_eps=append_events / raw_txn_s,
        raw_chain_txn_per_event_eps=append_events / raw_chain_s,
        raw_insert_eps=len(rows) / raw_insert_s,
        raw_read_decode_eps=total_events / raw_read_s,
        encode_hash_eps=total_events / encode_s,
        raw_copy_eps=len(rows) / raw_copy_s if raw_copy_s else None,
    )


def _encode_and_hash(store: EventStore, streams: list[tuple[str, list[NewEvent]]]) -> float:
    """The store's own work per event with no database at all: validate and encode every
    event, then position and hash them into the chain (the floor under bulk import that
    no driver can lower)."""
    started = time.perf_counter()
    for chunk in _chunks(streams, _BULK_CHUNK // STREAM_LENGTH):
        prepared = [store._prepare(AppendRequest(s, evs, 0)) for s, evs in chunk]
        store._rows_for(None, {}, prepared, {})
    return time.perf_counter() - started


def _append_one_by_one(
    store: EventStore, streams: list[tuple[str, list[NewEvent]]], total: int, report: Progress
) -> float:
    """What a real command does: one event, one transaction, on a writer's held connection."""
    done = 0
    with store.writer() as writer:
        started = time.perf_counter()
        for stream_id, new_events in streams:
            for version, new_event in enumerate(new_events):
                writer.append(stream_id, [new_event], version)
            done += len(new_events)
            if done % 1000 < STREAM_LENGTH:
                report("append 1/command", done, total)
        elapsed = time.perf_counter() - started
    return elapsed


def _append_per_stream(
    store: EventStore, streams: list[tuple[str, list[NewEvent]]], total: int, report: Progress
) -> float:
    """A command that appends a stream's ten events in one transaction."""
    done = 0
    with store.writer() as writer:
        started = time.perf_counter()
        for stream_id, new_events in streams:
            writer.append(stream_id, new_events, 0)
            done += len(new_events)
            if done % 1000 < STREAM_LENGTH:
                report("append 10/command", done, total)
        elapsed = time.perf_counter() - started
    return elapsed


def _bulk_import(
    store: EventStore, streams: list[tuple[str, list[NewEvent]]], total: int, report: Progress
) -> float:
    started = time.perf_counter()
    done = 0
    for chunk in _chunks(streams, _BULK_CHUNK // STREAM_LENGTH):
        store.append_many([AppendRequest(s, evs, 0) for s, evs in chunk])
        done += sum(len(evs) for _, evs in chunk)
        report("bulk import", done, total)
    return time.perf_counter() - started


def _replay(store: EventStore, total: int, report: Progress) -> float:
    """Read, decode to the event models, and fold every stream's ledger."""
    gc.collect()
    started = time.perf_counter()
    ledgers: dict[str, LedgerBuilder] = {}
    replayed = 0
    for recorded in store.read_all(batch_size=_READ_BATCH):
        builder = ledgers.get(recorded.stream_id)
        if builder is None:
            builder = ledgers[recorded.stream_id] = LedgerBuilder()
        builder.apply(recorded)
        replayed += 1
        if replayed % _READ_BATCH == 0:
            report("replay", replayed, total)
    elapsed = time.perf_counter() - started
    assert replayed == total, (replayed, total)
    return elapsed


@contextmanager
def _prepared_input(total_events: int) -> Iterator[list[tuple[str, list[NewEvent]]]]:
    streams = list(synthetic_streams(total_events))
    gc.collect()
    gc.freeze()
    try:
        yield streams
    finally:
        gc.unfreeze()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _stored_rows(store: EventStore) -> list[tuple[Any, ...]]:
    """The rows as the store wrote them, instants as their stored text (as they are sent)."""
    return [
        tuple(iso_utc(v) if isinstance(v, datetime) else v for v in row)
        for batch in store.read_rows(batch_size=50_000)
        for row in batch
    ]


@contextmanager
def _raw(store: EventStore, *, autocommit: bool = False) -> Iterator[Any]:
    """The driver's own connection, made by the store's engine: the same pragmas and settings."""
    fairy = store.engine.raw_connection()
    conn: Any = fairy.driver_connection
    try:
        if store.engine.dialect.name == "postgresql":
            conn.rollback()
            conn.autocommit = autocommit
        yield conn
    finally:
        fairy.close()


def _insert_sql(store: EventStore) -> str:
    marker = "%s" if store.engine.dialect.name == "postgresql" else "?"
    return f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join([marker] * 11)})"  # noqa: S608


def _raw_txn_per_event(floor: EventStore, rows: list[tuple[Any, ...]], report: Progress) -> float:
    """Plain BEGIN, INSERT, COMMIT per event: no lock, no head read, no encoding."""
    sql = _insert_sql(floor)
    with _raw(floor) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        if floor.engine.dialect.name == "postgresql":
            for row in rows:  # psycopg says BEGIN before the first statement itself
                cur.execute(sql, row)
                conn.commit()
        else:
            for row in rows:
                cur.execute("BEGIN")
                cur.execute(sql, row)
                cur.execute("COMMIT")
        elapsed = time.perf_counter() - started
    report("raw txn per event", len(rows), len(rows))
    return elapsed


#: The head (position, hash) and one stream's version, in one statement.
_HEAD_AND_VERSION = (
    "SELECT (SELECT position FROM events ORDER BY position DESC LIMIT 1), "
    "(SELECT hash FROM events ORDER BY position DESC LIMIT 1), "
    "(SELECT max(version) FROM events WHERE stream_id = ?)"
)


def _raw_chain_txn_per_event(
    floor: EventStore, rows: list[tuple[Any, ...]], report: Progress
) -> float:
    """The same, as the chain needs it: the write lock, the head and the stream's version
    read, the row hashed onto the head, then INSERT and COMMIT. Raw driver calls, the rows'
    JSON already encoded: what any store keeping this chain must do per command."""
    sql = _insert_sql(floor)
    postgres = floor.engine.dialect.name == "postgresql"
    head_sql = _HEAD_AND_VERSION.replace("?", "%s" if postgres else "?")
    with _raw(floor) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        for row in rows:
            if postgres:
                cur.execute("SELECT pg_advisory_xact_lock(42)")
            else:
                cur.execute("BEGIN IMMEDIATE")
            position, prev, _version = cur.execute(head_sql, (row[1],)).fetchone()
            chained = chain_hash_text(prev or GENESIS_HASH, (position or 0) + 1, *row[1:10])
            cur.execute(sql, ((position or 0) + 1, *row[1:10], chained))
            if postgres:
                conn.commit()
            else:
                cur.execute("COMMIT")
        elapsed = time.perf_counter() - started
    report("raw chain txn per event", len(rows), len(rows))
    return elapsed


def _raw_insert(floor: EventStore, rows: list[tuple[Any, ...]]) -> float:
    """One transaction, ``executemany`` of every row."""
    sql = _insert_sql(floor)
    with _raw(floor) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        if floor.engine.dialect.name == "postgresql":
            cur.executemany(sql, rows)
            conn.commit()
        else:
            cur.execute("BEGIN")
            cur.executemany(sql, rows)
            cur.execute("COMMIT")
        return time.perf_counter() - started


def _raw_copy(floor: EventStore, rows: list[tuple[Any, ...]]) -> float:
    """PostgreSQL only: one transaction, COPY of every row."""
    with _raw(floor) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        with cur.copy(f"COPY events ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def _raw_read_decode(store: EventStore, total: int) -> float:
    """Fetch every row in batches as replay does, and parse each event's JSON: no models."""
    sql = f"SELECT {_COLUMNS} FROM events WHERE position > {{m}} ORDER BY position LIMIT {{m}}"  # noqa: S608
    sql = sql.format(m="%s" if store.engine.dialect.name == "postgresql" else "?")
    loads = orjson.loads
    gc.collect()
    with _raw(store, autocommit=True) as conn:  # each batch its own read, as the store does
        cur = conn.cursor()
        started = time.perf_counter()
        after, seen = 0, 0
        while True:
            cur.execute(sql, (after, _READ_BATCH))
            rows = cur.fetchall()
            if not rows:
                break
            for row in rows:
                loads(row[6])
            seen += len(rows)
            after = rows[-1][0]
        elapsed = time.perf_counter() - started
    assert seen == total, (seen, total)
    return elapsed


_COLUMNS = (
    "position, stream_id, version, event_id, event_type, schema_version, data, metadata, "
    "occurred_at, recorded_at, hash"
)


def describe_backend(url: str | None) -> str:
    return "sqlite" if url is None else make_url(url).get_backend_name()


def synthetic_rows(total_events: int) -> Iterator[tuple[Any, ...]]:
    """Stored rows for ``total_events`` events, hashed into a valid chain, built one at a time.

    For filling big stores quickly (the verify benchmark): the data is one canonical event
    per stream position, as the store would have written it.
    """
    start = datetime(2014, 2, 4, 9, tzinfo=UTC)
    templates = [encode(e) for _, events in synthetic_streams(STREAM_LENGTH) for e in events]
    recorded = iso_utc(datetime(2026, 11, 23, tzinfo=UTC))
    prev = GENESIS_HASH
    meta = canonical_json({"actor": "bench", "role": "coordinator"})
    for position in range(1, total_events + 1):
        t = templates[(position - 1) % STREAM_LENGTH]
        stream = f"project:bench:{(position - 1) // STREAM_LENGTH:07d}"
        version = (position - 1) % STREAM_LENGTH + 1
        event_id = f"{position:08x}-0000-4000-8000-000000000000"
        occurred = iso_utc(start + timedelta(days=version))
        row = (position, stream, version, event_id, t.event_type, t.schema_version, t.data,
               meta, occurred, recorded)  # fmt: skip
        prev = chain_hash_text(prev, *row)
        yield (*row, prev)


def _verify_in_child(url: str, queue: Any) -> None:
    import resource  # noqa: PLC0415 - Unix only, and only the benchmark needs it
    import tracemalloc  # noqa: PLC0415

    from ppss_workflow.auditing import verify_chain  # noqa: PLC0415
    from ppss_workflow.logs import configure_logging  # noqa: PLC0415

    configure_logging("warning")  # the child's stdout is the benchmark's JSON
    store = EventStore.from_url(url)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = verify_chain(store)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # A second, untimed walk under tracemalloc (which slows allocation): the peak of what
    # the walk itself holds on the Python heap, apart from the interpreter and its modules.
    tracemalloc.start()
    verify_chain(store)
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    store.close()
    queue.put((report.ok, report.checked, elapsed, before, after, heap_peak))


def run_verify_bench(
    total_events: int, base_url: str | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Fill a scratch store with ``total_events`` and time `audit verify` in a fresh process.

    Peak memory is the verifying process's maximum resident set (``ru_maxrss``), before and
    after the walk: a streamed verify leaves it flat, whatever the size of the store; and the
    walk's own peak on the Python heap (``tracemalloc``, measured in a second walk).
    """
    import multiprocessing  # noqa: PLC0415

    report = progress or (lambda _stage, _done, _total: None)
    with scratch_store(base_url) as store:
        started = time.perf_counter()

        def rows() -> Iterator[tuple[Any, ...]]:
            for i, row in enumerate(synthetic_rows(total_events), start=1):
                if i % 50_000 == 0:
                    report("fill", i, total_events)
                yield row

        store.import_rows(rows(), batch_size=20_000)
        fill_s = time.perf_counter() - started
        url = store.engine.url.render_as_string(hide_password=False)
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_verify_in_child, args=(url, queue))
        child.start()
        ok, checked, elapsed, rss_before, rss_after, heap_peak = queue.get(timeout=3600)
        child.join()
        report("verify", total_events, total_events)
    return {
        "backend": store.engine.dialect.name,
        "events": total_events,
        "verified": ok,
        "checked": checked,
        "fill_seconds": round(fill_s, 2),
        "verify_seconds": round(elapsed, 2),
        "verify_eps": round(checked / elapsed),
        "peak_rss_mib_before_verify": round(rss_before / 1024, 1),
        "peak_rss_mib_after_verify": round(rss_after / 1024, 1),
        "verify_heap_peak_mib": round(heap_peak / 2**20, 1),
    }
