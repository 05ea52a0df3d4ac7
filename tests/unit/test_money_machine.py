"""A stateful property over payments, four-eyes annulments and repayments, database-free.

Hypothesis plays random sequences of commands on one project (award 400 000 kr, plan
approved): payments, requests and confirmations of a payment's annulment, annulments of other
events, a year-end account, repayment demands and repayments received. After every step:

- money out minus money back (kept by the machine itself, from what was recorded) equals
  what the ledger shows as paid minus what it shows received back;
- nothing is paid beyond what stands awarded.

- issue 21's property: no project is payable and owed back at the same time. The steps that
  reached a year-end account and those that reached money owed back are counted, and there
  must be some of each (the property was reached where it can fail).

The runs that reached the annulment of a payment followed by a new payment are counted, and
there must be some.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from events import DisbursementMade, EventAnnulled, RepaymentReceived
from policies.commands import (
    Annul,
    DemandRepayment,
    Disburse,
    SettleRepayment,
    SubmitYearEndAccount,
)
from policies.decisions import Refusal
from policies.registry import POLICIES
from policies.state import end_of_day, fold_project, fold_round
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    TODAY,
    World,
    applied,
    awarded,
    opened,
    plan_approved,
)

#: Runs (and steps) that reached the annulment of a payment followed by a new payment.
REACHED: dict[str, int] = {
    "runs": 0,
    "repaid_after_annulment": 0,
    "steps": 0,
    "accounted": 0,
    "owed_back": 0,
}


class MoneyMachine(RuleBasedStateMachine):
    """One project's money under random commands, checked against its own count of money."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World()
        opened(self.world)
        applied(self.world, "Farsta", 400_000)
        awarded(self.world, FARSTA, 400_000)
        plan_approved(self.world)
        self.out = 0  # money that left the city, by the machine's own count
        self.back = 0  # money that came back
        self.refs = 0
        self.annulled_a_payment = False
        self.reached = False
        REACHED["runs"] += 1

    # -- helpers --------------------------------------------------------------------------

    def _run(self, command: Any, actor: str = "kassa") -> list[Any]:
        try:
            return self.world.run(command, TODAY, actor)
        except Refusal:
            return []

    def _payments(self) -> list[Any]:
        return [r for r in self.world.stream(FARSTA) if isinstance(r.event, DisbursementMade)]

    # -- rules ----------------------------------------------------------------------------

    @rule(amount=st.sampled_from([1, 50_000, 100_000, 200_000, 400_000, 400_001]))
    def pay(self, amount: int) -> None:
        self.refs += 1
        cmd = Disburse(round_id=RID, district="Farsta", amount_sek=amount, purpose="grant",
                       payment_reference=f"U-{self.refs}")  # fmt: skip
        for r in self._run(cmd):
            self.out += r.event.amount_sek
            if self.annulled_a_payment and not self.reached:
                self.reached = True
                REACHED["repaid_after_annulment"] += 1

    @rule(
        pick=st.integers(0, 50),
        never_left=st.sampled_from([True, True, True, False]),
        who=st.sampled_from(["anna", "bertil", "kassa"]),
    )
    def annul_a_payment(self, pick: int, never_left: bool, who: str) -> None:
        """Anyone asks first; the engine decides whether this one asks, confirms or is
        refused (the payer, the same person twice, or money that left)."""
        payments = self._payments()
        if payments:
            target = payments[pick % len(payments)]
            cmd = Annul(round_id=RID, position=target.position, reason="Fel",
                        money_never_left=never_left)  # fmt: skip
            for r in self._run(cmd, who):
                if isinstance(r.event, EventAnnulled):
                    self.out -= target.event.amount_sek
                    self.annulled_a_payment = True

    @rule(pick=st.integers(0, 100))
    def annul_anything(self, pick: int) -> None:
        """Any event of the round (not only payments): the rules decide what may go."""
        events = [r for r in self.world.events if r.position > 1]
        target = events[pick % len(events)]
        if isinstance(target.event, DisbursementMade):
            return  # payments go through the two rules above
        recorded = self._run(Annul(round_id=RID, position=target.position, reason="Fel"), "anna")
        for r in recorded:
            gone = next(x for x in self.world.events if x.event_id == r.event.annulled_event_id)
            if isinstance(gone.event, RepaymentReceived):
                self.back -= gone.event.amount_sek

    @rule(spent=st.sampled_from([0, 100_000, 300_000, 400_000]))
    def year_end_account(self, spent: int) -> None:
        cmd = SubmitYearEndAccount(round_id=RID, district="Farsta", spent_sek=spent,
                                   cost_description="Löner")  # fmt: skip
        self._run(cmd)

    @rule(amount=st.sampled_from([1, 50_000, 100_000, 400_000]))
    def demand_back(self, amount: int) -> None:
        cmd = DemandRepayment(round_id=RID, district="Farsta", amount_sek=amount,
                              reason="Ej använt", due_on=date(2015, 3, 31))  # fmt: skip
        self._run(cmd)

    @rule(amount=st.sampled_from([1, 50_000, 100_000, 400_000]))
    def receive_back(self, amount: int) -> None:
        self.refs += 1
        cmd = SettleRepayment(round_id=RID, district="Farsta", amount_sek=amount, waive=False,
                              reference=f"I-{self.refs}")  # fmt: skip
        for r in self._run(cmd):
            self.back += r.event.amount_sek

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def money_adds_up(self) -> None:
        REACHED["steps"] += 1
        ledger = fold_project(FARSTA, self.world.stream(FARSTA)).ledger
        assert self.out - self.back == ledger.disbursed_sek - ledger.repayment_received_sek
        assert ledger.disbursed_grant_sek <= ledger.awarded_sek

    @invariant()
    def never_payable_and_owed_back_at_once(self) -> None:
        """Issue 21's property: while money is owed back (by the accounts or demanded, not yet
        settled), nothing is payable; and the status says what blocks."""
        rnd = fold_round(self.world.stream(ROUND))
        assert rnd is not None
        project = fold_project(FARSTA, self.world.stream(FARSTA))
        policy = POLICIES[(rnd.policy_name, rnd.policy_version)]
        found = policy.assess(rnd, project, end_of_day(TODAY))
        owed = max(found.repayment.owed_sek, found.repayment.due_sek)
        if policy.accounted(project):
            REACHED["accounted"] += 1
        if owed:
            REACHED["owed_back"] += 1
            assert found.payable.total_sek == 0, (found.payable, found.repayment)
            assert found.status == "repayment due" or not found.repayment.due_sek


def _annul_then_pay_again() -> None:
    """The path the count is about, played once by hand through the machine's own rules and
    invariants: 100 000 kr paid by the paymaster, its annulment asked for by one coordinator
    and confirmed by another, then paid again, with a repayment demanded and received."""
    machine = MoneyMachine()
    steps: list[Callable[[], None]] = [
        lambda: machine.pay(100_000),
        lambda: machine.annul_a_payment(pick=0, never_left=True, who="anna"),
        lambda: machine.annul_a_payment(pick=0, never_left=True, who="bertil"),
        lambda: machine.pay(100_000),
        lambda: machine.year_end_account(0),
        lambda: machine.demand_back(50_000),
        lambda: machine.receive_back(50_000),
    ]
    for step in steps:
        step()
        machine.money_adds_up()
        machine.never_payable_and_owed_back_at_once()
    assert machine.reached
    assert machine.back == 50_000
    machine.teardown()


def test_money_out_minus_money_back_is_what_the_ledger_shows() -> None:
    """Random payments, annulments (asked and confirmed) and repayments keep the books right;
    the annulment of a payment followed by a new one is reached on every run (by hand once,
    then as often as the random runs reach it).

    The random runs are new on every run (no ``derandomize``), 200 of them. The one failure
    seen in about a dozen runs before was this count: over 17 seeds the random runs reached
    the path 2 to 33 times in 200, so a run with none is a matter of chance; the path played
    by hand above makes the count sound. No run broke an invariant (17 seeds x 200 runs)."""
    REACHED.update(runs=0, repaid_after_annulment=0, steps=0, accounted=0, owed_back=0)
    _annul_then_pay_again()
    assert REACHED["repaid_after_annulment"] == 1, REACHED
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(f"money machine: {REACHED}")
    assert REACHED["repaid_after_annulment"] > 0, REACHED
    assert REACHED["accounted"] > 0, REACHED
    assert REACHED["owed_back"] > 0, REACHED
