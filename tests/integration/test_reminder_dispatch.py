"""Dispatch: through a real SMTP server, once each, across failures, crashes and downtime."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import text
from structlog.typing import EventDict

from events import ReminderAbandoned, ReminderFailed, ReminderSent
from policies.commands import Apply, SetContact, SetDeadline
from policies.state import end_of_day, fold_project, stockholm_day
from ppss_workflow import bench_board
from ppss_workflow.demo import (
    COORDINATOR,
    SKARHOLMEN_2018,
    Story,
    district_actor,
    open_round_2018,
)
from ppss_workflow.handlers import Commands
from ppss_workflow.notify import ReminderSettings, SmtpNotifier, SmtpSettings
from ppss_workflow.reminders import ABANDON_AFTER, Dispatcher, DispatchReport, list_due
from ppss_workflow.schema import upgrade
from ppss_workflow.scratch import scratch_store, scratch_url
from ppss_workflow.store import EventStore
from tests.conftest import pg_url
from tests.smtp import free_port, smtp_server

ROUND = "sst-2018"
STREAM = "project:sst-2018:skarholmen"
SETTINGS = ReminderSettings(coordinator_email="samordnare@example.org", language="sv")
T2_OVERDUE = end_of_day(date(2018, 9, 25))  # late-5 after a 14 Sep T2


def record_round(store: EventStore) -> Story:
    """Given the 2018 round with Skärholmen's application and T2 on 14 September 2018."""
    story = Story(store)
    open_round_2018(story)
    story.on(date(2017, 12, 29)).do(
        district_actor("Skärholmen"),
        Apply(round_id=ROUND, district="Skärholmen", application=SKARHOLMEN_2018),
    )
    story.on(date(2018, 3, 1)).do(
        COORDINATOR, SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 14), reason="T2")
    )
    return story


@pytest.fixture
def store() -> Iterator[EventStore]:
    with scratch_store() as s:
        record_round(s)
        yield s


def smtp(port: int) -> SmtpNotifier:
    return SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))


def stream_reminders(store: EventStore) -> list[tuple[str, str, int]]:
    return [(r.event_type, r.event.step, r.event.attempt) for r in store.read_stream(STREAM)
            if isinstance(r.event, ReminderSent | ReminderFailed)]  # fmt: skip


def test_each_due_reminder_arrives_once_and_a_rerun_sends_nothing(
    store: EventStore, logs: list[EventDict]
) -> None:
    """Three T2 obligations overdue: one digest listing all three at the SMTP server, each
    recorded as sent; then nothing on a rerun."""
    expected = sorted(d.key for d in list_due(store, T2_OVERDUE, ROUND))
    assert len(expected) == 3
    with smtp_server() as (inbox, port):
        first = Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
        again = Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
    assert sorted(first.sent) == expected
    assert again.sent == []
    assert inbox.keys() == expected
    (message,) = inbox.messages
    assert message["To"] == "ekonomichef@skarholmen.example.org"  # the application's contact
    assert str(message["Subject"]).startswith("Försenat: 3 uppgifter")
    body = message.get_payload(decode=True).decode()
    assert "2018-09-14" in body
    # The T2 conditions block the grant: the message says so, as the condition states it.
    assert "Tills den har kommit in betalas inget mer av bidraget ut." in body
    assert "samordnare@example.org" in body
    # The log says each send once (the ``logs`` fixture: whatever an earlier test configured).
    logged = sorted(e["key"] for e in logs if e["event"] == "reminder_sent")
    assert logged == expected
    sent = [r.event for r in store.read_streams("project:") if isinstance(r.event, ReminderSent)]
    assert {e.recipient_role for e in sent} == {"district"}
    assert stream_reminders(store) == [("ReminderSent", "late-5", 1)] * 3


def test_a_failed_send_is_recorded_and_retried(store: EventStore) -> None:
    """With the SMTP server down the attempt fails and is on record; next run it is sent."""
    port = free_port()
    down = Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
    assert len(down.failed) == 3
    with smtp_server(port) as (inbox, _):
        # At once: each failed reminder waits its back-off (5 minutes after a first failure).
        soon = Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
        assert soon.sent == []
        assert sorted(soon.skipped) == sorted(down.failed)
        later = lambda: datetime.now(UTC) + timedelta(minutes=6)  # noqa: E731
        up = Dispatcher(store, smtp(port), SETTINGS, clock=later).run(as_of=T2_OVERDUE)
    assert len(up.sent) == 3
    assert len(inbox.messages) == 1  # one digest for the three
    history = stream_reminders(store)
    assert history.count(("ReminderFailed", "late-5", 1)) == 3
    assert history.count(("ReminderSent", "late-5", 2)) == 3


class _DiesWhileSending:
    """A notifier whose process dies in the middle of the send (as kill -9 would)."""

    channel = "email"

    def send(self, message: EmailMessage) -> None:
        os._exit(137)


def _dispatch_and_die(url: str) -> None:
    store = EventStore.from_url(url)
    Dispatcher(store, _DiesWhileSending(), SETTINGS, worker="doomed").run(as_of=T2_OVERDUE)


def test_killed_between_claim_and_send_then_restarted() -> None:
    """A dispatcher killed after claiming: on restart (its lease over) each reminder is sent
    once, and the history shows the failed attempt and the retry."""
    with scratch_url() as url:
        store = EventStore.from_url(url)
        upgrade(store.engine)
        record_round(store)
        child = mp.get_context("spawn").Process(target=_dispatch_and_die, args=(url,))
        child.start()
        child.join(60)
        assert child.exitcode == 137
        assert stream_reminders(store) == []  # one claim taken, nothing sent or recorded
        (dead_key,) = [k for (k,) in _claims(store)]

        with smtp_server() as (inbox, port):
            # Restarted at once: the dead claim's lease still runs, so it is left alone.
            soon = Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
            assert dead_key.startswith("digest/2018-09-25/")  # the day's one digest
            assert len(soon.skipped) == 3
            assert soon.sent == []
            # Restarted after the lease: the abandoned reminder is retried and sent.
            later = lambda: datetime.now(UTC) + timedelta(minutes=10)  # noqa: E731
            retry = Dispatcher(store, smtp(port), SETTINGS, clock=later).run(as_of=T2_OVERDUE)
        assert sorted(retry.sent) == sorted(soon.skipped)
        assert retry.digests == [dead_key]
        assert inbox.keys() == sorted(retry.sent)  # each once, in one digest
        history = [
            (r.event_type, r.event.attempt) for r in store.read_stream(STREAM)
            if isinstance(r.event, ReminderSent | ReminderFailed)
        ]  # fmt: skip
        assert sorted(history) == [("ReminderFailed", 1)] * 3 + [("ReminderSent", 2)] * 3
        store.close()


def _claims(store: EventStore) -> list[tuple[str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT key FROM reminder_claims"))]


def test_downtime_across_two_steps_sends_only_the_latest(store: EventStore) -> None:
    """Sent at before-14 (27 Aug); down through before-3 (11 Sep) and due (14 Sep); on
    25 Sep only late-5 goes out: the later step supersedes the ones missed."""
    with smtp_server() as (inbox, port):
        Dispatcher(store, smtp(port), SETTINGS).run(as_of=end_of_day(date(2018, 8, 28)))
        Dispatcher(store, smtp(port), SETTINGS).run(as_of=T2_OVERDUE)
    received = inbox.keys()
    steps = sorted(key.rsplit("/", 1)[1] for key in received)
    assert steps == ["before-14"] * 3 + ["late-5"] * 3
    assert len(inbox.messages) == 2  # one digest on each day


def test_a_server_that_answers_quit_with_421_still_got_every_message() -> None:
    """100 projects with a reminder due each, a server that accepts every message and then
    answers QUIT with 421: each reminder arrives once and is recorded as sent; a second run
    sends nothing (issue 12). Today's reminders come from the read model."""
    with scratch_store() as store:
        today = stockholm_day(datetime.now(UTC))
        bench_board._build(store, 100, today, lambda *_: None)
        settings = ReminderSettings(district_email="kontakt@example.org", language="sv")
        with smtp_server(quit_reply="421 closing the line now") as (inbox, port):
            first = Dispatcher(store, smtp(port), settings).run()
            again = Dispatcher(store, smtp(port), settings).run()
        assert len(first.sent) == 100 + bench_board.SPARE
        assert first.failed == []
        assert again.sent == again.failed == []
        assert inbox.keys() == sorted(first.sent)
        recorded = [
            r
            for r in store.read_streams("project:bench:")
            if isinstance(r.event, ReminderSent) and r.event.obligation == "year_end_account"
        ]
        assert len(recorded) == len(first.sent)


class _Clock:
    """A dispatcher's clock the test moves on by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_permanent_refusal_is_abandoned_after_a_few_attempts(store: EventStore) -> None:
    """A server that answers 550 to the recipient: each reminder is tried ABANDON_AFTER
    times (waiting its back-off between), then one ReminderAbandoned, a note to the
    coordinators, and nothing more: the store stops growing (issue 12)."""
    clock = _Clock()
    with smtp_server(rcpt_reply="550 5.1.1 no such mailbox") as (inbox, port):
        counts, reports = [], []
        for _ in range(ABANDON_AFTER + 3):
            reports.append(Dispatcher(store, smtp(port), SETTINGS, clock=clock)
                           .run(as_of=T2_OVERDUE))  # fmt: skip
            counts.append(store.count())
            clock.now += timedelta(days=2)  # past any back-off
    assert [len(r.failed) for r in reports[: ABANDON_AFTER - 1]] == [3] * (ABANDON_AFTER - 1)
    assert sorted(reports[ABANDON_AFTER - 1].abandoned) == sorted(reports[0].failed)
    assert all(not r.failed and not r.sent and not r.abandoned for r in reports[ABANDON_AFTER:])
    assert counts[ABANDON_AFTER - 1] == counts[-1]  # the history stopped growing
    history = stream_reminders_all(store)
    assert history.count("ReminderFailed") == 3 * (ABANDON_AFTER - 1)
    assert history.count("ReminderAbandoned") == 3
    # The coordinators were told, once for the abandoned digest (their own address works).
    notes = [m for m in inbox.messages if str(m["To"]) == "samordnare@example.org"]
    assert len(notes) == 1
    assert list_due(store, T2_OVERDUE, ROUND) == []  # abandoned: never due again


def stream_reminders_all(store: EventStore) -> list[str]:
    return [r.event_type for r in store.read_stream(STREAM)
            if isinstance(r.event, ReminderSent | ReminderFailed | ReminderAbandoned)]  # fmt: skip


def test_no_address_is_reported_not_recorded(store: EventStore) -> None:
    """With no e-mail for the coordinator configured, a coordinator step is not an attempt:
    nothing is claimed or recorded, and the run reports it (once) as unaddressed."""
    late = end_of_day(date(2018, 10, 30))  # the late-30 steps go to the coordinator
    settings = ReminderSettings(language="sv")
    with smtp_server() as (inbox, port):
        first = Dispatcher(store, smtp(port), settings).run(as_of=late)
        again = Dispatcher(store, smtp(port), settings).run(as_of=late)
    assert len(first.unaddressed) == 3
    assert first.unaddressed == again.unaddressed
    assert first.failed == first.sent == []
    assert stream_reminders_all(store) == []
    assert inbox.messages == []


def _own_addresses(store: EventStore) -> None:
    """Each bench project its own project lead, so each gets its own digest."""
    commands = Commands(store, lambda: datetime.now(UTC))
    for stream in store.stream_ids("project:bench:"):
        district = fold_project(stream, store.read_stream(stream)).district
        assert district is not None
        commands.execute(
            COORDINATOR,
            SetContact(round_id="bench", district=district, role="project_lead",
                       email=f"{stream.split(':')[-1]}@example.org"),
        )  # fmt: skip


def test_a_slow_server_gets_sends_over_a_bounded_pool() -> None:
    """A server that takes 1 s over each message: 100 reminders go out over the pool's
    connections at once (never more), so the run takes a fraction of the 107 s one after
    another would; each is sent once and recorded once (issue 12)."""
    pool = 8
    with scratch_store() as store:
        today = stockholm_day(datetime.now(UTC))
        bench_board._build(store, 100, today, lambda *_: None)
        _own_addresses(store)
        settings = ReminderSettings(district_email="kontakt@example.org", language="sv")
        with smtp_server(delay=1.0) as (inbox, port):
            started = time.monotonic()
            first = Dispatcher(store, smtp(port), settings, pool=pool).run()
            took = time.monotonic() - started
            again = Dispatcher(store, smtp(port), settings, pool=pool).run()
        count = 100 + bench_board.SPARE
        assert len(first.sent) == count
        assert first.failed == again.sent == again.failed == []
        assert 1 < inbox.most_at_once <= pool
        assert took < count * 1.0 / 2, took  # strictly one after another: over 107 s
        assert inbox.keys() == sorted(first.sent)
        recorded = [r.event.key for r in store.read_streams("project:bench:")
                    if isinstance(r.event, ReminderSent)
                    and r.event.obligation == "year_end_account"]  # fmt: skip
        assert sorted(recorded) == sorted(first.sent)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_pooled_dispatchers_at_once_send_each_reminder_once(backend: str) -> None:
    """Two dispatchers, each with a pool of 4, run at the same moment over one store: the
    claims keep every reminder to one send and one ReminderSent, on both backends."""
    base = None if backend == "sqlite" else pg_url()
    with scratch_store(base) as store:
        today = stockholm_day(datetime.now(UTC))
        bench_board._build(store, 30, today, lambda *_: None)
        settings = ReminderSettings(district_email="kontakt@example.org", language="sv")
        with smtp_server(delay=0.05) as (inbox, port):
            barrier = threading.Barrier(2)
            reports: list[DispatchReport] = []

            def run() -> None:
                dispatcher = Dispatcher(store, smtp(port), settings, pool=4)
                barrier.wait()
                reports.append(dispatcher.run())

            threads = [threading.Thread(target=run) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        sent = sorted(k for r in reports for k in r.sent)
        assert len(reports) == 2
        assert len(sent) == 30 + bench_board.SPARE == len(set(sent))
        assert inbox.keys() == sent
        assert all(r.failed == [] for r in reports)
        recorded = [r.event.key for r in store.read_streams("project:bench:")
                    if isinstance(r.event, ReminderSent)
                    and r.event.obligation == "year_end_account"]  # fmt: skip
        assert sorted(recorded) == sent


def test_a_send_that_hangs_times_out_and_the_run_goes_on(store: EventStore) -> None:
    """A server that takes 5 s over each message, and a 0.5 s per-send timeout: every send
    gives up at its timeout, is recorded as failed (tried again later), and the run ends in
    about a second, not after 15 s."""
    with smtp_server(delay=5.0) as (_inbox, port):
        notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port, timeout=0.5))
        started = time.monotonic()
        report = Dispatcher(store, notifier, SETTINGS, pool=4).run(as_of=T2_OVERDUE)
        took = time.monotonic() - started
    assert len(report.failed) == 3
    assert report.sent == []
    assert took < 4, took
    assert [kind for kind, _, _ in stream_reminders(store)] == ["ReminderFailed"] * 3
