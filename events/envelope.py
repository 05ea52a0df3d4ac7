"""What travels with an event: who recorded it, why, when it happened and when it was stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Generic, Literal, NamedTuple, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, StringConstraints

from events.base import Event

__all__ = [
    "ROLES",
    "Metadata",
    "NewEvent",
    "Recorded",
    "Role",
    "StreamId",
    "metadata_from_json",
]

Role = Literal["coordinator", "steering_group", "district", "auditor", "scheduler", "system"]
ROLES: tuple[Role, ...] = (
    "coordinator",
    "steering_group",
    "district",
    "auditor",
    "scheduler",
    "system",
)

#: Stream ids are lower-case ASCII so they sort, hash and appear in URLs without surprises:
#: ``round:ppss-2014``, ``project:ppss-2014:farsta``.
StreamId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9:._-]{0,199}$")]

E_co = TypeVar("E_co", bound=Event, covariant=True)


class Metadata(BaseModel):
    """Who did it and in answer to what. Role titles and ids only: never personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "system"
    role: Role = "system"
    #: The command that produced the event; a retried command is recognised by it.
    command_id: UUID | None = None
    #: The event (id) that caused this one, e.g. the ReminderSent caused by a deadline.
    causation_id: UUID | None = None
    #: Groups everything done in one piece of work (one CLI call, one scheduler run).
    correlation_id: UUID | None = None
    #: The district (its slug) a district role acts for; recorded so an import can check it.
    district: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event ready to append: the domain event plus when it happened in the world."""

    event: Event
    occurred_at: datetime
    metadata: Metadata = field(default_factory=Metadata)
    event_id: UUID = field(default_factory=uuid4)


class Recorded(NamedTuple, Generic[E_co]):
    """An event as the store holds it, with both timelines and its place in the hash chain.

    A named tuple rather than a dataclass: replaying a store builds one per event, and a
    tuple is immutable at a third of the cost. ``event_id`` and ``metadata`` are decoded
    from their stored text on access, since most folds never look at them.
    """

    position: int
    stream_id: str
    version: int
    event: E_co
    occurred_at: datetime
    recorded_at: datetime
    #: The event id in its canonical text form (what is stored and hashed).
    event_key: str
    #: The metadata in its canonical JSON form (what is stored and hashed).
    metadata_json: str
    hash: str

    @property
    def event_id(self) -> UUID:
        return UUID(self.event_key)

    @property
    def metadata(self) -> Metadata:
        return metadata_from_json(self.metadata_json)

    @property
    def event_type(self) -> str:
        return self.event.event_type


_METADATA_MEMO: dict[str, Metadata] = {}


def metadata_from_json(raw: str) -> Metadata:
    """Decode stored metadata; one actor and command share one text, so it is memoised."""
    meta = _METADATA_MEMO.get(raw)
    if meta is None:
        if len(_METADATA_MEMO) >= 4096:
            _METADATA_MEMO.clear()
        meta = _METADATA_MEMO[raw] = Metadata.model_validate_json(raw)
    return meta
