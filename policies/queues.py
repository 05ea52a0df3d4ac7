"""What waits for whom in a project: the work queues of the home pages, from a project's state.

Pure: the state, the policy's reviewed reports and the day are arguments. The money (what is
payable, what is owed back) is not decided here: the queues take it from the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from policies.review import Review
from policies.state import ProjectState

__all__ = ["Waiting", "waiting"]


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a project waits for.

    ``to_review``: reports handed in and not yet accepted or returned (the coordinator's);
    ``returned``: reports returned, with the review's words, for a corrected one (the
    district's); ``plans``: work plans waiting for the steering group; ``supervision_sek``:
    supervision money asked for and not yet granted (the coordinator's).
    """

    to_review: tuple[str, ...]
    returned: tuple[tuple[str, str], ...]
    plans: tuple[str, ...]
    supervision_sek: int

    @property
    def anything(self) -> bool:
        return bool(self.to_review or self.returned or self.plans or self.supervision_sek)


def waiting(project: ProjectState, reviewed_reports: tuple[str, ...]) -> Waiting:
    """What ``project`` waits for, by the round's reviewed reports (``Policy.reviewed_reports``).

    Choice (not in the documents): supervision money counts as waiting while the sum asked
    for exceeds the sum granted, since a request is answered by one or more grants that
    need not match it one for one.
    """
    to_review: list[str] = []
    returned: list[tuple[str, str]] = []
    for code in reviewed_reports:
        report = project.report(code)
        if report.status == "submitted":
            to_review.append(code)
        elif report.status == "returned":
            returned.append((code, _returned_reason(report)))
    plans = tuple(p.plan_id for p in project.plans if p.status == "submitted")
    asked = sum(r.event.amount_sek for r in project.supervision_requests)
    granted = sum(g.event.amount_sek for g in project.supervision_grants)
    return Waiting(tuple(to_review), tuple(returned), plans, max(0, asked - granted))


def _returned_reason(report: Review) -> str:
    """The coordinator's words: a returned report's decision is its ``ReportReturned``, whose
    reason is required (the old fallbacks for a missing decision or reason were unreachable)."""
    decision: Any = report.decision
    return str(decision.event.reason)


def overdue(due_on: date | None, met: bool, today: date) -> bool:
    """An obligation is overdue when it is not met and its day has passed."""
    return not met and due_on is not None and due_on < today
