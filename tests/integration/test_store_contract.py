"""The event store contract: every test runs on a SQLite file, on an in-memory SQLite store
(the scratch stores' ``MEMORY``) and on PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from events import DisbursementMade, Metadata, NewEvent, PlanSubmitted
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.db import iso_utc
from ppss_workflow.errors import ConcurrencyError, IdempotencyConflict, InvalidEventError
from ppss_workflow.faults import ChainBroken
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import AppendRequest, EventStore, PrefixGuard, StreamGuard
from tests.conftest import BACKENDS, StepClock, pg_url
from tests.factories import WHEN, awarded, new, paid, plan_approved, plan_submitted
from tests.integration.test_audit import drop_triggers

FARSTA = "project:ppss-2014:farsta"
SKARPNACK = "project:ppss-2014:skarpnack"


@pytest.fixture(params=[*BACKENDS, "memory"])
def backend(request: pytest.FixtureRequest) -> str:
    """This module's tests run on each backend of the suite, and on the in-memory store."""
    name: str = request.param
    if name == "postgresql":
        pg_url()
    return name


def snapshot(store: EventStore) -> Any:
    """Everything the store holds, as the database returns it (for 'nothing changed')."""
    with store.engine.connect() as conn:
        events = conn.execute(text("SELECT * FROM events ORDER BY position")).all()
        commands = conn.execute(text("SELECT * FROM commands ORDER BY command_id")).all()
    return [tuple(r) for r in events], [tuple(r) for r in commands]


def sqlite_file_digest(store: EventStore) -> str | None:
    """SHA-256 of the SQLite file after a full checkpoint (in memory: of its SQL dump); None
    on PostgreSQL."""
    if store.engine.dialect.name != "sqlite":
        return None
    if store.engine.url.query.get("mode") == "memory":
        with store.engine.connect() as conn:
            dump = "\n".join(conn.connection.driver_connection.iterdump())  # type: ignore[union-attr]
        return hashlib.sha256(dump.encode()).hexdigest()
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    path = Path(str(store.engine.url.database))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_append_assigns_versions_and_gap_free_positions(store: EventStore) -> None:
    """Appends number a stream's events 1..n and the store's positions without gaps."""
    first = store.append(FARSTA, [awarded(), plan_submitted()], expected_version=0)
    second = store.append(SKARPNACK, [awarded(1_000)], expected_version=0)
    third = store.append(FARSTA, [plan_approved()], expected_version=2)

    assert (first.first_position, first.last_position, first.stream_version) == (1, 2, 2)
    assert (second.first_position, second.stream_version) == (3, 1)
    assert (third.first_position, third.stream_version) == (4, 3)
    history = store.read_stream(FARSTA)
    assert [r.version for r in history] == [1, 2, 3]
    assert [r.position for r in history] == [1, 2, 4]
    assert [r.position for r in store.read_all()] == [1, 2, 3, 4]
    assert store.stream_version(FARSTA) == 3
    assert store.stream_version("project:none") == 0


def test_events_read_back_equal_with_both_timelines(store: EventStore, clock: StepClock) -> None:
    """What is read back is the same event, with occurred_at and recorded_at both in UTC."""
    stockholm_time = datetime.fromisoformat("2014-03-10T10:00:00+01:00")
    meta = Metadata(actor="styrgrupp@example.org", role="steering_group", correlation_id=uuid4())
    original = NewEvent(PlanSubmitted(plan_id="plan-1", summary="Plan"), stockholm_time, meta)
    store.append(FARSTA, [original], 0)

    (recorded,) = store.read_stream(FARSTA)
    assert recorded.event == original.event
    assert recorded.event_id == original.event_id
    assert recorded.metadata == meta
    assert recorded.occurred_at == stockholm_time
    assert recorded.occurred_at.utcoffset() == timedelta(0)
    assert recorded.recorded_at == clock.now


def test_wrong_expected_version_raises_and_writes_nothing(store: EventStore) -> None:
    """A stale expected version names stream, expected and actual, and changes nothing."""
    store.append(FARSTA, [awarded(), plan_submitted()], 0)
    before = snapshot(store)
    digest = sqlite_file_digest(store)

    with pytest.raises(ConcurrencyError) as caught:
        store.append(FARSTA, [plan_approved()], expected_version=1)

    assert (caught.value.stream_id, caught.value.expected, caught.value.actual) == (FARSTA, 1, 2)
    assert "project:ppss-2014:farsta" in str(caught.value)
    assert "version 2" in str(caught.value)
    assert "expected 1" in str(caught.value)
    assert snapshot(store) == before
    assert sqlite_file_digest(store) == digest


def test_new_stream_expects_version_zero(store: EventStore) -> None:
    """Appending to a stream that does not exist with a non-zero version is a conflict."""
    with pytest.raises(ConcurrencyError):
        store.append(FARSTA, [awarded()], expected_version=3)
    assert store.count() == 0


def test_malformed_event_is_refused_and_store_unchanged(store: EventStore) -> None:
    """An event built around validation (model_construct) never reaches the database."""
    store.append(FARSTA, [awarded()], 0)
    before = snapshot(store)
    digest = sqlite_file_digest(store)
    bad = DisbursementMade.model_construct(amount_sek=-5, purpose="grant", payment_reference="X")

    with pytest.raises(InvalidEventError, match=r"DisbursementMade: amount_sek"):
        store.append(FARSTA, [paid(), new(bad)], expected_version=1)

    assert snapshot(store) == before
    assert sqlite_file_digest(store) == digest


@pytest.mark.parametrize(
    ("stream", "events", "message"),
    [
        (
            FARSTA,
            [NewEvent(PlanSubmitted(plan_id="p", summary="s"), datetime(2014, 3, 10))],
            "time-zone aware",
        ),
        ("Project Farsta", [plan_submitted()], "stream id"),
        (FARSTA, [], "nothing to append"),
    ],
    ids=["naive-occurred-at", "bad-stream-id", "empty"],
)
def test_other_bad_appends_are_refused(
    store: EventStore, stream: str, events: list[NewEvent], message: str
) -> None:
    """Naive times, bad stream ids and empty appends are refused with a reason."""
    with pytest.raises(InvalidEventError, match=message):
        store.append(stream, events, 0)
    assert store.count() == 0


def test_append_many_is_all_or_nothing(store: EventStore) -> None:
    """If one stream in a batch conflicts, no stream in the batch is written."""
    store.append(SKARPNACK, [awarded()], 0)
    with pytest.raises(ConcurrencyError):
        store.append_many(
            [
                AppendRequest(FARSTA, [awarded()], 0),
                AppendRequest(SKARPNACK, [paid()], 0),  # stale: it is at 1
            ]
        )
    assert store.count() == 1
    assert store.stream_version(FARSTA) == 0


def test_guards_refuse_a_decision_whose_reading_changed(store: EventStore) -> None:
    """A decision carries what it read: a stream it only read, and the whole round (new
    streams included); a change to either since refuses the append and writes nothing."""
    store.append("project:g:a", [awarded()], 0)
    last = store.last_position_under("project:g:")
    read = [StreamGuard("project:g:a", 1), PrefixGuard("project:g:", last)]
    store.append("project:g:b", [awarded()], 0)  # another writer, on a stream nobody read
    before = store.count()
    with pytest.raises(ConcurrencyError):
        store.append_many([AppendRequest("project:g:c", [awarded()], 0)], guards=read)
    with pytest.raises(ConcurrencyError):
        store.append_many(
            [AppendRequest("project:g:c", [awarded()], 0)], guards=[StreamGuard("project:g:a", 0)]
        )
    assert store.count() == before
    fresh = [StreamGuard("project:g:a", 1), PrefixGuard("project:g:", before)]
    store.append_many([AppendRequest("project:g:c", [awarded()], 0)], guards=fresh)
    assert store.count() == before + 1
    other_round = [PrefixGuard("project:h:", 0)]  # writes elsewhere do not matter
    store.append_many([AppendRequest("project:g:d", [awarded()], 0)], guards=other_round)


def test_retried_command_is_recorded_once(store: EventStore) -> None:
    """The same command id appended twice returns the first result and writes nothing more."""
    command = uuid4()
    first = store.append(FARSTA, [awarded()], 0, command_id=command)
    again = store.append(FARSTA, [awarded()], 0, command_id=command)

    assert not first.duplicate
    assert again.duplicate
    assert (again.first_position, again.stream_version) == (1, 1)
    assert store.count() == 1
    assert store.read_stream(FARSTA)[0].metadata.command_id == command


def test_reused_command_id_for_other_content_is_refused(store: EventStore) -> None:
    """A command id reused for a different command is an error, not a silent no-op."""
    command = uuid4()
    store.append(FARSTA, [awarded(100)], 0, command_id=command)
    with pytest.raises(IdempotencyConflict, match=str(command)):
        store.append(FARSTA, [awarded(200)], 1, command_id=command)
    assert store.count() == 1


def test_read_stream_up_to_version_and_known_at(store: EventStore, clock: StepClock) -> None:
    """A stream can be read as it was at a version, or as the store knew it at an instant."""
    store.append(FARSTA, [awarded()], 0)
    known_then = clock.now
    clock.advance(days=4)
    store.append(FARSTA, [plan_submitted(), plan_approved()], 1)

    assert [r.version for r in store.read_stream(FARSTA, to_version=2)] == [1, 2]
    assert [r.version for r in store.read_stream(FARSTA, known_at=known_then)] == [1]
    assert [r.version for r in store.read_stream(FARSTA, known_at=clock.now)] == [1, 2, 3]


def test_read_streams_by_prefix_is_exact(store: EventStore) -> None:
    """A prefix read returns that round's projects only, not a round with a longer id."""
    store.append("project:ppss-2014:farsta", [awarded()], 0)
    store.append("project:ppss-2014x:farsta", [awarded()], 0)
    store.append("project:ppss-2014:alvsjo", [awarded()], 0)
    store.append("round:ppss-2014", [plan_submitted()], 0)

    found = store.read_streams("project:ppss-2014:")
    assert [r.stream_id for r in found] == ["project:ppss-2014:farsta", "project:ppss-2014:alvsjo"]


def test_read_stream_batches_gives_every_stream_whole_and_in_order(store: EventStore) -> None:
    """A round read a few streams at a time: each stream whole, in version order, once; no
    stream of a round with a longer id."""
    for i in range(7):
        store.append(f"project:r:{i}", [awarded(i + 1)], 0)
    store.append("project:rr:0", [awarded()], 0)
    for i in range(7):
        store.append(f"project:r:{i}", [plan_submitted()], 1)
    assert store.stream_ids("project:r:") == [f"project:r:{i}" for i in range(7)]
    batches = list(store.read_stream_batches("project:r:", streams=3))
    assert [sorted(b) for b in batches] == [
        [f"project:r:{i}" for i in range(0, 3)],
        [f"project:r:{i}" for i in range(3, 6)],
        ["project:r:6"],
    ]
    for batch in batches:
        for stream, history in batch.items():
            assert [r.version for r in history] == [1, 2]
            assert history == store.read_stream(stream)


def test_read_all_after_position_in_batches(store: EventStore) -> None:
    """Reading from a position returns every later event, across batch boundaries."""
    for i in range(7):
        store.append(f"project:r:{i}", [awarded(i + 1), plan_submitted()], 0)

    assert [r.position for r in store.read_all(after=5, batch_size=3)] == list(range(6, 15))
    assert [r.position for r in store.read_all(after=0, batch_size=4, limit=5)] == [1, 2, 3, 4, 5]
    batches = list(store.read_all_batches(batch_size=4))
    assert [len(b) for b in batches] == [4, 4, 4, 2]
    assert list(store.read_all(after=14)) == []


def test_hash_chain_links_every_event(store: EventStore) -> None:
    """Each stored hash is SHA-256 over the previous hash and the event's stored columns."""
    store.append(FARSTA, [awarded(), plan_submitted()], 0)
    store.append(SKARPNACK, [awarded(5)], 0)

    prev = GENESIS_HASH
    for rows in store.read_rows():
        for row in rows:
            (position, stream_id, version, event_id, event_type, schema_version, data, meta,
             occurred_at, recorded_at, stored) = row  # fmt: skip
            expected = chain_hash_text(
                prev,
                position,
                stream_id,
                version,
                event_id,
                event_type,
                schema_version,
                data,
                meta,
                occurred_at if isinstance(occurred_at, str) else iso_utc(occurred_at),
                recorded_at if isinstance(recorded_at, str) else iso_utc(recorded_at),
            )
            assert stored == expected
            prev = stored
    assert store.head().hash == prev


def test_recorded_at_never_goes_backwards(store: EventStore, clock: StepClock) -> None:
    """If the clock steps back, recorded_at stays at the head's, so known-at reads are prefixes."""
    store.append(FARSTA, [awarded()], 0)
    first = clock.now
    clock.advance(hours=-3)
    store.append(FARSTA, [plan_submitted()], 1)
    assert [r.recorded_at for r in store.read_all()] == [first, first]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET data = '{}' WHERE position = 1",
        "DELETE FROM events WHERE position = 1",
        "UPDATE commands SET stream_id = 'x'",
        "DELETE FROM commands",
    ],
)
def test_database_refuses_update_and_delete(store: EventStore, statement: str) -> None:
    """The database itself (a trigger) refuses to change or remove stored history."""
    store.append(FARSTA, [awarded()], 0, command_id=uuid4())
    before = snapshot(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert snapshot(store) == before


def test_postgres_refuses_truncate() -> None:
    """On PostgreSQL, TRUNCATE (which skips row triggers) is refused as well."""
    with scratch_store(pg_url()) as store:
        _truncate_is_refused(store)


def _truncate_is_refused(store: EventStore) -> None:
    store.append(FARSTA, [awarded()], 0)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("TRUNCATE events"))
    assert store.count() == 1


def test_old_schema_version_is_read_as_current_model(store: EventStore) -> None:
    """A DisbursementMade stored at schema v1 (``reference``, no purpose) reads as v2."""
    v1_data = '{"amount_sek":250000,"reference":"U-2014-017"}'
    meta = '{"actor":"legacy-import","role":"system"}'
    occurred, recorded = "2014-05-02T08:00:00.000000Z", "2014-05-02T08:05:00.000000Z"
    event_id = str(uuid4())
    digest = chain_hash_text(
        GENESIS_HASH,
        1,
        FARSTA,
        1,
        event_id,
        "DisbursementMade",
        1,
        v1_data,
        meta,
        occurred,
        recorded,
    )
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (position, stream_id, version, event_id, event_type, "
                "schema_version, data, metadata, occurred_at, recorded_at, hash) VALUES "
                "(1, :s, 1, :e, 'DisbursementMade', 1, :d, :m, :o, :r, :h)"
            ),
            {
                "s": FARSTA,
                "e": event_id,
                "d": v1_data,
                "m": meta,
                "o": occurred,
                "r": recorded,
                "h": digest,
            },
        )

    (recorded_event,) = store.read_stream(FARSTA)
    assert recorded_event.event == DisbursementMade(
        amount_sek=250_000, purpose="grant", payment_reference="U-2014-017"
    )
    store.append(FARSTA, [paid(1)], 1)  # the chain continues from the legacy row
    assert store.read_stream(FARSTA)[1].version == 2


def test_occurred_at_keeps_microseconds(store: EventStore) -> None:
    """Instants survive storage to the microsecond on both backends."""
    at = WHEN.replace(microsecond=123456).astimezone(UTC)
    store.append(FARSTA, [new(PlanSubmitted(plan_id="p", summary="s"), at)], 0)
    assert store.read_stream(FARSTA)[0].occurred_at == at


# -- the held-connection writer ---------------------------------------------------------------


def test_writer_appends_gap_free_each_in_its_own_transaction(store: EventStore) -> None:
    """A writer holds one connection for a burst: positions stay gap-free across it and
    with the store's own appends, and each append is committed when it returns."""
    with store.writer() as writer:
        first = writer.append(FARSTA, [awarded()], 0)
        assert store.count() == 1  # committed, visible to another connection at once
        store.append(SKARPNACK, [awarded(5)], 0)
        second = writer.append(FARSTA, [plan_submitted(), plan_approved()], 1)
        many = writer.append_many([AppendRequest("project:ppss-2014:alvsjo", [awarded()], 0)])
    assert (first.first_position, second.first_position, second.last_position) == (1, 3, 4)
    assert many[0].first_position == 5
    assert [r.position for r in store.read_all()] == [1, 2, 3, 4, 5]
    assert [r.version for r in store.read_stream(FARSTA)] == [1, 2, 3]


def test_writer_failed_append_leaves_nothing_and_the_writer_goes_on(store: EventStore) -> None:
    """A stale version, a malformed event or a refused batch in a writer writes nothing;
    the same writer's next append lands at the next position."""
    bad = DisbursementMade.model_construct(amount_sek=-5, purpose="grant", payment_reference="X")
    with store.writer() as writer:
        writer.append(FARSTA, [awarded()], 0)
        before = snapshot(store)
        with pytest.raises(ConcurrencyError):
            writer.append(FARSTA, [plan_submitted()], 0)
        with pytest.raises(InvalidEventError):
            writer.append(FARSTA, [paid(), new(bad)], 1)
        with pytest.raises(ConcurrencyError):
            writer.append_many(
                [AppendRequest(SKARPNACK, [awarded()], 0), AppendRequest(FARSTA, [paid()], 0)]
            )
        one = awarded()
        twice = [one, NewEvent(one.event, one.occurred_at, one.metadata, one.event_id)]
        with pytest.raises(InvalidEventError, match="refused"):
            writer.append(SKARPNACK, twice, 0)
        assert snapshot(store) == before
        after = writer.append(FARSTA, [plan_submitted()], 1)
    assert (after.first_position, after.stream_version) == (2, 2)


def test_writer_guards_and_commands(store: EventStore) -> None:
    """Guards and command ids mean the same on a writer as on the store."""
    store.append("project:g:a", [awarded()], 0)
    last = store.last_position_under("project:g:")
    store.append("project:g:b", [awarded()], 0)
    command = uuid4()
    with store.writer() as writer:
        with pytest.raises(ConcurrencyError) as caught:
            writer.append_many(
                [AppendRequest("project:g:c", [awarded()], 0)],
                guards=[PrefixGuard("project:g:", last)],
            )
        assert caught.value.actual == 2  # the first position after the decision's reading
        with pytest.raises(ConcurrencyError):
            writer.append_many(
                [AppendRequest("project:g:c", [awarded()], 0)],
                guards=[StreamGuard("project:g:b", 0)],
            )
        first = writer.append("project:g:c", [awarded()], 0, command_id=command)
        again = writer.append("project:g:c", [awarded()], 0, command_id=command)
        with pytest.raises(IdempotencyConflict):
            writer.append("project:g:c", [awarded(7)], 1, command_id=command)
    assert again.duplicate
    assert (again.first_position, again.last_position) == (first.first_position, 3)
    assert store.count() == 3


def test_prefix_guard_sees_only_what_came_after(store: EventStore) -> None:
    """A round-wide guard conflicts with an append to any stream of the round after the
    decision's reading, a new stream included, and with nothing before it or elsewhere."""
    for i in range(5):
        store.append(f"project:p:{i}", [awarded()], 0)
    store.append("project:q:0", [awarded()], 0)
    last = store.last_position_under("project:p:")
    assert last == 5
    store.append("project:pp:0", [awarded()], 0)  # a longer round id is another round
    store.append_many([AppendRequest("project:p:9", [awarded()], 0)],
                      guards=[PrefixGuard("project:p:", last)])  # fmt: skip
    with pytest.raises(ConcurrencyError):
        store.append_many([AppendRequest("project:p:10", [awarded()], 0)],
                          guards=[PrefixGuard("project:p:", last)])  # fmt: skip


def test_store_serves_threads_and_survives_close(store: EventStore) -> None:
    """Each thread appends and reads on its own connection; after close() the store opens
    a connection again on the next call."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for k in range(5):
                stream = f"project:t:{n}"
                store.append(stream, [awarded()], store.stream_version(stream))
                assert store.read_stream(stream)[-1].version == k + 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [r.position for r in store.read_all()] == list(range(1, 21))
    store.close()
    store.append(FARSTA, [awarded()], 0)
    assert store.count() == 21


def test_read_rows_are_plain_tuples_in_column_order(store: EventStore) -> None:
    """read_rows hands back the stored rows as tuples, in the order of the stored columns."""
    store.append(FARSTA, [awarded()], 0)
    (rows,) = list(store.read_rows())
    (row,) = rows
    assert type(row) is tuple
    assert row[:3] == (1, FARSTA, 1)
    assert row[10] == store.head().hash


def test_a_writer_chains_onto_what_another_connection_appended(store: EventStore) -> None:
    """A writer that knows the head (it wrote it, or read it for an append that was refused)
    chains onto a row another connection appended since, never onto the one it knew: the
    chain stays whole and positions gap-free. A commit elsewhere to another table changes
    nothing."""
    other = EventStore(store.engine)  # its own connections, as another process has
    try:
        with store.writer() as writer:
            writer.append(FARSTA, [awarded()], 0)
            other.append(SKARPNACK, [awarded(5)], 0)
            with pytest.raises(ConcurrencyError):  # the head read for this one: position 2
                writer.append(FARSTA, [plan_submitted()], 0)
            third = writer.append(FARSTA, [plan_submitted()], 1)
            other.append(SKARPNACK, [paid()], 1)
            with store.engine.begin() as conn:  # another connection, another table
                conn.execute(text("DELETE FROM reminder_claims"))
            fifth = writer.append(FARSTA, [plan_approved()], 2)
    finally:
        other.close()
    assert (third.first_position, fifth.first_position) == (3, 5)
    previous = GENESIS_HASH
    for row in [r for batch in store.read_rows() for r in batch]:
        values = [iso_utc(v) if isinstance(v, datetime) else v for v in row[:10]]
        assert row[10] == chain_hash_text(previous, *values)
        previous = row[10]
    assert [r[0] for batch in store.read_rows() for r in batch] == [1, 2, 3, 4, 5]


def test_a_writer_refuses_its_own_head_row_changed_behind_its_back(store: EventStore) -> None:
    """The row a writer wrote last, changed by another connection (its hash left as it was):
    the writer's next append is refused and writes nothing, as any append would be."""
    with store.writer() as writer:
        writer.append(FARSTA, [awarded()], 0)
        head = writer.append(FARSTA, [paid()], 1)
        drop_triggers(store)
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE events SET data = replace(data, 'grant', 'xx') WHERE position = :p"),
                {"p": head.last_position},
            )
        before = snapshot(store)
        with pytest.raises(ChainBroken) as broken:
            writer.append(FARSTA, [plan_submitted()], 2)
    assert broken.value.position == head.last_position
    assert snapshot(store) == before
