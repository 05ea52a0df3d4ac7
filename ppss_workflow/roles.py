"""Group roles the database enforces (PostgreSQL): a writer that may only append events, and a
reader that may only read. Each person then gets a login of their own in one of them.

The grants are exact: each run first revokes what the group roles hold in the store's schema,
then grants what this table says, so running it again (after an upgrade, say) is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, inspect, text

from ppss_workflow.errors import (
    ROLE_NAME_BAD,
    SCHEMA_HOLDS_NO_STORE,
    ConfigurationError,
    InvalidCommand,
)
from ppss_workflow.logs import get_logger

__all__ = [
    "DEFAULT_READER",
    "DEFAULT_WRITER",
    "WRITER_GRANTS",
    "Grant",
    "RoleReport",
    "ensure_roles",
]

DEFAULT_WRITER = "ppss_writer"
DEFAULT_READER = "ppss_reader"

#: What the writer may do per table. The events (and commands, checkpoints) are append-only:
#: no UPDATE, DELETE or TRUNCATE, so even a writer's login cannot rewrite history. The read
#: model is derived and kept by whoever writes. A table not named here: SELECT only.
WRITER_GRANTS: dict[str, tuple[str, ...]] = {
    "events": ("SELECT", "INSERT"),
    "commands": ("SELECT", "INSERT"),
    "checkpoints": ("SELECT", "INSERT"),
    "reminder_claims": ("SELECT", "INSERT", "UPDATE"),
    "api_tokens": ("SELECT", "INSERT", "UPDATE"),
    "projection_checkpoints": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "project_rows": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "payment_refs": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "obligation_rows": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "board_groups": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "alembic_version": ("SELECT",),
}

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    target: str
    privileges: str


@dataclass(frozen=True, slots=True)
class RoleReport:
    schema: str
    created: tuple[str, ...]
    existing: tuple[str, ...]
    grants: tuple[Grant, ...]


def _check_name(name: str, option: str) -> str:
    if not _NAME.match(name):
        raise InvalidCommand(
            f"{option} {name!r}: use lower-case letters, digits and _ (at most 63), "
            "e.g. ppss_writer",
            reason=ROLE_NAME_BAD(option=option, typed=name, example="ppss_writer"),
        )
    return name


def ensure_roles(
    engine: Engine, *, writer: str = DEFAULT_WRITER, reader: str = DEFAULT_READER
) -> RoleReport:
    """Create the two group roles if they do not exist (NOLOGIN) and give them exactly the
    grants above on the store's schema (the connection's current schema)."""
    if engine.dialect.name != "postgresql":
        raise ConfigurationError(
            "SQLite has no roles or grants: whoever can open the file can write it. "
            "Protect the file with the operating system's permissions, or use PostgreSQL"
        )
    _check_name(writer, "--writer")
    _check_name(reader, "--reader")
    if writer == reader:
        raise InvalidCommand("--writer and --reader must be different roles")
    created: list[str] = []
    existing: list[str] = []
    grants: list[Grant] = []
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = sorted(inspect(conn).get_table_names(schema=schema))
        if "events" not in tables:
            raise ConfigurationError(
                f"schema {schema!r} holds no store: run `ppss db upgrade` first",
                reason=SCHEMA_HOLDS_NO_STORE(schema=schema),
            )
        for role in (writer, reader):
            found = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": role}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
                created.append(role)
            else:
                existing.append(role)
        q = f'"{schema}"'
        for role in (writer, reader):
            conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA {q} FROM "{role}"'))
            conn.execute(text(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q} FROM "{role}"'))
            conn.execute(text(f'GRANT USAGE ON SCHEMA {q} TO "{role}"'))
            grants.append(Grant(role, f"schema {schema}", "USAGE"))
        for table in tables:
            privileges = WRITER_GRANTS.get(table, ("SELECT",))
            conn.execute(text(f'GRANT {", ".join(privileges)} ON {q}."{table}" TO "{writer}"'))
            grants.append(Grant(writer, table, ", ".join(privileges)))
            conn.execute(text(f'GRANT SELECT ON {q}."{table}" TO "{reader}"'))
            grants.append(Grant(reader, table, "SELECT"))
        conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q} TO "{writer}"'))
        conn.execute(text(f'GRANT SELECT ON ALL SEQUENCES IN SCHEMA {q} TO "{reader}"'))
    _log.info("db_roles_granted", schema=schema, writer=writer, reader=reader,
              created=created)  # fmt: skip
    return RoleReport(schema, tuple(created), tuple(existing), tuple(grants))
