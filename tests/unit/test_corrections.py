"""Corrections that respect money, database-free: the four-eyes annulment of a payment, no
annulment of what money relied on (every event kind, both streams), repeated demands, and
the auditor's list of money corrections."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from events import (
    DeadlineChanged,
    DeadlineSet,
    EventAnnulled,
    Instalment,
    PaymentAnnulmentRequested,
    PaymentPlanSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    YearEndAccountSubmitted,
    registry,
)
from events.streams import EVENT_STREAMS
from policies.commands import (
    Annul,
    AttachDocument,
    DemandRepayment,
    Disburse,
    ReviewReport,
    SubmitYearEndAccount,
)
from policies.corrections import (
    ANNUL_PAYMENT_AWAITS_SECOND,
    ANNUL_PAYMENT_FOUR_EYES,
    ANNUL_RELIED_ON,
    MONEY_CONSEQUENCES,
    NEVER_RELIED_ON,
    RELIES_ON,
    money_corrections,
    payment_annulment,
    pending_request,
    relied_on,
    repeated_demand,
)
from policies.decisions import Refusal, decide
from policies.reason import Named, Reason
from policies.registry import POLICIES
from policies.state import fold_project, fold_round
from ppss_workflow.words import say
from tests.unit.strategies import example_of
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    SKARPNACK,
    TODAY,
    World,
    applied,
    awarded,
    opened,
    plan_approved,
    refused,
    types_of,
)

R = Any
ALL_KINDS = sorted(registry.types())
#: The kinds that are recorded on a round's or a project's stream (not the access stream).
ROUND_KINDS = [k for k in ALL_KINDS if "round" in EVENT_STREAMS[k] or "project" in EVENT_STREAMS[k]]


@pytest.fixture
def world() -> World:
    """Round r with Farsta and Skarpnäck applied; Farsta awarded 400 000 kr, plan approved."""
    w = World()
    opened(w)
    applied(w, "Farsta", 400_000)
    applied(w, "Skarpnäck", 400_000)
    awarded(w, FARSTA, 400_000)
    plan_approved(w)
    return w


def pay(world: World, sek: int, ref: str, actor: str = "kassa") -> Any:
    cmd = Disburse(round_id=RID, district="Farsta", amount_sek=sek, purpose="grant",
                   payment_reference=ref, on=date(2014, 3, 20))  # fmt: skip
    return world.run(cmd, TODAY, actor)[0]


def annul(position: int, *, never_left: bool = True) -> Annul:
    return Annul(round_id=RID, position=position, reason="Fel konto", money_never_left=never_left)


# -- the table covers every event kind -------------------------------------------------------


def test_every_event_kind_is_relied_on_or_never_relied_on() -> None:
    """Each kind on a round's or project's stream is classified exactly once: read by some money
    consequence, or never read by one."""
    read = set().union(*RELIES_ON.values())
    for kind in ROUND_KINDS:
        assert (kind in read) != (kind in NEVER_RELIED_ON), kind
    assert read <= set(ALL_KINDS)
    assert set(ALL_KINDS) >= NEVER_RELIED_ON


def _stream_for(kind: str) -> str:
    return ROUND if EVENT_STREAMS[kind] == frozenset({"round"}) else FARSTA


def _consequence(kind: str) -> Any:
    return example_of(registry.types()[kind])


@pytest.mark.parametrize("kind", ROUND_KINDS)
@pytest.mark.parametrize("consequence", sorted(MONEY_CONSEQUENCES))
def test_relied_on_for_every_event_kind(kind: str, consequence: str) -> None:
    """An event of ``kind`` followed by a standing ``consequence`` on Farsta's stream is relied
    on exactly when the consequence reads that kind; annulling the consequence settles it."""
    w = World()
    target = w.given(_stream_for(kind), example_of(registry.types()[kind]), date(2014, 3, 1))
    later = w.given(FARSTA, _consequence(consequence), date(2014, 3, 2))
    why = relied_on(target, w.events)
    if kind in RELIES_ON[consequence]:
        assert why == ANNUL_RELIED_ON(
            event=Named("event", kind),
            consequence=Named("event", consequence),
            position=later.position,
            day=date(2014, 3, 2),
        )
    else:
        assert why is None
    w.given(FARSTA, EventAnnulled(annulled_event_id=later.event_id, reason="x"), date(2014, 3, 3))
    assert relied_on(target, w.events) is None


@pytest.mark.parametrize("kind", ROUND_KINDS)
def test_what_came_before_or_elsewhere_relied_on_nothing(kind: str) -> None:
    """A payment recorded before the event, or on another project's stream (for a project
    event), did not rely on it."""
    w = World()
    w.given(FARSTA, _consequence("DisbursementMade"), date(2014, 3, 1))
    target = w.given(_stream_for(kind), example_of(registry.types()[kind]), date(2014, 3, 1))
    assert relied_on(target, w.events) is None
    w.given(SKARPNACK, _consequence("DisbursementMade"), date(2014, 3, 2))
    other = relied_on(target, w.events)
    on_round = _stream_for(kind) == ROUND
    assert (other is not None) == (on_round and kind in RELIES_ON["DisbursementMade"])


# -- the attacks of issue 19, refused by the decision ------------------------------------------


def test_annul_a_payment_then_pay_again_never_pays_twice(world: World) -> None:
    """Award 400 000, pay 400 000, annul the payment, pay 400 000 again: the annulment needs
    "the money never left" and a second person; until then nothing more may be paid."""
    payment = pay(world, 400_000, "U-1", actor="kassa")
    no = refused(world, annul(payment.position, never_left=False))
    assert (no.reason and no.reason.code, no.kind) == ("annul.payment_money_left", "invalid")
    (request,) = world.run(annul(payment.position), TODAY, "anna")
    assert isinstance(request.event, PaymentAnnulmentRequested)
    assert fold_project(FARSTA, world.stream(FARSTA)).ledger.disbursed_grant_sek == 400_000
    again = Disburse(round_id=RID, district="Farsta", amount_sek=400_000, purpose="grant",
                     payment_reference="U-2")  # fmt: skip
    assert refused(world, again).rule == "payable grant"
    # the requester again: already recorded, nothing written
    assert world.decide(annul(payment.position), TODAY, "anna").already is not None
    assert world.run(annul(payment.position), TODAY, "anna") == []
    # the one who recorded the payment may not be the second person
    with pytest.raises(Refusal) as caught:
        world.decide(annul(payment.position), TODAY, "kassa")
    no = caught.value
    assert no.reason is not None
    assert (no.reason.code, no.kind) == ("annul.payment_four_eyes", "not_authorised")
    (confirmed,) = world.run(annul(payment.position), TODAY, "bertil")
    assert isinstance(confirmed.event, EventAnnulled)
    # the money never left: paying it now is the first payment that leaves
    assert types_of(world.run(again, TODAY)) == ["DisbursementMade"]
    assert fold_project(FARSTA, world.stream(FARSTA)).ledger.disbursed_grant_sek == 400_000


def test_a_request_or_an_annulled_payment_is_not_annulled_again(world: World) -> None:
    """The request itself cannot be annulled; a confirmed annulment is not repeated."""
    payment = pay(world, 100_000, "U-1")
    (request,) = world.run(annul(payment.position), TODAY, "anna")
    assert refused(world, annul(request.position)).rule == "annullable events"
    world.run(annul(payment.position), TODAY, "bertil")
    assert refused(world, annul(payment.position)).rule == "annul once"


def test_a_payment_a_repayment_relied_on_is_not_annulled(world: World) -> None:
    """Money demanded back for a payment: the payment stands until the demand is settled."""
    payment = pay(world, 400_000, "U-1")
    demand = world.given(FARSTA, RepaymentDemanded(amount_sek=100_000, reason="Ej använt",
                                                   due_on=date(2015, 3, 1)), TODAY)  # fmt: skip
    no = refused(world, annul(payment.position))
    assert no.reason is not None
    assert no.reason.code == "annul.relied_on"
    assert no.state == f"relied on by position {demand.position}"


def test_the_round_payment_plan_a_payment_relied_on_is_not_annulled(world: World) -> None:
    """Annulling the round's payment plan after a payment under it is refused (was 201)."""
    plan = world.given(
        ROUND,
        PaymentPlanSet(instalments=(Instalment(percent=50), Instalment(percent=50)), reason="Två"),
        date(2014, 3, 1),
    )
    pay(world, 200_000, "U-1")
    no = refused(world, Annul(round_id=RID, position=plan.position, reason="Fel"))
    assert no.reason is not None
    assert (no.reason.code, no.rule) == ("annul.relied_on", "no annulment of what money relied on")


def test_a_round_deadline_move_a_payment_relied_on_is_not_annulled(world: World) -> None:
    """A deadline and its move on the round's stream, then a payment: neither is annulled."""
    world.given(
        ROUND, DeadlineSet(code="t1", due_on=date(2014, 3, 1), reason="r"), date(2014, 1, 2)
    )
    moved = world.given(
        ROUND,
        DeadlineChanged(
            code="t1", due_on=date(2014, 4, 1), previous_due_on=date(2014, 3, 1), reason="Flytt"
        ),
        date(2014, 2, 1),
    )
    pay(world, 100_000, "U-1")
    no = refused(world, Annul(round_id=RID, position=moved.position, reason="Fel"))
    assert no.reason is not None
    assert no.reason.code == "annul.relied_on"


def test_a_round_event_no_money_relied_on_is_annulled(world: World) -> None:
    """A deadline set after the last payment: annulled as before."""
    pay(world, 100_000, "U-1")
    late = world.given(ROUND, DeadlineSet(code="t9", due_on=TODAY, reason="r"), TODAY)
    decision = world.decide(Annul(round_id=RID, position=late.position, reason="Dubbel"), TODAY)
    assert [e.event_type for _, es in decision.appends for e in es] == ["EventAnnulled"]


def test_a_repeated_repayment_demand_is_already_recorded(world: World) -> None:
    """The same demand twice (amount, reason, due date): the second writes nothing."""
    pay(world, 400_000, "U-1")
    world.given(FARSTA, _year_end(), date(2015, 1, 20))
    demand = DemandRepayment(round_id=RID, district="Farsta", amount_sek=50_000,
                             reason="Ej använt", due_on=date(2015, 3, 1))  # fmt: skip
    first = world.run(demand, date(2015, 2, 1))
    assert types_of(first) == ["RepaymentDemanded"]
    again = world.decide(demand, date(2015, 2, 1))
    assert again.already is not None
    assert again.appends == ()


def _year_end() -> Any:
    return YearEndAccountSubmitted(spent_sek=350_000, cost_description="Löner")


# -- the auditor's list ------------------------------------------------------------------------


def test_every_money_correction_in_one_list(world: World) -> None:
    """A confirmed payment annulment shows who asked, why and who confirmed; an open request
    shows no confirmer; a repayment demanded is listed too."""
    first = pay(world, 100_000, "U-1")
    second = pay(world, 100_000, "U-2")
    world.run(annul(first.position), TODAY, "anna")
    world.run(annul(first.position), TODAY, "bertil")
    world.run(annul(second.position), TODAY, "anna")
    demand = RepaymentDemanded(amount_sek=10_000, reason="Ej använt", due_on=date(2015, 3, 1))
    world.given(FARSTA, demand, TODAY, actor="anna")
    listed = money_corrections(world.events)
    assert [(c.kind, c.who, c.confirmed_by, c.corrects, c.amount_sek) for c in listed] == [
        ("annulment", "anna", "bertil", first.position, 100_000),
        ("annulment requested", "anna", None, second.position, 100_000),
        ("repayment demanded", "anna", None, None, 10_000),
    ]
    assert listed[0].why == "Fel konto"


# -- documents: the decision gets what the content store holds --------------------------------


def _attach(**fields: Any) -> AttachDocument:
    base = {"round_id": RID, "district": "Farsta", "attached_to": "plan", "file_name": "x.pdf",
            "media_type": "application/pdf", "size_bytes": 10, "sha256": "ab" * 32}  # fmt: skip
    return AttachDocument(**{**base, **fields})


def test_an_attachment_names_bytes_the_store_holds(world: World) -> None:
    """A hash the content store does not hold is refused; a size or type other than the stored
    bytes' is refused; the bytes as stored are attached."""
    cmd = _attach()
    view = world.view(cmd, TODAY, None)
    with pytest.raises(Refusal) as missing:
        decide(cmd, replace(view, held_document=None))
    assert missing.value.reason is not None
    assert (missing.value.reason.code, missing.value.kind) == ("document.not_stored", "invalid")
    with pytest.raises(Refusal) as other:
        decide(cmd, replace(view, held_document=(10, "text/html")))
    assert other.value.reason is not None
    assert other.value.reason.code == "document.not_as_stored"
    decision = decide(cmd, replace(view, held_document=(10, "application/pdf")))
    assert [e.event_type for _, es in decision.appends for e in es] == ["DocumentAttached"]


def test_the_list_holds_other_money_entries_and_repayments_only() -> None:
    """An annulled award is listed with its amount; a repayment received (its reference as
    the why) and waived are listed; an annulled contact or plan is not money and is left out."""
    w = World()
    award = awarded(w, FARSTA, 300_000)
    plan = plan_approved(w)
    w.given(FARSTA, EventAnnulled(annulled_event_id=award.event_id, reason="Fel belopp"),
            TODAY, actor="anna")  # fmt: skip
    w.given(FARSTA, EventAnnulled(annulled_event_id=plan.event_id, reason="x"), TODAY)
    w.given(FARSTA, RepaymentReceived(amount_sek=5_000, payment_reference="I-7"), TODAY)
    w.given(FARSTA, RepaymentWaived(amount_sek=1_000, reason="Ringa", decision_ref="B-1"), TODAY)
    listed = money_corrections(w.events)
    assert [(c.kind, c.entry, c.amount_sek, c.why, c.corrects) for c in listed] == [
        ("annulment", "GrantAwarded", 300_000, "Fel belopp", award.position),
        ("repayment received", "RepaymentReceived", 5_000, "I-7", None),
        ("repayment waived", "RepaymentWaived", 1_000, "Ringa", None),
    ]
    assert listed[0].who == "anna"


def test_an_unknown_confirmer_is_not_a_second_person(world: World) -> None:
    """A confirmation whose actor is not known (None) cannot show four eyes: refused."""
    payment = pay(world, 100_000, "U-1")
    world.run(annul(payment.position), TODAY, "anna")
    request = pending_request(world.stream(FARSTA), payment)
    assert request is not None
    outcome = payment_annulment(
        payment, world.stream(FARSTA), None, money_never_left=True, reason="Fel"
    )
    assert isinstance(outcome, Reason)
    assert (outcome.code, outcome["requested_by"]) == ("annul.payment_four_eyes", "anna")
    assert repeated_demand([], 1, "x", TODAY) is None


def _accounted(world: World) -> None:
    """Farsta paid 400 000 kr, its year-end account (300 000 kr spent) accepted: 100 000 kr
    owed back."""
    opened(world)
    applied(world, "Farsta", 400_000)
    awarded(world, FARSTA, 400_000)
    plan_approved(world)
    world.run(
        Disburse(round_id=RID, district="Farsta", amount_sek=400_000, payment_reference="U-1"),
        date(2014, 3, 20),
    )
    world.run(
        SubmitYearEndAccount(round_id=RID, district="Farsta", spent_sek=300_000,
                             cost_description="Löner"),
        date(2014, 12, 10),
    )  # fmt: skip
    world.run(
        ReviewReport(round_id=RID, district="Farsta", report="year_end_account", accept=True),
        date(2014, 12, 12),
    )


def _owed(world: World) -> int:
    project = fold_project(FARSTA, world.stream(FARSTA))
    policy = POLICIES[("ppss-2014", 1)]
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    return policy.repayment(project).owed_sek


def test_an_accepted_account_is_not_replaced_by_the_district_alone() -> None:
    """Attack: the district hands in a new year-end account saying it spent everything after
    the coordinator accepted the one that leaves 100 000 kr owed back; the debt would vanish
    unreviewed. Refused: an accepted report stands until its acceptance is annulled (then the
    new one is taken, and awaits review)."""
    world = World()
    _accounted(world)
    assert _owed(world) == 100_000
    again = SubmitYearEndAccount(round_id=RID, district="Farsta", spent_sek=400_000,
                                 cost_description="Allt")  # fmt: skip
    refusal = refused(world, again)
    assert refusal.reason is not None
    assert refusal.reason.code == "report.stands_accepted"
    assert _owed(world) == 100_000
    acceptance = world.stream(FARSTA)[-1]
    world.run(Annul(round_id=RID, position=acceptance.position, reason="Fel"), TODAY)
    assert types_of(world.run(again, TODAY)) == ["YearEndAccountSubmitted"]
    assert fold_project(FARSTA, world.stream(FARSTA)).report("year_end_account").status == (
        "submitted"
    )


def test_the_auditors_list_says_where_when_and_what_each_correction_is(world: World) -> None:
    """Each correction names its stream and position, the entry corrected, when it was asked
    for and when confirmed; the list is in the order recorded whatever order it is read in."""
    payment = pay(world, 100_000, "U-1")
    asked = world.run(annul(payment.position), TODAY, "anna")[0]
    confirmed = world.run(annul(payment.position), TODAY, "bertil")[0]
    award = world.stream(FARSTA)[1]
    world.given(FARSTA, EventAnnulled(annulled_event_id=award.event_id, reason="Fel belopp"),
                TODAY, actor="anna")  # fmt: skip
    struck = world.events[-1]
    world.given(FARSTA, RepaymentWaived(amount_sek=1_000, reason="Ringa", decision_ref="B-1"),
                TODAY, actor="anna")  # fmt: skip
    waived = world.events[-1]
    listed = money_corrections(reversed(world.events))
    assert [(c.stream_id, c.position, c.kind, c.entry, c.when, c.confirmed_at) for c in listed] == [
        (FARSTA, asked.position, "annulment", "DisbursementMade", asked.recorded_at,
         confirmed.recorded_at),
        (FARSTA, struck.position, "annulment", "GrantAwarded", struck.recorded_at, None),
        (FARSTA, waived.position, "repayment waived", "RepaymentWaived", waived.recorded_at,
         None),
    ]  # fmt: skip
    assert (listed[1].amount_sek, listed[1].corrects) == (400_000, award.position)


def test_a_request_whose_entry_is_not_in_the_history_read_lists_no_amount(world: World) -> None:
    """The auditor reads one stream's history: a request naming an entry outside it (or one that
    carries no amount) is listed, with 0 kr and nothing it corrects."""
    payment = pay(world, 100_000, "U-1")
    world.run(annul(payment.position), TODAY, "anna")
    request = world.events[-1]
    alone = money_corrections([request])
    assert [(c.kind, c.amount_sek, c.corrects) for c in alone] == [("annulment requested", 0, None)]
    plan = world.stream(FARSTA)[2]
    odd = PaymentAnnulmentRequested(
        annulled_event_id=plan.event_id, reason="Fel", money_never_left=True
    )
    world.given(FARSTA, odd, TODAY, actor="anna")
    listed = money_corrections(world.events)
    assert [(c.amount_sek, c.corrects) for c in listed] == [
        (100_000, payment.position),
        (0, plan.position),
    ]


def test_a_payment_whose_money_left_is_not_annulled_and_the_reason_says_which(
    world: World,
) -> None:
    """Money that left the city is corrected by a repayment, not an annulment: the refusal names
    the payment by its reference and amount, in Swedish."""
    payment = pay(world, 100_000, "U-1")
    outcome = payment_annulment(
        payment, world.stream(FARSTA), "anna", money_never_left=False, reason="Fel"
    )
    assert isinstance(outcome, Reason)
    assert say(outcome, "sv").startswith(
        "utbetalning U-1 på 100\u00a0000 kr makuleras bara om pengarna aldrig lämnade staden"
    )


def test_the_four_eyes_answers_name_the_payment_and_the_request(world: World) -> None:
    """The requester asking again is told the request (by position) awaits a second person;
    the one who paid is told who asked: both name the payment by its reference."""
    payment = pay(world, 100_000, "U-1", actor="kassa")
    (request,) = world.run(annul(payment.position), TODAY, "anna")
    history = world.stream(FARSTA)
    again = payment_annulment(payment, history, "anna", money_never_left=True, reason="Fel")
    assert again == ANNUL_PAYMENT_AWAITS_SECOND(reference="U-1", position=request.position)
    own = payment_annulment(payment, history, "kassa", money_never_left=True, reason="Fel")
    assert own == ANNUL_PAYMENT_FOUR_EYES(reference="U-1", requested_by="anna")
