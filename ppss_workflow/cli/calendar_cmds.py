"""`ppss calendar` (deadlines as .ics) and `ppss calendar token create|revoke|list`: a
per-district calendar URL for a calendar program, with a revocable token."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ppss_workflow.calendar_tokens import (
    calendar_path,
    create_calendar_token,
    list_calendar_tokens,
    revoke_calendar_token,
)
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, words
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.i18n import N_

__all__ = ["register"]

token_app = typer.Typer(
    help="Kalenderadresser per stadsdel: skapa (visas en gång), återkalla, lista.",
    no_args_is_help=True,
)


@token_app.command("create")
def calendar_token_create(
    district: Annotated[str, typer.Option("--district", help="Stadsdelen, t.ex. Farsta.")],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="PPSS_PUBLIC_URL",
            help="Webbplatsens adress, som folk når den (annars $PPSS_PUBLIC_URL).",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Ett unikt namn (annars gjort av stadsdelens).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Skapa en kalenderadress för en stadsdels sista dagar och visa den en gång (bara en
    hash sparas)."""
    if not base_url:
        raise ConfigurationError(
            "give the site's address: --base-url https://… or set PPSS_PUBLIC_URL"
        )
    store, _ = open_store(database)
    try:
        made, token = create_calendar_token(store, district, name)
    finally:
        store.close()
    typer.echo(base_url.rstrip("/") + calendar_path(token))
    print(
        "ppss: "
        + words().t(
            "calendar link %(name)s for %(district)s created; it is shown only now. "
            "`ppss calendar token revoke %(name)s` stops it.",
            name=made,
            district=district.strip(),
        ),
        file=sys.stderr,
    )


@token_app.command("revoke")
def calendar_token_revoke(
    name: Annotated[
        str, typer.Argument(help="Länkens namn (`ppss calendar token list`).", metavar="NAMN")
    ],
    database: DatabaseOption = None,
) -> None:
    """Återkalla en kalenderadress: den svarar 404 från och med nu."""
    store, _ = open_store(database)
    try:
        revoked = revoke_calendar_token(store, name)
    finally:
        store.close()
    tr = words()
    typer.echo(
        tr.t("calendar link %(name)s revoked", name=name)
        if revoked
        else tr.t("calendar link %(name)s was revoked already", name=name)
    )


@token_app.command("list")
def calendar_token_list(database: DatabaseOption = None) -> None:
    """Kalenderlänkarna med namn, stadsdel och datum (aldrig själva nycklarna)."""
    store, _ = open_store(database)
    try:
        tokens = list_calendar_tokens(store)
    finally:
        store.close()
    tr = words()
    table = Table(title=tr.gettext("Calendar links"))
    for column in (N_("Name"), N_("District"), N_("Created"), N_("Revoked")):
        table.add_column(tr.gettext(column))
    for t in tokens:
        table.add_row(
            t.name,
            t.district,
            t.created_at.isoformat(timespec="seconds"),
            t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "–",
        )
    out_console.print(table)


def register(app: typer.Typer, calendar: Callable[..., Any]) -> None:
    """``ppss calendar`` prints the calendar (as before); ``ppss calendar token ...`` manages
    the per-district URLs."""
    group = typer.Typer(invoke_without_command=True)

    @group.callback()
    def calendar_group(
        ctx: typer.Context,
        round_id: Annotated[str | None, typer.Option("--round", "-r")] = None,
        district: Annotated[str | None, typer.Option("--district")] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
        database: DatabaseOption = None,
    ) -> None:
        """Sista dagar som iCalendar (.ics): prenumerera på den eller importera den."""
        if ctx.invoked_subcommand is None:
            calendar(round_id=round_id, district=district, output=output, database=database)

    group.add_typer(token_app, name="token")
    app.add_typer(group, name="calendar")
