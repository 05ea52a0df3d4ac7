"""`ppss document attach|get`: files handed in with an application, plan, report or account."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from events.documents import ATTACHED_TO
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, words
from ppss_workflow.cli.board_cmd import RoundOpt
from ppss_workflow.cli.workflow_cmds import ActorOpt, AsOpt, DistrictOpt, actor_from
from ppss_workflow.documents import DocumentSettings, attach, fetch, prune_documents
from ppss_workflow.errors import (
    CLI_FORMAT_ONE_OF,
    FILE_CAUSE,
    FILE_EXISTS_NEW,
    FILE_NO_FOLDER,
    NO_SUCH_FILE,
    InvalidCommand,
)
from ppss_workflow.handlers import Commands
from ppss_workflow.words import ATTACHED_TO_NAMES

__all__ = ["app", "register"]

app = typer.Typer(help="Underlag: bifoga en fil till ett projekt, hämta en med dess hash.")


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidCommand(f"{path}: there is no such file", reason=NO_SUCH_FILE(path=str(path)))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidCommand(
            f"{path}: {exc.strerror or exc}",
            reason=FILE_CAUSE(path=str(path), cause=str(exc.strerror or exc)),
        ) from None


@app.command("attach")
def attach_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    to: Annotated[
        str,
        typer.Option(
            "--to", help=f"Vad den hör till: {', '.join(f'`{to}`' for to in ATTACHED_TO)}."
        ),
    ],
    file: Annotated[
        Path, typer.Argument(help="Filen: PDF, Office, OpenDocument eller en bild.", metavar="FIL")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Dess registrerade namn (annars filens).")
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Bifoga en fil; dess typ läses ur innehållet, och den sparas en gång efter sin SHA-256."""
    if to not in ATTACHED_TO:
        raise InvalidCommand(
            f"--to {to!r}: use one of {', '.join(ATTACHED_TO)}",
            reason=CLI_FORMAT_ONE_OF(option="--to", typed=to, allowed=", ".join(ATTACHED_TO)),
        )
    actor = actor_from(acting, actor_name)
    content = _read_file(file)
    store, _ = open_store(database)
    try:
        outcome, sha = attach(
            Commands(store),
            actor,
            round_id=round_id,
            district=district,
            attached_to=to,
            name=name or file.name,
            content=content,
        )
    finally:
        store.close()
    if outcome.already is not None:
        tr = words()
        out_console.print(
            tr.t(
                "Already recorded: %(what)s; nothing new was written.",
                what=tr.reason(outcome.already),
            )
        )
    else:
        tr = words()
        out_console.print(
            tr.t(
                "Recorded: %(file)s attached to %(to)s (%(size)s bytes)",
                file=file.name,
                to=tr.gettext(ATTACHED_TO_NAMES.get(to, to)),
                size=f"{len(content):,}".replace(",", "\u00a0"),
            )
        )
    out_console.print(f"SHA-256 {sha}")


@app.command("get")
def get_command(
    sha256: Annotated[
        str, typer.Argument(help="Underlagets SHA-256 (64 hexsiffror).", metavar="SHA256")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="En ny fil att skriva.")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Skriv ett underlags innehåll, exakt som det bifogades, till en ny fil."""
    actor = actor_from(acting, actor_name)
    if output.exists() or output.is_symlink():
        raise InvalidCommand(
            f"--output {output} exists: choose a new file",
            reason=FILE_EXISTS_NEW(option="--output", path=str(output)),
        )
    if not output.parent.is_dir():
        raise InvalidCommand(
            f"--output {output}: there is no folder {output.parent}",
            reason=FILE_NO_FOLDER(option="--output", path=str(output), folder=str(output.parent)),
        )
    store, _ = open_store(database)
    try:
        found = fetch(store, sha256, role=actor.role, district=actor.district)
    finally:
        store.close()
    output.write_bytes(found.content)
    out_console.print(
        words().t(
            "Wrote %(name)s (%(type)s, %(size)s bytes) to %(file)s",
            name=found.latest.name,
            type=found.latest.media_type,
            size=f"{len(found.content):,}".replace(",", "\u00a0"),
            file=output,
        )
    )


@app.command("prune")
def prune_command(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Ta bara bort innehåll som sparats minst så här många dagar "
            "(annars PPSS_DOCUMENTS_PRUNE_AFTER_DAYS, 7).",
            min=0,
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Ta bort sparat innehåll som ingen händelse pekar på (kvar efter en bifogning som avbröts
    halvvägs), när det är äldre än respitiden."""
    grace = timedelta(days=DocumentSettings().prune_after_days if days is None else days)
    store, _ = open_store(database)
    try:
        gone = prune_documents(store, grace=grace)
    finally:
        store.close()
    out_console.print(
        words().nt(
            "Removed %(num)d document that no event points to.",
            "Removed %(num)d documents that no event points to.",
            len(gone),
        )
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="document")
