"""One project's money (policies.ledger): every kind of money entry in its own total, an
annulment takes back exactly the entry it names, and what is owed back is never negative."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from events import (
    DisbursementMade,
    EventAnnulled,
    GrantAwarded,
    PlanSubmitted,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    SupervisionFundsGranted,
)
from policies.ledger import Ledger, fold_ledger
from tests.unit.world import FARSTA, World

DAY = date(2014, 3, 20)


def test_every_money_entry_has_its_own_total_and_an_annulment_takes_back_one_entry() -> None:
    w = World()
    entries = [
        GrantAwarded(amount_sek=400_000, decision_ref="SN 1", decided_on=DAY),
        SupervisionFundsGranted(amount_sek=25_000, decision_ref="SN 2"),
        DisbursementMade(amount_sek=100_000, purpose="grant", payment_reference="U-1"),
        DisbursementMade(amount_sek=30_000, purpose="grant", payment_reference="U-2"),
        DisbursementMade(amount_sek=20_000, purpose="supervision", payment_reference="U-3"),
        RepaymentDemanded(amount_sek=9_000, reason="Oanvänt", due_on=DAY),
        RepaymentReceived(amount_sek=3_000, payment_reference="I-1"),
        RepaymentWaived(amount_sek=1_000, reason="Ringa", decision_ref="B-1"),
        PlanSubmitted(plan_id="p", summary="Plan"),
    ]
    recorded = [w.given(FARSTA, e, DAY) for e in entries]
    assert fold_ledger(w.events) == Ledger(
        awarded_sek=400_000,
        disbursed_grant_sek=130_000,
        supervision_granted_sek=25_000,
        disbursed_supervision_sek=20_000,
        repayment_demanded_sek=9_000,
        repayment_received_sek=3_000,
        repayment_waived_sek=1_000,
        events=9,
    )
    w.given(FARSTA, EventAnnulled(annulled_event_id=recorded[3].event_id, reason="Fel"), DAY)
    w.given(FARSTA, EventAnnulled(annulled_event_id=recorded[8].event_id, reason="Fel"), DAY)
    w.given(FARSTA, EventAnnulled(annulled_event_id=uuid4(), reason="Okänd"), DAY)
    ledger = fold_ledger(w.events)
    assert (ledger.disbursed_grant_sek, ledger.disbursed_sek, ledger.events) == (
        100_000,
        120_000,
        12,
    )
    assert ledger.repayment_outstanding_sek == 5_000


def test_what_is_owed_back_is_never_negative() -> None:
    assert (
        Ledger(repayment_demanded_sek=1_000, repayment_received_sek=900).repayment_outstanding_sek
        == 100
    )
    assert Ledger(repayment_demanded_sek=1_000, repayment_received_sek=900,
                  repayment_waived_sek=200).repayment_outstanding_sek == 0  # fmt: skip
