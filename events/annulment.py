"""The compensating event: history is never edited, an earlier event is annulled instead."""

from __future__ import annotations

from uuid import UUID

from events.base import Event, Text

__all__ = ["EventAnnulled"]


class EventAnnulled(Event):
    """An earlier event of the same stream no longer counts, for the stated reason."""

    annulled_event_id: UUID
    reason: Text
