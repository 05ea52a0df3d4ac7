"""`ppss serve` (the web application) and `ppss token create|revoke|list` (API tokens)."""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer
from rich.table import Table

from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, role_words, words
from ppss_workflow.errors import (
    OPTION_RANGE,
    WEB_DEMO_ENV_LOOPBACK,
    WEB_DEMO_LOOPBACK,
    ConfigurationError,
)
from ppss_workflow.i18n import N_
from ppss_workflow.tokens import create_token, list_tokens, revoke_token

__all__ = ["register", "serve", "token_app"]

token_app = typer.Typer(
    help="API-nycklar: skapa (visas en gång), återkalla, lista.", no_args_is_help=True
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Adressen att lyssna på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Porten att lyssna på.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Demons inloggningssida (bara på den egna datorns adresser)."),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Kör webbtjänsten (sidorna och JSON-API:t /api/v1) med uvicorn.

    Inställningarna kommer från variablerna PPSS_WEB_* (PPSS_WEB_SECRET_KEY krävs utom med
    --demo).
    """
    if not 1 <= port <= 65535:
        raise ConfigurationError(
            f"--port {port}: use 1 to 65535",
            reason=OPTION_RANGE(option="--port", typed=str(port), least=1, most=65535),
        )
    if demo and not is_loopback(host):
        raise ConfigurationError(
            f"--demo signs anyone in as anyone: it is only served on a loopback address "
            f"(127.0.0.1, ::1, localhost), not {host}",
            reason=WEB_DEMO_LOOPBACK(host=host),
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
            f"not {host}",
            reason=WEB_DEMO_ENV_LOOPBACK(host=host),
        )
    app = create_app(settings)
    print(
        "ppss: " + words().t("serving on %(url)s (Ctrl-C stops)", url=f"http://{host}:{port}/"),
        file=sys.stderr,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


@token_app.command("create")
def token_create(
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="`coordinator`, `steering_group`, `district:NAMN`, `auditor` eller `scheduler`",
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Ett unikt namn, t.ex. skriptets.")],
    database: DatabaseOption = None,
) -> None:
    """Skapa en API-nyckel och visa den en gång: bara dess SHA-256 sparas."""
    store, _ = open_store(database)
    try:
        token = create_token(store, name, role)
    finally:
        store.close()
    typer.echo(token)
    print(
        "ppss: "
        + words().t(
            "API token %(name)s (%(role)s) created; it is shown only now. "
            "Send it as `Authorization: Bearer TOKEN`.",
            name=name,
            role=role_words(role),
        ),
        file=sys.stderr,
    )


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="API-nyckelns namn.", metavar="NAMN")],
    database: DatabaseOption = None,
) -> None:
    """Återkalla en API-nyckel: den slutar fungera direkt (raden finns kvar, markerad)."""
    store, _ = open_store(database)
    try:
        revoked = revoke_token(store, name)
    finally:
        store.close()
    tr = words()
    typer.echo(
        tr.t("API token %(name)s revoked", name=name)
        if revoked
        else tr.t("API token %(name)s was revoked already", name=name)
    )


@token_app.command("list")
def token_list(database: DatabaseOption = None) -> None:
    """API-nycklarna med namn, roll och datum (aldrig själva nycklarna)."""
    store, _ = open_store(database)
    try:
        tokens = list_tokens(store)
    finally:
        store.close()
    tr = words()
    table = Table(title=tr.gettext("API tokens"))
    for column in (N_("Name"), N_("Role"), N_("Created"), N_("Revoked")):
        table.add_column(tr.gettext(column))
    for t in tokens:
        table.add_row(
            t.name,
            role_words(t.role_text),
            t.created_at.isoformat(timespec="seconds"),
            t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "–",
        )
    out_console.print(table)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
