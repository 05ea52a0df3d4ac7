"""Audit: tampering is found at its position, two timelines, explain, export and import."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text

from policies import registry as policy_registry
from policies.allocation import DistrictRequest, allocate
from policies.base import Condition, ConditionStatus
from policies.pilot2014 import Pilot2014
from policies.state import ProjectState, RoundState
from ppss_workflow.auditing import explain, export_jsonl, import_jsonl, verify_chain
from ppss_workflow.demo import COORDINATOR, load_demo
from ppss_workflow.errors import InvalidEventError
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.workflow import Actor, NotAuthorised, Workflow, end_of_day
from tests.conftest import StepClock, base_url_for
from tests.factories import awarded, paid, plan_submitted

STREAMS = ["project:r:a", "project:r:b", "project:r:c"]


def filled(store: EventStore) -> EventStore:
    """Given 9 events in three streams."""
    for stream in STREAMS:
        store.append(stream, [awarded(), plan_submitted(), paid()], 0)
    return store


def drop_triggers(store: EventStore) -> None:
    """What an attacker with database access does first."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER events_append_only ON events"))
            conn.execute(text("DROP TRIGGER events_no_truncate ON events"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))


def edit(conn: Any) -> None:
    conn.execute(
        text("""UPDATE events SET data = replace(data, '500000', '900000')
                         WHERE position = 3""")
    )


def delete(conn: Any) -> None:
    conn.execute(text("DELETE FROM events WHERE position = 5"))


def insert(conn: Any) -> None:
    conn.execute(
        text(
            "INSERT INTO events SELECT 10, stream_id, 4, 'f0000000-0000-4000-8000-000000000000',"
            " event_type, schema_version, data, metadata, occurred_at, recorded_at, hash"
            " FROM events WHERE position = 9"
        )
    )


def swap(conn: Any) -> None:
    """Rows 2 and 7 trade places (their contents, hashes and all)."""
    conn.execute(text("UPDATE events SET position = -2 WHERE position = 2"))
    conn.execute(text("UPDATE events SET position = 2 WHERE position = 7"))
    conn.execute(text("UPDATE events SET position = 7 WHERE position = -2"))


TAMPERING: dict[str, tuple[Callable[[Any], None], int, str]] = {
    "edit": (edit, 3, "project:r:a"),
    "delete": (delete, 5, "project:r:b"),
    "insert": (insert, 10, "project:r:c"),
    "swap": (swap, 2, "project:r:c"),
}


def test_an_untouched_store_verifies(store: EventStore) -> None:
    """Nine honest events: the chain verifies and names its head."""
    report = verify_chain(filled(store), batch_size=4)
    assert (report.ok, report.checked, report.head_position) == (True, 9, 9)
    assert report.head_hash == store.head().hash


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_found_at_its_position(store: EventStore, how: str) -> None:
    """A row edited, deleted, inserted or swapped behind the store's back breaks the chain
    exactly there, and the report names the position and stream."""
    tamper, position, stream = TAMPERING[how]
    filled(store)
    drop_triggers(store)
    with store.engine.begin() as conn:
        tamper(conn)
    report = verify_chain(store, batch_size=4)
    assert not report.ok
    assert report.bad_position == position
    if how != "delete":
        assert report.bad_stream == stream
    assert report.problem


def test_verify_from_a_position_uses_its_hash_as_anchor(store: EventStore) -> None:
    """Verifying from position 6 checks 7..9 only, against the stored hash of 6."""
    filled(store)
    report = verify_chain(store, start_after=6)
    assert (report.ok, report.checked) == (True, 3)


def test_late_recorded_approval_gives_two_boards(clock: StepClock) -> None:
    """The steering group approved on 10 March; the coordinator recorded it on 24 March.
    As of 15 March the world had an approved plan; what the system knew on 15 March did not."""
    with scratch_store(clock=clock) as store:
        wf = Workflow(store, clock=clock)
        clock.now = datetime(2014, 2, 4, 12, tzinfo=UTC)
        wf.open_round(
            COORDINATOR,
            round_id="r14",
            title="T",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            on=date(2014, 2, 4),
        )
        district = Actor("district", "farsta@example.org", "farsta")
        wf.apply(
            district,
            "r14",
            {
                "district": "Farsta",
                "school_count": 3,
                "applied_sek": 500_000,
                "period_start": date(2014, 1, 1),
                "period_end": date(2014, 12, 31),
            },
            on=date(2014, 2, 4),
        )
        wf.award(COORDINATOR, "r14", "Farsta", 500_000, "SN", date(2014, 2, 4))
        clock.now = datetime(2014, 2, 20, 12, tzinfo=UTC)
        wf.submit_plan(district, "r14", "Farsta", "p1", "Plan", on=date(2014, 2, 20))
        clock.now = datetime(2014, 3, 24, 12, tzinfo=UTC)  # recorded two weeks late
        steering = Actor("steering_group", "styrgruppen@example.org")
        wf.decide_plan(steering, "r14", "Farsta", "p1", approve=True, meeting_on=date(2014, 3, 10))

        as_of = end_of_day(date(2014, 3, 15))
        (world,) = wf.board("r14", as_of=as_of)
        (known,) = wf.board("r14", as_of=as_of, known_at=as_of)
        assert (world.payable_sek, world.blocking, world.status) == (500_000, (), "plan approved")
        assert (known.payable_sek, known.blocking) == (0, ("plan_approved",))
        assert known.status == "plan submitted"


def test_explain_a_blocked_and_a_paid_project(demo_workflow: Workflow) -> None:
    """Explain names the rule, the verdict and the deciding events, with both timelines."""
    now = end_of_day(date(2014, 10, 1))
    views = {v.state.district: v for v in demo_workflow.projects("ppss-2014", as_of=now)}
    blocked = {x.subject: x for x in explain(views["Rinkeby-Kista"], now)}
    assert blocked["payable"].status == "0 kr"
    assert blocked["payable"].reason == "blocked by network_participation"
    assert [r.event_type for r in blocked["payable"].evidence] == [
        "NetworkSessionScheduled",
        "NetworkAbsenceRecorded",
    ]
    absence = blocked["network_participation"].evidence[1]
    assert absence.metadata.role == "coordinator"
    assert absence.occurred_at.date() == date(2014, 9, 16)  # 17 Sep, Stockholm midnight, in UTC

    paid_now = end_of_day(date(2015, 2, 1))
    final = {v.state.district: v for v in demo_workflow.projects("ppss-2014", as_of=paid_now)}
    farsta = {x.subject: x for x in explain(final["Farsta"], paid_now)}
    assert farsta["plan_approved"].status == "met"
    assert [r.event_type for r in farsta["plan_approved"].evidence] == [
        "PlanSubmitted",
        "PlanApproved",
    ]
    assert farsta["plan_approved"].evidence[1].metadata.actor == "styrgruppen@example.org"
    assert farsta["repayment"].status == "100000 kr"
    assert "used according to plan 1\u00a0034\u00a0896 kr" in farsta["repayment"].reason
    assert {r.event_type for r in farsta["repayment"].evidence} >= {
        "YearEndAccountSubmitted",
        "DisbursementMade",
    }


def test_export_import_export_is_byte_identical(backend: str) -> None:
    """The demo store exported, imported into an empty store and exported again: the same
    bytes, and the imported chain verifies."""
    with (
        scratch_store(base_url_for(backend)) as source,
        scratch_store(base_url_for(backend)) as copy,
    ):
        load_demo(Workflow(source))
        first = io.BytesIO()
        export_jsonl(source, first)
        assert import_jsonl(copy, first.getvalue().splitlines()) == source.count()
        second = io.BytesIO()
        export_jsonl(copy, second)
        assert second.getvalue() == first.getvalue()
        assert verify_chain(copy).ok


def test_import_refuses_a_tampered_export_and_writes_nothing() -> None:
    """One changed byte in an exported row: the import stops and the store stays empty."""
    with scratch_store() as source, scratch_store() as copy:
        filled(source)
        out = io.BytesIO()
        export_jsonl(source, out)
        lines = out.getvalue().splitlines()
        assert b"500000" in lines[3]
        lines[3] = lines[3].replace(b"500000", b"500001")
        with pytest.raises(InvalidEventError, match="position 3"):
            import_jsonl(copy, lines)
        assert copy.count() == 0


class _StricterPilot(Pilot2014):
    """A later version of the 2014 policy that also demands a supervision request."""

    version = 2

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        conditions = super().round_conditions(rnd, project, today)
        return tuple(
            Condition(c.code, ConditionStatus.unmet, c.reason, c.evidence)
            if c.code == "supervision_requested" and c.status is not ConditionStatus.met
            else c
            for c in conditions
        )


def test_rounds_keep_the_policy_version_they_opened_with(
    workflow: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding v2 of a policy changes the board of a round opened under v2, never of v1's."""

    def open_with(version: int, rid: str) -> None:
        workflow.open_round(
            COORDINATOR,
            round_id=rid,
            title="T",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            policy_version=version,
            on=date(2014, 2, 4),
        )
        district = Actor("district", "farsta@example.org", "farsta")
        workflow.apply(
            district,
            rid,
            {
                "district": "Farsta",
                "school_count": 3,
                "applied_sek": 500_000,
                "period_start": date(2014, 1, 1),
                "period_end": date(2014, 12, 31),
            },
            on=date(2014, 2, 4),
        )
        workflow.award(COORDINATOR, rid, "Farsta", 500_000, "SN", date(2014, 2, 4))
        workflow.submit_plan(district, rid, "Farsta", "p1", "Plan", on=date(2014, 2, 20))
        workflow.decide_plan(
            Actor("steering_group", "s@example.org"),
            rid,
            "Farsta",
            "p1",
            approve=True,
            meeting_on=date(2014, 3, 10),
        )

    open_with(1, "old")
    before = [r.as_json() for r in workflow.board("old")]
    monkeypatch.setitem(policy_registry.POLICIES, ("ppss-2014", 2), _StricterPilot())
    open_with(2, "new")
    assert [r.as_json() for r in workflow.board("old")] == before
    assert before[0]["payable_sek"] == 500_000
    (new,) = workflow.board("new")
    assert (new.payable_sek, new.blocking) == (0, ("supervision_requested",))


def test_the_auditor_can_append_nothing(demo_workflow: Workflow) -> None:
    """Every appending command refuses the auditor role, and nothing is written."""
    wf, auditor, rid, d = (
        demo_workflow,
        Actor("auditor", "revisor@example.org"),
        "ppss-2014",
        "Farsta",
    )
    first_event = wf.store.read_stream("project:ppss-2014:farsta")[0].event_id
    attempts: list[Callable[[], Any]] = [
        lambda: wf.open_round(
            auditor,
            round_id="x",
            title="x",
            budget_sek=1,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
        ),
        lambda: wf.set_deadline(auditor, rid, "x", date(2014, 5, 1), "x"),
        lambda: wf.set_ladder(auditor, rid, [("due", 0, "district")], "x"),
        lambda: wf.schedule_session(
            auditor, rid, "n9", "x", datetime(2014, 5, 1, 9, tzinfo=UTC), on=date(2014, 2, 4)
        ),
        lambda: wf.record_allocation(
            auditor,
            rid,
            allocate(1, [DistrictRequest("Farsta", 1, 1)]),
            decided_by="x",
            decided_on=date(2014, 2, 4),
            decision_ref="x",
        ),
        lambda: wf.close_round(auditor, rid, "x"),
        lambda: wf.apply(auditor, rid, {"district": "Farsta"}),
        lambda: wf.award(auditor, rid, d, 1, "x", date(2014, 2, 4)),
        lambda: wf.submit_plan(auditor, rid, d, "p", "x", date(2014, 3, 1)),
        lambda: wf.decide_plan(
            auditor, rid, d, "plan-2014", approve=True, meeting_on=date(2014, 3, 1)
        ),
        lambda: wf.record_network(auditor, rid, d, "natverk-1", "attended"),
        lambda: wf.request_supervision(auditor, rid, d, 1, "x", date(2014, 3, 1)),
        lambda: wf.grant_supervision(auditor, rid, d, 1, "x", date(2014, 3, 1)),
        lambda: wf.disburse(auditor, rid, d, 1, "x", on=date(2014, 3, 1)),
        lambda: wf.submit_follow_up(
            auditor, rid, d, "t2", {}, (date(2014, 1, 1), date(2014, 8, 31))
        ),
        lambda: wf.submit_financial_report(auditor, rid, d, "t2", 1, 1, date(2014, 9, 1)),
        lambda: wf.submit_year_end_account(auditor, rid, d, 1, "x", on=date(2014, 12, 1)),
        lambda: wf.demand_repayment(auditor, rid, d, 1, "x", date(2015, 3, 1), date(2015, 2, 1)),
        lambda: wf.settle_repayment(
            auditor, rid, d, 1, waive=False, reference="x", on=date(2015, 2, 1)
        ),
        lambda: wf.withdraw(auditor, rid, d, "x", date(2014, 3, 1)),
        lambda: wf.annul(auditor, rid, d, first_event, "x"),
    ]
    count = wf.store.count()
    for attempt in attempts:
        with pytest.raises(NotAuthorised, match="auditor role may not"):
            attempt()
    assert wf.store.count() == count
