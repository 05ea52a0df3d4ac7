"""Audit: tampering is found at its position, two timelines, explain, export and import."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from policies import registry as policy_registry
from policies.base import Condition, ConditionStatus
from policies.commands import (
    Annul,
    Apply,
    AttachDocument,
    AwardGrant,
    CloseRound,
    Command,
    DecidePlan,
    DemandRepayment,
    Disburse,
    GrantSupervision,
    InstalmentInput,
    LadderRung,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    RecordSchoolFollowUp,
    RemoveContact,
    RequestSupervision,
    ReviewReport,
    ScheduleSession,
    SetContact,
    SetDeadline,
    SetLadder,
    SetPaymentPlan,
    SettleRepayment,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
    Withdraw,
)
from policies.pilot2014 import Pilot2014
from policies.state import STOCKHOLM, ProjectState, RoundState, end_of_day
from policies.table import COMMANDS
from ppss_workflow.auditing import (
    COLUMNS,
    Anchor,
    explain,
    explain_project,
    history,
    replay,
    stored_text,
    verify_chain,
)
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.demo import COORDINATOR, STEERING_GROUP, Story
from ppss_workflow.errors import (
    ConfigurationError,
    InvalidEventError,
    NotAuthorised,
    NotFound,
    StoreUnavailable,
)
from ppss_workflow.export import export_jsonl, export_xlsx, import_jsonl
from ppss_workflow.handlers import Actor, Commands
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import TODAY, StepClock, base_url_for, pg_url
from tests.demo_template import demo_copy
from tests.factories import awarded, paid, plan_submitted
from tests.unit.said import en

STREAMS = ["project:r:a", "project:r:b", "project:r:c"]


def filled(store: EventStore) -> EventStore:
    """Given 9 events in three streams: positions 1-3 in a, 4-6 in b, 7-9 in c."""
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
    """A payment's amount changed in place."""
    conn.execute(
        text("UPDATE events SET data = replace(data, '500000', '900000') WHERE position = 3")
    )


def delete(conn: Any) -> None:
    conn.execute(text("DELETE FROM events WHERE position = 5"))


def insert(conn: Any) -> None:
    """A copy of the last row appended after it, its hash copied too."""
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


def phantom(conn: Any) -> None:
    """A payment slipped in at position 0: stream a's readers see it, a log reader would not."""
    conn.execute(
        text(
            "INSERT INTO events SELECT 0, stream_id, 0, 'f0000000-0000-4000-8000-000000000001',"
            " event_type, schema_version, data, metadata, occurred_at, recorded_at, hash"
            " FROM events WHERE position = 3"
        )
    )


#: how -> (tampering, first bad position, stream named in the report)
TAMPERING: dict[str, tuple[Callable[[Any], None], int, str]] = {
    "edit": (edit, 3, "project:r:a"),
    "delete": (delete, 5, "project:r:b"),  # the row found where 5 should be: 6, in b
    "insert": (insert, 10, "project:r:c"),
    "swap": (swap, 2, "project:r:c"),
    "phantom": (phantom, 0, "project:r:a"),
}


def tampered(store: EventStore, how: Callable[[Any], None]) -> None:
    drop_triggers(store)
    with store.engine.begin() as conn:
        how(conn)


def test_an_untouched_store_verifies(store: EventStore) -> None:
    """Nine honest events: the chain verifies and names its head."""
    report = verify_chain(filled(store), batch_size=4)
    assert (report.ok, report.checked, report.head_position) == (True, 9, 9)
    assert report.head_hash == store.head().hash


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_found_at_its_position(store: EventStore, how: str) -> None:
    """A row edited, deleted, inserted, swapped or slipped in below position 1 behind the
    store's back breaks the chain exactly there, and the report names position and stream."""
    tamper, position, stream = TAMPERING[how]
    filled(store)
    tampered(store, tamper)
    report = verify_chain(store, batch_size=4)
    assert not report.ok
    assert (report.bad_position, report.bad_stream) == (position, stream)
    assert report.problem
    assert f"position {position}" in report.describe()
    assert stream in report.describe()


def test_verify_from_a_position_uses_its_hash_as_anchor(store: EventStore) -> None:
    """Verifying after position 6 checks 7..9 only, against the stored hash of 6; an edit
    before the anchor is not seen, one after it is."""
    filled(store)
    report = verify_chain(store, start_after=6)
    assert (report.ok, report.checked, report.first_position) == (True, 3, 7)
    tampered(store, edit)  # position 3
    assert verify_chain(store, start_after=6).ok
    assert verify_chain(store, start_after=2).bad_position == 3


def test_an_anchor_kept_outside_finds_a_cut_end_and_a_rehashed_history(store: EventStore) -> None:
    """The chain alone cannot see its last rows removed, nor a history edited and hashed
    again; the head recorded earlier (POSITION:HASH) catches both. Events after it fail
    the check unless growth is allowed, which counts them."""
    filled(store)
    anchor = Anchor(9, store.head().hash)
    store.append("project:r:d", [awarded()], 0)
    grown = verify_chain(store, expect=anchor)
    assert (grown.ok, grown.kind, grown.bad_position) == (False, "grown", 10)
    assert "1 events after the expected head 9" in str(grown.problem)
    allowed = verify_chain(store, expect=anchor, allow_growth=True)
    assert (allowed.ok, allowed.after_expected) == (True, 1)
    assert verify_chain(store, start_after=9, expect=anchor, allow_growth=True).ok

    tampered(store, lambda conn: conn.execute(text("DELETE FROM events WHERE position >= 9")))
    cut = verify_chain(store)
    assert (cut.ok, cut.head_position) == (True, 8)  # the limit of any hash chain
    report = verify_chain(store, expect=anchor)
    assert (report.ok, report.kind, report.bad_position) == (False, "head", 9)

    with store.engine.begin() as conn:  # edit position 3, then hash 3..8 again
        edit(conn)
        rows = conn.execute(text("SELECT * FROM events ORDER BY position")).all()
        prev = GENESIS_HASH
        for row in rows:
            values = [stored_text(getattr(row, c)) for c in COLUMNS[:-1]]
            prev = chain_hash_text(prev, *values)
            conn.execute(
                text("UPDATE events SET hash = :h WHERE position = :p"),
                {"h": prev, "p": row.position},
            )
    assert verify_chain(store).ok
    earlier = verify_chain(store, expect=Anchor(8, rows[7].hash))
    assert (earlier.ok, earlier.kind, earlier.bad_position) == (False, "anchor", 8)


# -- two timelines ------------------------------------------------------------------------


FARSTA = Actor("district", "farsta@example.org", "farsta")


def on(story: Story, day: date, clock: StepClock | None = None) -> Story:
    """The story moves on to ``day``; with a store clock, the store records then too (at the
    story's own time of day), so what is given on a day is recorded that day."""
    story.on(day)
    if clock is not None:
        clock.now = story.now()
    return story


def farsta_with_a_plan(
    story: Story, round_id: str, clock: StepClock | None = None, policy_version: int = 1
) -> None:
    """Given a round opened on 4 February 2014 (under the 2014 policy's ``policy_version``),
    Farsta applying and awarded 500 000 kr that day, and its plan submitted on 20 February."""
    on(story, date(2014, 2, 4), clock).do(
        COORDINATOR,
        OpenRound(
            round_id=round_id,
            title="T",
            budget_sek=1_000_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            policy_version=policy_version,
            on=date(2014, 2, 4),
        ),
    )
    story.do(
        FARSTA,
        Apply(
            round_id=round_id,
            district="Farsta",
            application={
                "district": "Farsta",
                "school_count": 3,
                "applied_sek": 500_000,
                "period_start": date(2014, 1, 1),
                "period_end": date(2014, 12, 31),
            },
            on=date(2014, 2, 4),
        ),
    )
    story.do(
        COORDINATOR,
        AwardGrant(
            round_id=round_id,
            district="Farsta",
            amount_sek=500_000,
            decision_ref="SN",
            decided_on=date(2014, 2, 4),
        ),
    )
    on(story, date(2014, 2, 20), clock).do(
        FARSTA,
        SubmitPlan(round_id=round_id, district="Farsta", plan_id="p1", summary="Plan"),
    )


def approve(story: Story, round_id: str, meeting_on: date) -> None:
    story.do(
        STEERING_GROUP,
        DecidePlan(
            round_id=round_id,
            district="Farsta",
            plan_id="p1",
            approve=True,
            meeting_on=meeting_on,
        ),
    )


def record_late_approval(store: EventStore, clock: StepClock) -> Reads:
    """Given a round where the steering group approved Farsta's plan on 10 March 2014 and
    the approval was recorded only on 24 March (the store's clock, which stamps recorded_at,
    follows the story; "today" for the read side is that clock too)."""
    story = Story(store)
    farsta_with_a_plan(story, "r14", clock)
    on(story, date(2014, 3, 24), clock)  # recorded two weeks late
    approve(story, "r14", date(2014, 3, 10))
    return Reads(store, clock=clock)


def test_late_recorded_approval_gives_two_boards(clock: StepClock) -> None:
    """As of 15 March the world had an approved plan (payable); what the system knew on
    15 March did not (blocked); known on 24 March, the two agree again."""
    with scratch_store(clock=clock) as store:
        wf = record_late_approval(store, clock)
        assert wf.today() == date(2014, 3, 24)
        as_of = end_of_day(date(2014, 3, 15))
        (world,) = wf.board("r14", as_of=as_of)
        (known,) = wf.board("r14", as_of=as_of, known_at=as_of)
        (later,) = wf.board("r14", as_of=as_of, known_at=end_of_day(date(2014, 3, 24)))
        assert (world.payable_sek, world.blocking, world.status) == (500_000, (), "plan approved")
        assert (known.payable_sek, known.blocking) == (0, ("plan_approved",))
        assert known.status == "plan submitted"
        assert later.as_json() == world.as_json()

        seen = replay(wf, "r14", date(2014, 3, 15), known_at=as_of)
        assert [r.event_type for r in seen.not_yet_known] == ["PlanApproved"]
        assert seen.recorded_late == []
        world_replay = replay(wf, "r14", date(2014, 3, 15))
        assert [r.event_type for r in world_replay.recorded_late] == ["PlanApproved"]
        assert world_replay.not_yet_known == []

        with pytest.raises(NotFound, match="had not opened by 2014-01-31"):
            replay(wf, "r14", date(2014, 1, 31))
        with pytest.raises(NotFound, match="no record of round r14"):
            replay(wf, "r14", date(2014, 3, 15), known_at=datetime(2014, 2, 1, tzinfo=UTC))


def test_history_marks_late_records(clock: StepClock) -> None:
    """The approval recorded 14 days after the meeting is marked late in the history; the
    events recorded the same day are not."""
    with scratch_store(clock=clock) as store:
        wf = record_late_approval(store, clock)
        entries = history(wf.project("r14", "Farsta"))
        notes = {e.record.event_type: e.note for e in entries}
        assert notes["PlanApproved"] == "recorded 14 days late"
        assert notes["PlanSubmitted"] == ""


def pay_farsta_twice(store: EventStore, clock: StepClock) -> tuple[Reads, int, int]:
    """Given Farsta's plan approved on 10 March 2014 and 250 000 kr paid on 20 March (U-1);
    on 24 March the same payment keyed in again from the bank statement under another
    reference, dated 20 March; and today (23 November 2026) the coordinator annuls that
    duplicate by its position. Returns the reads (today), the duplicate's position and the
    annulment's."""
    story = Story(store)
    farsta_with_a_plan(story, "r14", clock)
    approve(on(story, date(2014, 3, 10), clock), "r14", date(2014, 3, 10))
    on(story, date(2014, 3, 20), clock).do(
        COORDINATOR,
        Disburse(round_id="r14", district="Farsta", amount_sek=250_000, payment_reference="U-1"),
    )
    duplicate = on(story, date(2014, 3, 24), clock).do(
        COORDINATOR,
        Disburse(
            round_id="r14",
            district="Farsta",
            amount_sek=250_000,
            payment_reference="U-1-kontoutdrag",
            on=date(2014, 3, 20),
        ),
    )
    clock.now = TODAY  # the store records the annulment today, and today is when it is given
    annul = Annul(
        round_id="r14",
        district="Farsta",
        position=duplicate.first.last_position,
        reason="Dubbelregistrerad",
        money_never_left=True,
    )
    Commands(store, clock=clock).execute(COORDINATOR, annul)  # asks
    annulled = Commands(store, clock=clock).execute(  # a second person confirms
        Actor("coordinator", "ekonom@example.org"), annul
    )
    return Reads(store, clock=clock), duplicate.first.last_position, annulled.first.last_position


def test_a_duplicate_annulled_today_leaves_earlier_boards_but_not_what_was_known(
    clock: StepClock,
) -> None:
    """A duplicate payment annulled today never counted in the world: the board as of 31
    March 2014 no longer shows it. As known before the annulment was recorded, the same
    board still shows it; replay marks it annulled exactly when the annulment was known."""
    with scratch_store(clock=clock) as store:
        reads, duplicate, annulment = pay_farsta_twice(store, clock)
        march = end_of_day(date(2014, 3, 31))
        before = end_of_day(date(2026, 11, 22))  # the evening before the annulment
        (world,) = reads.board("r14", as_of=march)
        (known,) = reads.board("r14", as_of=march, known_at=before)
        (since,) = reads.board("r14", as_of=march, known_at=TODAY)
        assert (world.disbursed_sek, world.payable_sek) == (250_000, 250_000)
        assert (known.disbursed_sek, known.payable_sek) == (500_000, 0)
        assert since.as_json() == world.as_json()

        seen = replay(reads, "r14", date(2014, 3, 31))
        assert seen.board[0].disbursed_sek == 250_000
        assert [r.position for r in seen.annulled] == [duplicate]
        (late,) = seen.recorded_late  # keyed in four days after it happened
        assert (late.position, late.event.payment_reference) == (duplicate, "U-1-kontoutdrag")
        marked = seen.annulled_by(late)
        assert marked is not None
        assert (marked.position, marked.event.reason) == (annulment, "Dubbelregistrerad")

        then = replay(reads, "r14", date(2014, 3, 31), known_at=before)
        assert then.board[0].disbursed_sek == 500_000
        assert then.annulled == []
        assert [r.position for r in then.recorded_late] == [duplicate]
        assert then.annulled_by(then.recorded_late[0]) is None
        assert then.not_yet_known == []

        entries = {e.record.position: e for e in history(reads.project("r14", "Farsta"))}
        assert entries[duplicate].note == (
            f"ANNULLED by #{annulment}: Dubbelregistrerad; recorded 4 days late"
        )
        annulled = entries[annulment].annuls
        assert annulled is not None
        assert annulled.position == duplicate


# -- explain ------------------------------------------------------------------------------


def test_explain_a_blocked_and_a_paid_project(demo_reads: Reads) -> None:
    """Explain names the rule, the verdict and the deciding events, with both timelines."""
    now = end_of_day(date(2014, 10, 1))
    views = {v.state.district: v for v in demo_reads.projects("ppss-2014", as_of=now)}
    blocked = {x.subject: x for x in explain(views["Rinkeby-Kista"], now)}
    assert blocked["payable"].status == "0 kr"
    assert en(blocked["payable"].reason) == "blocked by network meetings and training"
    assert [r.event_type for r in blocked["payable"].evidence] == [
        "NetworkSessionScheduled",
        "NetworkAbsenceRecorded",
    ]
    absence = blocked["network_participation"].evidence[1]
    assert absence.metadata.role == "coordinator"
    # On the meeting's day (17 Sep), at its time or when recorded, not at the day's midnight.
    held = absence.occurred_at.astimezone(STOCKHOLM)
    assert (held.date(), held.hour > 0) == (date(2014, 9, 17), True)

    paid_x = explain_project(demo_reads, "ppss-2014", "Farsta", day=date(2015, 2, 1))
    assert paid_x.rule == "ppss-2014 v2"
    farsta = {x.subject: x for x in paid_x.lines}
    assert farsta["plan_approved"].status == "met"
    assert [r.event_type for r in farsta["plan_approved"].evidence] == [
        "PlanSubmitted",
        "PlanApproved",
    ]
    assert farsta["plan_approved"].evidence[1].metadata.actor == "styrgruppen@example.org"
    assert farsta["payable"].status == "0 kr"
    assert "paid in full" in en(farsta["payable"].reason)
    assert [r.event_type for r in farsta["payable"].evidence].count("DisbursementMade") == 3
    assert farsta["repayment"].status == "100\u00a0000 kr"
    assert "used according to plan 1\u00a0034\u00a0896 kr" in en(farsta["repayment"].reason)
    assert {r.event_type for r in farsta["repayment"].evidence} >= {
        "YearEndAccountSubmitted",
        "DisbursementMade",
    }


def test_explain_refuses_a_moment_before_the_round_opened(demo_reads: Reads) -> None:
    """Before the round opened there is nothing to explain: NotFound gives both dates."""
    with pytest.raises(NotFound, match="had not opened by 2013-05-01: it opened on 2013-05-02"):
        explain_project(demo_reads, "ppss-2014", "Farsta", day=date(2013, 5, 1))


# -- export and import --------------------------------------------------------------------


def test_export_import_export_is_byte_identical(backend: str) -> None:
    """The demo store exported, imported into an empty store and exported again: the same
    bytes, and the imported chain verifies."""
    with (
        demo_copy(base_url_for(backend)) as source,
        scratch_store(base_url_for(backend)) as copy,
    ):
        first = io.BytesIO()
        export_jsonl(source, first)
        assert import_jsonl(copy, first.getvalue().splitlines()) == source.count()
        second = io.BytesIO()
        export_jsonl(copy, second)
        assert second.getvalue() == first.getvalue()
        assert verify_chain(copy).ok
        assert verify_chain(copy).head_hash == source.head().hash


def exported(store: EventStore) -> list[bytes]:
    out = io.BytesIO()
    export_jsonl(store, out)
    return out.getvalue().splitlines()


def rehashed(lines: list[bytes]) -> list[bytes]:
    """The export with every hash (and the header's head) recomputed: a forger's copy."""
    rows = [orjson.loads(line) for line in lines[1:]]
    prev = GENESIS_HASH
    for row in rows:
        row["hash"] = prev = chain_hash_text(prev, *(row[c] for c in COLUMNS[:-1]))
    header = {**orjson.loads(lines[0]), "head_position": len(rows), "head_hash": prev}
    return [orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in (header, *rows)]


def _set(index: int, **changes: Any) -> Callable[[list[bytes]], list[bytes]]:
    def change(lines: list[bytes]) -> list[bytes]:
        row = orjson.loads(lines[index])
        row.update(changes)
        return [*lines[:index], orjson.dumps(row), *lines[index + 1 :]]

    return change


#: name -> (how the export is spoiled, what the refusal says)
SPOILED: dict[str, tuple[Callable[[list[bytes]], list[bytes]], str]] = {
    "one byte changed": (
        lambda ls: [*ls[:3], ls[3].replace(b"500000", b"500001"), *ls[4:]],
        "line 4 (position 3): its hash does not verify",
    ),
    "not JSON": (lambda ls: [*ls[:2], b"{oops", *ls[3:]], "line 3 is not JSON"),
    "a column missing": (
        lambda ls: [*ls[:2], orjson.dumps({"position": 2}), *ls[3:]],
        "line 3 is not an exported row",
    ),
    "position as text": (_set(2, position="2"), "line 3 position is not a whole number"),
    "not a stored instant": (
        lambda ls: rehashed(_set(2, occurred_at="2014-03-10 10:00")(ls)),
        "line 3 occurred_at '2014-03-10 10:00' is not a stored instant",
    ),
    "a row removed, rehashed": (
        lambda ls: rehashed([*ls[:2], *ls[3:]]),
        "line 3 holds position 3, not 2",
    ),
    "a version skipped, rehashed": (
        lambda ls: rehashed(_set(2, version=5)(ls)),
        "project:r:a version 5 does not follow 1",
    ),
    "an unknown event, rehashed": (
        lambda ls: rehashed(_set(2, event_type="MoneyVanished")(ls)),
        "line 3 holds an event this program cannot read",
    ),
    "recorded_at backwards, rehashed": (
        lambda ls: rehashed(_set(5, recorded_at="2000-01-01T00:00:00.000000Z")(ls)),
        "line 6 recorded_at goes back in time",
    ),
    "the end cut off": (lambda ls: ls[:-1], "rows were cut off or added"),
    "a row added": (lambda ls: [*ls, ls[-1]], "line 11 holds position 9, not 10"),
    "no header": (lambda ls: ls[1:], "not a ppss export"),
    "a round's part": (
        lambda ls: [ls[0].replace(b'"scope":"all"', b'"scope":"round:r"'), *ls[1:]],
        "round:r: its chain cannot be verified on its own, so it cannot be imported",
    ),
    "empty": (lambda ls: [], "not a ppss export"),
}


@pytest.fixture(scope="module")
def nine_rows() -> Iterator[list[bytes]]:
    """The export of the nine-event store."""
    with scratch_store() as source:
        yield exported(filled(source))


@pytest.mark.parametrize("how", list(SPOILED))
def test_import_refuses_a_spoiled_export_and_writes_nothing(
    nine_rows: list[bytes], how: str
) -> None:
    """A tampered, malformed, cut or partial export is refused with a line naming what is
    wrong, and the store stays empty (the rehashed cases pass the hash check on purpose)."""
    spoil, message = SPOILED[how]
    with scratch_store() as copy:
        with pytest.raises((InvalidEventError, ConfigurationError)) as caught:
            import_jsonl(copy, spoil(list(nine_rows)), replay=False)
        assert message in str(caught.value)
        assert "\n" not in str(caught.value)
        assert copy.count() == 0


def test_verify_refuses_recorded_at_going_back(nine_rows: list[bytes]) -> None:
    """A well-hashed chain whose recorded_at goes back in time (which the store never
    writes, and "known at T" relies on) fails verification at that row."""
    spoiled = rehashed(_set(5, recorded_at="2000-01-01T00:00:00.000000Z")(list(nine_rows)))
    with scratch_store() as copy:
        copy.import_rows(tuple(orjson.loads(line)[c] for c in COLUMNS) for line in spoiled[1:])
        report = verify_chain(copy)
    assert (report.ok, report.kind, report.bad_position) == (False, "order", 5)


def test_import_checks_an_anchor_and_refuses_a_store_with_events(nine_rows: list[bytes]) -> None:
    """A recorded head that the file does not contain refuses it; so does a non-empty store;
    the right anchor lets the honest export in."""
    head = orjson.loads(nine_rows[0])
    with scratch_store() as copy:
        with pytest.raises(InvalidEventError, match="line 6 \\(position 5\\): not the recorded"):
            import_jsonl(
                copy, nine_rows, replay=False, expect=Anchor(5, "0" * 64), allow_growth=True
            )
        with pytest.raises(InvalidEventError, match="4 events after the expected head 5"):
            import_jsonl(copy, nine_rows, replay=False, expect=Anchor(5, "0" * 64))
        with pytest.raises(InvalidEventError, match="cut short"):
            import_jsonl(copy, nine_rows, replay=False, expect=Anchor(12, head["head_hash"]))
        assert copy.count() == 0
        assert import_jsonl(copy, nine_rows, replay=False, expect=Anchor(9, head["head_hash"])) == 9
        with pytest.raises(ConfigurationError, match="already holds events"):
            import_jsonl(copy, nine_rows, replay=False)
        assert copy.count() == 9


def test_xlsx_export_has_events_and_boards_in_kronor(demo_reads: Reads, tmp_path: Path) -> None:
    """The workbook has an events sheet (stored columns, then Stockholm times) and a board
    per round, with bold frozen headers and a kronor number format."""
    path = tmp_path / "ppss.xlsx"
    count = export_xlsx(demo_reads, path)
    book = load_workbook(path)
    assert book.sheetnames == ["Händelser", "Tavla ppss-2014", "Tavla ppss-2016", "Tavla sst-2018"]
    events = book["Händelser"]
    assert events.max_row == count + 1 == demo_reads.store.count() + 1
    assert [c.value for c in events[1]][:11] == list(COLUMNS)
    assert (events["A1"].font.b, events.freeze_panes) == (True, "B2")
    first = demo_reads.store.read_stream("round:ppss-2014")[0]
    assert events["L2"].value == first.occurred_at.astimezone(STOCKHOLM).replace(tzinfo=None)
    board = book["Tavla ppss-2014"]
    assert (board["A1"].value, board["A1"].font.b, board.freeze_panes) == ("Stadsdel", True, "B2")
    farsta = next(row for row in board.iter_rows(min_row=2) if row[0].value == "Farsta")
    assert farsta[1].value == 1_134_896  # the grant; the supervision money has its columns
    assert farsta[4].value == 25_000
    assert farsta[1].number_format == '#,##0 "kr"'


def test_every_audit_read_works_on_a_select_only_login(clock: StepClock, tmp_path: Path) -> None:
    """On PostgreSQL, with a login that may only SELECT, verify, replay, explain, history
    and both exports work: auditing needs no write access at all, and an append fails."""
    base = pg_url()
    role = f"ppss_auditor_{uuid4().hex[:10]}"
    with scratch_store(base, clock=clock) as store:
        record_late_approval(store, clock)
        schema = store.engine.url.query["options"].removeprefix("-csearch_path=")
        with store.engine.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
            conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
        auditor = EventStore.from_url(
            store.engine.url.set(username=role).render_as_string(hide_password=False)
        )
        try:
            wf = Reads(auditor, clock=clock)
            assert verify_chain(auditor).head_hash == store.head().hash
            assert replay(wf, "r14", date(2014, 3, 15)).board[0].payable_sek == 500_000
            assert explain_project(wf, "r14", "Farsta").rule == "ppss-2014 v1"
            assert len(history(wf.project("r14", "Farsta"))) == 4
            assert export_jsonl(auditor, io.BytesIO()) == store.count()
            assert export_xlsx(wf, tmp_path / "a.xlsx") == store.count()
            # Today's board: the read model is behind and this login may not keep it, so the
            # board is folded from the events, and is the board a writer's model shows.
            assert wf.board("r14") == Reads(store, clock=clock).board("r14")
            with pytest.raises(StoreUnavailable, match="permission denied"):
                auditor.append("project:x:y", [awarded()], 0)
        finally:
            auditor.close()
            with store.engine.begin() as conn:
                conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"'))
                conn.execute(text(f'REVOKE ALL ON SCHEMA "{schema}" FROM "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))


# -- policy pinning -----------------------------------------------------------------------


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
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding v2 of a policy changes the board of a round opened under v2, never of v1's."""

    def open_with(version: int, rid: str, s: Story) -> None:
        farsta_with_a_plan(s, rid, policy_version=version)
        approve(on(s, date(2014, 3, 10)), rid, date(2014, 3, 10))

    open_with(1, "old", story)
    before = [r.as_json() for r in story.reads.board("old")]
    monkeypatch.setitem(policy_registry.POLICIES, ("ppss-2014", 2), _StricterPilot())
    second = Story(story.commands.store)  # the second round told from its own beginning
    open_with(2, "new", second)
    reads = second.reads
    assert [r.as_json() for r in reads.board("old")] == before
    assert before[0]["payable_sek"] == 500_000
    (new,) = reads.board("new")
    assert (new.payable_sek, new.blocking) == (0, ("supervision_requested",))
    assert explain_project(reads, "old", "Farsta").rule == "ppss-2014 v1"
    assert explain_project(reads, "new", "Farsta").rule == "ppss-2014 v2"


# -- the auditor appends nothing ----------------------------------------------------------


def test_the_auditor_can_append_nothing(demo_reads: Reads) -> None:
    """Every command refuses the auditor role, and nothing is written."""
    store, auditor, rid, d = (
        demo_reads.store,
        Actor("auditor", "revisor@example.org"),
        "ppss-2014",
        "Farsta",
    )
    first_event = store.read_stream("project:ppss-2014:farsta")[0].event_id
    attempts: list[Command] = [
        OpenRound(
            round_id="x",
            title="x",
            budget_sek=1,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            policy_version=1,
        ),
        SetDeadline(round_id=rid, code="x", due_on=date(2014, 5, 1), reason="x"),
        SetLadder(
            round_id=rid,
            steps=(LadderRung(step="due", offset_working_days=0, recipient_role="district"),),
            reason="x",
        ),
        ScheduleSession(
            round_id=rid,
            session_id="n9",
            title="x",
            starts_at=datetime(2014, 5, 1, 9, tzinfo=UTC),
            on=date(2014, 2, 4),
        ),
        RecordAllocation(round_id=rid, decided_on=date(2014, 2, 4), decision_ref="x"),
        CloseRound(round_id=rid, reason="x"),
        Apply(round_id=rid, district=d, application={"district": d}),
        AwardGrant(
            round_id=rid, district=d, amount_sek=1, decision_ref="x", decided_on=date(2014, 2, 4)
        ),
        SubmitPlan(round_id=rid, district=d, plan_id="p", summary="x", on=date(2014, 3, 1)),
        DecidePlan(
            round_id=rid, district=d, plan_id="plan-2014", approve=True, meeting_on=date(2014, 3, 1)
        ),
        RecordNetwork(round_id=rid, district=d, session_id="natverk-1", outcome="attended"),
        RequestSupervision(
            round_id=rid, district=d, amount_sek=1, description="x", on=date(2014, 3, 1)
        ),
        GrantSupervision(
            round_id=rid, district=d, amount_sek=1, decision_ref="x", on=date(2014, 3, 1)
        ),
        Disburse(
            round_id=rid, district=d, amount_sek=1, payment_reference="x", on=date(2014, 3, 1)
        ),
        SubmitFollowUp(
            round_id=rid,
            district=d,
            kind="t2",
            indicators={},
            period_start=date(2014, 1, 1),
            period_end=date(2014, 8, 31),
        ),
        RecordSchoolFollowUp(
            round_id=rid, district=d, school="x", term="HT2014", target_group=1, enrolled=1
        ),
        SubmitFinancialReport(
            round_id=rid, district=d, kind="t2", spent_sek=1, forecast_sek=1, on=date(2014, 9, 1)
        ),
        SubmitYearEndAccount(
            round_id=rid, district=d, spent_sek=1, cost_description="x", on=date(2014, 12, 1)
        ),
        DemandRepayment(
            round_id=rid,
            district=d,
            amount_sek=1,
            reason="x",
            due_on=date(2015, 3, 1),
            on=date(2015, 2, 1),
        ),
        SettleRepayment(
            round_id=rid, district=d, amount_sek=1, waive=False, reference="x", on=date(2015, 2, 1)
        ),
        Withdraw(round_id=rid, district=d, reason="x", on=date(2014, 3, 1)),
        AttachDocument(
            round_id=rid,
            district=d,
            attached_to="plan",
            file_name="x.pdf",
            media_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
        ),
        Annul(round_id=rid, district=d, event_id=first_event, reason="x"),
        SetPaymentPlan(round_id=rid, instalments=(InstalmentInput(percent=100),)),
        ReviewReport(round_id=rid, district=d, report="year_end_account", accept=True),
        SetContact(round_id=rid, district=d, role="finance", email="ekonomi@example.org"),
        RemoveContact(round_id=rid, district=d, role="finance"),
    ]
    assert {type(c) for c in attempts} == set(COMMANDS), "a new command needs its attempt here"
    commands = Commands(store, clock=lambda: TODAY)
    head = store.head()
    for attempt in attempts:
        with pytest.raises(NotAuthorised, match="auditor role may not"):
            commands.execute(auditor, attempt)
    assert store.head() == head
