"""Reminder events: the ladder a round uses, and the scheduler's record of each reminder."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.base import Code, Event, Text

__all__ = [
    "LadderStep",
    "ReminderAbandoned",
    "ReminderFailed",
    "ReminderLadderSet",
    "ReminderSent",
]

Recipient = Literal["district", "coordinator"]


class LadderStep(BaseModel):
    """One rung: how many working days from the due date (negative: before), and to whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Code
    offset_working_days: Annotated[int, Field(ge=-120, le=120)]
    recipient_role: Recipient


class ReminderLadderSet(Event):
    """A coordinator set the reminder ladder for one obligation (or, with none, for all)."""

    obligation: Code | None = None
    steps: tuple[LadderStep, ...]
    reason: Text

    @model_validator(mode="after")
    def _ordered(self) -> ReminderLadderSet:
        offsets = [s.offset_working_days for s in self.steps]
        if not offsets:
            raise ValueError("a ladder needs at least one step")
        if offsets != sorted(set(offsets)):
            raise ValueError("ladder steps must be in order of their offsets, each once")
        if len({s.step for s in self.steps}) != len(self.steps):
            raise ValueError("ladder step names must be unique")
        return self


class ReminderSent(Event):
    """A reminder for one obligation and ladder step was delivered to a role."""

    key: Text
    obligation: Code
    step: Code
    due_on: date
    recipient_role: Code
    channel: Code = "email"
    attempt: Annotated[int, Field(ge=1)] = 1


class ReminderFailed(Event):
    """A reminder could not be delivered (or its dispatcher stopped); it is tried again."""

    key: Text
    obligation: Code
    step: Code
    due_on: date
    recipient_role: Code
    attempt: Annotated[int, Field(ge=1)]
    reason: Text


class ReminderAbandoned(Event):
    """A reminder the mail server refused for good (a permanent 5xx) on every one of a few
    attempts: it is not tried again, and the coordinators are told."""

    key: Text
    obligation: Code
    step: Code
    due_on: date
    recipient_role: Code
    attempts: Annotated[int, Field(ge=1)]
    reason: Text
