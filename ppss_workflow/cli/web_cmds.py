"""`ppss serve` (the web application) and `ppss token create|revoke|list` (API tokens)."""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer
from rich.table import Table

from ppss_workflow.cli._common import DatabaseOption, open_store, out_console
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.tokens import create_token, list_tokens, revoke_token

__all__ = ["register", "serve", "token_app"]

token_app = typer.Typer(help="API tokens: create (shown once), revoke, list.", no_args_is_help=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="The demo sign-in page (loopback addresses only)."),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Serve the web application (pages and the /api/v1 JSON API) with uvicorn.

    Settings come from PPSS_WEB_* variables (PPSS_WEB_SECRET_KEY is required unless --demo).
    """
    if not 1 <= port <= 65535:
        raise ConfigurationError(f"--port {port}: use 1 to 65535")
    if demo and not is_loopback(host):
        raise ConfigurationError(
            f"--demo signs anyone in as anyone: it is only served on a loopback address "
            f"(127.0.0.1, ::1, localhost), not {host}"
        )
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from ppss_workflow.web.app import create_app  # noqa: PLC0415
    from ppss_workflow.web.settings import WebSettings  # noqa: PLC0415

    overrides: dict[str, object] = {}
    if database:
        overrides["database_url"] = database
    if demo:
        overrides["demo"] = True
    settings = WebSettings(**overrides)  # type: ignore[arg-type]
    if settings.demo and not is_loopback(host):
        raise ConfigurationError(
            f"PPSS_WEB_DEMO is set: the demo sign-in is only served on a loopback address, "
            f"not {host}"
        )
    app = create_app(settings)
    print(f"ppss: serving on http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


@token_app.command("create")
def token_create(
    role: Annotated[
        str,
        typer.Option(
            "--role", help="coordinator, steering_group, district:NAME, auditor or scheduler"
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="A unique name, e.g. the script's.")],
    database: DatabaseOption = None,
) -> None:
    """Create a token and print it once: only its SHA-256 is kept."""
    store, _ = open_store(database)
    try:
        token = create_token(store, name, role)
    finally:
        store.close()
    typer.echo(token)
    print(
        f"ppss: token {name!r} ({role}) created; it is shown only now. "
        "Send it as `Authorization: Bearer TOKEN`.",
        file=sys.stderr,
    )


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a token: it stops working at once (its row stays, marked)."""
    store, _ = open_store(database)
    try:
        revoked = revoke_token(store, name)
    finally:
        store.close()
    typer.echo(f"token {name!r} " + ("revoked" if revoked else "was revoked already"))


@token_app.command("list")
def token_list(database: DatabaseOption = None) -> None:
    """The tokens by name, role and dates (never the tokens themselves)."""
    store, _ = open_store(database)
    try:
        tokens = list_tokens(store)
    finally:
        store.close()
    table = Table(title="API tokens")
    for column in ("Name", "Role", "Created", "Revoked"):
        table.add_column(column)
    for t in tokens:
        table.add_row(
            t.name,
            t.role_text,
            t.created_at.isoformat(timespec="seconds"),
            t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "–",
        )
    out_console.print(table)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
