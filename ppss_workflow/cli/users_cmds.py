"""`ppss users grant|revoke|list`: role grants kept in the store as events (coordinator only).

A grant decides the role of a person who signs in with OIDC under that e-mail address,
before the settings' claim mapping; revoking it signs them out at their next request.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from policies.decisions import Refusal
from policies.grants import may_manage
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, role_words, words
from ppss_workflow.cli.workflow_cmds import ActorOpt, AsOpt, actor_from
from ppss_workflow.grants import current_grants, grant_role, revoke_role
from ppss_workflow.handlers import refused
from ppss_workflow.i18n import N_

__all__ = ["register"]

users_app = typer.Typer(
    help="Roller för inloggning: ge, återkalla, lista (bara samordnaren).",
    no_args_is_help=True,
)
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Varför (sparas med uppgiften).")]


@users_app.command("grant")
def users_grant(
    email: Annotated[
        str, typer.Argument(help="E-postadressen personen loggar in med.", metavar="E-POST")
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="`coordinator`, `steering_group`, `district:NAMN`, `auditor`, `scheduler`",
        ),
    ],
    reason: ReasonOpt = None,
    tied_to: Annotated[
        str | None,
        typer.Option(
            "--tied-to",
            help="Stadsdelen en ledamot av styrgruppen är knuten till (t.ex. som "
            "stadsdelsdirektör): ledamoten är jävig och beslutar inte i stadsdelens ärenden.",
        ),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Ge en person en roll (den ersätter en roll som getts tidigare)."""
    actor = actor_from(acting, actor_name)
    store, _ = open_store(database)
    try:
        recorded = grant_role(store, actor, email, role, reason, tied_to=tied_to)
    finally:
        store.close()
    tr = words()
    tie = f" ({tied_to.strip()})" if tied_to else ""
    said = (
        tr.t(
            "%(email)s: role %(role)s granted",
            email=email.strip().lower(),
            role=role_words(role) + tie,
        )
        if recorded
        else tr.t(
            "%(email)s: role %(role)s was granted already",
            email=email.strip().lower(),
            role=role_words(role) + tie,
        )
    )
    typer.echo(said)


@users_app.command("revoke")
def users_revoke(
    email: Annotated[
        str, typer.Argument(help="E-postadressen personen loggar in med.", metavar="E-POST")
    ],
    reason: ReasonOpt = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Ta bort en persons roll: personen loggas ut vid nästa anrop."""
    actor = actor_from(acting, actor_name)
    store, _ = open_store(database)
    try:
        revoke_role(store, actor, email, reason)
    finally:
        store.close()
    typer.echo(words().t("%(email)s: granted role revoked", email=email.strip().lower()))


@users_app.command("list")
def users_list(
    acting: AsOpt = None, actor_name: ActorOpt = None, database: DatabaseOption = None
) -> None:
    """Vem som har vilken roll, och uppgiftens position."""
    actor = actor_from(acting, actor_name)
    try:
        may_manage(actor.role)
    except Refusal as refusal:
        raise refused(refusal) from None
    store, _ = open_store(database)
    try:
        grants = current_grants(store)
    finally:
        store.close()
    tr = words()
    table = Table(title=tr.gettext("Role grants"))
    for column in (N_("E-mail"), N_("Role"), N_("Tied to"), N_("Position")):
        table.add_column(tr.gettext(column))
    for grant in sorted(grants.values(), key=lambda g: g.email):
        table.add_row(
            grant.email, role_words(grant.role_text), grant.tied_to or "", str(grant.position)
        )
    out_console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
