"""Issue 21, database-free: once the year is accounted for the grant's unpaid remainder lapses,
a payment beyond it is refused naming the rule (in Swedish), and nothing is paid while money
is due back, so a project is never payable and owed back at once."""

from __future__ import annotations

from datetime import date

from events import (
    DisbursementMade,
    FinancialReportSubmitted,
    RepaymentDemanded,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies.commands import Disburse
from policies.registry import POLICIES
from policies.state import end_of_day, fold_project, fold_round
from ppss_workflow.words import say
from tests.unit.said import en
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    World,
    applied,
    awarded,
    opened,
    plan_approved,
    refused,
)

NBSP = "\u00a0"
#: The issue's case: a payment dated 2014-12-30 after the account of 2014-12-20 was accepted.
DAY = date(2014, 12, 30)
IN = date(2014, 12, 20)


def sek(n: int) -> str:
    return f"{n:,}".replace(",", NBSP) + " kr"


def _farsta(policy: str = "ppss-2014", paid: int = 600_000) -> World:
    """Farsta awarded 1 134 896 kr (seed 000), plan approved, ``paid`` paid of the grant."""
    w = World()
    opened(w, budget=10_000_000, policy=policy)
    applied(w, "Farsta", 1_200_000, schools=3)
    awarded(w, FARSTA, 1_134_896)
    plan_approved(w)
    w.given(
        FARSTA,
        DisbursementMade(amount_sek=paid, purpose="grant", payment_reference="U1"),
        date(2014, 4, 15),
    )
    return w


def _assess(w: World, policy: str = "ppss-2014") -> tuple[int, int, int, str]:
    rnd = fold_round(w.stream(ROUND))
    assert rnd is not None
    p = POLICIES[(policy, 1)]
    found = p.assess(rnd, fold_project(FARSTA, w.stream(FARSTA)), end_of_day(DAY))
    return (
        found.payable.grant_sek,
        found.payable.supervision_sek,
        found.repayment.due_sek,
        found.status,
    )


def test_before_the_account_the_remainder_is_payable() -> None:
    assert _assess(_farsta())[:3] == (534_896, 0, 0)


def test_an_account_showing_money_unused_leaves_nothing_payable() -> None:
    """The issue's case: the account shows 65 000 kr owed back; the 534 896 kr not paid
    lapses, and a payment after the account is refused naming the rule, in Swedish."""
    w = _farsta()
    w.given(FARSTA, YearEndAccountSubmitted(spent_sek=535_000, cost_description="Löner"), IN)
    assert _assess(w) == (0, 0, 65_000, "repayment due")
    refusal = refused(
        w,
        Disburse(round_id=RID, district="Farsta", amount_sek=400_000, payment_reference="U2"),
        DAY,
    )
    said = say(refusal.reason, "sv")
    assert f"resten, {sek(534_896)}, förfaller" in said
    assert "lapses" in en(refusal.reason)


def test_an_account_showing_all_paid_used_lets_the_rest_lapse() -> None:
    """Nothing owed back, and still nothing more payable: the year is accounted for."""
    w = _farsta()
    w.given(FARSTA, YearEndAccountSubmitted(spent_sek=600_000, cost_description="Löner"), IN)
    assert _assess(w)[:3] == (0, 0, 0)
    refusal = refused(
        w,
        Disburse(round_id=RID, district="Farsta", amount_sek=1, payment_reference="U2"),
        DAY,
    )
    said = say(refusal.reason, "sv")
    assert "året är redovisat" in said
    assert f"resten, {sek(534_896)}, förfaller" in said
    assert f"the rest, {sek(534_896)}, lapses" in en(refusal.reason)


def test_costs_the_account_shows_beyond_what_was_paid_stay_payable() -> None:
    """Choice: 700 000 kr used per plan, 600 000 kr paid: 100 000 kr is still payable (costs
    the district has had), the other 434 896 kr lapses; the account shows nothing owed."""
    w = _farsta()
    w.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=750_000, spent_outside_plan_sek=50_000, cost_description="Löner"
        ),
        IN,
    )
    assert _assess(w)[:3] == (100_000, 0, 0)


def test_supervision_money_lapses_too_beyond_what_the_account_states() -> None:
    w = _farsta()
    w.given(FARSTA, SupervisionFundsRequested(amount_sek=25_000, description="H"), DAY)
    w.given(FARSTA, SupervisionFundsGranted(amount_sek=25_000, decision_ref="FoU"), DAY)
    assert _assess(w)[:2] == (534_896, 25_000)
    w.given(
        FARSTA,
        YearEndAccountSubmitted(
            spent_sek=600_000, supervision_spent_sek=10_000, cost_description="Löner"
        ),
        IN,
    )
    assert _assess(w)[:3] == (0, 10_000, 0)


def test_2018_the_final_financial_report_closes_the_year() -> None:
    w = _farsta("sst-2018")
    assert _assess(w, "sst-2018")[0] == 534_896
    w.given(FARSTA, FinancialReportSubmitted(kind="final", spent_sek=600_000, forecast_sek=0), IN)
    assert _assess(w, "sst-2018")[:3] == (0, 0, 0)


def test_a_demand_outstanding_stops_payment_until_settled() -> None:
    """Choice: no payment while money is demanded back, even before it falls due."""
    w = _farsta()
    # (as an imported history may have it: today's rules demand only what is owed)
    w.given(
        FARSTA,
        RepaymentDemanded(amount_sek=50_000, reason="Fel utbetalning", due_on=date(2015, 3, 31)),
        IN,
    )
    assert _assess(w) == (0, 0, 50_000, "repayment due")
    rnd = fold_round(w.stream(ROUND))
    assert rnd is not None
    payable = POLICIES[("ppss-2014", 1)].payable(
        rnd, fold_project(FARSTA, w.stream(FARSTA)), end_of_day(DAY)
    )
    assert (
        say(payable.reason, "sv") == f"inget betalas ut så länge {sek(50_000)} ska betalas tillbaka"
    )
