"""The store benchmark: append per command, bulk import, replay, and the raw SQLite floor."""

from __future__ import annotations

import gc
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Events per second for each way of using the store, plus the raw floor."""

    backend: str
    events: int
    append_per_command_eps: float
    append_commands_per_s: float
    bulk_import_eps: float
    replay_eps: float
    raw_sqlite_insert_eps: float

    def as_dict(self) -> dict[str, Any]:
        raw = self.raw_sqlite_insert_eps
        return {
            "backend": self.backend,
            "events": self.events,
            "stream_length": STREAM_LENGTH,
            "append_per_command_eps": round(self.append_per_command_eps),
            "append_commands_per_s": round(self.append_commands_per_s),
            "bulk_import_eps": round(self.bulk_import_eps),
            "replay_eps": round(self.replay_eps),
            "raw_sqlite_insert_eps": round(raw),
            "append_per_command_vs_raw": round(self.append_per_command_eps / raw, 4),
            "bulk_import_vs_raw": round(self.bulk_import_eps / raw, 4),
        }


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
    """
    report = progress or (lambda _stage, _done, _total: None)

    with scratch_store(base_url) as store, _prepared_input(total_events) as streams:
        backend = store.engine.dialect.name
        done = 0
        started = time.perf_counter()
        for stream_id, new_events in streams:
            store.append(stream_id, new_events, 0)
            done += len(new_events)
            if done % 1000 < STREAM_LENGTH:
                report("append per command", done, total_events)
        append_s = time.perf_counter() - started
        report("append per command", total_events, total_events)

    with scratch_store(base_url) as store:
        with _prepared_input(total_events) as streams:
            bulk_s = _bulk_import(store, streams, total_events, report)
        n_streams = len(streams)
        del streams

        gc.collect()
        started = time.perf_counter()
        ledgers: dict[str, LedgerBuilder] = {}
        replayed = 0
        for recorded in store.read_all(batch_size=5_000):
            builder = ledgers.get(recorded.stream_id)
            if builder is None:
                builder = ledgers[recorded.stream_id] = LedgerBuilder()
            builder.apply(recorded)
            replayed += 1
            if replayed % 5_000 == 0:
                report("replay", replayed, total_events)
        replay_s = time.perf_counter() - started
        assert replayed == total_events, (replayed, total_events)
        raw_eps = _raw_sqlite_floor(store)
        report("raw sqlite floor", total_events, total_events)

    return BenchResult(
        backend=backend,
        events=total_events,
        append_per_command_eps=total_events / append_s,
        append_commands_per_s=n_streams / append_s,
        bulk_import_eps=total_events / bulk_s,
        replay_eps=total_events / replay_s,
        raw_sqlite_insert_eps=raw_eps,
    )


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


def _raw_sqlite_floor(store: EventStore) -> float:
    """Plain ``sqlite3.executemany`` of the very rows the store holds, into the same table.

    The rows are read back first, already encoded and hashed: this is what any store on
    SQLite pays just to put them on disk, with the same indexes and pragmas.
    """
    rows = [
        tuple(iso_utc(v) if isinstance(v, datetime) else v for v in row)
        for batch in store.read_rows(batch_size=50_000)
        for row in batch
    ]
    with _temporary_sqlite() as path:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_RAW_DDL)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_RAW_INSERT, rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
    return len(rows) / elapsed


_RAW_INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_RAW_DDL = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream_id VARCHAR(200) NOT NULL, version INTEGER NOT NULL,
    event_id VARCHAR(36) NOT NULL UNIQUE, event_type VARCHAR(100) NOT NULL,
    schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    occurred_at VARCHAR(27) NOT NULL, recorded_at VARCHAR(27) NOT NULL,
    hash VARCHAR(64) NOT NULL, UNIQUE (stream_id, version));
CREATE INDEX ix_events_recorded_at ON events (recorded_at);
"""


@contextmanager
def _temporary_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="ppss-raw-") as folder:
        yield str(Path(folder) / "raw.sqlite3")


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
