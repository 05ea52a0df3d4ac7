"""Faults at the store's real boundaries: a full SQLite database, a PostgreSQL connection of
the test's own killed between statements, a changed head row. Each: one error, nothing
partial, and the reminders' history and claims agreeing afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import event, select, text

from events import ReminderFailed, ReminderSent
from policies.commands import SetDeadline
from ppss_workflow.auditing import verify_chain
from ppss_workflow.db import reminder_claims
from ppss_workflow.demo import COORDINATOR, Story, load_demo
from ppss_workflow.faults import ChainBroken, StorageFault
from ppss_workflow.logs import configure_logging
from ppss_workflow.notify import SmtpNotifier, SmtpSettings
from ppss_workflow.reminders import Dispatcher, list_due
from ppss_workflow.scheduler import dispatch_once
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for, pg_url
from tests.e2e.cli import assert_one_line_error, ppss
from tests.integration.test_audit import drop_triggers
from tests.integration.test_reminder_dispatch import (
    ROUND,
    SETTINGS,
    STREAM,
    T2_OVERDUE,
    record_round,
)
from tests.logs import all_logs
from tests.smtp import smtp_server


@contextmanager
def round_store(backend: str) -> Iterator[EventStore]:
    with scratch_store(base_url_for(backend)) as s:
        record_round(s)
        yield s


def make_read_only(store: EventStore) -> None:
    """The store's own held connection may no longer write (SQLite's ``query_only``): its
    next write fails at SQLite's own boundary with "attempt to write a readonly database"."""
    with store._leased() as link:  # the warmest connection: the next call borrows it again
        link.conn.execute("PRAGMA query_only = 1")


def limit_pages(store: EventStore, pages: int) -> None:
    """Every connection the store opens may grow the file to ``pages`` pages and no more:
    a full database (SQLITE_FULL, as on a full disk)."""
    event.listen(
        store.engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count = {pages}")
    )


def kill_on_append(store: EventStore, table: str = "events") -> None:
    """From the test's own second connection: the next insert into the events table
    terminates the backend that makes it (the store's connection, after its BEGIN and before
    its COMMIT). Only this test's schema has the trigger; only its own connection dies."""
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION ppss_fault_kill() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); "
                "RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER ppss_fault_kill BEFORE INSERT ON {table} FOR EACH ROW "
                "EXECUTE FUNCTION ppss_fault_kill()"
            )
        )


def heal(store: EventStore, table: str = "events") -> None:
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text(f"DROP TRIGGER ppss_fault_kill ON {table}"))
            conn.execute(text("DROP FUNCTION ppss_fault_kill()"))


class FaultAfterSend:
    """The real SMTP notifier; once the server has accepted the message, the store's
    recording is made to fail (a full database, or a killed connection)."""

    channel = "email"

    def __init__(self, port: int, store: EventStore) -> None:
        self.smtp = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
        self.store = store

    def send(self, message: EmailMessage) -> None:
        self.smtp.send(message)
        if self.store.engine.dialect.name == "postgresql":
            kill_on_append(self.store)
        else:
            make_read_only(self.store)


def claims(store: EventStore) -> list[str]:
    with store.engine.connect() as conn:
        return [row.status for row in conn.execute(select(reminder_claims.c.status))]


def recorded(store: EventStore, kind: type) -> list[str]:
    return [r.event.key for r in store.read_stream(STREAM) if isinstance(r.event, kind)]


def test_a_failure_between_sending_and_recording_is_resent_with_the_same_message_id(
    backend: str,
) -> None:
    """The e-mail went but its record failed: the claim is not "sent" and the history has no
    ReminderSent (they agree: still due); the next run sends it again with the same
    Message-ID and records it once; history and claims then agree that it was sent."""
    with round_store(backend) as store, smtp_server() as (inbox, port):
        due = sorted(d.key for d in list_due(store, T2_OVERDUE, ROUND))
        assert len(due) == 3
        with pytest.raises(StorageFault) as fault:
            Dispatcher(store, FaultAfterSend(port, store), SETTINGS, worker="first").run(
                as_of=T2_OVERDUE
            )
        assert fault.value.cause == ("connection_lost" if backend == "postgresql" else "read_only")
        assert len(inbox.messages) == 1
        assert recorded(store, ReminderSent) == []
        assert claims(store) == ["claimed"]  # not "sent" without a record
        heal(store)

        # The restarted scheduler, its lease over: the same e-mail again, then recorded.
        restarted = EventStore(store.engine)
        later = lambda: datetime.now(UTC) + timedelta(minutes=6)  # noqa: E731
        again = Dispatcher(
            restarted, SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port)), SETTINGS,
            clock=later, worker="second",
        ).run(as_of=T2_OVERDUE)  # fmt: skip
        assert sorted(again.sent) == due
        assert len(inbox.messages) == 2
        first, second = inbox.messages
        assert first["Message-ID"] == second["Message-ID"]
        assert sorted(recorded(restarted, ReminderSent)) == due  # once each
        assert sorted(recorded(restarted, ReminderFailed)) == due  # the attempt that stopped
        assert claims(restarted) == ["sent"]
        assert list_due(restarted, T2_OVERDUE, ROUND) == []
        assert verify_chain(restarted).ok
        restarted.close()


def test_a_full_sqlite_database_refuses_an_append_in_one_line_and_writes_nothing() -> None:
    """SQLITE_FULL part-way through recording the demo: a StorageFault naming the full disk,
    in one line; the append that hit it wrote nothing, and the chain still verifies."""
    with scratch_store() as store:
        store.close()
        limit_pages(store, 60)
        with pytest.raises(StorageFault) as fault:
            load_demo(store)
        assert fault.value.cause == "disk_full"
        assert "disken är full" in str(fault.value)
        assert "\n" not in str(fault.value)
        report = verify_chain(store)
        assert report.ok
        assert report.head_position == store.count() > 0


def test_an_append_onto_a_changed_head_row_is_refused(backend: str) -> None:
    """The newest row's amount changed behind the store's back: the next append is refused
    (ChainBroken, naming the position and `audit verify`) and nothing is written."""
    with round_store(backend) as store:
        head = store.head()
        drop_triggers(store)  # the store's own guard, as someone with the database's keys would
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE events SET data = replace(data, '2018', '2019') WHERE position = :p"),
                {"p": head.position},
            )
        with pytest.raises(ChainBroken) as broken:
            Story(store).on(date(2018, 3, 2)).do(
                COORDINATOR,
                SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 21), reason="T2"),
            )
        assert broken.value.position == head.position
        assert "ppss audit verify" in str(broken.value)
        assert store.count() == head.position
        report = verify_chain(store)
        assert (report.ok, report.bad_position) == (False, head.position)


def test_log_assertions_do_not_depend_on_an_earlier_configuration() -> None:
    """After a command configured logging at warning level (as the CLI does, in an earlier
    test), a plain capture misses a dispatch's info events; ``all_logs`` (the ``logs``
    fixture) sees each reminder_sent once."""

    def dispatch() -> None:
        with round_store("sqlite") as store, smtp_server() as (_, port):
            notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
            Dispatcher(store, notifier, SETTINGS).run(as_of=T2_OVERDUE)

    configure_logging("warning", json=True)
    with structlog.testing.capture_logs() as plain:
        dispatch()
    assert [e for e in plain if e["event"] == "reminder_sent"] == []  # the exposure
    configure_logging("warning", json=True)
    with all_logs() as logs:
        dispatch()
    sent = [e["key"] for e in logs if e["event"] == "reminder_sent"]
    assert len(sent) == len(set(sent)) == 3


def test_a_command_whose_connection_is_killed_writes_nothing_and_says_so() -> None:
    """PostgreSQL: the command's own connection killed between its INSERT and its COMMIT:
    one StorageFault ("anslutningen till databasen bröts"), nothing written; after, the
    chain verifies and the same command records."""
    with round_store("postgresql") as store:
        before = store.count()
        kill_on_append(store)
        command = SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 21), reason="T2")
        with pytest.raises(StorageFault) as fault:
            Story(store).on(date(2018, 3, 2)).do(COORDINATOR, command)
        assert fault.value.cause == "connection_lost"
        assert "anslutningen till databasen bröts" in str(fault.value)
        heal(store)
        assert store.count() == before
        assert verify_chain(store).ok
        Story(store).on(date(2018, 3, 2)).do(COORDINATOR, command)
        assert store.count() == before + 1


def test_an_import_whose_connection_is_killed_leaves_the_store_empty(tmp_path: Path) -> None:
    """PostgreSQL: `ppss import` killed during its COPY: one line, exit 3, the store empty
    (not half filled), and the rerun imports it all."""
    with round_store("sqlite") as source:
        source_url = source.engine.url.render_as_string(hide_password=False)
        export = tmp_path / "all.jsonl"
        assert ppss("export", "-o", str(export), "--database", source_url,
                    home=tmp_path).code == 0  # fmt: skip
        with scratch_store(pg_url()) as target:
            url = target.engine.url.render_as_string(hide_password=False)
            kill_on_append(target)
            run = ppss("import", str(export), "--as", "coordinator", "--database", url,
                       home=tmp_path)  # fmt: skip
            assert_one_line_error(run, "anslutningen till databasen bröts")
            assert run.code == 3
            assert target.count() == 0
            heal(target)
            again = ppss("import", str(export), "--as", "coordinator", "--database", url,
                         home=tmp_path)  # fmt: skip
            assert again.code == 0, again.err
            assert target.count() == source.count()


def test_a_claim_whose_connection_is_killed_sends_nothing() -> None:
    """PostgreSQL: the scheduler's own connection killed while it claims a digest: one
    StorageFault, no e-mail, no claim and no event; the next run sends each reminder once."""
    with round_store("postgresql") as store, smtp_server() as (inbox, port):
        kill_on_append(store, "reminder_claims")
        notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
        with pytest.raises(StorageFault) as fault:
            Dispatcher(store, notifier, SETTINGS).run(as_of=T2_OVERDUE)
        assert fault.value.cause == "connection_lost"
        heal(store, "reminder_claims")
        assert (inbox.messages, claims(store), recorded(store, ReminderSent)) == ([], [], [])
        again = Dispatcher(store, notifier, SETTINGS).run(as_of=T2_OVERDUE)
        assert len(again.sent) == 3
        assert len(inbox.messages) == 1
        assert claims(store) == ["sent"]


def test_a_scheduled_run_on_a_read_only_store_logs_one_line_and_the_next_one_sends() -> None:
    """The running scheduler's dispatch on a store that cannot be written: one
    ``dispatch_failed`` log line naming the cause, nothing sent; the next run, the store
    writable again, sends each reminder once."""
    with round_store("sqlite") as store, smtp_server() as (inbox, port):
        notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
        read_only = EventStore(store.engine)
        read_only.close()
        event.listen(read_only.engine, "connect", _query_only)
        with all_logs() as logs:
            assert dispatch_once(Dispatcher(read_only, notifier, SETTINGS)) is None
        event.remove(read_only.engine, "connect", _query_only)
        read_only.close()
        (failed,) = [e for e in logs if e["event"] == "dispatch_failed"]
        assert "databasen är skrivskyddad" in failed["error"]
        assert inbox.messages == []
        report = dispatch_once(Dispatcher(store, notifier, SETTINGS))
        assert report is not None
        assert len(inbox.messages) == 1


def _query_only(conn: Any, _: Any) -> None:
    conn.execute("PRAGMA query_only = 1")
