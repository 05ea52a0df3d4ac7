"""Round events against a rebuild, on both backends: every deadline the round has, moved
later and earlier, a session held and one to come, a reminder ladder, a payment plan for the
round, an annulment of a move and the round closed.

A process that keeps the projects' folded states re-assesses them after a round event, and
keeps on each state the answers of the rules that read the project alone
(``policies.base.of_the_project``) and each condition's JSON as last written. After every
event the model it keeps must equal one rebuilt from the events by a process that keeps
nothing, and its board must equal the board folded from the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from events import DeadlineChanged, DeadlineSet
from policies.commands import (
    Annul,
    CloseRound,
    Command,
    InstalmentInput,
    LadderRung,
    ScheduleSession,
    SetDeadline,
    SetLadder,
    SetPaymentPlan,
)
from policies.registry import policy_for
from policies.reminders import DueReminder, due_reminders
from policies.state import fold_round
from ppss_workflow import projections
from ppss_workflow.demo import COORDINATOR, ROUND_2014, ROUND_2018, load_demo
from ppss_workflow.demo2016 import ROUND_2016
from ppss_workflow.handlers import Commands
from ppss_workflow.projections import Projector
from ppss_workflow.readmodels import Reads
from ppss_workflow.reminders import list_due
from ppss_workflow.rows import BoardRow, board_row
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for
from tests.integration.test_read_model import comparable, counted_groups

#: A moment inside each round's year, when its deadlines and sessions still matter.
MOMENTS = {
    ROUND_2014: datetime(2014, 10, 1, 12, tzinfo=UTC),
    ROUND_2016: datetime(2016, 10, 3, 12, tzinfo=UTC),
    ROUND_2018: datetime(2018, 9, 3, 12, tzinfo=UTC),
}


@pytest.fixture
def kept_store(backend: str) -> Iterator[EventStore]:
    with scratch_store(base_url_for(backend)) as store:
        projections.keep_folded_states(store)
        yield store


def _events(store: EventStore, rid: str) -> list[tuple[str, Command | None]]:
    """The round events to play, in order: built from what the round has on record."""
    rnd = fold_round(store.read_stream(f"round:{rid}"))
    assert rnd is not None
    policy = policy_for(rnd)
    today = MOMENTS[rid].date()
    codes = sorted({*rnd.deadlines, *policy.deadlines.values()})
    assert codes
    out: list[tuple[str, Command | None]] = []
    for code in codes:
        out.append(
            (
                f"{code} passed",
                SetDeadline(
                    round_id=rid, code=code, due_on=today - timedelta(days=3), reason="Förr"
                ),
            )
        )
        out.append(
            (
                f"{code} later",
                SetDeadline(
                    round_id=rid, code=code, due_on=today + timedelta(days=40), reason="Sen"
                ),
            )
        )
    for name, day in (("held", today - timedelta(days=1)), ("coming", today + timedelta(days=9))):
        out.append(
            (
                f"session {name}",
                ScheduleSession(
                    round_id=rid,
                    session_id=f"extra-{name}",
                    title="Extra träff",
                    starts_at=datetime.combine(day, time(13), UTC),
                ),
            )
        )
    out.append(
        (
            "ladder",
            SetLadder(
                round_id=rid,
                reason="Tätare",
                steps=(
                    LadderRung(step="early", offset_working_days=-20, recipient_role="district"),
                    LadderRung(step="due", offset_working_days=0, recipient_role="district"),
                ),
            ),
        )
    )
    release = sorted(policy.release_codes(rnd))[0]
    out.append(
        (
            "payment plan",
            SetPaymentPlan(
                round_id=rid,
                reason="Delbetalning",
                instalments=(
                    InstalmentInput(percent=40),
                    InstalmentInput(percent=60, releases_on=(release,)),
                ),
            ),
        )
    )
    out.append(("annul a move", None))  # its position is known only then
    out.append(("closed", CloseRound(round_id=rid, reason="Slut")))
    return out  # fmt: skip


def _folded(reads: Reads, rid: str, moment: datetime) -> list[BoardRow]:
    """The round's board at ``moment`` folded from every event on record (the demo has
    events after the moments above: an as-of board would leave them out)."""
    return [
        board_row(v.project_id, v.state.district or v.project_id, v.state.ledger, v.assess(moment))
        for v in reads.projects(rid)
    ]


def _due_folded(reads: Reads, rid: str, moment: datetime) -> list[DueReminder]:
    """The reminders due at ``moment``, folded from every event on record."""
    due = [
        d for v in reads.projects(rid) for d in due_reminders(v.policy, v.round, v.state, moment)
    ]
    return sorted(due, key=lambda d: (d.moment, d.project, d.obligation))


def _latest_move(store: EventStore, rid: str) -> int:
    moves = [
        r
        for r in store.read_stream(f"round:{rid}")
        if isinstance(r.event, DeadlineChanged | DeadlineSet)
    ]
    return moves[-1].position


@pytest.mark.parametrize("rid", [ROUND_2014, ROUND_2016, ROUND_2018])
def test_every_round_event_reassessed_from_kept_states_equals_a_rebuild(
    kept_store: EventStore, rid: str
) -> None:
    load_demo(kept_store)
    moment = MOMENTS[rid]
    clock = lambda: moment  # noqa: E731
    reads = Reads(kept_store, clock)
    model = reads.model
    model.catch_up()
    commands = Commands(kept_store, clock)
    before = model.board(rid)
    seen: list[str] = []
    changed = 0
    for name, planned in _events(kept_store, rid):
        command = planned or Annul(
            round_id=rid, position=_latest_move(kept_store, rid), reason="Fel"
        )
        assert commands.execute(COORDINATOR, command).results, name
        board = model.board(rid)
        kept: dict[str, list[tuple[Any, ...]]] = model.dump()
        assert kept["board_groups"] == counted_groups(kept_store), name
        due = list_due(kept_store, moment, rid, model=model)
        # From the events: the board folded, the reminders folded, the model rebuilt by a
        # process that keeps no states (no memo on any state).
        assert board == _folded(reads, rid, moment), name
        assert due == _due_folded(reads, rid, moment), name
        fresh = Projector(kept_store, clock)
        fresh.rebuild()
        assert comparable(fresh.dump()) == comparable(kept), name
        changed += board != before
        before = board
        seen.append(name)
    assert "closed" in seen
    assert changed >= len(seen) // 2, (changed, seen)  # the events changed what is shown


def test_a_kept_state_answers_each_day_as_a_fresh_one(kept_store: EventStore) -> None:
    """The answers kept on a state hold for the day they were worked out on: the same kept
    states assessed day after day (each day's rows are stale the next) give the board a
    fresh fold gives on each day."""
    load_demo(kept_store)
    day = date(2016, 9, 1)
    for _ in range(12):
        moment = datetime.combine(day, time(12), UTC)
        reads = Reads(kept_store, lambda moment=moment: moment)
        assert reads.board(ROUND_2016) == _folded(reads, ROUND_2016, moment), day
        day += timedelta(days=9)
