"""The board benchmark: a round of N projects (about 30 events each), and what a user waits for.

One project's history is made through the real commands on a scratch store (so every event
is one the rules allowed), then copied for N districts with their own names, project ids,
payment references and reminder keys, and written in bulk. Then, from a warm store:

- ``board_ms``: today's board of the whole round, in process (median of a few reads);
- ``reminders_ms``: every reminder due now in the round (all N projects have one due);
- ``award_ms``: one award in that round, through the handlers (median of a few awards to
  districts that applied and have no award yet);
- ``round_event_ms``: a round-level event (the year-end accounts' deadline moved, through
  the handlers), then the next board of the whole round (median of 3; ``round_event_cpu_ms``
  the mean CPU time of this process for the same, for a loaded machine);
- ``cli_board_s`` and ``cli_board_rss_mb``: ``ppss board`` as a user runs it, in a child
  process (start-up, reading, printing the table), and that process's peak memory
  (``cli_board_cpu_s``: the child's CPU time, for a loaded machine);
- ``catch_up_s``: the read model computed from nothing (what a rebuild costs).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any

from events import (
    ApplicationSubmitted,
    DisbursementMade,
    NewEvent,
    ReminderSent,
)
from policies.commands import (
    Apply,
    AwardGrant,
    DecidePlan,
    Disburse,
    GrantSupervision,
    OpenRound,
    RecordNetwork,
    RequestSupervision,
    ScheduleSession,
    SetDeadline,
    SubmitPlan,
)
from policies.state import STOCKHOLM, stockholm_day
from policies.workdays import add_working_days
from ppss_workflow.demo import Story
from ppss_workflow.handlers import Actor, Commands
from ppss_workflow.projections import BoardQuery, keep_folded_states
from ppss_workflow.readmodels import Reads
from ppss_workflow.reminders import list_due
from ppss_workflow.scratch import scratch_store, scratch_url
from ppss_workflow.store import AppendRequest, EventStore

__all__ = ["run_board_bench", "run_web_bench"]

RID = "bench"
COORD = Actor("coordinator", "samordnare@example.org")
STEER = Actor("steering_group", "styrgruppen@example.org")
SESSIONS = 4
PAYMENTS = 14
REMINDERS = 6
#: Districts that applied and have no award: the award benchmark awards them.
SPARE = 7
_CHUNK = 200

Progress = Callable[[str, int, int], None]


def _template(store: EventStore, today: date) -> tuple[list[Any], list[Any]]:
    """The round's history and one project's (about 30 events), made by the real commands.

    The round ran last year; its year-end accounts are due two working days from today, so
    the board is the one a coordinator sees while accounts come in, and every project has a
    reminder due ("3 working days before").
    """
    y = today.year - 1
    story = Story(store, date(y - 1, 5, 2))
    story.do(
        COORD,
        OpenRound(
            round_id=RID,
            title="Benchmark",
            budget_sek=10**12,
            supervision_pool_sek=10**10,
            supervision_cap_sek=25_000,
            period_start=date(y, 1, 1),
            period_end=date(y, 12, 31),
            policy="ppss-2014",
            policy_version=1,
            deadlines=(("year_end_account", add_working_days(today, 2), None),),
        ),
    )
    for i in range(1, SESSIONS + 1):
        story.on(date(y - 1, 6, i)).do(
            COORD,
            ScheduleSession(
                round_id=RID,
                session_id=f"n{i}",
                title=f"Nätverksträff {i}",
                starts_at=datetime(y, 2 * i, 10, 13, tzinfo=STOCKHOLM),
            ),
        )
    name = "Mall"
    me = Actor("district", "projekt@example.org", "mall")
    story.on(date(y - 1, 9, 2)).do(
        me,
        Apply(
            round_id=RID,
            district=name,
            application={
                "district": name,
                "school_count": 3,
                "applied_sek": 1_200_000,
                "period_start": date(y, 1, 1),
                "period_end": date(y, 12, 31),
            },
        ),
    )
    story.on(date(y, 1, 20)).do(
        COORD,
        AwardGrant(
            round_id=RID, district=name, amount_sek=1_200_000, decision_ref="SN 1",
            decided_on=date(y, 1, 20),
        ),
    )  # fmt: skip
    story.on(date(y, 1, 25)).do(
        me, SubmitPlan(round_id=RID, district=name, plan_id="p1", summary="Plan")
    )
    story.on(date(y, 2, 3)).do(
        STEER,
        DecidePlan(round_id=RID, district=name, plan_id="p1", approve=True,
                   meeting_on=date(y, 2, 3)),
    )  # fmt: skip
    story.on(date(y, 2, 5)).do(
        me, RequestSupervision(round_id=RID, district=name, amount_sek=25_000, description="H")
    )
    story.do(
        COORD, GrantSupervision(round_id=RID, district=name, amount_sek=25_000, decision_ref="S1")
    )
    for i in range(PAYMENTS):
        story.on(date(y, 2 + i // 2, 12 + i % 2)).do(
            COORD,
            Disburse(
                round_id=RID, district=name, amount_sek=90_000 if i else 25_000,
                payment_reference=f"BET-{i}", purpose="grant" if i else "supervision",
            ),
        )  # fmt: skip
    for i in range(1, SESSIONS + 1):
        story.on(date(y, 8, 20 + i)).do(
            COORD,
            RecordNetwork(round_id=RID, district=name, session_id=f"n{i}", outcome="attended"),
        )
    round_history = store.read_stream(f"round:{RID}")
    project = store.read_stream(f"project:{RID}:mall")
    # Reminders the dispatcher's own rule had due before each network meeting, as it would
    # have sent them then (so an import judges them as the engine does).
    reminders: list[NewEvent] = []
    sent: set[str] = set()
    for day in range(60, 250, 3):
        moment = datetime.combine(date(y, 1, 1) + timedelta(days=day), wall_time(9), STOCKHOLM)
        for due in list_due(store, moment, RID):
            if due.key in sent or len(reminders) >= REMINDERS:
                continue
            sent.add(due.key)
            event = ReminderSent(key=due.key, obligation=due.obligation, step=due.step,
                                 due_on=due.due_on, recipient_role=due.recipient_role)  # fmt: skip
            reminders.append(NewEvent(event, moment, _meta()))
    return round_history, [*project, *reminders]


def _meta() -> Any:
    from events import Metadata  # noqa: PLC0415

    return Metadata(actor="scheduler:bench", role="scheduler")


def _as(metadata: Any, slug_: str) -> Any:
    """The template's metadata for district ``slug_``: a district acts for its own project."""
    if metadata.role != "district":
        return metadata
    return metadata.model_copy(update={"district": slug_, "actor": f"projekt@{slug_}.example.org"})


def _copy(template: list[Any], i: int, *, spare: bool = False) -> list[NewEvent]:
    """The template project's events for district ``i``: its own names and references."""
    slug_ = f"distrikt-{i:06d}"
    out: list[NewEvent] = []
    for r in template[:1] if spare else template:
        if isinstance(r, NewEvent):
            e = r.event
            assert isinstance(e, ReminderSent)
            out.append(NewEvent(
                e.model_copy(update={"key": e.key.replace(f"{RID}:mall/", f"{RID}:{slug_}/")}),
                r.occurred_at, r.metadata,
            ))  # fmt: skip
            continue
        e = r.event
        if isinstance(e, ApplicationSubmitted):
            e = e.model_copy(update={"district": f"Distrikt {i:06d}", "project_id": slug_})
        elif isinstance(e, DisbursementMade):
            e = e.model_copy(update={"payment_reference": f"{e.payment_reference}-{slug_}"})
        out.append(NewEvent(e, r.occurred_at, _as(r.metadata, slug_)))
    return out


def _build(store: EventStore, projects: int, today: date, report: Progress) -> int:
    with scratch_store() as scratch:
        round_history, template = _template(scratch, today)
    store.append(
        f"round:{RID}", [NewEvent(r.event, r.occurred_at, r.metadata) for r in round_history], 0
    )
    written = len(round_history)
    total = projects + SPARE
    for start in range(0, total, _CHUNK):
        requests = [
            AppendRequest(
                f"project:{RID}:distrikt-{i:06d}", _copy(template, i, spare=i >= projects), 0
            )
            for i in range(start, min(start + _CHUNK, total))
        ]
        store.append_many(requests)
        written += sum(len(r.events) for r in requests)
        report("writing the round", min(start + _CHUNK, total), total)
    return written


def _timed(work: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _cpu_timed(work: Callable[[], Any], runs: int = 5) -> float:
    """Median CPU seconds of this process over ``runs`` calls (the server's own time when the
    app runs in-process: what other processes on a loaded machine do is not counted)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def run_board_bench(projects: int, base_url: str | None, report: Progress) -> dict[str, Any]:
    """Build a round of ``projects`` projects and measure the board, reminders and an award."""
    with _store(base_url) as (store, url):

        def clock() -> datetime:
            return datetime.now(UTC)

        today = stockholm_day(clock())
        written = _build(store, projects, today, report)
        keep_folded_states(store)  # as a server does
        reads = Reads(store, clock)
        started = time.perf_counter()
        reads.model.catch_up()
        catch_up_s = time.perf_counter() - started
        report("warming up", 1, 1)

        def board() -> Any:
            return reads.board(RID)

        def reminders() -> Any:
            return list_due(store, clock(), RID, model=reads.model)

        board_s, rows = _timed(board)
        assert len(rows) == projects + SPARE, len(rows)
        reminders_s, due = _timed(reminders)
        commands = Commands(store, clock)
        awards = iter(range(projects, projects + SPARE))

        def award() -> Any:
            return commands.execute(
                COORD,
                AwardGrant(
                    round_id=RID, district=f"Distrikt {next(awards):06d}", amount_sek=100_000,
                    decision_ref="SN 2", decided_on=date(today.year - 1, 1, 20),
                    on=date(today.year - 1, 1, 20),
                ),
            )  # fmt: skip

        award_s, _ = _timed(award, runs=SPARE)
        moves = iter(range(3, 100))

        def round_event() -> Any:
            commands.execute(
                COORD,
                SetDeadline(
                    round_id=RID, code="year_end_account",
                    due_on=add_working_days(today, next(moves)), reason="Flyttad",
                ),
            )  # fmt: skip
            return reads.board(RID)

        report("a round event", 0, 1)
        started_cpu = time.process_time()
        round_s, moved = _timed(round_event, runs=3)
        round_cpu_s = (time.process_time() - started_cpu) / 3
        assert len(moved) == projects + SPARE, len(moved)
        report("a round event", 1, 1)
        report("ppss board", 0, 1)
        cli_s, cli_cpu_s, cli_rss = _cli_board(url)
        report("ppss board", 1, 1)
    return {
        "backend": "postgresql" if base_url else "sqlite",
        "projects": projects,
        "events": written,
        # The SPARE districts (an application each, for the award) aside.
        "events_per_project": round((written - SPARE) / projects, 1),
        "catch_up_s": round(catch_up_s, 3),
        "board_ms": round(board_s * 1000, 1),
        "reminders_ms": round(reminders_s * 1000, 1),
        "reminders_due": len(due),
        "award_ms": round(award_s * 1000, 1),
        "round_event_ms": round(round_s * 1000, 1),
        "round_event_cpu_ms": round(round_cpu_s * 1000, 1),
        "cli_board_s": round(cli_s, 3),
        "cli_board_cpu_s": round(cli_cpu_s, 3),
        "cli_board_rss_mb": round(cli_rss, 1),
        "bench_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


@contextmanager
def _store(base_url: str | None) -> Iterator[tuple[EventStore, str]]:
    with scratch_url(base_url) as url:
        from ppss_workflow.db import create_store_engine  # noqa: PLC0415
        from ppss_workflow.schema import upgrade  # noqa: PLC0415

        engine = create_store_engine(url)
        upgrade(engine)
        try:
            yield EventStore(engine), url
        finally:
            engine.dispose()


def _cli_board(url: str) -> tuple[float, float, float]:
    """``ppss board`` in a child process, as a user runs it: seconds, CPU seconds (user and
    system, the child's own: what other processes on a loaded machine do is not counted)
    and peak RSS (MB).

    The peak is the child's own high-water mark (``VmHWM``), read as it exits: the rusage of
    children would count the pages it shared with this process before ``exec``.
    """
    env = {**os.environ, "COLUMNS": "160", "PPSS_LOG_LEVEL": "warning"}
    command = [sys.executable, "-c", _CHILD, "board", "--round", RID, "--database", url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"ppss board failed: {done.stderr.decode(errors='replace')[-500:]}")
    peak = [line for line in done.stderr.decode().splitlines() if line.startswith("VmHWM:")]
    kilobytes = int(peak[-1].split()[1]) if peak else 0
    return took, cpu, kilobytes / 1024


#: ``ppss`` itself, reporting its peak memory on stderr as it exits.
_CHILD = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as f:
        sys.stderr.write("".join(l for l in f if l.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = ["ppss", *sys.argv[1:]]
from ppss_workflow.cli import main
main()
"""


def run_web_bench(projects: int, base_url: str | None, report: Progress) -> dict[str, Any]:
    """The round overview page of a round of ``projects`` projects, rendered through the
    web application (TestClient, signed in as the coordinator): median of 5 warm GETs."""
    import re  # noqa: PLC0415

    from fastapi.testclient import TestClient  # noqa: PLC0415

    from ppss_workflow.web.app import create_app  # noqa: PLC0415
    from ppss_workflow.web.settings import WebSettings  # noqa: PLC0415

    with _store(base_url) as (store, _url):

        def clock() -> datetime:
            return datetime.now(UTC)

        today = stockholm_day(clock())
        written = _build(store, projects, today, report)
        report("warming up", 0, 1)
        Reads(store, clock).model.catch_up()
        client = TestClient(
            create_app(WebSettings(demo=True), store=store, clock=clock),
            base_url="http://localhost",  # the demo sign-in answers to loopback names only
        )
        page = client.get("/login/demo")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        client.post("/login/demo", data={"csrf_token": token.group(1), "user": "coordinator"})

        def overview() -> Any:
            response = client.get(f"/rounds/{RID}")
            assert response.status_code == 200, response.status_code
            return response

        def floor() -> Any:
            response = client.get("/healthz")
            assert response.status_code == 200, response.status_code
            return response

        reads = Reads(store, clock)

        def query() -> Any:
            return reads.board_page(RID, BoardQuery())

        overview()
        report("warming up", 1, 1)
        page_s, last = _timed(overview)
        floor_s, _ = _timed(floor)
        query_s, _ = _timed(query)
        last_page = -(-projects // BoardQuery().per_page)

        def deep() -> Any:
            response = client.get(f"/rounds/{RID}?sort=payable&order=desc&page={last_page}")
            assert response.status_code == 200, response.status_code
            return response

        deep_s, _ = _timed(deep)
        cpu = {
            "overview_page_cpu_ms": _cpu_timed(overview),
            "floor_request_cpu_ms": _cpu_timed(floor),
            "page_query_cpu_ms": _cpu_timed(query),
        }
    return {
        "backend": "postgresql" if base_url else "sqlite",
        "projects": projects,
        "events": written,
        "overview_page_ms": round(page_s * 1000, 1),
        #: The floor, in the same run: a request through the same app and session that reads
        #: nothing (GET /healthz), and the read model's query for the page alone.
        "floor_request_ms": round(floor_s * 1000, 1),
        "page_query_ms": round(query_s * 1000, 1),
        "overview_last_page_sorted_ms": round(deep_s * 1000, 1),
        **{name: round(seconds * 1000, 1) for name, seconds in cpu.items()},
        "overview_page_kb": round(len(last.content) / 1024, 1),
        "bench_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
