"""What a 2018 application promised beside what was reported at T2 ("utlovat / levererat").

Seed 002 asks the district, in its application, for the target group's size, the schools
taking part, the pupils it thinks it can reach, the staff, and the budget; and commits it to
"Delta i uppföljningen av samverkansarbetet … i samband med T2" and "Ge en ekonomisk
återrapportering i förhållande till ansökta medel … i samband med T2". This module puts the
two side by side so that, at T2, the coordinator can hold the district to what it promised.

Choice: the documents do not say how far a delivery may fall short of a promise, so the
comparison judges nothing and blocks nothing; it only shows. A range promised ("20-30
elever") is met when the delivered figure reaches its lower end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events import ApplicationSubmitted, FinancialReportSubmitted, FollowUpSubmitted, Recorded
from events.application import Estimate
from policies.state import ProjectState

__all__ = ["PromiseLine", "promised_and_delivered"]

R = Recorded[Any]


@dataclass(frozen=True, slots=True)
class PromiseLine:
    """One thing promised: its code, what was promised (low, high or None), what was
    delivered at T2 (None: not reported yet or not asked) and whether it reaches the promise."""

    code: str
    promised_low: int | None
    promised_high: int | None
    delivered: int | None
    #: Money (kronor) rather than a count.
    money: bool = False

    @property
    def reached(self) -> bool | None:
        """None when either side is missing; else whether the delivery reaches the promise's
        lower end."""
        if self.delivered is None or self.promised_low is None:
            return None
        return self.delivered >= self.promised_low


def _range(estimate: Estimate | None) -> tuple[int | None, int | None]:
    if estimate is None:
        return None, None
    return estimate.low, estimate.high


def promised_and_delivered(project: ProjectState) -> tuple[PromiseLine, ...]:
    """The application's promises beside the T2 follow-up and financial report (empty when
    the application stated none of them)."""
    if project.application is None:
        return ()
    application: ApplicationSubmitted = project.application.event
    substance = application.substance
    t2 = project.report("t2_follow_up").counts
    follow_up: FollowUpSubmitted | None = t2.event if t2 is not None else None
    indicators = follow_up.indicators if follow_up is not None else None
    financial = project.report("t2_financial_report").counts
    report: FinancialReportSubmitted | None = financial.event if financial is not None else None
    lines: list[PromiseLine] = []
    if substance is not None:
        low, high = _range(substance.target_group_size)
        if low is not None:
            lines.append(
                PromiseLine(
                    "target_group_size",
                    low,
                    high,
                    indicators.target_group_size if indicators else None,
                )
            )
        low, high = _range(substance.schools_planned)
        if low is not None:
            schools = len(indicators.schools) if indicators and indicators.schools else None
            lines.append(PromiseLine("schools", low, high, schools))
        low, high = _range(substance.pupils_to_reach)
        if low is not None:
            lines.append(
                PromiseLine(
                    "pupils_reached", low, high, indicators.pupils_reached if indicators else None
                )
            )
    if lines or substance is not None:
        lines.append(
            PromiseLine(
                "spent_and_forecast",
                application.applied_sek,
                None,
                report.forecast_sek if report else None,
                money=True,
            )
        )
    return tuple(lines)
