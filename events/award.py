"""Award events: the funder granted a project its share of the round."""

from __future__ import annotations

from datetime import date
from typing import Any

from events.base import DECISION_RECORD_FIELDS, Event, Kronor, Reference, Text, registry

__all__ = ["GrantAwarded"]


class GrantAwarded(Event):
    """The project was awarded an amount by a recorded decision.

    The decision as a record (schema v2): the body that decided (``decided_by``: socialnämnden,
    utbildningsnämnden, styrgruppen...), the day (``decided_on``), the diary number
    (``diary_number``, diarienummer) and the minutes' reference (``minutes_ref``: protokoll
    and paragraf). ``decision_ref`` stays the reference people typed. Schema v1 had only
    ``decision_ref`` and ``decided_on``; the upcaster below reads the rest as not recorded.
    """

    schema_version = 2

    amount_sek: Kronor
    decision_ref: Text
    decided_on: date
    decided_by: Reference | None = None
    diary_number: Reference | None = None
    minutes_ref: Reference | None = None


@registry.upcaster("GrantAwarded", from_version=1)
def _award_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 award recorded no body, diary number nor minutes: they read as not recorded."""
    return {**dict.fromkeys(("decided_by", *DECISION_RECORD_FIELDS)), **data}
