"""The round-wide figures a decision reads instead of every history (policies.totals): the
awards and supervision grants that stand, and each standing payment under its reference."""

from __future__ import annotations

from datetime import date

from events import DisbursementMade, EventAnnulled, SupervisionFundsGranted
from policies.state import fold_project
from policies.totals import PaymentOnRecord, RoundTotals, payments_of
from tests.unit.world import FARSTA, SKARPNACK, World, applied, awarded, opened

PAID = date(2014, 3, 20)


def _paid(w: World, stream: str, sek: int, ref: str, purpose: str = "grant") -> int:
    event = DisbursementMade(amount_sek=sek, purpose=purpose, payment_reference=ref)  # type: ignore[arg-type]
    return w.given(stream, event, PAID).position


def test_the_round_totals_are_the_sums_of_what_stands_and_payments_by_reference() -> None:
    w = World()
    opened(w)
    applied(w, "Farsta")
    applied(w, "Skarpnäck")
    awarded(w, FARSTA, 400_000)
    awarded(w, SKARPNACK, 300_000)
    w.given(FARSTA, SupervisionFundsGranted(amount_sek=25_000, decision_ref="SN 2"), PAID)
    w.given(SKARPNACK, SupervisionFundsGranted(amount_sek=20_000, decision_ref="SN 3"), PAID)
    first = _paid(w, FARSTA, 100_000, "U-1")
    second = _paid(w, FARSTA, 25_000, "U-2", "supervision")
    shared = _paid(w, SKARPNACK, 50_000, "U-1")
    struck = w.given(SKARPNACK, DisbursementMade(amount_sek=9, purpose="grant",
                                                 payment_reference="U-9"), PAID)  # fmt: skip
    w.given(SKARPNACK, EventAnnulled(annulled_event_id=struck.event_id, reason="Fel"), PAID)
    projects = [fold_project(s, w.stream(s)) for s in (FARSTA, SKARPNACK)]
    totals = RoundTotals.of(projects)
    assert (totals.awarded_sek, totals.supervision_granted_sek) == (700_000, 45_000)
    assert totals.payments == {
        "U-1": (
            PaymentOnRecord(FARSTA, "Farsta", 100_000, "grant", "U-1", first),
            PaymentOnRecord(SKARPNACK, "Skarpnäck", 50_000, "grant", "U-1", shared),
        ),
        "U-2": (PaymentOnRecord(FARSTA, "Farsta", 25_000, "supervision", "U-2", second),),
    }
    assert RoundTotals() == RoundTotals(0, 0, {})


def test_a_payment_on_a_stream_with_no_application_is_named_by_its_stream() -> None:
    w = World()
    position = _paid(w, FARSTA, 1_000, "U-1")
    assert [
        (p.district, p.position) for p in payments_of(fold_project(FARSTA, w.stream(FARSTA)))
    ] == [(FARSTA, position)]
