"""The JSON API (``/api/v1``): the same reads and commands as the pages, for machines.

Every route needs ``Authorization: Bearer TOKEN`` (``ppss token create``): no token or a
revoked one is 401. A district token sees its own project only (another district's is 404);
an auditor's token reads and changes nothing (any POST is 403). Errors are RFC 9457
``application/problem+json``: NotAuthorised 403, NotFound 404, InvalidCommand 422, a rule of
the round that does not allow it now (ConditionNotMet) 409.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from policies.commands import Disburse, Line
from ppss_workflow.access import Principal
from ppss_workflow.handlers import Commands
from ppss_workflow.readmodels import Reads
from ppss_workflow.web.auth import token_principal
from ppss_workflow.web.render import Forbidden, SignInRequired, language
from ppss_workflow.web.views import Totals, parse_day, project_detail, rounds_for, visible_board
from ppss_workflow.words import say

__all__ = ["router"]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 409, 422)
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_PROBLEMS)


def api_principal(request: Request) -> Principal:
    principal = token_principal(request)
    if principal is None:
        raise SignInRequired
    return principal


def api_reader(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
    if not principal.may_read:
        raise Forbidden("this token's role may not read rounds or projects")
    return principal


Reader = Annotated[Principal, Depends(api_reader)]


def _reads(request: Request) -> Reads:
    return Reads(request.app.state.store, request.app.state.clock)


class RoundOut(BaseModel):
    round_id: str
    title: str
    status: str
    budget_sek: int
    period_start: date
    period_end: date
    policy: str


class ConditionOut(BaseModel):
    code: str
    status: str
    #: The reason as data: its code and parameters (``policies.reason.Reason.to_data``).
    reason: dict[str, Any]
    blocks: str
    evidence: list[int]


class DeadlineOut(BaseModel):
    code: str
    due_on: date


class BoardRowOut(BaseModel):
    project: str
    district: str
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    may_be_paid: bool
    blocking: list[str]
    repayment_due_sek: int
    status: str
    next_deadline: DeadlineOut | None
    conditions: list[ConditionOut]


class TotalsOut(BaseModel):
    projects: int
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    repayment_due_sek: int


class BoardOut(BaseModel):
    round_id: str
    as_of: date | None
    rows: list[BoardRowOut]
    totals: TotalsOut


class ProjectConditionOut(BaseModel):
    code: str
    status: str
    #: The reason as data: its code and parameters (``policies.reason.Reason.to_data``).
    reason: dict[str, Any]
    blocks: str
    due_on: date | None
    evidence: list[int]


class RoundDeadlineOut(BaseModel):
    code: str
    due_on: date
    description: str | None


class TimelineEntryOut(BaseModel):
    position: int
    event_id: str
    event_type: str
    occurred_at: str
    recorded_at: str
    actor: str
    role: str
    summary: str
    annulled_by: int | None


class ProjectOut(BaseModel):
    round_id: str
    project: str
    district: str
    status: str
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    payable_reason: dict[str, Any]
    may_be_paid: bool
    repayment_due_sek: int
    repayment_reason: dict[str, Any]
    conditions: list[ProjectConditionOut]
    deadlines: list[RoundDeadlineOut]
    timeline: list[TimelineEntryOut]


class PaymentIn(BaseModel):
    """A payment to register: whole kronor, the payment's reference, what it pays."""

    model_config = {"extra": "forbid"}

    amount_sek: int = Field(gt=0, le=10**12)
    #: As the command takes it (printable, one line), so a bad one is a 422, never a 500.
    payment_reference: Line
    purpose: Literal["grant", "supervision"] = "grant"


class PaymentOut(BaseModel):
    recorded: bool
    already_recorded: bool
    note: str | None = None
    position: int | None = None


@router.get("/rounds", response_model=list[RoundOut])
def api_rounds(request: Request, principal: Reader) -> list[RoundOut]:
    return [RoundOut(**vars_of(r)) for r in rounds_for(_reads(request), principal)]


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


@router.get("/rounds/{round_id}/board", response_model=BoardOut)
def api_board(
    request: Request,
    round_id: str,
    principal: Reader,
    as_of: Annotated[
        str | None, Query(description="YYYY-MM-DD: the board as of that day's end")
    ] = None,
) -> BoardOut:
    day = parse_day(as_of, "as_of")
    r = _reads(request)
    r.round(round_id)
    rows = visible_board(r, principal, round_id, day)
    return BoardOut(
        round_id=round_id,
        as_of=day,
        rows=[BoardRowOut.model_validate(row.as_json()) for row in rows],
        totals=TotalsOut(**Totals.of(rows).as_json()),
    )


@router.get("/rounds/{round_id}/projects/{district}", response_model=ProjectOut)
def api_project(request: Request, round_id: str, district: str, principal: Reader) -> ProjectOut:
    detail = project_detail(_reads(request), principal, round_id, district)
    return ProjectOut.model_validate(detail.as_json())


@router.post(
    "/rounds/{round_id}/projects/{district}/payments",
    response_model=PaymentOut,
    status_code=201,
    responses={200: {"model": PaymentOut, "description": "already recorded: nothing written"}},
)
def api_pay(
    request: Request,
    round_id: str,
    district: str,
    payment: PaymentIn,
    principal: Annotated[Principal, Depends(api_principal)],
) -> Any:
    """Register a payment. The same payment again answers 200 "already recorded"."""
    if not principal.may_write:
        raise Forbidden("this token's role may not record anything")
    detail = project_detail(_reads(request), principal, round_id, district)
    outcome = Commands(request.app.state.store, request.app.state.clock).execute(
        principal.actor(),
        Disburse(
            round_id=detail.view.round.round_id,
            district=detail.district,
            amount_sek=payment.amount_sek,
            payment_reference=payment.payment_reference.strip(),
            purpose=payment.purpose,
        ),
    )
    if outcome.already is not None:
        body = PaymentOut(
            recorded=False, already_recorded=True, note=say(outcome.already, language(request))
        )
        return JSONResponse(body.model_dump(), status_code=200)
    return PaymentOut(recorded=True, already_recorded=False, position=outcome.first.last_position)
