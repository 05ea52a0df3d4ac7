"""Supervision events: money for joint supervision, requested with a description, then granted."""

from __future__ import annotations

from events.base import Event, PositiveKronor, Text

__all__ = ["SupervisionFundsGranted", "SupervisionFundsRequested"]


class SupervisionFundsRequested(Event):
    """The district asked for supervision money and described the planned joint supervision."""

    amount_sek: PositiveKronor
    description: Text


class SupervisionFundsGranted(Event):
    """A coordinator granted supervision money from the round's pool."""

    amount_sek: PositiveKronor
    decision_ref: Text
