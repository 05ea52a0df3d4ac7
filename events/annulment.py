"""The compensating event: history is never edited, an earlier event is annulled instead."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from events.base import Event, Text

__all__ = ["EventAnnulled", "PaymentAnnulmentRequested"]


class EventAnnulled(Event):
    """An earlier event of the same stream no longer counts, for the stated reason."""

    annulled_event_id: UUID
    reason: Text


class PaymentAnnulmentRequested(Event):
    """Someone asked to annul a payment of the same stream, stating that the money never left
    the city (the entry was recorded by mistake). It counts for nothing by itself: the payment
    is annulled only when a second person confirms (an :class:`EventAnnulled` of the payment
    recorded by someone other than the requester and the payment's recorder). Money that did
    leave is corrected by a repayment instead, never by an annulment.
    """

    annulled_event_id: UUID
    reason: Text
    money_never_left: Literal[True]
