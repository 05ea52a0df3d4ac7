"""A decision or a payment submitted again (a retried form, a double click) is answered
"already recorded" and writes nothing; the same reference with another amount is a new
request, judged by the rules as before. Pure: no database."""

from __future__ import annotations

from datetime import date

from events import (
    RepaymentDemanded,
    RepaymentReceived,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
)
from policies.commands import AwardGrant, GrantSupervision, SettleRepayment
from tests.unit.world import (
    FARSTA,
    RID,
    TODAY,
    World,
    applied,
    awarded,
    opened,
    types_of_decision,
)


def _world() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta")
    return world


def test_the_same_award_again_is_already_recorded() -> None:
    world = _world()
    record = awarded(world, FARSTA, 100_000, "SN 7")
    again = AwardGrant(
        round_id=RID, district="Farsta", amount_sek=100_000, decision_ref="SN 7",
        decided_on=date(2014, 2, 4),
    )  # fmt: skip
    decision = world.decide(again, TODAY)
    assert decision.appends == ()
    assert decision.already is not None
    assert decision.already.code == "already.awarded"
    assert decision.already["ref"] == record.event.decision_ref
    other = again.model_copy(update={"amount_sek": 50_000})
    assert types_of_decision(world.decide(other, TODAY)) == ["GrantAwarded"]


def test_the_same_supervision_grant_again_is_already_recorded() -> None:
    world = _world()
    world.given(FARSTA, SupervisionFundsRequested(amount_sek=25_000, description="H"),
                date(2014, 4, 2))  # fmt: skip
    world.given(FARSTA, SupervisionFundsGranted(amount_sek=10_000, decision_ref="FoU"),
                date(2014, 4, 3))  # fmt: skip
    grant = GrantSupervision(round_id=RID, district="Farsta", amount_sek=10_000,
                             decision_ref="FoU")  # fmt: skip
    decision = world.decide(grant, TODAY)
    assert decision.appends == ()
    assert decision.already is not None
    more = grant.model_copy(update={"decision_ref": "FoU 2"})
    assert types_of_decision(world.decide(more, TODAY)) == ["SupervisionFundsGranted"]


def test_the_same_settlement_again_is_already_recorded_and_a_waiver_is_not_a_receipt() -> None:
    world = _world()
    awarded(world, FARSTA, 100_000)
    world.given(FARSTA, RepaymentDemanded(amount_sek=50_000, reason="R",
                                          due_on=date(2014, 12, 31)), date(2014, 6, 2))  # fmt: skip
    world.given(FARSTA, RepaymentReceived(amount_sek=20_000, payment_reference="I-1"),
                date(2014, 6, 10))  # fmt: skip
    received = SettleRepayment(round_id=RID, district="Farsta", amount_sek=20_000, waive=False,
                               reference="I-1")  # fmt: skip
    decision = world.decide(received, TODAY)
    assert decision.appends == ()
    assert decision.already is not None
    waived = received.model_copy(update={"waive": True, "reason": "Beslut"})
    assert types_of_decision(world.decide(waived, TODAY)) == ["RepaymentWaived"]
