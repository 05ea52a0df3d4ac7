"""`ppss db roles` (issue 12): group roles the database enforces, on the real PostgreSQL.

Roles are cluster-wide: every test makes uniquely named ones and drops them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy import text

from events import Metadata, NewEvent, RoundOpened
from ppss_workflow.errors import StoreUnavailable
from ppss_workflow.roles import ensure_roles
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import pg_url
from tests.e2e.cli import assert_one_line_error, ppss


@dataclass(frozen=True)
class Logins:
    owner: EventStore
    writer_group: str
    reader_group: str
    writer_url: str  # a person's own login in the writer group
    reader_url: str  # a person's own login in the read-only group
    writer_dsn: str
    reader_dsn: str


def _dsn(store: EventStore, login: str) -> str:
    url = store.engine.url
    options = url.query["options"]
    return f"host={url.host} port={url.port or 5432} dbname={url.database} user={login} " + (
        f"options='{options}'"
    )


@contextmanager
def logins() -> Iterator[Logins]:
    tag = uuid4().hex[:10]
    writer, reader = f"ppss_w_{tag}", f"ppss_r_{tag}"
    alice, bob = f"alice_{tag}", f"bob_{tag}"
    with scratch_store(pg_url()) as owner:
        append_round(owner, "first")
        try:
            ensure_roles(owner.engine, writer=writer, reader=reader)
            with owner.engine.begin() as conn:
                conn.execute(text(f'CREATE ROLE "{alice}" LOGIN IN ROLE "{reader}"'))
                conn.execute(text(f'CREATE ROLE "{bob}" LOGIN IN ROLE "{writer}"'))

            def url(login: str) -> str:
                return owner.engine.url.set(username=login).render_as_string(hide_password=False)

            yield Logins(owner, writer, reader, url(bob), url(alice), _dsn(owner, bob),
                         _dsn(owner, alice))  # fmt: skip
        finally:
            owner.close()
            with owner.engine.begin() as conn:
                for login in (alice, bob):
                    conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
                for group in (writer, reader):
                    found = conn.execute(
                        text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": group}
                    ).first()
                    if found:
                        conn.execute(text(f'DROP OWNED BY "{group}"'))
                        conn.execute(text(f'DROP ROLE "{group}"'))


def append_round(store: EventStore, rid: str) -> None:
    event = RoundOpened(
        round_id=rid, title="Runda", policy_name="ppss-2014", policy_version=1,
        budget_sek=1_000_000,
        period_start=datetime(2014, 1, 1, tzinfo=UTC).date(),
        period_end=datetime(2014, 12, 31, tzinfo=UTC).date(),
    )  # fmt: skip
    meta = Metadata(actor="samordnare@example.org", role="coordinator")
    store.append(f"round:{rid}", [NewEvent(event, datetime(2014, 1, 2, tzinfo=UTC), meta)], 0)


def test_a_read_only_login_cannot_insert_and_a_writer_cannot_rewrite() -> None:
    with logins() as who:
        # The read-only login: an INSERT straight into the events table is refused.
        with psycopg.connect(who.reader_dsn, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(
                    "INSERT INTO events SELECT position + 1, 'x:y', 1, 'e', event_type, "
                    "schema_version, data, metadata, occurred_at, recorded_at, hash FROM events"
                )
            for statement in ("UPDATE project_rows SET listed = 0", "DELETE FROM commands"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
        reader = EventStore.from_url(who.reader_url)
        try:
            with pytest.raises(StoreUnavailable, match="permission denied"):
                append_round(reader, "by-reader")
        finally:
            reader.close()
        # The writer's login appends through the store, but cannot change what is there.
        writer = EventStore.from_url(who.writer_url)
        try:
            append_round(writer, "by-writer")
            assert writer.count() == 2
        finally:
            writer.close()
        with psycopg.connect(who.writer_dsn, autocommit=True) as conn:
            for statement in (
                "UPDATE events SET data = '{}' WHERE position = 1",
                "DELETE FROM events WHERE position = 2",
                "TRUNCATE events",
                "UPDATE checkpoints SET hash = 'x'",
                "DELETE FROM commands",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    conn.execute(statement)
        assert who.owner.count() == 2


def test_roles_can_be_made_again_and_grants_stay_exact() -> None:
    with logins() as who:
        again = ensure_roles(who.owner.engine, writer=who.writer_group, reader=who.reader_group)
        assert again.created == ()
        assert set(again.existing) == {who.writer_group, who.reader_group}
        with who.owner.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT grantee, table_name, privilege_type FROM "
                    "information_schema.role_table_grants WHERE table_schema = current_schema() "
                    "AND grantee IN (:w, :r)"
                ),
                {"w": who.writer_group, "r": who.reader_group},
            ).all()
        granted = {(g, t, p) for g, t, p in rows}
        reader = {p for g, _, p in granted if g == who.reader_group}
        assert reader == {"SELECT"}
        events = {p for g, t, p in granted if g == who.writer_group and t == "events"}
        assert events == {"SELECT", "INSERT"}


def test_the_cli_on_a_read_only_login_reads_and_refuses_to_append(tmp_path: Path) -> None:
    with logins() as who:
        opened = ["round", "open", "--round", "r2", "--title", "Runda två", "--budget", "100000",
                  "--start", "2015-01-01", "--end", "2015-12-31", "--policy", "ppss-2014",
                  "--policy-version", "1",
                  "--as", "coordinator", "--on", "2015-01-02"]  # fmt: skip
        refused = ppss(*opened, "--database", who.reader_url, home=tmp_path)
        assert_one_line_error(refused, "permission denied")
        assert who.owner.count() == 1
        for reads in (["audit", "verify"], ["board", "--round", "first"], ["db", "status"]):
            run = ppss(*reads, "--database", who.reader_url, home=tmp_path)
            assert run.code == 0, (reads, run.err)
            assert "Traceback" not in run.err
        written = ppss(*opened, "--database", who.writer_url, home=tmp_path)
        assert written.code == 0, written.err
        assert who.owner.count() == 2


def test_the_roles_command_prints_its_grants_and_explains_sqlite(tmp_path: Path) -> None:
    tag = uuid4().hex[:10]
    writer, reader = f"ppss_w_{tag}", f"ppss_r_{tag}"
    with scratch_store(pg_url()) as owner:
        url = owner.engine.url.render_as_string(hide_password=False)
        try:
            run = ppss("db", "roles", "--writer", writer, "--reader", reader, "--database", url,
                       home=tmp_path)  # fmt: skip
            assert run.code == 0, run.err
            line = next(ln for ln in run.out.splitlines() if " events " in ln and writer in ln)
            assert "SELECT, INSERT" in line
            assert f"{writer}: skapad." in run.out
            bad = ppss("db", "roles", "--writer", "Robert'); DROP", "--database", url,
                       home=tmp_path)  # fmt: skip
            assert_one_line_error(bad, "--writer")
        finally:
            with owner.engine.begin() as conn:
                for group in (writer, reader):
                    conn.execute(text(f'DROP OWNED BY "{group}"'))
                    conn.execute(text(f'DROP ROLE "{group}"'))
    sqlite = ppss("db", "roles", "--database", str(tmp_path / "s.sqlite3"), home=tmp_path)
    assert sqlite.code == 0
    assert [ln for ln in sqlite.out.splitlines() if ln.strip()] == [
        "SQLite har inga roller eller behörigheter: den som kan öppna filen kan skriva i den "
        "(skydda den med filrättigheter, eller använd PostgreSQL för roller)."
    ]
