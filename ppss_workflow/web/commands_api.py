"""A ``POST /api/v1/commands/{command}`` for every command of the engine, made from the commands.

One route per command class in :data:`policies.commands.COMMANDS` (``OpenRound`` is
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
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from policies.commands import COMMANDS, Command
from policies.state import slug
from ppss_workflow.access import Principal
from ppss_workflow.errors import NO_DISTRICT_IN_ROUND, NotFound
from ppss_workflow.handlers import Commands
from ppss_workflow.web.api import api_principal
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
    """``OpenRound`` -> ``open-round``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", kind.__name__).lower()


def run_command(request: Request, principal: Principal, command: Command) -> Any:
    """Authorise for the API, execute as the token's holder, answer 201 or 200."""
    if not principal.may_write:
        raise Forbidden(f"the {principal.role} role may not record anything")
    district = getattr(command, "district", None)
    if principal.district is not None and district and slug(district) != slug(principal.district):
        raise NotFound(
            f"no district {district!r} in round {command.round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=command.round_id),
        )
    outcome = Commands(request.app.state.store, request.app.state.clock).execute(
        principal.actor(), command
    )
    if outcome.already is not None:
        body = CommandOut(
            recorded=False, already_recorded=True, note=say(outcome.already, language(request))
        )
        return JSONResponse(body.model_dump(), status_code=200)
    return CommandOut(
        recorded=True, already_recorded=False, position=outcome.results[-1].last_position
    )


def _endpoint(kind: type[Command]) -> Callable[..., Any]:
    def endpoint(
        request: Request,
        principal: Annotated[Principal, Depends(api_principal)],
        command: Annotated[Command, Body()],
    ) -> Any:
        return run_command(request, principal, command)

    # The body's model is the command's own class (FastAPI reads it from the signature).
    endpoint.__annotations__["command"] = Annotated[kind, Body()]
    endpoint.__name__ = f"api_{command_path(kind).replace('-', '_')}"
    endpoint.__doc__ = (
        f"{kind.__doc__ or kind.verb.capitalize()}\n\nGiven by: {', '.join(kind.roles)}. "
        'The same command again answers 200 "already recorded".'
    )
    return endpoint


for _kind in COMMANDS:
    router.add_api_route(
        f"/{command_path(_kind)}",
        _endpoint(_kind),
        methods=["POST"],
        response_model=CommandOut,
        status_code=201,
        summary=_kind.verb.capitalize(),
        responses={200: {"model": CommandOut, "description": "already recorded: nothing written"}},
    )
