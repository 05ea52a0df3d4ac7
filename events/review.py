"""Review of what a district hands in: the coordinator accepts a report or returns it.

``report`` is the report's code (``t2_follow_up``, ``t2_financial_report``,
``final_financial_report``, ``annual_follow_up``, ``year_end_account``); the review names
the submission it judged, so a review of an earlier version never counts for a newer one.
Work plans keep the steering group's approval (events.plan).
"""

from __future__ import annotations

from uuid import UUID

from events.base import Code, Event, Text

__all__ = ["ReportAccepted", "ReportReturned"]


class ReportAccepted(Event):
    """The coordinator accepted a submitted report: its figures count."""

    report: Code
    submission_id: UUID
    note: Text | None = None


class ReportReturned(Event):
    """The coordinator returned a submitted report, saying why: it counts as not handed in."""

    report: Code
    submission_id: UUID
    reason: Text
