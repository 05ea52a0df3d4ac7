"""Issue 21: an account above what was paid plus the own contribution is refused unless it
is explained (policies.plausibility). Database-free."""

from __future__ import annotations

from datetime import date

from events.application import ApplicationSubmitted, BudgetLine
from policies.plausibility import OVERSPEND_UNEXPLAINED, overspend_refusal, own_contribution_sek
from policies.reason import Kronor
from tests.unit.said import en


def test_spending_up_to_paid_plus_own_contribution_is_taken() -> None:
    for spent in (0, 399_999, 400_000):
        assert (
            overspend_refusal(spent_sek=spent, paid_sek=400_000, own_sek=0, explanation=None)
            is None
        )
    assert (
        overspend_refusal(spent_sek=500_000, paid_sek=400_000, own_sek=100_000, explanation=None)
        is None
    )


def test_one_krona_above_is_refused_naming_both_figures() -> None:
    """The issue's case: 900 000 kr spent, 400 000 kr paid, no own contribution."""
    why = overspend_refusal(spent_sek=900_000, paid_sek=400_000, own_sek=0, explanation=None)
    assert why == OVERSPEND_UNEXPLAINED(spent=Kronor(900_000), paid=Kronor(400_000), own=Kronor(0))
    said = en(why)
    assert "900\u00a0000 kr" in said, said
    assert "400\u00a0000 kr" in said, said
    edge = overspend_refusal(spent_sek=500_001, paid_sek=400_000, own_sek=100_000, explanation="")
    assert edge is not None
    assert edge.code == "account.overspend_unexplained"


def test_an_explanation_lets_it_through_but_blank_text_does_not() -> None:
    assert (
        overspend_refusal(spent_sek=900_000, paid_sek=400_000, own_sek=0, explanation="Hyra")
        is None
    )
    assert (
        overspend_refusal(spent_sek=900_000, paid_sek=400_000, own_sek=0, explanation="  ")
        is not None
    )


def test_own_contribution_is_the_applications_own_lines() -> None:
    app = ApplicationSubmitted(
        round_id="r",
        project_id="p",
        district="Farsta",
        school_count=1,
        applied_sek=1_400_000,
        budget_lines=(
            BudgetLine(label="Egen insats", amount_sek=100_000, own_contribution=True),
            BudgetLine(label="Personal", amount_sek=1_500_000),
        ),
        period_start=date(2018, 1, 1),
        period_end=date(2018, 12, 31),
    )
    assert own_contribution_sek(app) == 100_000
    assert own_contribution_sek(app.model_copy(update={"budget_lines": ()})) == 0
    assert own_contribution_sek(None) == 0
