"""`ppss events`: the event catalogue, for auditors and integrators."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic.json_schema import models_json_schema

from events import registry

app = typer.Typer(help="Förteckningen över händelsetyper.", no_args_is_help=True)


def catalogue_schema() -> dict[str, Any]:
    """One JSON Schema document: every event type, its schema version and its fields."""
    types = registry.types()
    _, defs = models_json_schema(
        [(cls, "validation") for cls in types.values()],
        ref_template="#/$defs/{model}",
        title="ppss-workflow event catalogue",
    )
    events = {
        name: {
            "schema_version": cls.schema_version,
            "description": (cls.__doc__ or "").strip().splitlines()[0],
            "data": {"$ref": f"#/$defs/{cls.__name__}"},
        }
        for name, cls in types.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ppss-workflow event catalogue",
        "description": "Every event type a ppss-workflow store can hold. Money is whole kronor "
        "(integer); instants are ISO 8601 with a time zone; dates are Europe/Stockholm.",
        "events": events,
        "$defs": defs.get("$defs", {}),
    }


@app.command("schema")
def schema_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Skriv till denna fil, inte till standard ut."),
    ] = None,
) -> None:
    """Skriv ut JSON Schema för varje händelsetyp (med dess schemaversion)."""
    text = orjson.dumps(catalogue_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    if output is None:
        typer.echo(text.decode())
    else:
        output.write_bytes(text + b"\n")
