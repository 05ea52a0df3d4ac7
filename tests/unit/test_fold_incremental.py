"""The project fold one event at a time (``ProjectFold``, what the import's replay keeps per
stream) gives exactly the state ``fold_project`` gives on the whole stream, at every prefix
of any project history: events of every project type, plans and network sessions that go
through their lifecycles (or are refused by them), annulments of earlier events, and an
annulment that names an event recorded after it (which then never counts)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import EventAnnulled, Recorded
from events.base import Event, registry
from events.streams import EVENT_STREAMS
from policies.state import ProjectFold, effective, fold_project
from tests.unit.strategies import example_of

STREAM = "project:r:farsta"
_START = datetime(2025, 1, 1, 9, tzinfo=UTC)


def _pool() -> list[Event]:
    """One example of each project event type, with plan and session ids from a small set so
    the lifecycles meet (a plan submitted, then approved; a session attended twice)."""
    pool: list[Event] = []
    for name, cls in registry.types().items():
        if "project" not in EVENT_STREAMS[name] or cls is EventAnnulled:
            continue
        event = example_of(cls)
        pool.append(event)
        for field, values in (("plan_id", ("p1", "p2")), ("session_id", ("n1", "n2"))):
            if field in type(event).model_fields:
                pool.extend(event.model_copy(update={field: v}) for v in values)
    return pool


POOL = _pool()


def _key(n: int) -> str:
    return str(UUID(int=n + 1))


def _history(steps: list[tuple[str, int]]) -> list[Recorded[Any]]:
    """``("event", i)``: the pool's i-th event; ``("annul", k)``: an annulment of the event k
    places back (or, past the start, of the event k places after it, not yet recorded)."""
    history: list[Recorded[Any]] = []
    for n, (kind, i) in enumerate(steps):
        event: Event
        if kind == "event":
            event = POOL[i % len(POOL)]
        else:
            target = n - 1 - i if i < n else n + (i - n) + 1
            event = EventAnnulled(annulled_event_id=UUID(_key(target)), reason="fel")
        moment = _START + timedelta(days=n)
        history.append(
            Recorded(n + 1, STREAM, n + 1, event, moment, moment, _key(n), "{}", "0" * 64)
        )
    return history


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("event"), st.integers(0, 10_000)),
        st.tuples(st.just("annul"), st.integers(0, 12)),
    ),
    max_size=40,
)


def test_the_fold_event_by_event_is_the_fold_of_the_whole_stream() -> None:
    """At every prefix of any history. Counted: the property reached annulments that took
    back an event which had counted, annulments that name an event recorded after them, and
    states the fold built on top of a fold started again."""
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(_STEPS)
    def prop(steps: list[tuple[str, int]]) -> None:
        history = _history(steps)
        fold = ProjectFold()
        states = []
        refolded = False
        for n, r in enumerate(history, start=1):
            if isinstance(r.event, EventAnnulled):
                # An annulment changes what came before it: the stream is folded again.
                kept, annulments = effective(history[:n])
                if len(kept) < len(effective(history[: n - 1])[0]):
                    seen["an annulment took back an event that counted"] += 1
                if str(r.event.annulled_event_id) not in {str(h.event_id) for h in history[:n]}:
                    seen["an annulment named an event not yet recorded"] += 1
                fold = ProjectFold(annulments)
                for k in kept:
                    fold.add(k)
                refolded = True
            else:
                fold.add(r)
                if refolded:
                    seen["an event folded in after the stream was folded again"] += 1
            state = fold.state(STREAM, history[:n])
            states.append(state)
            assert state == fold_project(STREAM, history[:n])
        # Each state is a snapshot: what was folded in later did not change it.
        for n, state in enumerate(states, start=1):
            assert state == fold_project(STREAM, history[:n])

    prop()
    assert seen["an annulment took back an event that counted"] >= 50, seen
    assert seen["an annulment named an event not yet recorded"] >= 20, seen
    assert seen["an event folded in after the stream was folded again"] >= 50, seen


def test_an_event_an_earlier_annulment_names_never_counts() -> None:
    award = next(e for e in POOL if e.event_type == "GrantAwarded")
    history = _history([("annul", 0), ("event", POOL.index(award))])
    _, annulments = effective(history[:1])
    fold = ProjectFold(annulments)
    fold.add(history[1])
    state = fold.state(STREAM, history)
    assert state.awards == ()
    assert state.ledger.awarded_sek == 0
    assert state == fold_project(STREAM, history)


def test_an_annulment_is_not_folded_in_on_top() -> None:
    history = _history([("event", 0), ("annul", 0)])
    fold = ProjectFold()
    fold.add(history[0])
    with pytest.raises(
        ValueError, match=r"^an annulment changes what came before it: fold the stream again$"
    ):
        fold.add(history[1])


def test_a_network_session_is_kept_under_its_own_id() -> None:
    """Each session a project took part in (or missed) is recorded under its id, with the id."""
    sessions = [e for e in POOL if getattr(e, "session_id", None) in ("n1", "n2")]
    history = _history([("event", POOL.index(e)) for e in sessions])
    state = fold_project(STREAM, history)
    assert set(state.network) == {"n1", "n2"}
    for session_id, record in state.network.items():
        assert record.session_id == session_id
