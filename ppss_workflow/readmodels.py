"""Read models: rounds, projects and the coordinator's board, folded from the store.

Every view can be asked as the world was at an instant (``as_of``: world time, annulments
always applied) and as it was known at an instant (``known_at``: system time, what had been
recorded by then). Nothing here writes or decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from policies.base import Assessment, Policy
from policies.registry import UnknownPolicy, policy_for
from policies.state import (
    STOCKHOLM,
    ProjectState,
    RoundState,
    as_of,
    fold_project,
    fold_round,
    slug,
)
from ppss_workflow.errors import InvalidCommand, NotFound
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


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the coordinator's board."""

    project: str
    district: str
    #: Granted in all: the award plus any supervision money granted.
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    may_be_paid: bool
    blocking: tuple[str, ...]
    repayment_due_sek: int
    status: str
    next_deadline: tuple[str, date] | None
    assessment: Assessment = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "district": self.district,
            "awarded_sek": self.awarded_sek,
            "disbursed_sek": self.disbursed_sek,
            "payable_sek": self.payable_sek,
            "may_be_paid": self.may_be_paid,
            "blocking": list(self.blocking),
            "repayment_due_sek": self.repayment_due_sek,
            "status": self.status,
            "next_deadline": (
                {"code": self.next_deadline[0], "due_on": self.next_deadline[1].isoformat()}
                if self.next_deadline
                else None
            ),
            "conditions": [
                {
                    "code": c.code,
                    "status": str(c.status),
                    "reason": c.reason,
                    "blocks": c.blocks,
                    "evidence": [r.position for r in c.evidence],
                }
                for c in self.assessment.conditions
            ],
        }


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

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self.now().astimezone(STOCKHOLM).date()

    def round(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> RoundState:
        history = self.store.read_stream(f"round:{round_id}", known_at=known_at)
        state = fold_round(_as_of(history, as_of))
        if state is None:
            raise NotFound(f"no round {round_id!r} on record; `ppss round list` shows the rounds")
        return state

    def round_ids(self) -> list[str]:
        return sorted({r.stream_id.split(":", 1)[1] for r in self.store.read_streams("round:")})

    def policy(self, rnd: RoundState) -> Policy:
        try:
            return policy_for(rnd)
        except UnknownPolicy as exc:
            raise InvalidCommand(str(exc)) from None

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
        rnd = self.round(round_id)
        stream_id = f"project:{round_id}:{slug(district)}"
        state = fold_project(stream_id, self.store.read_stream(stream_id))
        if state.application is None:
            known = [v.state.district or v.project_id for v in self.projects(round_id)]
            raise NotFound(
                f"no district {district!r} in round {round_id}"
                + (f"; the round has: {', '.join(known)}" if known else "; it has no applications")
            )
        return ProjectView(rnd, state, self.policy(rnd), state.project_id)

    def board(
        self, round_id: str, *, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> list[BoardRow]:
        now = as_of or self.now()
        rows = []
        for view in self.projects(round_id, as_of=now, known_at=known_at):
            a = view.assess(now)
            ledger = view.state.ledger
            rows.append(
                BoardRow(
                    project=view.project_id,
                    district=view.state.district or view.project_id,
                    awarded_sek=ledger.awarded_sek + ledger.supervision_granted_sek,
                    disbursed_sek=ledger.disbursed_sek,
                    payable_sek=a.payable.total_sek,
                    may_be_paid=a.may_be_paid,
                    blocking=a.blocking,
                    repayment_due_sek=a.repayment.due_sek,
                    status=a.status,
                    next_deadline=a.next_deadline,
                    assessment=a,
                )
            )
        return rows


def _as_of(history: list[Any], moment: datetime | None) -> list[Any]:
    return history if moment is None else as_of(history, moment)
