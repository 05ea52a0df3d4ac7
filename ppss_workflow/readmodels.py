"""Read models: rounds, projects and the coordinator's board, folded from the store.

Every view can be asked as the world was at an instant (``as_of``: world time, annulments
always applied) and as it was known at an instant (``known_at``: system time, what had been
recorded by then). Nothing here writes or decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from policies.base import Assessment, Policy
from policies.registry import POLICIES, UnknownPolicy, policy_for
from policies.state import (
    ProjectState,
    RoundState,
    as_of,
    fold_project,
    fold_round,
    slug,
    stockholm_day,
)
from ppss_workflow.errors import (
    NO_ROUND,
    POLICY_MISSING,
    InvalidCommand,
    NotFound,
)
from ppss_workflow.projections import BoardPage, BoardQuery, ModelUnavailable, Projector
from ppss_workflow.rows import BoardRow, board_row
from ppss_workflow.store import EventStore

__all__ = ["BoardRow", "ProjectView", "Reads", "group_streams"]

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project's state with its round and the policy that judges it."""

    round: RoundState
    state: ProjectState
    policy: Policy
    project_id: str

    def assess(self, now: datetime) -> Assessment:
        return self.policy.assess(self.round, self.state, now)


def group_streams(events: list[Any]) -> dict[str, list[Any]]:
    """Events of several streams (in global order) grouped by stream, each in its order."""
    streams: dict[str, list[Any]] = {}
    for r in events:
        streams.setdefault(r.stream_id, []).append(r)
    return streams


class Reads:
    """The read side over one store: rounds, projects and boards."""

    def __init__(self, store: EventStore, clock: Clock | None = None) -> None:
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        #: The read model, kept current from the events: today's boards come from it.
        self.model = Projector(store, self.now)

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return stockholm_day(self.now())

    def round(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> RoundState:
        history = self.store.read_stream(f"round:{round_id}", known_at=known_at)
        state = fold_round(_as_of(history, as_of))
        if state is None:
            raise _no_round(round_id)
        return state

    def round_ids(self) -> list[str]:
        return sorted({r.stream_id.split(":", 1)[1] for r in self.store.read_streams("round:")})

    def policy(self, rnd: RoundState) -> Policy:
        try:
            return policy_for(rnd)
        except UnknownPolicy as exc:
            raise InvalidCommand(
                str(exc),
                reason=POLICY_MISSING(
                    round=rnd.round_id,
                    policy=f"{rnd.policy_name} v{rnd.policy_version}",
                    known=", ".join(f"{n} v{v}" for n, v in sorted(POLICIES)),
                ),
            ) from None

    def projects(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> list[ProjectView]:
        """Every project of the round that applied or has money on record."""
        rnd = self.round(round_id, as_of=as_of, known_at=known_at)
        policy = self.policy(rnd)
        events = self.store.read_streams(f"project:{round_id}:", known_at=known_at)
        views = []
        for stream_id, history in group_streams(events).items():
            state = fold_project(stream_id, _as_of(history, as_of))
            ledger = state.ledger
            if state.application is not None or ledger.awarded_sek or ledger.disbursed_sek:
                views.append(ProjectView(rnd, state, policy, state.project_id))
        return sorted(views, key=lambda v: v.project_id)

    def project(self, round_id: str, district: str) -> ProjectView:
        stream_id = f"project:{round_id}:{slug(district)}"
        # The round's stream and the project's in one statement (the most asked page).
        streams = self.store.read_stream_set([f"round:{round_id}", stream_id])
        rnd = fold_round(streams.get(f"round:{round_id}", []))
        if rnd is None:
            raise _no_round(round_id)
        state = fold_project(stream_id, streams.get(stream_id, []))
        if state.application is None:
            from policies.decisions import (  # noqa: PLC0415 - for this error only
                some_names,
                unknown_district,
            )

            try:
                self.model.catch_up()
                known = list(self.model.districts(round_id))
            except ModelUnavailable:
                known = [v.state.district or v.project_id for v in self.projects(round_id)]
            raise NotFound(
                f"no district {district!r} in round {round_id}"
                + (
                    f"; the round has: {some_names(known)}" if known else "; it has no applications"
                ),
                reason=unknown_district(district, round_id, known),
            )
        return ProjectView(rnd, state, self.policy(rnd), state.project_id)

    def board_page(self, round_id: str, query: BoardQuery) -> BoardPage:
        """One page of today's board (filtered, sorted, paged in the read model's SQL), with
        the whole round's totals; folded from the events when the model is unavailable."""
        self.round(round_id)  # an unknown round is an error, not an empty board
        try:
            return self.model.board_page(round_id, query)
        except ModelUnavailable:
            return page_of(self.board(round_id), query)

    def board(
        self,
        round_id: str,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        printed: bool = False,
    ) -> list[BoardRow]:
        """The round's board: today's from the read model; as of another instant, or as
        known at one, folded from the events. ``printed``: see :meth:`Projector.board`
        (rows folded from the events keep their details)."""
        if as_of is None and known_at is None:
            self.round(round_id)  # an unknown round is an error, not an empty board
            try:
                return self.model.board(round_id, printed=printed)
            except ModelUnavailable:
                pass  # a login that may not keep the model: fold, as for any other instant
        now = as_of or self.now()
        return [
            board_row(
                view.project_id,
                view.state.district or view.project_id,
                view.state.ledger,
                view.assess(now),
            )
            for view in self.projects(round_id, as_of=now, known_at=known_at)
        ]


def _no_round(round_id: str) -> NotFound:
    return NotFound(
        f"no round {round_id!r} on record; `ppss round list` shows the rounds",
        reason=NO_ROUND(round=round_id),
    )


def _as_of(history: list[Any], moment: datetime | None) -> list[Any]:
    return history if moment is None else as_of(history, moment)


def page_of(rows: list[BoardRow], query: BoardQuery) -> BoardPage:
    """The page ``query`` asks for, from a whole board in memory (as the model's SQL does)."""
    needle = query.district.lower()
    matching = [
        r
        for r in rows
        if (not query.status or r.status == query.status)
        and (
            not query.blocking
            or (not r.blocking if query.blocking == "-" else query.blocking in r.blocking)
        )
        and (not needle or needle in r.district.lower())
    ]
    key: dict[str, Callable[[BoardRow], Any]] = {
        "district": lambda r: r.district,
        "awarded": lambda r: r.awarded_sek,
        "paid": lambda r: r.disbursed_sek,
        "payable": lambda r: r.payable_sek,
        "owed": lambda r: r.repayment_due_sek,
        "status": lambda r: r.status,
    }
    by = key[query.sort]
    matching.sort(key=lambda r: (by(r), r.project), reverse=query.descending)
    return BoardPage(
        rows=matching[query.offset : query.offset + query.per_page],
        matching=len(matching),
        projects=len(rows),
        awarded_sek=sum(r.awarded_sek for r in rows),
        paid_sek=sum(r.disbursed_sek for r in rows),
        payable_sek=sum(r.payable_sek for r in rows),
        owed_sek=sum(r.repayment_due_sek for r in rows),
        payable_projects=sum(1 for r in rows if r.may_be_paid),
        statuses=tuple(sorted({r.status for r in rows})),
        blocking_codes=tuple(sorted({c for r in rows for c in r.blocking})),
        supervision=(
            sum(r.supervision_granted_sek for r in rows),
            sum(r.supervision_paid_sek for r in rows),
            sum(r.supervision_payable_sek for r in rows),
        ),
    )
