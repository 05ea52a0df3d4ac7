"""Reporting events: follow-ups (aggregates only), financial reports and the year-end account."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from events.base import Event, Kronor, Text, registry

__all__ = [
    "FinancialReportSubmitted",
    "FollowUpIndicators",
    "FollowUpSubmitted",
    "SchoolIndicators",
    "YearEndAccountSubmitted",
]

#: A whole count of pupils, hours or schools: strict, so a bool, a float or text is refused.
Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]


class SchoolIndicators(BaseModel):
    """One school's aggregate counts for the period (seed 001); never data about a pupil."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    school: Annotated[Text, Field(max_length=200)]
    target_group_size: Count
    pupils_reached: Count
    unplanned_dropouts: Count = 0
    #: Unauthorised absence, hours summed over the target group, this period.
    unauthorised_absence_hours: Count | None = None
    #: The same sum in the 2011-12 school year (the baseline), where known.
    baseline_absence_hours: Count | None = None
    #: Pupils who met their individual knowledge goals.
    pupils_with_knowledge_goals_met: Count | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SchoolIndicators:
        if self.unplanned_dropouts > self.pupils_reached:
            raise ValueError(f"{self.school}: unplanned_dropouts exceeds pupils_reached")
        met = self.pupils_with_knowledge_goals_met
        if met is not None and met > self.pupils_reached:
            raise ValueError(
                f"{self.school}: pupils_with_knowledge_goals_met exceeds pupils_reached"
            )
        return self


class FollowUpIndicators(BaseModel):
    """Aggregate indicators for the period. Counts only: never data about a single pupil.

    The project's figures; ``schools`` optionally breaks them down per school (then the
    project's counts are their sums), with the 2011-12 baseline where known.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_group_size: Count
    pupils_reached: Count
    unplanned_dropouts: Count = 0
    unauthorised_absence_hours: Count | None = None
    pupils_with_improved_attendance: Count | None = None
    baseline_absence_hours: Count | None = None
    pupils_with_knowledge_goals_met: Count | None = None
    #: What the work cost in the period, whole kronor (for the cost per pupil reached).
    cost_sek: Kronor | None = None
    schools: tuple[SchoolIndicators, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> FollowUpIndicators:
        if self.unplanned_dropouts > self.pupils_reached:
            raise ValueError("unplanned_dropouts exceeds pupils_reached")
        improved = self.pupils_with_improved_attendance
        if improved is not None and improved > self.pupils_reached:
            raise ValueError("pupils_with_improved_attendance exceeds pupils_reached")
        met = self.pupils_with_knowledge_goals_met
        if met is not None and met > self.pupils_reached:
            raise ValueError("pupils_with_knowledge_goals_met exceeds pupils_reached")
        if self.schools:
            for name in ("target_group_size", "pupils_reached", "unplanned_dropouts"):
                if sum(getattr(s, name) for s in self.schools) != getattr(self, name):
                    raise ValueError(f"{name} is not the sum of the schools' {name}")
            if len({s.school.casefold() for s in self.schools}) != len(self.schools):
                raise ValueError("a school is named twice")
        return self


class FollowUpSubmitted(Event):
    """The project's follow-up at T2 or in the annual activity report."""

    kind: Literal["t2", "annual"]
    period_start: date
    period_end: date
    indicators: FollowUpIndicators
    #: At T2 (2018): how the work could be financed within the district's own organisation.
    self_financing_plan: Text | None = None


class FinancialReportSubmitted(Event):
    """Money spent so far against the applied amount, and the forecast for the year."""

    kind: Literal["t2", "final"]
    spent_sek: Kronor
    forecast_sek: Kronor
    #: Why a final report states more spent than was paid plus the own contribution
    #: (policies.plausibility); None: not given (v1 reports, and reports within it).
    overspend_explanation: Text | None = None

    schema_version: ClassVar[int] = 2


@registry.upcaster("FinancialReportSubmitted", from_version=1)
def _financial_report_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 report gave no overspend explanation: it stays unset."""
    return dict(data)


class YearEndAccountSubmitted(Event):
    """The year-end account and cost description; money not used per plan is paid back."""

    spent_sek: Kronor
    #: Spent, but not on what the approved plan says; counts as unused for repayment.
    spent_outside_plan_sek: Kronor = 0
    cost_description: Text
    #: Supervision money spent on joint supervision, accounted apart from the grant; what
    #: was paid and not spent so is owed back. None: not stated (none was paid, or an
    #: account recorded before supervision was accounted apart).
    supervision_spent_sek: Kronor | None = None
    #: Why more was spent than was paid plus the own contribution (policies.plausibility);
    #: None: not given (v1 accounts, and accounts within what was paid).
    overspend_explanation: Text | None = None

    schema_version: ClassVar[int] = 2

    @model_validator(mode="after")
    def _outside_within_spent(self) -> YearEndAccountSubmitted:
        if self.spent_outside_plan_sek > self.spent_sek:
            raise ValueError("spent_outside_plan_sek exceeds spent_sek")
        return self


@registry.upcaster("YearEndAccountSubmitted", from_version=1)
def _year_end_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 account gave no overspend explanation: it stays unset."""
    return dict(data)
