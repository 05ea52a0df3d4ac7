"""Corrections that respect money: what an annulment may not undo, and every money correction.

"This entry was recorded by mistake" (an annulment) and "money came back" (a repayment) are
two different corrections. Three rules, all pure functions over a round's history:

- :func:`relied_on`: an event that a later money consequence relied on (a payment, a
  repayment, a review of a report, and so an instalment released by it) cannot be annulled
  while that consequence stands; the consequence is settled first by annulling it in turn.
- :func:`pending_request` / :func:`payment_annulment`: a payment is annulled only with four
  eyes. The first person records a :class:`~events.PaymentAnnulmentRequested` that states the
  money never left; a second person, neither the requester nor whoever recorded the payment,
  confirms, and only then is the payment annulled. Money that did leave is corrected by a
  repayment (demanded and received, or waived) and never by an annulment.
- :func:`money_corrections`: every money correction in one list for the auditor: who, when,
  why and who confirmed.

Choices not in the documents (the city's rules only say a payment is a payment):

- *Four eyes.* The confirmer must differ from both the requester and the payment's recorder,
  the stricter of the two readings ("someone other than who recorded the payment", "a
  second coordinator co-signs"), because either alone lets one person erase a payment they
  asked for or made.
- *Settled first* means the relying consequence no longer stands (it was annulled). Money
  repaid against a payment does not make the payment disappear: it stays paid and repaid,
  which is what happened.
- *Relied on* is read by the order of recording: a consequence decided after the event was
  on record saw it, so it relied on it. Which kinds a consequence relies on is the table
  :data:`RELIES_ON`; kinds no money rule reads (contacts, documents, reminders, the
  reminder ladder, closing a round) are listed in :data:`NEVER_RELIED_ON`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from events import (
    DisbursementMade,
    EventAnnulled,
    GrantAwarded,
    PaymentAnnulmentRequested,
    Recorded,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    SupervisionFundsGranted,
)
from policies.reason import Kronor, Named, Reason, ReasonCode
from policies.state import effective, local_date

__all__ = [
    "ANNUL_MONEY_LEFT",
    "ANNUL_PAYMENT_AWAITS_SECOND",
    "ANNUL_PAYMENT_FOUR_EYES",
    "ANNUL_RELIED_ON",
    "MONEY_CONSEQUENCES",
    "NEVER_RELIED_ON",
    "RELIES_ON",
    "Correction",
    "money_corrections",
    "payment_annulment",
    "pending_request",
    "relied_on",
    "repeated_demand",
]

R = Recorded[Any]

#: Refused: annulling ``event`` would pull the ground from under ``consequence`` at
#: ``position`` (recorded on ``day``), which still stands.
ANNUL_RELIED_ON = ReasonCode("annul.relied_on", "event", "consequence", "position", "day")
#: Refused: a payment is annulled only when the money never left; say so, or correct it by a
#: repayment.
ANNUL_MONEY_LEFT = ReasonCode("annul.payment_money_left", "reference", "amount")
#: Refused: the second person for a payment's annulment must be someone else.
ANNUL_PAYMENT_FOUR_EYES = ReasonCode("annul.payment_four_eyes", "reference", "requested_by")
#: Already on record: the request to annul the payment awaits a second person.
ANNUL_PAYMENT_AWAITS_SECOND = ReasonCode("annul.payment_awaits_second", "reference", "position")

_APPLICATION = frozenset({"ApplicationSubmitted", "ApplicationWithdrawn"})
_AWARD = frozenset({"AllocationDecided", "GrantAwarded"})
_PLAN = frozenset({"PlanSubmitted", "PlanApproved", "PlanRejected"})
_NETWORK = frozenset(
    {
        "NetworkSessionScheduled",
        "NetworkAttendanceRecorded",
        "NetworkAbsenceRecorded",
        "NetworkMakeUpRecorded",
        "NetworkExemptionGranted",
    }
)
_SUPERVISION = frozenset({"SupervisionFundsRequested", "SupervisionFundsGranted"})
_REPORTS = frozenset({"FollowUpSubmitted", "FinancialReportSubmitted", "YearEndAccountSubmitted"})
_REVIEWS = frozenset({"ReportAccepted", "ReportReturned"})
_DEADLINES = frozenset({"DeadlineSet", "DeadlineChanged"})
_PAYMENTS = frozenset({"DisbursementMade"})
_REPAYMENTS = frozenset({"RepaymentDemanded", "RepaymentReceived", "RepaymentWaived"})

#: A money consequence -> the kinds of event it relies on. A payment relies on everything
#: that decides what may be paid (and when an instalment is released: the payment plan,
#: reviews and reports); a repayment on what decides what is owed back; a review on the
#: report it reviews and the deadline it was due by.
RELIES_ON: dict[str, frozenset[str]] = {
    "DisbursementMade": _APPLICATION
    | _AWARD
    | _PLAN
    | _NETWORK
    | _SUPERVISION
    | _REPORTS
    | _REVIEWS
    | _DEADLINES
    | _REPAYMENTS
    | {"PaymentPlanSet"},
    "RepaymentDemanded": _APPLICATION
    | _AWARD
    | _SUPERVISION
    | _REPORTS
    | _REVIEWS
    | _DEADLINES
    | _PAYMENTS
    | _REPAYMENTS,
    "RepaymentReceived": frozenset({"RepaymentDemanded", "RepaymentWaived", "RepaymentReceived"}),
    "RepaymentWaived": frozenset({"RepaymentDemanded", "RepaymentWaived", "RepaymentReceived"}),
    "ReportAccepted": _REPORTS | _DEADLINES,
    "ReportReturned": _REPORTS | _DEADLINES,
}

#: The money consequences: the kinds that rely on others.
MONEY_CONSEQUENCES = frozenset(RELIES_ON)

#: Kinds no money consequence relies on: who to write to, files, reminders, the round's
#: closing (a payment is never taken after it, a repayment does not depend on it), grants of
#: roles, and the corrections themselves (an annulment and its request are never annulled).
NEVER_RELIED_ON = frozenset(
    {
        "ContactSet",
        "ContactRemoved",
        "SchoolKindSet",
        "DocumentAttached",
        "ReminderSent",
        "ReminderFailed",
        "ReminderAbandoned",
        "ReminderLadderSet",
        "RoundClosed",
        "RoundOpened",
        "RoleGranted",
        "RoleRevoked",
        "EventAnnulled",
        "PaymentAnnulmentRequested",
        # a school's follow-up for a term: counts only, no money or lifecycle step reads it
        "SchoolFollowUpRecorded",
    }
)


def relied_on(target: R, round_history: Iterable[R]) -> Reason | None:
    """Why ``target`` may not be annulled now, or None.

    ``round_history`` is every event of the target's round (its round stream and every
    project stream, in any order). A standing money consequence recorded after ``target``
    that relies on its kind relies on it: on the same project's stream, or on any stream of
    the round when ``target`` is on the round's stream (a round payment plan, a deadline, a
    session, the allocation).
    """
    on_round = target.stream_id.startswith("round:")
    same = [r for r in round_history if on_round or r.stream_id == target.stream_id]
    standing: list[R] = []
    for stream in {r.stream_id for r in same}:
        standing.extend(effective(r for r in same if r.stream_id == stream)[0])
    # sorted: a Recorded's first field is its position (unique in the store); what was
    # recorded after ``target`` is neither ``target`` nor anything it came after.
    for r in sorted(standing):
        if r.position > target.position and target.event_type in RELIES_ON.get(
            r.event_type, frozenset()
        ):
            return ANNUL_RELIED_ON(
                event=Named("event", target.event_type),
                consequence=Named("event", r.event_type),
                position=r.position,
                day=local_date(r),
            )
    return None


def pending_request(history: Iterable[R], payment: R) -> R | None:
    """The open request to annul ``payment`` on its stream, if one is on record."""
    for r in history:
        event = r.event
        if isinstance(event, PaymentAnnulmentRequested) and str(event.annulled_event_id) == (
            payment.event_key
        ):
            return r
    return None


def payment_annulment(
    payment: R, history: Sequence[R], actor: str | None, *, money_never_left: bool, reason: str
) -> PaymentAnnulmentRequested | EventAnnulled | Reason:
    """What annulling ``payment`` records, given who asks: the request (first person), the
    annulment (a second person), or a Reason (refused, or already awaiting a second person).

    A Reason whose code is :data:`ANNUL_PAYMENT_AWAITS_SECOND` is an "already recorded"
    answer; any other Reason is a refusal.
    """
    event: DisbursementMade = payment.event
    amount = Kronor(event.amount_sek)
    if not money_never_left:
        return ANNUL_MONEY_LEFT(reference=event.payment_reference, amount=amount)
    request = pending_request(history, payment)
    if request is None:
        return PaymentAnnulmentRequested(
            annulled_event_id=payment.event_id, reason=reason, money_never_left=True
        )
    requester = request.metadata.actor
    if actor is not None and actor == requester:
        return ANNUL_PAYMENT_AWAITS_SECOND(
            reference=event.payment_reference, position=request.position
        )
    if actor is None or actor == payment.metadata.actor:
        return ANNUL_PAYMENT_FOUR_EYES(reference=event.payment_reference, requested_by=requester)
    return EventAnnulled(annulled_event_id=payment.event_id, reason=reason)


def repeated_demand(demands: Iterable[R], amount_sek: int, reason: str, due_on: date) -> R | None:
    """The standing demand that a new one repeats, if any: the same amount, reason and due
    date. Choice (not in the documents): a second demand alike in all three is the same
    demand sent twice (a double click, a retried request), so it is "already recorded";
    a genuine further demand differs in its reason or due date.
    """
    for r in demands:
        e = r.event
        if (e.amount_sek, e.reason, e.due_on) == (amount_sek, reason.strip(), due_on):
            return r
    return None


# -- the auditor's list ------------------------------------------------------------------

_MONEY_ENTRIES = (
    DisbursementMade,
    GrantAwarded,
    SupervisionFundsGranted,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
)


@dataclass(frozen=True, slots=True)
class Correction:
    """One money correction: what was corrected, by whom, when, why, and who confirmed it."""

    stream_id: str
    position: int
    #: ``annulment`` (a money entry annulled), ``annulment requested`` (a payment's, awaiting
    #: a second person), ``repayment demanded``, ``repayment received``, ``repayment waived``.
    kind: str
    #: The event type of the corrected entry (for a repayment: the repayment itself).
    entry: str
    amount_sek: int
    who: str
    when: datetime
    why: str
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    #: The position of the corrected entry (an annulment's target), if any.
    corrects: int | None = None


def money_corrections(history: Iterable[R]) -> tuple[Correction, ...]:
    """Every money correction in ``history`` (any streams), in the order recorded.

    An annulled payment appears once, as its request with the confirming person; an open
    request appears without one. An annulment of any other money entry (an award, a
    supervision grant, a repayment entry) and every repayment demanded, received or waived
    appears by itself.
    """
    events = sorted(history)  # a recorded event sorts by its position (its first field, unique)
    by_key = {r.event_key: r for r in events}
    confirmed: dict[str, R] = {}
    for r in events:
        if isinstance(r.event, EventAnnulled):
            confirmed[str(r.event.annulled_event_id)] = r
    requested = {
        str(r.event.annulled_event_id)
        for r in events
        if isinstance(r.event, PaymentAnnulmentRequested)
    }
    out: list[Correction] = []
    for r in events:
        event = r.event
        meta = r.metadata
        if isinstance(event, PaymentAnnulmentRequested):
            target = by_key.get(str(event.annulled_event_id))
            done = confirmed.get(str(event.annulled_event_id))
            out.append(
                Correction(
                    stream_id=r.stream_id,
                    position=r.position,
                    kind="annulment" if done else "annulment requested",
                    entry="DisbursementMade",
                    amount_sek=_amount(target),
                    who=meta.actor,
                    when=r.recorded_at,
                    why=event.reason,
                    confirmed_by=done.metadata.actor if done else None,
                    confirmed_at=done.recorded_at if done else None,
                    corrects=target.position if target else None,
                )
            )
        elif isinstance(event, EventAnnulled):
            target = by_key.get(str(event.annulled_event_id))
            key = str(event.annulled_event_id)
            if target is None or not isinstance(target.event, _MONEY_ENTRIES) or key in requested:
                continue
            out.append(
                Correction(
                    stream_id=r.stream_id,
                    position=r.position,
                    kind="annulment",
                    entry=target.event_type,
                    amount_sek=_amount(target),
                    who=meta.actor,
                    when=r.recorded_at,
                    why=event.reason,
                    corrects=target.position,
                )
            )
        elif isinstance(event, RepaymentDemanded | RepaymentReceived | RepaymentWaived):
            kind = {
                RepaymentDemanded: "repayment demanded",
                RepaymentReceived: "repayment received",
                RepaymentWaived: "repayment waived",
            }[type(event)]
            why = event.payment_reference if isinstance(event, RepaymentReceived) else event.reason
            out.append(
                Correction(
                    stream_id=r.stream_id,
                    position=r.position,
                    kind=kind,
                    entry=r.event_type,
                    amount_sek=event.amount_sek,
                    who=meta.actor,
                    when=r.recorded_at,
                    why=why,
                )
            )
    return tuple(out)


def _amount(target: R | None) -> int:
    if target is None:
        return 0
    return int(getattr(target.event, "amount_sek", 0))
