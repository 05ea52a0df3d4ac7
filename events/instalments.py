"""Payment plans: an award paid in instalments, each released by the conditions it names.

A plan is recorded on a round's stream (every project of the round) or on one project's
stream (that project's award; it takes precedence over the round's). The latest plan on a
stream replaces the earlier one. With no plan on record, the round's rule is today's: what
is left of the award is payable when nothing blocks it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from events.base import Code, Event, PositiveKronor, Text

__all__ = ["Instalment", "PaymentPlanSet"]

#: A share of the award in whole per cent.
Percent = Annotated[int, Strict(), Field(ge=1, le=100)]


class Instalment(BaseModel):
    """One instalment: a share of the award (per cent or whole kronor) and what releases it.

    ``releases_on`` names release codes (``plan_approved``, ``t2_accepted``...): all must
    hold for the instalment to be released; empty: released with the award.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: Percent | None = None
    amount_sek: PositiveKronor | None = None
    releases_on: tuple[Code, ...] = ()

    @model_validator(mode="after")
    def _one_share(self) -> Instalment:
        if (self.percent is None) == (self.amount_sek is None):
            raise ValueError("an instalment is either a percent or an amount in kronor")
        if len(set(self.releases_on)) != len(self.releases_on):
            raise ValueError("a release condition appears twice in one instalment")
        return self


class PaymentPlanSet(Event):
    """A coordinator set the instalments an award is paid in (on a round or on one project)."""

    instalments: Annotated[tuple[Instalment, ...], Field(min_length=1, max_length=12)]
    reason: Text | None = None

    @model_validator(mode="after")
    def _shares_add_up(self) -> PaymentPlanSet:
        percents = [i.percent for i in self.instalments if i.percent is not None]
        if sum(percents) > 100:
            raise ValueError("the instalments' percentages add up to more than 100")
        if len(percents) == len(self.instalments) and sum(percents) != 100:
            raise ValueError("the instalments' percentages must add up to 100")
        return self
