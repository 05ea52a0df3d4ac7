"""Work plan events: the district submits its plan; the steering group approves or rejects it."""

from __future__ import annotations

from datetime import date
from typing import Any

from events.base import DECISION_RECORD_FIELDS, Code, Event, Reference, Text, registry

__all__ = ["PlanApproved", "PlanRejected", "PlanSubmitted"]


class PlanSubmitted(Event):
    """The district submitted (or resubmitted) its work plan for the year."""

    plan_id: Code
    summary: Text


class PlanApproved(Event):
    """The steering group approved a submitted plan at a meeting.

    Schema v2 adds the decision's record: the diary number (``diary_number``) and the
    minutes' reference (``minutes_ref``); a v1 approval reads them as not recorded.
    """

    schema_version = 2

    plan_id: Code
    meeting_on: date
    decided_by: Text = "styrgruppen"
    diary_number: Reference | None = None
    minutes_ref: Reference | None = None


class PlanRejected(Event):
    """The steering group sent a plan back, saying why (schema v2 as :class:`PlanApproved`)."""

    schema_version = 2

    plan_id: Code
    meeting_on: date
    reason: Text
    decided_by: Text = "styrgruppen"
    diary_number: Reference | None = None
    minutes_ref: Reference | None = None


def _decision_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 plan decision recorded no diary number nor minutes: they read as not recorded."""
    return {**dict.fromkeys(DECISION_RECORD_FIELDS), **data}


registry.upcaster("PlanApproved", from_version=1)(_decision_v1_to_v2)
registry.upcaster("PlanRejected", from_version=1)(_decision_v1_to_v2)
