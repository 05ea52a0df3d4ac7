"""Which report counts: the latest submission of each report, and the coordinator's review of it.

Pure. A report is submitted (again, after a return), then accepted or returned by the
coordinator. A returned report counts as not handed in: its obligation is open again and
its figures set nothing. A review names the submission it judged, so it never counts for
a newer version handed in after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from events import Recorded, ReportAccepted, ReportReturned
from policies.reason import Named, Reason, ReasonCode

__all__ = [
    "REPORTS",
    "REPORT_STANDS_ACCEPTED",
    "Review",
    "accepted_stands",
    "review",
]

R = Recorded[Any]

REVIEW_RETURNED = ReasonCode("review.returned", "on", "why")
REVIEW_ACCEPTED = ReasonCode("review.accepted", "on")
#: Refused: the report was accepted and stands; a new one is taken once the acceptance is
#: annulled.
REPORT_STANDS_ACCEPTED = ReasonCode("report.stands_accepted", "report", "district", "on")
_STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: Report code -> what people call it (the words of the conditions).
REPORTS: Mapping[str, str] = {
    "t2_follow_up": "the T2 follow-up",
    "t2_financial_report": "the T2 financial report",
    "final_financial_report": "the final financial report",
    "annual_follow_up": "the follow-up in the annual report",
    "year_end_account": "the year-end account",
}


@dataclass(frozen=True, slots=True)
class Review:
    """A report as it stands: ``none``, ``submitted`` (awaiting review), ``accepted`` or
    ``returned``; the submission and the review that decide it."""

    code: str
    status: str
    submission: R | None = None
    decision: R | None = None

    @property
    def counts(self) -> R | None:
        """The submission whose figures count: any that is not returned."""
        return None if self.status in ("none", "returned") else self.submission

    @property
    def accepted(self) -> R | None:
        return self.submission if self.status == "accepted" else None

    @property
    def reason(self) -> Reason | None:
        """The review, for a condition's reason (None when not reviewed)."""
        if self.decision is None:
            return None
        on = self.decision.occurred_at.astimezone(_STOCKHOLM).date()
        if isinstance(self.decision.event, ReportReturned):
            return REVIEW_RETURNED(on=on, why=self.decision.event.reason)
        return REVIEW_ACCEPTED(on=on)


def review(submission: R | None, reviews: tuple[R, ...], code: str) -> Review:
    """How ``submission`` (the latest of report ``code``) stands after ``reviews`` (every
    review on the project's stream, in order, annulled ones left out)."""
    if submission is None:
        return Review(code, "none")
    decision = None
    for r in reviews:
        e = r.event
        if (
            isinstance(e, ReportAccepted | ReportReturned)
            and e.report == code
            and e.submission_id == submission.event_id
        ):
            decision = r
    if decision is None:
        return Review(code, "submitted", submission)
    status = "accepted" if isinstance(decision.event, ReportAccepted) else "returned"
    return Review(code, status, submission, decision)


def accepted_stands(current: Review, district: str) -> Reason | None:
    """Why a new submission of ``current``'s report is refused: it stands accepted (None if
    it is not). The decisions ask it of the accounts what is owed back is worked out from
    (the year-end account, the final financial report).

    Choice: the documents ask for each account once and say nothing of handing one in
    again; a returned account is handed in again corrected, and one awaiting review may be
    replaced by a corrected one. An accepted one stands: what is owed back was worked out
    from it, so a new one from the district alone would change the money unreviewed (a
    year-end account saying all was spent, after the coordinator accepted one that leaves
    money owed back). To correct it, the coordinator annuls the acceptance first (refused
    while a payment or a repayment relies on it); the new one then awaits review."""
    if current.status != "accepted" or current.decision is None:
        return None
    on = current.decision.occurred_at.astimezone(_STOCKHOLM).date()
    return REPORT_STANDS_ACCEPTED(report=Named("report", current.code), district=district, on=on)
