"""Which kind of stream each event type belongs on: the one table, for appends and imports.

A round's stream (``round:ID``) holds what the round decides for everyone; a project's
stream (``project:ROUND:DISTRICT``) holds one district's application and everything after
it. An annulment goes on the stream of the event it annuls, so it may be on either. Role
grants are kept on the one ``access`` stream.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["EVENT_STREAMS", "StreamKind", "stream_kind", "stream_round"]

StreamKind = Literal["round", "project", "access"]

_ROUND: frozenset[StreamKind] = frozenset({"round"})
_PROJECT: frozenset[StreamKind] = frozenset({"project"})
_ACCESS: frozenset[StreamKind] = frozenset({"access"})

#: Event type -> the kinds of stream it may be recorded on.
EVENT_STREAMS: dict[str, frozenset[StreamKind]] = {
    "RoundOpened": _ROUND,
    "DeadlineSet": _ROUND,
    "DeadlineChanged": _ROUND,
    "NetworkSessionScheduled": _ROUND,
    "ReminderLadderSet": _ROUND,
    "AllocationDecided": _ROUND,
    "RoundClosed": _ROUND,
    "ApplicationSubmitted": _PROJECT,
    "ApplicationWithdrawn": _PROJECT,
    "GrantAwarded": _PROJECT,
    "PlanSubmitted": _PROJECT,
    "PlanApproved": _PROJECT,
    "PlanRejected": _PROJECT,
    "NetworkAttendanceRecorded": _PROJECT,
    "NetworkAbsenceRecorded": _PROJECT,
    "NetworkMakeUpRecorded": _PROJECT,
    "NetworkExemptionGranted": _PROJECT,
    "SupervisionFundsRequested": _PROJECT,
    "SupervisionFundsGranted": _PROJECT,
    "DisbursementMade": _PROJECT,
    "FollowUpSubmitted": _PROJECT,
    "SchoolFollowUpRecorded": _PROJECT,
    "FinancialReportSubmitted": _PROJECT,
    "YearEndAccountSubmitted": _PROJECT,
    "RepaymentDemanded": _PROJECT,
    "RepaymentReceived": _PROJECT,
    "RepaymentWaived": _PROJECT,
    "ReminderSent": _PROJECT,
    "ReminderFailed": _PROJECT,
    "ReminderAbandoned": _PROJECT,
    "EventAnnulled": frozenset({"round", "project"}),
    # a request to annul a payment (a payment is on a project's stream)
    "PaymentAnnulmentRequested": _PROJECT,
    # a payment plan for the whole round, or for one project
    "PaymentPlanSet": frozenset({"round", "project"}),
    "ReportAccepted": _PROJECT,
    "ReportReturned": _PROJECT,
    "DocumentAttached": _PROJECT,
    "ContactSet": _PROJECT,
    "ContactRemoved": _PROJECT,
    "SchoolKindSet": _PROJECT,
    # who holds which role (the ``access`` stream, outside every round)
    "RoleGranted": _ACCESS,
    "RoleRevoked": _ACCESS,
}


def stream_kind(stream_id: str) -> StreamKind | None:
    """``round`` for ``round:ID``, ``project`` for ``project:ROUND:DISTRICT``, ``access`` for
    the role grants' stream, else None."""
    if stream_id == "access":
        return "access"
    parts = stream_id.split(":")
    if len(parts) == 2 and parts[0] == "round" and parts[1]:
        return "round"
    if len(parts) == 3 and parts[0] == "project" and parts[1] and parts[2]:
        return "project"
    return None


def stream_round(stream_id: str) -> str:
    """The round id a round or project stream belongs to."""
    return stream_id.split(":")[1]
