"""An append onto the head its connection knows (SQLite: one INSERT whose own checks stand
for the head and version reads) writes exactly what the full path writes and refuses exactly
what it refuses, on every backend (PostgreSQL and the in-memory store always take the full
path: there the two runs below are the same path twice)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from events import DisbursementMade, NewEvent
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import AppendResult, EventStore, Writer, _result, _Unsure
from tests.conftest import BACKENDS, StepClock, base_url_for, pg_url
from tests.factories import awarded, new, paid, plan_approved, plan_submitted
from tests.integration.test_store_contract import snapshot

A = "project:ppss-2014:farsta"
B = "project:ppss-2014:skarpnack"
C = "project:ppss-2014:alvsjo"
D = "project:ppss-2014:kista"
FIRST = UUID("00000000-0000-4000-8000-000000000001")
SECOND = UUID("00000000-0000-4000-8000-000000000002")


@pytest.fixture(params=[*BACKENDS, "memory"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        pg_url()
    return name


Step = Callable[[Writer, EventStore], Any]


def _steps() -> list[Step]:
    """One script of appends, made once: both runs append the very same events (ids too).
    Successes, stale versions both ways, retries and a reused command id, several events at
    once, refusals by the database (a reused event id, first and second of two), a model
    that was never validated, and another connection's commits in between."""
    first = awarded()
    again = NewEvent(first.event, first.occurred_at, first.metadata, first.event_id)
    bad = DisbursementMade.model_construct(amount_sek=-5, purpose="grant", payment_reference="X")
    a2, b1, b2, b3 = plan_submitted(), awarded(5), paid(), paid(7)
    a3, a4, a5, a6, a7 = plan_approved(), paid(ref="U-2"), paid(ref="U-3"), paid(ref="U-4"), paid()
    c1, d1, d2 = awarded(9), awarded(11), paid(ref="D-1")
    # A writer's one-event path refuses what the full path refuses: a model copied with a bad
    # value, fields changed behind pydantic's back (a negative amount, a float), a naive time.
    copied = new(paid().event.model_copy(update={"amount_sek": -5}))
    negative, floated = paid(ref="U-5"), paid(ref="U-6")
    object.__setattr__(negative.event, "amount_sek", -5)
    object.__setattr__(floated.event, "amount_sek", 500_000.0)
    naive = NewEvent(paid(ref="U-7").event, datetime(2014, 3, 10, 10), first.metadata)
    a8, a9 = paid(ref="U-8"), paid(ref="U-9")
    return [
        lambda w, o: w.append(A, [first], 0),
        lambda w, o: w.append(A, [a2], 1),
        lambda w, o: w.append(B, [b1], 0),
        lambda w, o: w.append(A, [a3], 0),  # stale: A is at 2
        lambda w, o: w.append(A, [a3], 5),  # ahead of A: would leave a gap
        lambda w, o: w.append(B, [b2], 1, command_id=FIRST),
        lambda w, o: w.append(B, [b2], 1, command_id=FIRST),  # a retry: the earlier result
        lambda w, o: w.append(B, [b3], 2, command_id=FIRST),  # the id reused for other content
        lambda w, o: w.append(A, [a3, a4], 2),
        lambda w, o: w.append(A, [again], 4),  # the event id of the first append
        lambda w, o: w.append(A, [a5, again], 4),  # the same, second of two
        lambda w, o: w.append(A, [new(bad)], 4),
        lambda w, o: w.append(C, [c1], 0, command_id=SECOND),
        lambda w, o: o.append(D, [d1], 0),  # another connection appends
        lambda w, o: w.append(A, [a5], 4),
        lambda w, o: o.append(D, [d2], 1),
        lambda w, o: w.append(A, [a6], 4),  # stale after another connection's commit
        lambda w, o: w.append(A, [a6], 5),
        lambda w, o: w.append(A, [a7], 6),
        lambda w, o: w.append("Project:A", [a8], 0),  # not a stream id
        lambda w, o: w.append(A, [a8], -1),
        lambda w, o: w.append(A, [copied], 7),
        lambda w, o: w.append(A, [negative], 7),
        lambda w, o: _quietly(w.append, A, [floated], 7),
        lambda w, o: w.append(A, [naive], 7),
        lambda w, o: w.append(A, [a8], 7),
        lambda w, o: (o.clock.advance(seconds=-30), w.append(A, [a9], 8))[1],  # the head's time
    ]


def _quietly(append: Callable[..., Any], *args: Any) -> Any:
    """The append, without pydantic's warning that it serialises a float as an int field."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return append(*args)


def _run(
    backend: str, steps: list[Step], *, full_path_only: bool
) -> tuple[list[Any], Any, int, int]:
    """The script on a new store through one writer: each step's outcome (its result, or its
    refusal's kind and words), everything stored, how many appends took the known head's
    path and how many of them the writer's one-event path (``full_path_only``: none, both
    always give way to the full path)."""
    clock = StepClock()
    outcomes: list[Any] = []
    known = one = 0
    with scratch_store(base_url_for(backend), clock=clock) as store:
        other = EventStore(store.engine, clock=clock)  # its own connections, as another process
        try:
            with store.writer() as writer:
                link: Any = writer.link
                own = getattr(link, "_write_known", None)
                own_one = link.append_one

                def counted(item: Any) -> Any:
                    nonlocal known
                    if full_path_only:
                        raise _Unsure
                    result = own(item)  # type: ignore[misc]
                    known += 1
                    return result

                def counted_one(*args: Any) -> Any:
                    nonlocal known, one
                    if full_path_only:
                        return None  # the writer's own path gives way too
                    result = own_one(*args)
                    if result is not None:
                        known += 1
                        one += 1
                    return result

                if own is not None:  # SQLite only: PostgreSQL has no such path
                    link._write_known = counted
                if own_one is not None:
                    link.append_one = counted_one
                for step in steps:
                    clock.advance(seconds=1)
                    try:
                        outcomes.append(("ok", step(writer, other)))
                    except Exception as exc:  # compared, not handled
                        outcomes.append((type(exc).__name__, str(exc)))
            rows = snapshot(store)
        finally:
            other.close()
    return outcomes, rows, known, one


def test_an_append_onto_the_known_head_is_the_full_path(backend: str) -> None:
    steps = _steps()
    fast_outcomes, fast_rows, known, one = _run(backend, steps, full_path_only=False)
    full_outcomes, full_rows, none, no_one = _run(backend, steps, full_path_only=True)
    assert fast_outcomes == full_outcomes
    assert fast_rows == full_rows
    kinds = [kind for kind, _ in fast_outcomes]
    assert kinds.count("ok") == 14
    assert kinds.count("ConcurrencyError") == 3
    assert kinds.count("IdempotencyConflict") == 1
    assert kinds.count("InvalidEventError") == 9
    assert none == no_one == 0
    if backend == "sqlite":  # the paths were taken, and not only once
        assert known >= 8, known
        assert one >= 5, one
    else:
        assert known == one == 0
    # The head's recorded time, not the clock's earlier one: time never goes back.
    last = fast_outcomes[-1][1]
    assert last.recorded_at == fast_outcomes[-2][1].recorded_at


def test_a_result_made_by_its_slots_is_the_dataclass_made_by_its_constructor() -> None:
    """_result sets AppendResult's slots directly: the same value, hash and text, frozen."""
    at = datetime(2014, 3, 10, 9, tzinfo=UTC)
    made = _result(A, 3, 5, 2, at)
    plain = AppendResult(A, 3, 5, 2, at)
    assert made == plain
    assert (hash(made), repr(made)) == (hash(plain), repr(plain))
    assert dataclasses.astuple(made) == (A, 3, 5, 2, at, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.stream_version = 3  # type: ignore[misc]
