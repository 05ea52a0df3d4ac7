"""Payment plan lines, database-free: each instalment's number, share as people write it,
amount, release codes, whether it is released, why, and the events that show it; and the
line as the board's JSON carries it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import GrantAwarded, Instalment, PlanApproved, PlanSubmitted
from policies.base import (
    GRANT_AWARDED,
    NO_APPROVED_PLAN,
    NO_AWARD,
    PLAN_APPROVED_ON,
    REPORT_NOT_IN,
)
from policies.instalments import (
    HELD,
    RELEASED,
    WITH_AWARD,
    InstalmentLine,
    payable_by_plan,
    plan_lines,
    share_text,
)
from policies.reason import JOINED, Named, Reason
from tests.unit.world import FARSTA, World

NBSP = "\u00a0"


def _recorded() -> tuple[Any, Any, Any]:
    world = World()
    award = world.given(
        FARSTA,
        GrantAwarded(amount_sek=1_000_000, decision_ref="SN 1", decided_on=date(2014, 2, 4)),
        date(2014, 2, 4),
    )
    submitted = world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    approved = world.given(
        FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10)
    )
    return award, submitted, approved


def test_each_line_says_its_share_amount_release_and_why() -> None:
    """1 000 000 kr in four: 10 % with the award, 250 000 kr once the grant is awarded and the
    plan approved (both hold: released, both reasons), 20 % on the plan and the year-end
    account (the account is not in: held, saying only what holds it back, with the evidence
    of both), and the rest on the account alone."""
    award, submitted, approved = _recorded()
    plan_on = PLAN_APPROVED_ON(plan="p", on=date(2014, 3, 10))
    not_in = REPORT_NOT_IN(report=Named("report", "year_end_account"))
    answers: dict[str, tuple[bool, Reason, tuple[Any, ...]]] = {
        "awarded": (True, GRANT_AWARDED(), (award,)),
        "plan_approved": (True, plan_on, (submitted, approved)),
        "year_end_account_accepted": (False, not_in, ()),
    }
    lines = plan_lines(
        1_000_000,
        [
            Instalment(percent=10),
            Instalment(amount_sek=250_000, releases_on=("awarded", "plan_approved")),
            Instalment(percent=20, releases_on=("plan_approved", "year_end_account_accepted")),
            Instalment(percent=70, releases_on=("year_end_account_accepted",)),
        ],
        answers.__getitem__,
    )
    assert lines == (
        InstalmentLine(1, f"10{NBSP}%", 100_000, (), True, WITH_AWARD()),
        InstalmentLine(
            2,
            f"250{NBSP}000 kr",
            250_000,
            ("awarded", "plan_approved"),
            True,
            RELEASED(why=JOINED(parts=(GRANT_AWARDED(), plan_on))),
            (award, submitted, approved),
        ),
        InstalmentLine(
            3,
            f"20{NBSP}%",
            200_000,
            ("plan_approved", "year_end_account_accepted"),
            False,
            HELD(why=not_in),
            (submitted, approved),
        ),
        InstalmentLine(
            4, f"70{NBSP}%", 450_000, ("year_end_account_accepted",), False, HELD(why=not_in)
        ),
    )
    assert lines[2].as_json() == {
        "number": 3,
        "share": f"20{NBSP}%",
        "amount_sek": 200_000,
        "releases_on": ["plan_approved", "year_end_account_accepted"],
        "released": False,
        "reason": HELD(why=not_in).to_data(),
        "evidence": [submitted.position, approved.position],
    }
    assert lines[0].as_json()["releases_on"] == []


def test_a_line_held_on_two_counts_says_both() -> None:
    (line,) = plan_lines(
        1_000,
        [Instalment(percent=100, releases_on=("awarded", "plan_approved"))],
        {
            "awarded": (False, NO_AWARD(), ()),
            "plan_approved": (False, NO_APPROVED_PLAN(), ()),
        }.__getitem__,
    )
    assert (line.released, line.reason, line.evidence) == (
        False,
        HELD(why=JOINED(parts=(NO_AWARD(), NO_APPROVED_PLAN()))),
        (),
    )


def test_shares_are_written_as_people_write_them() -> None:
    assert share_text(Instalment(percent=60)) == f"60{NBSP}%"
    assert share_text(Instalment(amount_sek=1_234_567)) == f"1{NBSP}234{NBSP}567 kr"
    assert share_text(Instalment(amount_sek=500)) == "500 kr"


def test_payable_by_plan_refuses_amounts_and_releases_that_do_not_pair() -> None:
    """Each amount has its release: a list short of one is a bug upstream, not a plan."""
    with pytest.raises(ValueError, match="zip"):
        payable_by_plan(1_000, 0, [600, 400], [True])
    with pytest.raises(ValueError, match="zip"):
        payable_by_plan(1_000, 0, [600], [True, True])
