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
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console
from ppss_workflow.errors import ConfigurationError

__all__ = ["register"]

token_app = typer.Typer(
    help="Per-district calendar URLs: create (shown once), revoke, list.", no_args_is_help=True
)


@token_app.command("create")
def calendar_token_create(
    district: Annotated[str, typer.Option("--district", help="The district, e.g. Farsta.")],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="PPSS_PUBLIC_URL",
            help="The site's address, as people reach it (default: $PPSS_PUBLIC_URL).",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="A unique name (default: made from the district).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Make a calendar URL for one district's deadlines and print it once (only a hash is kept)."""
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
        f"ppss: calendar link {made!r} for {district.strip()} created; it is shown only now. "
        f"`ppss calendar token revoke {made}` stops it.",
        file=sys.stderr,
    )


@token_app.command("revoke")
def calendar_token_revoke(
    name: Annotated[str, typer.Argument(help="The link's name (`ppss calendar token list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a calendar URL: it answers 404 from now on."""
    store, _ = open_store(database)
    try:
        revoked = revoke_calendar_token(store, name)
    finally:
        store.close()
    typer.echo(f"calendar link {name!r} " + ("revoked" if revoked else "was revoked already"))


@token_app.command("list")
def calendar_token_list(database: DatabaseOption = None) -> None:
    """The calendar links by name, district and dates (never the tokens themselves)."""
    store, _ = open_store(database)
    try:
        tokens = list_calendar_tokens(store)
    finally:
        store.close()
    table = Table(title="Calendar links")
    for column in ("Name", "District", "Created", "Revoked"):
        table.add_column(column)
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
        """Deadlines as iCalendar (.ics): subscribe to it, or import it."""
        if ctx.invoked_subcommand is None:
            calendar(round_id=round_id, district=district, output=output, database=database)

    group.add_typer(token_app, name="token")
    app.add_typer(group, name="calendar")
