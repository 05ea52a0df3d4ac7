"""Accounts that cannot be: spending above what was paid plus the own contribution.

Choice: the documents say nothing on it (seed-less). An account stating that more was spent
than the city paid (grant and supervision money, annulled payments left out) plus the
district's own contribution in the application (seed 002's "Egen insats
stadsdelsförvaltning"; 0 where the form has none) is either a typing mistake or costs the
city must know about before it accepts the account. Such an account is refused unless it
carries an explanation, which is then kept with it and shown. Listed in README "Choices the
documents leave open".
"""

from __future__ import annotations

from events.application import ApplicationSubmitted
from policies.reason import Kronor, Reason, ReasonCode

__all__ = [
    "OVERSPEND_EXPLAINED",
    "OVERSPEND_UNEXPLAINED",
    "overspend_refusal",
    "own_contribution_sek",
]

OVERSPEND_UNEXPLAINED = ReasonCode("account.overspend_unexplained", "spent", "paid", "own")
#: What the audit and the project page say of an account taken with an explanation.
OVERSPEND_EXPLAINED = ReasonCode("account.overspend_explained", "spent", "explanation")


def own_contribution_sek(application: ApplicationSubmitted | None) -> int:
    """The application's own contribution: its budget lines marked as such (0 if none)."""
    if application is None:
        return 0
    return sum(b.amount_sek for b in application.budget_lines if b.own_contribution)


def overspend_refusal(
    *, spent_sek: int, paid_sek: int, own_sek: int, explanation: str | None
) -> Reason | None:
    """Why an account spending ``spent_sek`` is refused, or None when it is taken.

    Spending up to ``paid_sek + own_sek`` is taken as it is; above it, only with an
    explanation (blank text is no explanation)."""
    if spent_sek <= paid_sek + own_sek:
        return None
    if explanation is not None and explanation.strip():
        return None
    return OVERSPEND_UNEXPLAINED(
        spent=Kronor(spent_sek), paid=Kronor(paid_sek), own=Kronor(own_sek)
    )
