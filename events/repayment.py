"""Repayment events: unused money is demanded back, then received or waived."""

from __future__ import annotations

from datetime import date

from events.base import Event, PositiveKronor, Text

__all__ = ["RepaymentDemanded", "RepaymentReceived", "RepaymentWaived"]


class RepaymentDemanded(Event):
    """The funder demanded money back, with the reason and a due date."""

    amount_sek: PositiveKronor
    reason: Text
    due_on: date


class RepaymentReceived(Event):
    """Money demanded back was paid to the funder."""

    amount_sek: PositiveKronor
    payment_reference: Text


class RepaymentWaived(Event):
    """The funder decided not to collect (part of) a demanded repayment."""

    amount_sek: PositiveKronor
    reason: Text
    decision_ref: Text
