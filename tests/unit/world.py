"""An in-memory world for database-free decision tests: given events, when a command on a
day, then events or a refusal. It judges exactly as the handlers do (both views)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import uuid4

import pytest

from events import (
    ApplicationSubmitted,
    Event,
    GrantAwarded,
    PlanApproved,
    PlanSubmitted,
    Recorded,
    RoundOpened,
)
from policies.commands import Annul, Command
from policies.decisions import Decision, Refusal, View, command_moment, judge_on, view_of
from policies.state import STOCKHOLM, fold_round, slug
from tests.unit.said import one_line

R = Recorded[Any]

#: The round the database-free tests play in, and the day they take as today.
RID = "r"
ROUND = f"round:{RID}"
FARSTA = f"project:{RID}:farsta"
SKARPNACK = f"project:{RID}:skarpnack"
TODAY = date(2014, 12, 15)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=STOCKHOLM)


class World:
    """Streams of recorded events, kept in memory, with gap-free positions."""

    def __init__(self) -> None:
        self.events: list[R] = []

    # -- given --------------------------------------------------------------------------

    def given(self, stream: str, event: Event, on: date | datetime, actor: str = "test") -> R:
        """``event`` happened on ``on`` (a date: the start of that Stockholm day), recorded by
        ``actor``."""
        at = on if isinstance(on, datetime) else datetime.combine(on, time(0), STOCKHOLM)
        version = sum(1 for r in self.events if r.stream_id == stream) + 1
        position = len(self.events) + 1
        key = str(uuid4())
        recorded: R = Recorded(
            position,
            stream,
            version,
            event,
            at.astimezone(UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
            key,
            f'{{"actor":"{actor}","role":"coordinator"}}',
            hashlib.sha256(key.encode()).hexdigest(),
        )
        self.events.append(recorded)
        return recorded

    def stream(self, stream_id: str) -> list[R]:
        return [r for r in self.events if r.stream_id == stream_id]

    # -- views --------------------------------------------------------------------------

    def histories(self, command: Command) -> tuple[list[R], dict[str, list[R]], R | None]:
        """What the handlers read for ``command``: the round's stream, its projects' streams
        and, for an annulment, the event it names."""
        rid = command.round_id
        prefix = f"project:{rid}:"
        streams: dict[str, list[R]] = {}
        for r in self.events:
            if r.stream_id.startswith(prefix):
                streams.setdefault(r.stream_id, []).append(r)
        target = None
        position = getattr(command, "position", None)
        if position is not None:
            target = next((r for r in self.events if r.position == position), None)
        return self.stream(f"round:{rid}"), streams, target

    def view(
        self, command: Command, day: date, moment: datetime | None, actor: str = "test"
    ) -> View:
        round_history, streams, target = self.histories(command)
        return view_of(command, round_history, streams, day, moment, target=target, actor=actor)

    # -- when ---------------------------------------------------------------------------

    def judged(
        self, command: Command, today: date, actor: str = "test"
    ) -> tuple[Command, Decision]:
        """Judge ``command`` given by ``actor`` with today as ``today`` (both views), as the
        handlers do: the command as dated, and the decision."""
        round_history, streams, target = self.histories(command)
        try:
            return judge_on(command, round_history, streams, today, target=target, actor=actor)
        except Refusal as refusal:
            one_line(refusal)  # every refusal says itself as the machinery must say it
            raise

    def decide(self, command: Command, today: date, actor: str = "test") -> Decision:
        """Judge ``command`` given by ``actor`` with today as ``today`` (both views), without
        recording."""
        return self.judged(command, today, actor)[1]

    def run(self, command: Command, today: date, actor: str = "test") -> list[R]:
        """Judge and record (as given by ``actor``); returns what was recorded."""
        command, decision = self.judged(command, today, actor)
        rnd = fold_round(self.stream(f"round:{command.round_id}"))
        at = command_moment(command, rnd, noon(today))
        out = []
        for stream, events in decision.appends:
            for event in events:
                out.append(self.given(stream, event, at, actor))
        return out


def types_of(recorded: Iterable[R]) -> list[str]:
    return [r.event_type for r in recorded]


# -- given: the shared beginnings of the scenarios -------------------------------------------


def opened(world: World, budget: int = 1_000_000, policy: str = "ppss-2014") -> R:
    """Round ``r`` opened on 2 May 2013 for 2014, with a 200 000 kr supervision pool."""
    return world.given(
        ROUND,
        RoundOpened(
            round_id=RID,
            title="Runda",
            budget_sek=budget,
            supervision_pool_sek=200_000,
            supervision_cap_sek=25_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy_name=policy,
            policy_version=1,
        ),
        date(2013, 5, 2),
    )


def applied(
    world: World, name: str, sek: int = 1_400_000, schools: int = 4, on: date = date(2013, 5, 31)
) -> R:
    """``name`` applied for ``sek`` with ``schools`` schools."""
    return world.given(
        f"project:{RID}:{slug(name)}",
        ApplicationSubmitted(
            round_id=RID,
            project_id=slug(name),
            district=name,
            school_count=schools,
            applied_sek=sek,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
        ),
        on,
    )


def awarded(world: World, stream: str, sek: int, ref: str = "SN 1") -> R:
    """An award of ``sek`` decided on 4 Feb 2014."""
    return world.given(
        stream,
        GrantAwarded(amount_sek=sek, decision_ref=ref, decided_on=date(2014, 2, 4)),
        date(2014, 2, 4),
    )


def plan_approved(world: World, stream: str = FARSTA, on: date = date(2014, 3, 10)) -> R:
    """Plan p submitted on 20 Feb 2014 and approved on ``on``; returns the approval."""
    world.given(stream, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    return world.given(stream, PlanApproved(plan_id="p", meeting_on=on), on)


def annul_payment(world: World, payment: R, reason: str = "Fel", today: date = TODAY) -> list[R]:
    """A payment annulled with four eyes: asked for by ``test`` (stating the money never
    left), confirmed by ``second``; returns what the confirmation recorded."""
    cmd = Annul(round_id=RID, position=payment.position, reason=reason, money_never_left=True)
    world.run(cmd, today, actor="test")
    return world.run(cmd, today, actor="second")


def refused(world: World, command: Command, today: date = TODAY) -> Refusal:
    """The refusal ``command`` meets when judged with ``today`` as today."""
    with pytest.raises(Refusal) as caught:
        world.decide(command, today)
    return caught.value


def types_of_decision(decision: Decision) -> list[str]:
    return [e.event_type for _, events in decision.appends for e in events]
