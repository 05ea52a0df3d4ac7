"""The read model against the events it is kept from, on both backends.

A stateful property test drives random command sequences (the money machine's) through the
real handlers and store. After every step, today's board from the read model must equal the
board folded from the events, and so must the reminders due; at the end of each sequence the
model is rebuilt from the events and must equal the one that was kept step by step. Counts
show the comparisons reached boards with money payable, reminders due and every kind of row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test
from sqlalchemy import func, select

from policies.state import fold_round
from ppss_workflow import projections
from ppss_workflow.db import board_groups, events_table, project_rows, projection_checkpoints
from ppss_workflow.demo import load_demo
from ppss_workflow.projections import Projector
from ppss_workflow.reminders import list_due
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore, Statement
from tests.conftest import base_url_for
from tests.integration import test_command_properties as money

SEEN: Counter[str] = Counter()
#: Which day a row was assessed on, and until when it is good, differ between a row kept
#: since an earlier day and one rebuilt today: everything else must be equal.
_VALIDITY = {"assessed_on", "valid_until"}


def comparable(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    skip = [i for i, c in enumerate(project_rows.columns) if c.name in _VALIDITY]
    out = dict(dump)
    out["project_rows"] = [
        tuple(v for i, v in enumerate(row) if i not in skip) for row in dump["project_rows"]
    ]
    return out


def counted_groups(store: EventStore) -> list[tuple[Any, ...]]:
    """board_groups as a plain GROUP BY over the stored project rows computes it, in the
    order of :meth:`Projector.dump`: the groups kept write by write must equal this."""
    c = project_rows.c
    sums = [
        c.awarded_sek, c.disbursed_sek, c.payable_sek, c.repayment_due_sek, c.may_be_paid,
        c.supervision_granted_sek, c.supervision_paid_sek, c.supervision_payable_sek,
    ]  # fmt: skip
    query = (
        select(c.round_id, c.status, c.blocking, func.count(), *(func.sum(s) for s in sums))
        .where(c.listed == 1)
        .group_by(c.round_id, c.status, c.blocking)
        .order_by(c.round_id, c.status, c.blocking)
    )
    with store.engine.connect() as conn:
        return [tuple(int(v) if i > 2 else v for i, v in enumerate(r)) for r in conn.execute(query)]


def test_board_groups_are_counted_in_the_table_order() -> None:
    """counted_groups' columns are board_groups' columns (so the comparisons below hold)."""
    assert [col.name for col in board_groups.primary_key.columns] == [
        "round_id", "status", "blocking",
    ]  # fmt: skip


class ModelMachine(money.MoneyMachine):
    """The money machine, also reading every board and reminder list from the read model."""

    @invariant()
    def board_from_the_model_is_the_board_from_the_events(self) -> None:
        if fold_round(self.store.read_stream(f"round:{self.rid}")) is None:
            return
        reads = self.story.reads
        kept = reads.board(self.rid)
        folded = reads.board(self.rid, as_of=reads.now())
        assert kept == folded
        SEEN["boards compared"] += 1
        if any(r.payable_sek for r in kept):
            SEEN["boards with money payable"] += 1
        if any(r.repayment_due_sek for r in kept):
            SEEN["boards with money owed back"] += 1

    @invariant()
    def reminders_from_the_model_are_those_from_the_events(self) -> None:
        reads = self.story.reads
        now = reads.now()
        kept = list_due(self.store, now, self.rid, model=reads.model)
        assert kept == list_due(self.store, now, self.rid)
        if kept:
            SEEN["reminder lists compared, with reminders due"] += 1

    def teardown(self) -> None:
        super().teardown()
        model = Projector(self.store, self.story.now)
        model.catch_up()
        kept = model.dump()
        model.rebuild()
        assert comparable(model.dump()) == comparable(kept)
        SEEN["rebuilds compared"] += 1
        SEEN["payment references kept"] += len(kept["payment_refs"])
        SEEN["obligations kept"] += len(kept["obligation_rows"])


def _groups_are_the_rows_counted(self: ModelMachine) -> None:
    self.story.reads.model.catch_up()
    assert self.story.reads.model.dump()["board_groups"] == counted_groups(self.store)
    SEEN["board groups compared"] += 1


# Attached outside the class body: Hypothesis derives the derandomized sequences from the
# machine's source, and the counts the test asserts were reached are those sequences'.
ModelMachine.the_rounds_groups_are_their_rows_counted = invariant()(  # type: ignore[attr-defined]
    _groups_are_the_rows_counted
)


@pytest.fixture
def machine_store(backend: str) -> Iterator[EventStore]:
    with scratch_store(base_url_for(backend)) as store:
        # As a server does: the projects' folded states are kept between catch-ups (and so
        # every comparison below covers the states kept as well as those read).
        projections.keep_folded_states(store)
        yield store


def test_the_read_model_equals_the_events_and_its_rebuild(
    machine_store: EventStore, backend: str
) -> None:
    SEEN.clear()
    ModelMachine.store = machine_store
    run_state_machine_as_test(
        ModelMachine,
        settings=settings(
            max_examples=20 if backend == "sqlite" else 12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # The same sequences every run: the counts below must not depend on luck.
            derandomize=True,
        ),
    )
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(SEEN.items()))
    print(f"\nread model ({backend}): {summary}")
    assert SEEN["rebuilds compared"] >= 10, summary
    assert SEEN["boards with money payable"] > 0, summary
    assert SEEN["boards with money owed back"] > 0, summary
    assert SEEN["reminder lists compared, with reminders due"] > 0, summary
    assert SEEN["payment references kept"] > 0, summary
    assert SEEN["obligations kept"] > 0, summary
    assert SEEN["board groups compared"] > 0, summary


def test_a_model_from_another_program_is_rebuilt_before_it_is_read(
    machine_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy or upcaster change (another fingerprint) never leaves stale rows behind."""
    load_demo(machine_store)
    clock = lambda: datetime(2015, 3, 1, 12, tzinfo=UTC)  # noqa: E731
    model = Projector(machine_store, clock)
    model.catch_up()
    board = model.board("ppss-2014")
    with model._write() as conn:
        conn.execute(project_rows.update().values(payable_sek=123_456_789, status="stale"))
    monkeypatch.setattr(projections, "fingerprint", lambda: "another program")
    assert model.status()[2] is False
    again = model.board("ppss-2014")
    assert again == board
    assert model.status()[2] is True


def test_a_round_event_reassesses_kept_states_and_equals_a_rebuild(
    machine_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round-level event (a deadline moved, a session scheduled) re-assesses the round's
    projects from the states this process folded before, without reading their events: the
    board and every row of the model then equal those of a model rebuilt from the events."""
    from policies.commands import ScheduleSession, SetDeadline  # noqa: PLC0415
    from ppss_workflow.demo import COORDINATOR, ROUND_2018  # noqa: PLC0415
    from ppss_workflow.demo2016 import ROUND_2016  # noqa: PLC0415
    from ppss_workflow.handlers import Commands  # noqa: PLC0415

    load_demo(machine_store)
    cases = [
        (ROUND_2016, datetime(2016, 10, 3, 12, tzinfo=UTC), date(2016, 10, 21), date(2016, 10, 4)),
        (ROUND_2018, datetime(2018, 9, 3, 12, tzinfo=UTC), date(2018, 9, 28), date(2018, 9, 4)),
    ]
    changed = projects_seen = 0
    for rid, moment, later, earlier in cases:
        clock = lambda moment=moment: moment  # noqa: E731
        model = Projector(machine_store, clock)
        model.catch_up()
        before = model.board(rid)
        commands = Commands(machine_store, clock)
        for command in [
            SetDeadline(round_id=rid, code="t2", due_on=later, reason="Flyttad"),
            ScheduleSession(
                round_id=rid, session_id="extra", title="Extra träff",
                starts_at=datetime.combine(later, datetime.min.time(), UTC),
            ),
            SetDeadline(round_id=rid, code="t2", due_on=earlier, reason="Tidigare"),
        ]:  # fmt: skip
            assert commands.execute(COORDINATOR, command).results
            projects = machine_store.stream_versions(f"project:{rid}:")
            kept = projections._kept(machine_store)
            assert projects
            assert all(kept.get(s, v) is not None for s, v in projects.items())
            projects_seen += len(projects)
            with monkeypatch.context() as m:
                # Every project's state is kept: reading their events would be a regression.
                m.setattr(machine_store, "read_stream_batches", _not_read)
                m.setattr(machine_store, "read_stream", _round_only(machine_store.read_stream))
                board = model.board(rid)
                kept_rows = model.dump()
                assert kept_rows["board_groups"] == counted_groups(machine_store)
            changed += board != before
            before = board
            fresh = Projector(machine_store, clock)
            fresh.rebuild()  # forgets the kept states: from every event
            assert comparable(fresh.dump()) == comparable(kept_rows)
            assert fresh.board(rid) == board
    assert changed >= 3  # the moves changed boards: the comparisons saw new rows
    assert projects_seen >= 20, projects_seen


def test_a_deadline_move_rewrites_only_the_rows_it_changes(machine_store: EventStore) -> None:
    """A round event recomputes the round's rows from the kept states, but writes only the
    rows that came out different from those stored: a deadline no rule reads rewrites none;
    a follow-up's date moved rewrites every project's row (each shows the date) and of the
    obligations only the follow-ups'. A row not written is the very row stored before, a row
    written (inserted anew or updated in place) is seen written; and the model equals a
    rebuild."""
    from policies.commands import SetDeadline  # noqa: PLC0415
    from ppss_workflow.demo import COORDINATOR  # noqa: PLC0415
    from ppss_workflow.demo2016 import ROUND_2016  # noqa: PLC0415
    from ppss_workflow.handlers import Commands  # noqa: PLC0415

    load_demo(machine_store)
    moment = datetime(2016, 10, 3, 12, tzinfo=UTC)
    clock = lambda: moment  # noqa: E731
    model = Projector(machine_store, clock)
    model.catch_up()
    # PostgreSQL's ctid: where a row version is stored; every insert or update of a row
    # (even to the values it had) makes a new version elsewhere. SQLite updates a row where
    # it is (its rowid stays): there, triggers count every insert and update of each row.
    postgresql = machine_store.engine.dialect.name == "postgresql"
    if not postgresql:
        with machine_store.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE test_writes (tbl TEXT, k1 TEXT, k2 TEXT)")
            for table, second in (("project_rows", "NULL"), ("obligation_rows", "NEW.code")):
                for kind in ("INSERT", "UPDATE"):
                    conn.exec_driver_sql(
                        f"CREATE TRIGGER test_{table}_{kind} AFTER {kind} ON {table} BEGIN "
                        f"INSERT INTO test_writes VALUES ('{table}', NEW.stream_id, {second}); END"
                    )
    where = {
        table: "ctid::text" if postgresql else (
            f"(SELECT count(*) FROM test_writes w WHERE w.tbl = '{table}' "
            f"AND w.k1 = t.stream_id{' AND w.k2 = t.code' if keys == 2 else ''})"
        )
        for table, keys in (("project_rows", 1), ("obligation_rows", 2))
    }  # fmt: skip

    def stored() -> dict[str, dict[tuple[str, ...], tuple[Any, Any]]]:
        out: dict[str, dict[tuple[str, ...], tuple[Any, Any]]] = {}
        with machine_store.engine.connect() as conn:
            for table, keys in (("project_rows", 1), ("obligation_rows", 2)):
                rows = conn.exec_driver_sql(
                    f"SELECT {where[table]}, t.* FROM {table} t WHERE round_id = '{ROUND_2016}'"
                ).all()
                out[table] = {tuple(r[1 : 1 + keys]): (r[0], tuple(r[1:])) for r in rows}
        return out

    commands = Commands(machine_store, clock)
    written: dict[str, Counter[str]] = {}
    for name, command in [
        ("unread", SetDeadline(round_id=ROUND_2016, code="extra", due_on=date(2016, 12, 30),
                               reason="Ingen regel läser den")),
        ("t2", SetDeadline(round_id=ROUND_2016, code="t2", due_on=date(2016, 10, 21),
                           reason="Flyttad")),
    ]:  # fmt: skip
        before = stored()
        assert commands.execute(COORDINATOR, command).results
        model.catch_up()
        after = stored()
        seen = written[name] = Counter()
        for table, rows in after.items():
            assert rows.keys() == before[table].keys()
            for key, (place, content) in rows.items():
                old_place, old_content = before[table][key]
                if content == old_content:
                    assert place == old_place, f"{table} {key}: the same row written again"
                    seen[f"{table} kept"] += 1
                else:
                    assert place != old_place
                    seen[f"{table} written"] += 1
                    if table == "obligation_rows":
                        assert key[1] == "autumn_follow_up", key  # only t2 dates these
        fresh = Projector(machine_store, clock)
        kept_rows = fresh.dump()
        fresh.rebuild()
        # The other rounds' rows were kept from earlier days; this round's are today's.
        assert comparable(fresh.dump()) == comparable(kept_rows)
        rebuilt = stored()["project_rows"]
        assert rebuilt
        assert all(content == after["project_rows"][k][1] for k, (_, content) in rebuilt.items())
    assert written["unread"]["project_rows written"] == 0, written
    assert written["unread"]["obligation_rows written"] == 0, written
    assert written["unread"]["project_rows kept"] > 0, written
    assert written["t2"]["project_rows kept"] == 0, written  # every row shows the date
    assert written["t2"]["obligation_rows written"] > 0, written
    assert written["t2"]["obligation_rows kept"] > 0, written


def _not_read(*args: object, **kwargs: object) -> None:
    raise AssertionError("a round event read its projects' events again")


def _round_only(read: Any) -> Any:
    def only(stream_id: str, *args: object, **kwargs: object) -> Any:
        assert stream_id.startswith("round:"), stream_id
        return read(stream_id, *args, **kwargs)

    return only


def test_a_printed_board_reads_only_the_details_it_prints(machine_store: EventStore) -> None:
    """``ppss board`` (``printed=True``) reads a row's details only where the board prints
    them (a blocked row's conditions, a payment plan's instalments): everything else on each
    row is the board's, and so is every detail it prints."""
    from ppss_workflow.demo import ROUND_2014, ROUND_2018  # noqa: PLC0415
    from ppss_workflow.demo2016 import ROUND_2016  # noqa: PLC0415

    load_demo(machine_store)
    seen: Counter[str] = Counter()
    for moment in (datetime(2014, 6, 2, 12, tzinfo=UTC), datetime(2018, 9, 3, 12, tzinfo=UTC)):
        model = Projector(machine_store, lambda moment=moment: moment)
        for rid in (ROUND_2014, ROUND_2016, ROUND_2018):
            full, printed = model.board(rid), model.board(rid, printed=True)
            assert len(full) == len(printed) > 0
            for whole, lean in zip(full, printed, strict=True):
                assert _without_details(lean) == _without_details(whole)
                if whole.blocking or whole.has_instalments:
                    assert lean.detail == whole.detail
                    seen["blocked" if whole.blocking else "with instalments"] += 1
                else:
                    assert lean.detail == ""
                    seen["left out"] += 1
    assert seen["blocked"] > 0, seen
    assert seen["with instalments"] > 0, seen
    assert seen["left out"] > 0, seen


def _without_details(row: Any) -> dict[str, Any]:
    """A row's board fields (``as_json`` less the decoded details)."""
    out: dict[str, Any] = {}
    for key in ("project", "district", "awarded_sek", "disbursed_sek", "payable_sek",
                "may_be_paid", "repayment_due_sek", "status"):  # fmt: skip
        out[key] = getattr(row, key)
    out["blocking"] = list(row.blocking)
    out["next_deadline"] = (
        {"code": row.next_deadline[0], "due_on": row.next_deadline[1].isoformat()}
        if row.next_deadline
        else None
    )
    return out


def test_groups_that_would_not_add_up_are_counted_again_from_the_rows(
    machine_store: EventStore,
) -> None:
    """A write whose groups would come out negative (never expected: the rows taken away
    were counted when written) counts the round's groups again from its rows, replacing the
    stored ones, rather than keep totals that do not add up."""
    load_demo(machine_store)
    model = Projector(machine_store, lambda: datetime(2015, 3, 1, 12, tzinfo=UTC))
    model.catch_up()
    counted = counted_groups(machine_store)
    assert model.dump()["board_groups"] == counted
    assert {g[0] for g in counted} >= {"ppss-2014"}
    with model._write() as conn:
        conn.execute(board_groups.update().values(awarded_sek=1))  # stored groups gone wrong
        tally = projections._Tally()
        tally.deltas[("ppss-2014", "no such status", "[]")] = [-1] + [0] * 8
        model._keep_groups(conn, tally)
    kept = model.dump()["board_groups"]
    assert [g for g in kept if g[0] == "ppss-2014"] == [g for g in counted if g[0] == "ppss-2014"]


def test_a_store_upgraded_from_the_last_revision_fills_its_groups(backend: str) -> None:
    """Migration 0008 on a store whose model an earlier program kept (rows without the new
    columns): the columns get their default, the model is rebuilt on the next read (its
    fingerprint changed) and the groups are its rows counted."""
    from alembic import command  # noqa: PLC0415

    from ppss_workflow.db import create_store_engine  # noqa: PLC0415
    from ppss_workflow.schema import _config, upgrade  # noqa: PLC0415
    from ppss_workflow.scratch import scratch_url  # noqa: PLC0415

    with scratch_url(base_url_for(backend)) as url:
        engine = create_store_engine(url)
        try:
            cfg = _config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "0007")
            store = EventStore(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO projection_checkpoints (name, position, fingerprint, updated_at) "
                    "VALUES ('projects', 0, 'an earlier program', '2015-01-01T00:00:00.000000Z')"
                )
                conn.exec_driver_sql(
                    "INSERT INTO project_rows (stream_id, round_id, project_id, district, listed, "
                    "version, assessed_on, valid_until, grant_awarded_sek, "
                    "supervision_granted_sek, awarded_sek, disbursed_sek, payable_sek, "
                    "repayment_due_sek, may_be_paid, status, blocking, next_code, next_on, detail, "
                    "sent) VALUES ('project:ppss-2014:old', 'ppss-2014', 'old', 'Old', 1, 1, "
                    "'2015-01-01', NULL, 5, 0, 5, 0, 0, 0, 0, 'old', '[]', NULL, NULL, '{}', '[]')"
                )
            assert upgrade(engine)[1] == "0008"
            load_demo(store)
            model = Projector(store, lambda: datetime(2015, 3, 1, 12, tzinfo=UTC))
            model.catch_up()
            groups = model.dump()["board_groups"]
            assert groups == counted_groups(store)
            assert "old" not in {g[1] for g in groups}
        finally:
            engine.dispose()


def _plain_look(model: Projector, today: date) -> projections._Look:
    """The look as separate queries on a pooled connection (as it was before it became one
    statement): what :meth:`Projector._look` must answer."""
    cp = projection_checkpoints.c
    with model.store.engine.connect() as conn:
        found = conn.execute(
            select(cp.position, cp.fingerprint, cp.updated_at).where(cp.name == "projects")
        ).first()
        head = int(conn.exec_driver_sql("SELECT max(position) FROM events").scalar() or 0)
        known, seen, at = (found[0], found[1], found[2]) if found else (None, None, None)
        rebuild = seen != projections.fingerprint()
        since = 0 if rebuild else int(known or 0)
        day = today.isoformat()
        stale = (
            []
            if rebuild
            else conn.execute(
                select(project_rows.c.stream_id).where(
                    (project_rows.c.valid_until <= day) | (project_rows.c.assessed_on > day)
                )
            ).scalars().all()
        )  # fmt: skip
        touched = conn.execute(
            select(events_table.c.stream_id)
            .where(
                events_table.c.position > since,
                events_table.c.position <= head,
            )
            .distinct()
        ).scalars().all()  # fmt: skip
    return projections._Look(known, seen, at, head, since, rebuild, stale, touched)


def _same_look(a: projections._Look, b: projections._Look) -> bool:
    return (
        (a.known, a.fingerprint, a.seen_at, a.head, a.since, a.rebuild)
        == (b.known, b.fingerprint, b.seen_at, b.head, b.since, b.rebuild)
        and sorted(a.stale) == sorted(b.stale)
        and sorted(a.touched) == sorted(b.touched)
    )


def test_the_look_in_one_statement_is_the_plain_look(
    machine_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-up's look (one statement on a lent connection) answers what the separate
    queries did, in every case it meets: no model yet, a model at the head, events after it
    on a project's and a round's stream, rows stale on a later day (or assessed on a later
    one than today), and a model another program computed."""
    from policies.commands import SetDeadline  # noqa: PLC0415
    from ppss_workflow.demo import COORDINATOR  # noqa: PLC0415
    from ppss_workflow.demo2016 import ROUND_2016  # noqa: PLC0415
    from ppss_workflow.handlers import Commands  # noqa: PLC0415

    load_demo(machine_store)
    moment = datetime(2016, 10, 3, 12, tzinfo=UTC)
    model = Projector(machine_store, lambda: moment)
    seen: Counter[str] = Counter()

    def compare(today: date, what: str) -> projections._Look:
        look = model._look(today)
        assert _same_look(look, _plain_look(model, today)), what
        seen[what] += 1
        return look

    with model._write() as conn:
        conn.execute(projection_checkpoints.delete())
    assert compare(moment.date(), "no model").rebuild
    model.catch_up()
    assert compare(moment.date(), "at the head").current
    later = compare(date(2017, 6, 1), "a later day")
    assert later.stale
    assert not later.touched
    assert compare(date(2013, 1, 1), "an earlier day").stale
    Commands(machine_store, lambda: moment).execute(
        COORDINATOR,
        SetDeadline(round_id=ROUND_2016, code="extra", due_on=date(2016, 12, 30), reason="Ny"),
    )
    touched = compare(moment.date(), "a round event after it")
    assert touched.touched == [f"round:{ROUND_2016}"]
    project = next(s for s in machine_store.stream_versions("project:") if ROUND_2016 in s)
    history = machine_store.read_stream(project)
    copy = [(r.event, history[-1].metadata) for r in history[-1:]]
    from events import NewEvent  # noqa: PLC0415

    machine_store.append(project, [NewEvent(e, moment, m) for e, m in copy], len(history))
    assert set(compare(moment.date(), "a project's event too").touched) == {
        f"round:{ROUND_2016}", project,
    }  # fmt: skip
    monkeypatch.setattr(projections, "fingerprint", lambda: "another program")
    other = compare(moment.date(), "another program's model")
    assert other.rebuild
    assert other.since == 0
    assert len(other.touched) > 2
    assert len(seen) == 7, seen


def test_a_reader_that_waited_for_a_catch_up_does_not_look_again(
    machine_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread that finds another of its process bringing the model up waits for it, and
    reads without looking again if that catch-up reached the head the waiter saw on its way
    in; if the head moved past it meanwhile, the waiter looks and computes the rest. Either
    way the model it then reads is the one rebuilt from every event."""
    import threading  # noqa: PLC0415

    from policies.commands import SetDeadline  # noqa: PLC0415
    from ppss_workflow.demo import COORDINATOR  # noqa: PLC0415
    from ppss_workflow.demo2016 import ROUND_2016  # noqa: PLC0415
    from ppss_workflow.handlers import Commands  # noqa: PLC0415
    from ppss_workflow.readmodels import Reads  # noqa: PLC0415

    load_demo(machine_store)
    moment = datetime(2016, 10, 3, 12, tzinfo=UTC)
    commands = Commands(machine_store, lambda: moment)
    reads = Reads(machine_store, lambda: moment)
    reads.model.catch_up()
    turn = projections._catching_up(machine_store)
    looks: Counter[str] = Counter()
    real_look, real_compute = Projector._look, Projector._compute
    computing, go_on, waiting = threading.Event(), threading.Event(), threading.Event()

    def look(self: Projector, today: date) -> projections._Look:
        looks[threading.current_thread().name] += 1
        return real_look(self, today)

    def compute(self: Projector, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "first":
            computing.set()  # it looked (its head is fixed) and holds the turn
            assert go_on.wait(30)
        return real_compute(self, *args, **kwargs)

    class SpyLock:
        def __init__(self) -> None:
            self.lock = threading.Lock()

        def acquire(self, blocking: bool = True) -> bool:
            if blocking:
                waiting.set()
            return self.lock.acquire(blocking)

        def release(self) -> None:
            self.lock.release()

    monkeypatch.setattr(Projector, "_look", look)
    monkeypatch.setattr(Projector, "_compute", compute)
    monkeypatch.setattr(turn, "lock", SpyLock())
    for case, moved in (("reached", False), ("moved on", True)):
        for event in (computing, go_on, waiting):
            event.clear()
        looks.clear()
        day = date(2016, 12, 30) if not moved else date(2016, 12, 29)
        commands.execute(
            COORDINATOR,
            SetDeadline(round_id=ROUND_2016, code=f"x{case[0]}", due_on=day, reason="Ny"),
        )
        answers: dict[str, int] = {}

        def catch_up(name: str, answers: dict[str, int] = answers) -> None:
            answers[name] = Projector(machine_store, lambda: moment).catch_up()

        first = threading.Thread(target=catch_up, args=("first",), name="first")
        first.start()
        assert computing.wait(30)
        if moved:  # after the first thread's look: it will not reach this head
            commands.execute(
                COORDINATOR,
                SetDeadline(round_id=ROUND_2016, code="xm2", due_on=day, reason="Ny"),
            )
        head = machine_store.head().position
        second = threading.Thread(target=catch_up, args=("second",), name="second")
        second.start()
        assert waiting.wait(30)
        go_on.set()
        first.join(30)
        second.join(30)
        assert answers["second"] == head, case
        assert looks["first"] == 1, (case, looks)
        assert looks["second"] == (1 if moved else 0), (case, looks)
        assert answers["first"] == (head - 1 if moved else head), case
        board, kept = reads.board(ROUND_2016), reads.model.dump()
        assert answers["second"] == reads.model.status()[0]  # the model was not moved on
        rebuilt = Projector(machine_store, lambda: moment)
        rebuilt.rebuild()
        assert comparable(rebuilt.dump()) == comparable(kept), case
        assert rebuilt.board(ROUND_2016) == board, case


def test_a_round_event_takes_the_versions_it_wrote_and_equals_a_rebuild(
    machine_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round event recomputes the round from the stream versions this process wrote its
    rows with, plus the streams touched since, instead of reading every stream's version
    and every row's: after a round event alone, with project events in the same catch-up,
    with a new project, and each time in a row without a rebuild between. After another
    process wrote the model the versions are read again. Each time the model equals a
    rebuild's and the board the one folded from the events; and, on SQLite, the board taken
    from the rows this process wrote is what the SQL reads (not taken once another process
    wrote)."""
    from policies.commands import Apply, SetDeadline, SubmitPlan  # noqa: PLC0415
    from ppss_workflow.demo import (  # noqa: PLC0415
        COORDINATOR,
        ROUND_2014,
        ROUND_2018,
        district_actor,
    )
    from ppss_workflow.demo2016 import ROUND_2016, _application  # noqa: PLC0415
    from ppss_workflow.handlers import Commands  # noqa: PLC0415
    from ppss_workflow.readmodels import Reads  # noqa: PLC0415
    from ppss_workflow.rows import board_row  # noqa: PLC0415

    load_demo(machine_store)
    moment = datetime(2016, 10, 3, 12, tzinfo=UTC)
    clock = lambda: moment  # noqa: E731
    reads = Reads(machine_store, clock)
    model = reads.model
    model.catch_up()
    commands = Commands(machine_store, clock)
    read_versions: list[str] = []
    versions = machine_store.stream_versions

    def counted(prefix: str) -> dict[str, int]:
        read_versions.append(prefix)
        return versions(prefix)

    monkeypatch.setattr(machine_store, "stream_versions", counted)
    moves = iter(range(10, 40))

    def move() -> SetDeadline:
        return SetDeadline(
            round_id=ROUND_2016, code="t2", due_on=date(2016, 10, next(moves)), reason="Flyttad"
        )

    plan = SubmitPlan(
        round_id=ROUND_2016, district="Farsta", plan_id="plan-2016-b", summary="Ny plan"
    )
    newcomer = district_actor("Bromma")
    apply = Apply(
        round_id=ROUND_2016, district="Bromma", application=_application("Bromma", 1, 500_000)
    )
    steps: list[tuple[str, list[tuple[Any, Any]], bool]] = [
        ("a round event", [(COORDINATOR, move())], False),
        ("with a project event", [(district_actor("Farsta"), plan), (COORDINATOR, move())], False),
        ("with a new project", [(newcomer, apply), (COORDINATOR, move())], False),
        ("after another process", [(COORDINATOR, move())], True),
    ]
    for name, given, elsewhere in steps:
        for actor, command in given:
            assert commands.execute(actor, command).results, name
        if elsewhere:
            # Another process (it keeps nothing) brings the model up first: what this one
            # remembers writing is no longer known to be what is stored.
            other = EventStore(machine_store.engine)
            Projector(other, clock).catch_up()
            assert model._remembered_board(ROUND_2016) is None
            assert commands.execute(COORDINATOR, move()).results, name
        read_versions.clear()
        board = reads.board(ROUND_2016)
        assert read_versions == ([f"project:{ROUND_2016}:"] if elsewhere else []), name
        # Folded from every event on record (the demo has events after the moment: an
        # as-of board would leave them out).
        assert board == [
            board_row(v.project_id, v.state.district or v.project_id, v.state.ledger,
                      v.assess(moment))
            for v in reads.projects(ROUND_2016)
        ], name  # fmt: skip
        kept = model.dump()
        assert kept["board_groups"] == counted_groups(machine_store), name
        for rid in (ROUND_2014, ROUND_2016, ROUND_2018):
            # The board read from the rows this process wrote: what the SQL reads, value for
            # value (and type for type), in its order; SQLite only (its order is Python's).
            remembered = model._remembered_board(rid)
            if machine_store.engine.dialect.name != "sqlite":
                assert remembered is None
                continue
            if elsewhere and rid != ROUND_2016:
                # This process's memory started over with its last write: of this round alone.
                assert remembered is None, name
                continue
            assert remembered is not None, name
            stored = machine_store.fetch(Statement(projections._BOARD_SQL, (rid,)))
            assert [[(type(v), v) for v in r] for r in remembered] == [
                [(type(v), v) for v in r] for r in stored
            ], name
            assert remembered, rid
        assert any(r[0].endswith(":bromma") for r in kept["project_rows"]) == (
            name not in {"a round event", "with a project event"}
        ), name
    fresh = Projector(EventStore(machine_store.engine), clock)
    fresh.rebuild()
    assert comparable(fresh.dump()) == comparable(kept)
