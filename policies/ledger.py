"""The money ledger of one project: what was awarded, paid, demanded back and settled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from events.annulment import EventAnnulled
from events.award import GrantAwarded
from events.base import Event
from events.disbursement import DisbursementMade
from events.envelope import Recorded
from events.repayment import RepaymentDemanded, RepaymentReceived, RepaymentWaived
from events.supervision import SupervisionFundsGranted

__all__ = ["Ledger", "LedgerBuilder", "fold_ledger"]


@dataclass(frozen=True, slots=True)
class Ledger:
    """Money totals in whole kronor, annulled events left out."""

    awarded_sek: int = 0
    disbursed_grant_sek: int = 0
    supervision_granted_sek: int = 0
    disbursed_supervision_sek: int = 0
    repayment_demanded_sek: int = 0
    repayment_received_sek: int = 0
    repayment_waived_sek: int = 0
    events: int = 0

    @property
    def disbursed_sek(self) -> int:
        return self.disbursed_grant_sek + self.disbursed_supervision_sek

    @property
    def repayment_outstanding_sek(self) -> int:
        settled = self.repayment_received_sek + self.repayment_waived_sek
        return max(0, self.repayment_demanded_sek - settled)


_FIELD_BY_KIND: dict[type[Event], str] = {
    GrantAwarded: "awarded_sek",
    SupervisionFundsGranted: "supervision_granted_sek",
    RepaymentDemanded: "repayment_demanded_sek",
    RepaymentReceived: "repayment_received_sek",
    RepaymentWaived: "repayment_waived_sek",
}


@dataclass(slots=True)
class LedgerBuilder:
    """Folds events one at a time; keeps money entries by id so an annulment can reverse one."""

    totals: dict[str, int] = field(default_factory=dict)
    entries: dict[str, tuple[str, int]] = field(default_factory=dict)
    events: int = 0

    def apply(self, recorded: Recorded[Any]) -> None:
        self.events += 1
        event = recorded.event
        if isinstance(event, EventAnnulled):
            entry = self.entries.pop(str(event.annulled_event_id), None)
            if entry is not None:
                self.totals[entry[0]] -= entry[1]
            return
        if isinstance(event, DisbursementMade):
            name = f"disbursed_{event.purpose}_sek"
            amount = event.amount_sek
        else:
            found = _FIELD_BY_KIND.get(type(event))
            if found is None:
                return
            name = found
            amount = getattr(event, "amount_sek")  # noqa: B009 - every kind above has it
        self.totals[name] = self.totals.get(name, 0) + amount
        self.entries[recorded.event_key] = (name, amount)

    def result(self) -> Ledger:
        return Ledger(events=self.events, **self.totals)


def fold_ledger(history: Iterable[Recorded[Any]]) -> Ledger:
    """The ledger after every event of ``history`` (one project's stream, in order)."""
    builder = LedgerBuilder()
    for recorded in history:
        builder.apply(recorded)
    return builder.result()
