"""What every command shares: the --database option, opening the store, output helpers."""

from __future__ import annotations

import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from ppss_workflow.config import ENV_DATABASE_URL, StoreLocation, resolve_database_url
from ppss_workflow.db import create_store_engine, safe_url
from ppss_workflow.errors import CLI_NOT_A_DATE, NO_STORE_AT, InvalidCommand, SchemaNotReady
from ppss_workflow.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator
from ppss_workflow.schema import ensure_schema
from ppss_workflow.store import EventStore

__all__ = [
    "ENV_LANGUAGE",
    "DatabaseOption",
    "OutputFormat",
    "err_console",
    "open_store",
    "out_console",
    "role_words",
    "words",
]

#: The language people read the CLI in: ``sv`` (default) or ``en``; ``--lang`` sets it too.
ENV_LANGUAGE = "PPSS_LANG"


def words() -> Translator:
    """The words of the CLI's language (``--lang`` / ``$PPSS_LANG``, Swedish by default)."""
    lang = os.environ.get(ENV_LANGUAGE, "").strip().lower() or DEFAULT_LANGUAGE
    return translator(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Databasens adress: sqlite:///SÖKVÄG eller postgresql://VÄRD/DB. "
        f"Annars ${ENV_DATABASE_URL}, och utan den en SQLite-fil i din egen datamapp.",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _width() -> int | None:
    # Off a terminal Rich would wrap tables at 80 columns; piped boards should stay whole.
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    return None if sys.stdout.isatty() else 180


out_console = Console(width=_width())
err_console = Console(stderr=True)


def open_store(option: str | None, *, create: bool = False) -> tuple[EventStore, StoreLocation]:
    """The configured store, its schema checked.

    Only ``create`` (db upgrade, demo, import) makes a new store: any other command given a
    mistyped path fails without leaving an empty database behind.
    """
    location = resolve_database_url(option)
    url = make_url(location.url)
    if not create and url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
        raise SchemaNotReady(
            f"no store at {describe(location)}: check the path, or create one with "
            "`ppss db upgrade` (or `ppss demo`)",
            reason=NO_STORE_AT(store=describe(location)),
        )
    engine = create_store_engine(location.url)
    ensure_schema(engine, create=create)
    return EventStore(engine), location


def describe(location: StoreLocation) -> str:
    where = {
        "option": "--database",
        "environment": f"${ENV_DATABASE_URL}",
        "default": words().gettext("default"),
    }
    return f"{safe_url(location.url)} ({where[location.source]})"


def is_terminal() -> bool:
    return sys.stdout.isatty()


def role_words(role_text: str) -> str:
    """A role as typed (``steering_group``, ``district:Farsta``) in the CLI's language."""
    role, _, district = role_text.partition(":")
    said = words().role(role)
    return f"{said} {district}" if district else said


def day_option(value: str | None, option: str = "--on") -> date | None:
    """A day given on the command line as ``YYYY-MM-DD``; a mistake is one line naming it."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(
            f"{option} {value!r} is not a date: use YYYY-MM-DD",
            reason=CLI_NOT_A_DATE(option=option, typed=value),
        ) from None
