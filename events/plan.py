"""Work plan events: the district submits its plan; the steering group approves or rejects it."""

from __future__ import annotations

from datetime import date

from events.base import Code, Event, Text

__all__ = ["PlanApproved", "PlanRejected", "PlanSubmitted"]


class PlanSubmitted(Event):
    """The district submitted (or resubmitted) its work plan for the year."""

    plan_id: Code
    summary: Text


class PlanApproved(Event):
    """The steering group approved a submitted plan at a meeting."""

    plan_id: Code
    meeting_on: date
    decided_by: Text = "styrgruppen"


class PlanRejected(Event):
    """The steering group sent a plan back, saying why."""

    plan_id: Code
    meeting_on: date
    reason: Text
    decided_by: Text = "styrgruppen"
