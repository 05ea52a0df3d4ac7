"""A deadline given on the command line for a day already past: a mistake, or a decision
recorded late (which then says the day it was made)."""

from __future__ import annotations

from datetime import date

from policies.decisions import Refusal
from policies.reason import Named, ReasonCode

__all__ = ["DEADLINE_ALREADY_PAST", "past_deadline"]

#: A deadline set (or moved) to a day already past, with no day saying when it was decided.
DEADLINE_ALREADY_PAST = ReasonCode("deadline.already_past", "deadline", "due_on", "day")


def past_deadline(code: str, due_on: date, today: date, decided_on: date | None) -> None:
    """Refuse (``kind="invalid"``) a deadline on a day before ``today`` unless the command
    gives the day it was decided (``decided_on``, ``--on``).

    A choice (the documents do not say): asked at the command line, where a mistyped year
    is the likely cause; a form on the web shows the date it takes, and a decision recorded
    late names its own day. A deadline deliberately moved to a passed day stays possible.
    """
    if due_on >= today or decided_on is not None:
        return
    raise Refusal(
        command="round deadline",
        project="-",
        state="-",
        rule="a deadline is set before it passes, or dated with the day it was decided",
        kind="invalid",
        day=today,
        reason=DEADLINE_ALREADY_PAST(deadline=Named("deadline", code), due_on=due_on, day=today),
    )
