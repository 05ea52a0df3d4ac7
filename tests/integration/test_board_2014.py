"""Scenario: the demo's 2014 round on the coordinator's board, at three moments of the year."""

from __future__ import annotations

from datetime import date

from policies.state import end_of_day
from ppss_workflow.readmodels import Reads
from tests.unit.said import en

NBSP = "\u00a0"


def board(wf: Reads, on: date | None) -> dict[str, tuple[int, int, int, tuple[str, ...], int, str]]:
    rows = wf.board("ppss-2014", as_of=end_of_day(on) if on else None)
    return {
        r.district: (
            r.awarded_sek,
            r.disbursed_sek,
            r.payable_sek,
            r.blocking,
            r.repayment_due_sek,
            r.status,
        )
        for r in rows
    }


def reasons(wf: Reads, district: str, on: date | None) -> dict[str, tuple[str, str]]:
    (row,) = [
        r
        for r in wf.board("ppss-2014", as_of=end_of_day(on) if on else None)
        if r.district == district
    ]
    return {c.code: (str(c.status), en(c.reason)) for c in row.conditions}


def test_after_the_steering_group_met(demo_reads: Reads) -> None:
    """Given plans decided on 10 March, when 15 March, then only Hässelby-Vällingby waits."""
    assert board(demo_reads, date(2014, 3, 15)) == {
        "Älvsjö": (625_000, 0, 625_000, (), 0, "plan approved"),
        "Enskede-Årsta-Vantör": (738_151, 0, 738_151, (), 0, "plan approved"),
        "Farsta": (1_134_896, 0, 1_134_896, (), 0, "plan approved"),
        "Hässelby-Vällingby": (1_476_302, 0, 0, ("plan_approved",), 0, "plan rejected"),
        "Rinkeby-Kista": (2_952_604, 0, 2_952_604, (), 0, "plan approved"),
        "Skärholmen": (1_200_000, 0, 1_200_000, (), 0, "plan approved"),
        "Skarpnäck": (1_134_896, 0, 1_134_896, (), 0, "plan approved"),
        "Spånga-Tensta": (738_151, 0, 738_151, (), 0, "plan approved"),
    }
    assert reasons(demo_reads, "Hässelby-Vällingby", date(2014, 3, 15))["plan_approved"] == (
        "unmet",
        "plan plan-2014 was rejected on 2014-03-10: Personalbudgeten är inte fördelad per "
        "skola; a revised plan must be submitted",
    )


def test_after_a_missed_network_session(demo_reads: Reads) -> None:
    """Given Rinkeby-Kista missed 17 September unexcused, when 1 October, then it is blocked."""
    rows = board(demo_reads, date(2014, 10, 1))
    # The grant alone (issue 21): the 25 000 kr of supervision money each is kept apart.
    assert rows["Rinkeby-Kista"] == (
        2_952_604,
        1_476_302,
        0,
        ("network_participation",),
        0,
        "partly paid",
    )
    assert rows["Farsta"] == (1_134_896, 567_448, 567_448, (), 0, "partly paid")
    assert rows["Älvsjö"] == (625_000, 312_500, 312_500, (), 0, "partly paid")
    rinkeby = reasons(demo_reads, "Rinkeby-Kista", date(2014, 10, 1))
    assert rinkeby == {
        "application": ("met", "application submitted on 2013-05-31"),
        "awarded": ("met", f"awarded 2{NBSP}952{NBSP}604 kr (SN 2014-02-04)"),
        "plan_approved": ("met", "plan plan-2014 approved by the steering group on 2014-03-10"),
        "network_participation": (
            "unmet",
            "missed without excuse: Nätverksträff: erfarenhetsutbyte (2014-09-17); a "
            "coordinator must record a make-up or an exemption before further payment",
        ),
        "supervision_requested": (
            "met",
            f"supervision requested on 2014-04-02, 25{NBSP}000 kr granted",
        ),
        "year_end_account": (
            "not_yet_due",
            "the year-end account and cost description is due on 2015-01-31",
        ),
    }
    # Älvsjö's excused absence does not block.
    assert reasons(demo_reads, "Älvsjö", date(2014, 10, 1))["network_participation"] == (
        "met",
        "took part in or was excused from 3 of 3 mandatory sessions held so far",
    )


def test_after_the_year_end_accounts(demo_reads: Reads) -> None:
    """Given the accounts and one repayment demand, when today, then who owes and who is late."""
    assert board(demo_reads, None) == {
        "Älvsjö": (625_000, 625_000, 0, (), 0, "accounted"),
        "Enskede-Årsta-Vantör": (738_151, 738_151, 0, (), 0, "accounted"),
        "Farsta": (1_134_896, 1_134_896, 0, ("repayment_settled",), 100_000, "repayment due"),
        "Hässelby-Vällingby": (1_476_302, 1_476_302, 0, (), 0, "accounted"),
        "Rinkeby-Kista": (2_952_604, 1_476_302, 0, ("network_participation",), 0, "accounted"),
        "Skärholmen": (1_200_000, 1_200_000, 0, ("year_end_account",), 0, "paid"),
        "Skarpnäck": (1_134_896, 1_134_896, 0, (), 0, "accounted"),
        "Spånga-Tensta": (738_151, 738_151, 0, (), 0, "accounted"),
    }
    farsta = reasons(demo_reads, "Farsta", None)
    assert farsta["repayment_settled"] == (
        "unmet",
        f"100{NBSP}000 kr demanded back, due 2015-03-31, is not paid",
    )
    assert farsta["year_end_account"] == (
        "met",
        "the year-end account and cost description submitted on 2015-01-28",
    )
    assert reasons(demo_reads, "Skärholmen", None)["year_end_account"] == (
        "unmet",
        "the year-end account and cost description was due on 2015-01-31 and is missing",
    )
    (farsta_row,) = [r for r in demo_reads.board("ppss-2014") if r.district == "Farsta"]
    assert en(farsta_row.repayment_reason).startswith(
        f"paid 1{NBSP}134{NBSP}896 kr, used according to plan 1{NBSP}034{NBSP}896 kr"
    )


def test_the_demo_allocation_is_the_published_one(demo_reads: Reads) -> None:
    """The demo round records the 2014 decision exactly as seed 000 publishes it."""
    decision = demo_reads.round("ppss-2014").allocation
    assert decision is not None
    lines = {line.district: line.allocated_sek for line in decision.event.lines}
    assert lines["Rinkeby-Kista"] == 2_952_604
    assert lines["Hässelby-Vällingby"] == 1_476_302
    assert sum(lines.values()) == 10_000_000
