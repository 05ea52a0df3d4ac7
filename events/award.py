"""Award events: the funder granted a project its share of the round."""

from __future__ import annotations

from datetime import date

from events.base import Event, Kronor, Text

__all__ = ["GrantAwarded"]


class GrantAwarded(Event):
    """The project was awarded an amount by a recorded decision."""

    amount_sek: Kronor
    decision_ref: Text
    decided_on: date
