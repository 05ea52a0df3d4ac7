"""Several OS processes append at once while a reader follows the global position."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import defaultdict
from datetime import date, datetime
from multiprocessing.synchronize import Event as EventType
from typing import Any

from events import Metadata, NewEvent, PlanSubmitted
from policies.commands import Apply, AwardGrant, OpenRound
from policies.state import STOCKHOLM, fold_project
from ppss_workflow.errors import ConcurrencyError, WorkflowError
from ppss_workflow.handlers import Actor, Commands
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


# -- concurrent awards against one round's budget -------------------------------------------

AWARDERS = 5
TRIALS = 20
AWARD_BUDGET = 1_000_000
AWARD = 400_000  # two fit in the budget, the third would overrun it


def _award_clock() -> Any:
    return lambda: datetime(2014, 3, 1, 12, tzinfo=STOCKHOLM)


def _awarder(url: str, writer: int, barrier: Any, results: Any) -> None:
    """In each trial, wait for the others, then award this writer's district at once."""
    store = EventStore.from_url(url)
    commands = Commands(store, clock=_award_clock())
    actor = Actor("coordinator", f"samordnare-{writer}@example.org")
    for trial in range(TRIALS):
        barrier.wait(timeout=60)
        cmd = AwardGrant(
            round_id=f"aw{trial}",
            district=f"D{writer}",
            amount_sek=AWARD,
            decision_ref=f"SN {writer}",
            decided_on=date(2014, 2, 4),
        )
        try:
            commands.execute(actor, cmd)
            results.put((trial, writer, "awarded"))
        except WorkflowError as exc:
            results.put((trial, writer, type(exc).__name__))
    store.close()


def test_concurrent_awards_never_overrun_the_budget(backend: str, empty_url: str) -> None:
    """Five processes award in one round at the same instant, twenty times over: the
    round's awards never pass its budget; exactly the two that fit are recorded."""
    store = EventStore.from_url(empty_url)
    upgrade(store.engine)
    setup = Commands(store, clock=_award_clock())
    coordinator = Actor("coordinator", "samordnare@example.org")
    for trial in range(TRIALS):
        rid = f"aw{trial}"
        setup.execute(
            coordinator,
            OpenRound(
                round_id=rid,
                title="Samtidiga beslut",
                budget_sek=AWARD_BUDGET,
                period_start=date(2014, 1, 1),
                period_end=date(2014, 12, 31),
                policy="ppss-2014",
                policy_version=1,
                on=date(2013, 5, 2),
            ),
        )
        for w in range(AWARDERS):
            setup.execute(
                coordinator,
                Apply(
                    round_id=rid,
                    district=f"D{w}",
                    on=date(2013, 5, 31),
                    application={
                        "district": f"D{w}",
                        "school_count": 1,
                        "applied_sek": AWARD,
                        "period_start": date(2014, 1, 1),
                        "period_end": date(2014, 12, 31),
                    },
                ),
            )
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(AWARDERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_awarder, args=(empty_url, w, barrier, results)) for w in range(AWARDERS)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=300) for _ in range(AWARDERS * TRIALS)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    for trial in range(TRIALS):
        events = store.read_streams(f"project:aw{trial}:")
        streams: dict[str, list[Any]] = defaultdict(list)
        for r in events:
            streams[r.stream_id].append(r)
        awarded = sum(fold_project(s, h).ledger.awarded_sek for s, h in streams.items())
        assert awarded <= AWARD_BUDGET, f"trial {trial}: awarded {awarded}"
        won = [w for t, w, what in outcomes if t == trial and what == "awarded"]
        assert len(won) == 2, (trial, [o for o in outcomes if o[0] == trial])
        assert awarded == 2 * AWARD
    refused = {what for _, _, what in outcomes if what != "awarded"}
    assert refused == {"ConditionNotMet"}, refused
    store.close()
