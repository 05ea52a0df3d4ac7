"""A ``POST /api/v1/commands/{command}`` for every command of the engine, made from the commands.

One route per entry of the command table :data:`policies.table.TABLE` (``OpenRound`` is
``/api/v1/commands/open-round``); its body is the command itself, so ``/openapi.json``
describes each command's fields exactly as the handlers take them. The answers are the
payment POST's: 201 recorded (with the store position of the last event written), 200 when
it is on record already (nothing written), and ``application/problem+json`` for 401 (no or
a revoked token), 403 (the role may not give the command; an auditor or the scheduler may
not give any), 404 (no such round or district), 409 (a rule of the round does not allow it
now) and 422 (the body is not the command).

A district token acts for its own district only: a command naming another district's
project is answered 404, as reading that project is, so a district is not told which other
districts a round has. The actor recorded in the events is the token's holder.

Every POST takes an ``Idempotency-Key`` header: the same key with the same body from the same
holder is one submission, recorded once; sent again it is answered with the first answer
(201 and the position then written), read back from the store. Who may give the command is
answered from the route before the body is looked at (an auditor gets 403 whatever it sends).
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from policies.commands import Command
from policies.state import slug
from policies.table import TABLE, entry_for
from ppss_workflow.access import Principal
from ppss_workflow.errors import NO_DISTRICT_IN_ROUND, NotFound
from ppss_workflow.handlers import Commands
from ppss_workflow.i18n import N_
from ppss_workflow.web.api import IdempotencyKey, api_principal, submission_id
from ppss_workflow.web.api import router as api_router
from ppss_workflow.web.render import Forbidden, language
from ppss_workflow.words import say

__all__ = ["CommandOut", "command_path", "router"]

router = APIRouter(
    prefix="/api/v1/commands", tags=["commands"], responses=dict(api_router.responses)
)


class CommandOut(BaseModel):
    """What a command did: recorded (with the position of its last event) or on record."""

    recorded: bool
    already_recorded: bool
    note: str | None = None
    position: int | None = None


def command_path(kind: type[Command]) -> str:
    """``OpenRound`` -> ``open-round`` (the table's path for it)."""
    return entry_for(kind).path


def run_command(
    request: Request, principal: Principal, command: Command, key: str | None = None
) -> Any:
    """Authorise for the API, execute as the token's holder, answer 201 or 200. A repeat of a
    submission with the same ``Idempotency-Key`` is answered as the first one was."""
    if not principal.may_write:
        raise Forbidden(N_("this role may not record anything"))
    district = getattr(command, "district", None)
    if principal.district is not None and district and slug(district) != slug(principal.district):
        raise NotFound(
            f"no district {district!r} in round {command.round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=command.round_id),
        )
    outcome = Commands(request.app.state.store, request.app.state.clock).execute(
        principal.actor(),
        command,
        command_id=submission_id(principal, request.url.path, key, command),
    )
    if outcome.first_position is not None:
        return CommandOut(recorded=True, already_recorded=False, position=outcome.first_position)
    if outcome.already is not None:
        body = CommandOut(
            recorded=False, already_recorded=True, note=say(outcome.already, language(request))
        )
        return JSONResponse(body.model_dump(), status_code=200)
    return CommandOut(
        recorded=True, already_recorded=False, position=outcome.results[-1].last_position
    )


def may_give(principal: Principal, kind: type[Command]) -> None:
    """The token's role may give commands of ``kind`` at all (403 otherwise). Decided from the
    route alone, so it is answered before the body is looked at: an auditor gets 403 whatever
    it sends. A district's commands need the body (its own project, or "not found"), and are
    checked after.
    """
    if not principal.may_write:
        raise Forbidden(N_("this role may not record anything"))
    # A district is answered after the body: another district's project is "not found"
    # (never "forbidden"), so that a district is not told which districts a round has.
    if principal.district is None and principal.role not in kind.roles:
        raise Forbidden(
            f"the {principal.role} role may not {kind.verb}; that is for: {', '.join(kind.roles)}"
        )


def _endpoint(kind: type[Command]) -> Callable[..., Any]:
    def writer(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
        may_give(principal, kind)
        return principal

    def endpoint(
        request: Request,
        principal: Annotated[Principal, Depends(writer)],
        command: Annotated[Command, Body()],
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        return run_command(request, principal, command, idempotency_key)

    # The body's model is the command's own class (FastAPI reads it from the signature).
    endpoint.__annotations__["command"] = Annotated[kind, Body()]
    endpoint.__name__ = f"api_{command_path(kind).replace('-', '_')}"
    endpoint.__doc__ = (
        f"{kind.__doc__ or kind.verb.capitalize()}\n\nGiven by: {', '.join(kind.roles)}. "
        'The same command again answers 200 "already recorded".'
    )
    return endpoint


#: The command kind of each route's path, for answering 401/403 before a bad body's 422.
KIND_OF_PATH: dict[str, type[Command]] = {}

for _entry in TABLE:
    _kind = _entry.model
    KIND_OF_PATH[f"{router.prefix}/{_entry.path}"] = _kind
    router.add_api_route(
        f"/{_entry.path}",
        _endpoint(_kind),
        methods=["POST"],
        response_model=CommandOut,
        status_code=201,
        summary=_kind.verb.capitalize(),
        responses={200: {"model": CommandOut, "description": "already recorded: nothing written"}},
    )
