"""Reminder events: the scheduler's record that a deadline reminder went out."""

from __future__ import annotations

from datetime import date

from events.base import Code, Event, Text

__all__ = ["ReminderSent"]


class ReminderSent(Event):
    """A reminder for one obligation and ladder step was delivered to a role."""

    key: Text
    obligation: Code
    step: Code
    due_on: date
    recipient_role: Code
    channel: Code = "email"
