"""The JSON API (``/api/v1``): the same reads and commands as the pages, for machines.

Every route needs ``Authorization: Bearer TOKEN`` (``ppss token create``): no token or a
revoked one is 401. A district token sees its own project only (another district's is 404);
an auditor's token reads and changes nothing (any POST is 403). Errors are RFC 9457
``application/problem+json``: NotAuthorised 403, NotFound 404, InvalidCommand 422, a rule of
the round that does not allow it now (ConditionNotMet) 409.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID, uuid5

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from policies.commands import Disburse, Line
from ppss_workflow.access import Principal
from ppss_workflow.errors import IDEMPOTENCY_KEY_MALFORMED, InvalidCommand
from ppss_workflow.handlers import Commands
from ppss_workflow.i18n import N_
from ppss_workflow.readmodels import Reads
from ppss_workflow.rows import BoardRow
from ppss_workflow.web.auth import token_principal
from ppss_workflow.web.openapi_doc import PROBLEM_MEDIA_TYPE, Problem
from ppss_workflow.web.render import Forbidden, SignInRequired, language
from ppss_workflow.web.views import parse_day, project_detail, rounds_for, visible_board
from ppss_workflow.words import say

__all__ = ["router"]


_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for status in (401, 403, 404, 409, 422)
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_PROBLEMS)


#: Idempotency keys name one submission: printable ASCII, as the IETF draft and most APIs use.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_KEY_NAMESPACE = UUID("6f1d0c1e-6a55-4d43-9d53-2f1f1b0a1e19")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Names this submission: sent again with the same body, the first answer "
        "is given again and nothing more is written.",
    ),
]


def submission_id(principal: Principal, path: str, key: str | None, body: BaseModel) -> UUID | None:
    """The command id of an API submission with an ``Idempotency-Key``: the same holder, route,
    key and body give the same id (a different body with the same key is a new submission)."""
    if key is None:
        return None
    if not _KEY.match(key):
        raise InvalidCommand(
            "Idempotency-Key: 1 to 255 printable ASCII characters, no spaces",
            reason=IDEMPOTENCY_KEY_MALFORMED(),
        )
    return uuid5(_KEY_NAMESPACE, f"{principal.email}\n{path}\n{key}\n{body.model_dump_json()}")


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
) -> Response:
    day = parse_day(as_of, "as_of")
    # An unknown round is "not found": Reads.board reads the round first (once).
    rows = visible_board(_reads(request), principal, round_id, day)
    # The rows come from the read model in BoardOut's shape already: validating every row
    # again and serialising it through the model cost more than reading the board (a round
    # of 200 projects: 285 KB). The answer is what BoardOut would give (test_board_json).
    return Response(board_json(round_id, day, rows), media_type="application/json")


_ROW_FIELDS = tuple(BoardRowOut.model_fields)


#: Rows' JSON by the row (all its fields, its detail's text included): a payment changes one
#: row of a round, so the board's next answer decodes and writes that row alone. Bounded: when
#: full it starts over (a dict's get and set are atomic; threads may share it).
_ROW_JSON: dict[BoardRow, bytes] = {}
_ROW_JSON_MAX = 20_000


def row_json(row: BoardRow) -> bytes:
    """``BoardRowOut`` of one row as JSON (the same bytes for an equal row, kept)."""
    said = _ROW_JSON.get(row)
    if said is None:
        d = row.as_json()
        said = orjson.dumps({k: d[k] for k in _ROW_FIELDS})
        if len(_ROW_JSON) >= _ROW_JSON_MAX:
            _ROW_JSON.clear()
        _ROW_JSON[row] = said
    return said


def board_json(round_id: str, day: date | None, rows: list[BoardRow]) -> bytes:
    """``BoardOut`` of ``rows`` as JSON: the fields the model declares, in its order."""
    head = orjson.dumps({"round_id": round_id, "as_of": day.isoformat() if day else None})
    # TotalsOut's fields: the grant's figures (no supervision money, so no detail decoded).
    totals = orjson.dumps({
        "projects": len(rows),
        "awarded_sek": sum(r.awarded_sek for r in rows),
        "disbursed_sek": sum(r.disbursed_sek for r in rows),
        "payable_sek": sum(r.payable_sek for r in rows),
        "repayment_due_sek": sum(r.repayment_due_sek for r in rows),
    })  # fmt: skip
    return b"".join(
        (head[:-1], b',"rows":[', b",".join(map(row_json, rows)), b'],"totals":', totals, b"}")
    )


@router.get("/rounds/{round_id}/projects/{district}", response_model=ProjectOut)
def api_project(request: Request, round_id: str, district: str, principal: Reader) -> Response:
    detail = project_detail(_reads(request), principal, round_id, district)
    # Written from the detail in ProjectOut's shape, as the board is: validating the detail
    # through the model and serialising it again cost a third of the answer's CPU (the most
    # asked page). The answer is what ProjectOut would give (test_project_json).
    return Response(project_json(detail.as_json()), media_type="application/json")


#: ProjectOut's fields, and those of the objects in its lists (by the list's field).
_PROJECT_FIELDS = tuple(ProjectOut.model_fields)
_PROJECT_LISTS = {
    "conditions": tuple(ProjectConditionOut.model_fields),
    "deadlines": tuple(RoundDeadlineOut.model_fields),
    "timeline": tuple(TimelineEntryOut.model_fields),
}


def project_json(detail: dict[str, Any]) -> bytes:
    """``ProjectOut`` of a project's detail (``ProjectDetail.as_json``) as JSON: the fields
    the model declares, in its order, those of its lists' objects too."""
    out: dict[str, Any] = {}
    for name in _PROJECT_FIELDS:
        value = detail[name]
        fields = _PROJECT_LISTS.get(name)
        out[name] = [{f: item[f] for f in fields} for item in value] if fields else value
    return orjson.dumps(out)


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
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Register a payment. The same payment again answers 200 "already recorded"; the same
    ``Idempotency-Key`` and body again answer as the first time."""
    if not principal.may_write:
        raise Forbidden(N_("this role may not record anything"))
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
        command_id=submission_id(principal, request.url.path, idempotency_key, payment),
    )
    if outcome.first_position is not None:
        return PaymentOut(recorded=True, already_recorded=False, position=outcome.first_position)
    if outcome.already is not None:
        body = PaymentOut(
            recorded=False, already_recorded=True, note=say(outcome.already, language(request))
        )
        return JSONResponse(body.model_dump(), status_code=200)
    return PaymentOut(recorded=True, already_recorded=False, position=outcome.first.last_position)
