"""Instalments: how much of an award each instalment is, which are released, what is payable.

Pure. An instalment is a share of the award (per cent, or whole kronor) released when all
of its release codes hold. Amounts are whole kronor: each instalment but the last is its
share rounded down (never more than what is left of the award); the last takes the rest, so
the instalments always add up to the award. Payable now is what is released less what is
paid, never negative and never above the award.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from events import Instalment, Recorded
from policies.reason import Reason, ReasonCode, joined

__all__ = [
    "InstalmentLine",
    "instalment_amounts",
    "payable_by_plan",
    "plan_lines",
    "share_text",
]

R = Recorded[Any]

WITH_AWARD = ReasonCode("instalment.with_award")
HELD = ReasonCode("instalment.held", "why")
RELEASED = ReasonCode("instalment.released", "why")


# Choice: each share is rounded down and the last instalment takes the rest, so the
# instalments add up to the award in whole kronor.
def instalment_amounts(award_sek: int, instalments: Sequence[Instalment]) -> list[int]:
    """Each instalment's amount in whole kronor; they add up to ``award_sek`` exactly."""
    if not instalments:
        return []
    award = max(0, award_sek)
    out: list[int] = []
    left = award
    for inst in instalments[:-1]:
        # An instalment is a percent or an amount, never both nor neither (the event says so).
        share = award * inst.percent // 100 if inst.percent is not None else inst.amount_sek
        assert share is not None
        share = min(share, left)
        out.append(share)
        left -= share
    out.append(left)
    return out


def payable_by_plan(
    award_sek: int, paid_sek: int, amounts: Sequence[int], released: Sequence[bool]
) -> int:
    """Released instalments less what is paid: never negative, never above the award."""
    released_sek = sum(a for a, r in zip(amounts, released, strict=True) if r)
    return max(0, min(award_sek, released_sek) - max(0, paid_sek))


@dataclass(frozen=True, slots=True)
class InstalmentLine:
    """One instalment as the board and explain show it."""

    number: int
    share: str
    amount_sek: int
    releases_on: tuple[str, ...]
    released: bool
    reason: Reason
    evidence: tuple[R, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "share": self.share,
            "amount_sek": self.amount_sek,
            "releases_on": list(self.releases_on),
            "released": self.released,
            "reason": self.reason.to_data(),
            "evidence": [r.position for r in self.evidence],
        }


def share_text(inst: Instalment) -> str:
    """``60 %`` or ``100 000 kr`` (no-break spaces, as people write them)."""
    if inst.percent is not None:
        return f"{inst.percent}\u00a0%"
    return f"{inst.amount_sek:,} kr".replace(",", "\u00a0")


#: A release code's test: (holds, why, the events that show it).
Release = Callable[[str], tuple[bool, Reason, tuple[R, ...]]]


def plan_lines(
    award_sek: int,
    instalments: Sequence[Instalment],
    release: Release,
) -> tuple[InstalmentLine, ...]:
    """Every instalment with its amount, whether it is released, and why."""
    amounts = instalment_amounts(award_sek, instalments)
    out = []
    for n, inst in enumerate(instalments, 1):
        amount = amounts[n - 1]  # one amount per instalment
        if not inst.releases_on:
            out.append(InstalmentLine(n, share_text(inst), amount, (), True, WITH_AWARD()))
            continue
        answers = [(code, *release(code)) for code in inst.releases_on]
        held = [why for _, ok, why, _ in answers if not ok]
        evidence = tuple(r for _, _, _, ev in answers for r in ev)
        if held:
            reason = HELD(why=joined(*held))
        else:
            reason = RELEASED(why=joined(*(why for _, _, why, _ in answers)))
        out.append(
            InstalmentLine(
                n, share_text(inst), amount, inst.releases_on, not held, reason, evidence
            )
        )
    return tuple(out)
