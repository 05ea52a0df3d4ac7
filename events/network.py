"""Network participation events: attendance at the city-wide meetings and trainings."""

from __future__ import annotations

from events.base import Code, Event, Text

__all__ = [
    "NetworkAbsenceRecorded",
    "NetworkAttendanceRecorded",
    "NetworkExemptionGranted",
    "NetworkMakeUpRecorded",
]


class NetworkAttendanceRecorded(Event):
    """The project took part in a network session (staff head count, never pupils)."""

    session_id: Code
    participants: int = 1


class NetworkAbsenceRecorded(Event):
    """The project missed a network session; an unexcused absence blocks further payment."""

    session_id: Code
    excused: bool = False
    reason: Text | None = None


class NetworkMakeUpRecorded(Event):
    """A coordinator recorded that a missed session was made up for."""

    session_id: Code
    how: Text


class NetworkExemptionGranted(Event):
    """A coordinator exempted the project from a session it missed."""

    session_id: Code
    reason: Text
