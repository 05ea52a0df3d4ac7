"""What round-wide rules need of every project: totals and payment references, not histories.

A decision on one project that must respect the whole round (the budget, the supervision
pool, a payment reference used once) reads these figures instead of folding every project
of the round: the machinery keeps them in its read model, and :meth:`RoundTotals.of` gives
the same figures from folded projects (tests, and rounds read the slow way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from events import DisbursementMade
from policies.state import ProjectState

__all__ = ["PaymentOnRecord", "RoundTotals"]


@dataclass(frozen=True, slots=True)
class PaymentOnRecord:
    """A payment that stands (not annulled), as a reference check needs it."""

    stream_id: str
    district: str
    amount_sek: int
    purpose: str
    reference: str
    position: int


@dataclass(frozen=True, slots=True)
class RoundTotals:
    """The round's awards, supervision grants and payments by reference, as they stand."""

    awarded_sek: int = 0
    supervision_granted_sek: int = 0
    #: Payment reference -> the payments that stand under it (may hold only the references
    #: a decision asks about).
    payments: Mapping[str, tuple[PaymentOnRecord, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, projects: Iterable[ProjectState]) -> RoundTotals:
        awarded = supervision = 0
        payments: dict[str, list[PaymentOnRecord]] = {}
        for p in projects:
            awarded += p.ledger.awarded_sek
            supervision += p.ledger.supervision_granted_sek
            for paid in payments_of(p):
                payments.setdefault(paid.reference, []).append(paid)
        return cls(awarded, supervision, {k: tuple(v) for k, v in payments.items()})


def payments_of(project: ProjectState) -> list[PaymentOnRecord]:
    """The project's payments that stand, in the order they were recorded."""
    out = []
    for r in project.disbursements:
        paid: DisbursementMade = r.event
        out.append(
            PaymentOnRecord(
                project.stream_id,
                project.district or project.stream_id,
                paid.amount_sek,
                paid.purpose,
                paid.payment_reference,
                r.position,
            )
        )
    return out
