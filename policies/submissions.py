"""Forms a person submits: one submission is recorded once, and reports a round has no use for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from events import Recorded
from policies.reason import Named, Reason, ReasonCode

__all__ = [
    "ALREADY_RECORDED",
    "NO_T2_RULE",
    "already_submitted",
    "already_submitted_reason",
    "takes_report",
]

R = Recorded[Any]

ALREADY_SUBMITTED = ReasonCode("already.submitted", "event", "on")
#: The same submission landed while this one was being decided: nothing new written.
ALREADY_RECORDED = ReasonCode("already.recorded")

#: The rule's name in a refusal: a round whose rules ask for no T2.
NO_T2_RULE = "reports the round asks for"


def already_submitted(histories: Iterable[Sequence[R]], command_id: UUID) -> R | None:
    """The first event recorded for the submission ``command_id`` (the form's own id), if it is
    on record: sending the same form again is then "already recorded", never a second event."""
    wanted = str(command_id)
    for history in histories:
        for r in history:
            recorded_for = r.metadata.command_id
            if recorded_for is not None and str(recorded_for) == wanted:
                return r
    return None


def already_submitted_reason(earlier: R) -> Reason:
    """The answer to a form sent again: what its first sending recorded, and when."""
    return ALREADY_SUBMITTED(
        event=Named("event", earlier.event_type), on=earlier.occurred_at.date()
    )


def takes_report(deadlines: Mapping[str, str], kind: str) -> bool:
    """Whether a round takes a ``kind`` report (follow-up or financial).

    ``deadlines`` is the round policy's table of conditions to deadline codes: a T2 report is
    taken only in a round whose rules have a T2 (the 2018 rules; the 2014 pilot has none).
    """
    return kind != "t2" or "t2" in deadlines.values()
