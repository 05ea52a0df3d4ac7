"""Several OS processes append at once while a reader follows the global position."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import defaultdict
from multiprocessing.synchronize import Event as EventType
from typing import Any

from events import Metadata, NewEvent, PlanSubmitted
from ppss_workflow.errors import ConcurrencyError
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore
from tests.factories import WHEN

WRITERS = 4
COMMANDS_PER_WRITER = 40
SHARED = "project:conc:shared"


def _writer(url: str, writer: int, start: EventType, results: Any) -> None:
    """Append to a stream every writer fights over, and to a stream of its own."""
    store = EventStore.from_url(url)
    meta = Metadata(actor=f"writer-{writer}", role="system")
    start.wait()
    appended = 0
    conflicts = 0
    own = f"project:conc:w{writer}"
    for i in range(COMMANDS_PER_WRITER):
        size = 1 + (i % 3)
        events = [
            NewEvent(PlanSubmitted(plan_id=f"w{writer}-{i}-{k}", summary="s"), WHEN, meta)
            for k in range(size)
        ]
        stream = SHARED if i % 2 == 0 else own
        while True:
            try:
                store.append(stream, events, store.stream_version(stream))
                appended += size
                break
            except ConcurrencyError:
                conflicts += 1
    store.close()
    results.put((writer, appended, conflicts))


def test_concurrent_writers_and_a_following_reader(backend: str, empty_url: str) -> None:
    """No lost event, no duplicate version, and the reader never sees a position skipped."""
    store = EventStore.from_url(empty_url)
    upgrade(store.engine)
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(empty_url, w, start, results)) for w in range(WRITERS)
    ]
    for proc in procs:
        proc.start()

    seen: list[int] = []
    skipped: list[tuple[int, int]] = []
    done = threading.Event()

    def follow() -> None:
        last = 0
        while True:
            finished = done.is_set()
            for recorded in store.read_all(after=last, batch_size=7):
                if recorded.position != last + 1:
                    skipped.append((last, recorded.position))
                seen.append(recorded.position)
                last = recorded.position
            if finished:
                return
            time.sleep(0.002)

    reader = threading.Thread(target=follow)
    reader.start()
    start.set()
    reported = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    done.set()
    reader.join(timeout=60)

    total = sum(appended for _, appended, _ in reported)
    assert skipped == []
    assert seen == list(range(1, total + 1))
    versions: dict[str, list[int]] = defaultdict(list)
    for recorded in store.read_all():
        versions[recorded.stream_id].append(recorded.version)
    for stream_id, stream_versions in versions.items():
        assert stream_versions == list(range(1, len(stream_versions) + 1)), stream_id
    assert len(versions) == WRITERS + 1
    assert sum(len(v) for v in versions.values()) == total
    store.close()
