"""Properties over any sequence of commands: money rules hold whatever users try."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import DisbursementMade, PlanApproved
from policies.state import fold_project
from ppss_workflow.errors import WorkflowError
from ppss_workflow.scratch import scratch_store
from ppss_workflow.workflow import Actor, Workflow

COORD = Actor("coordinator", "samordnare@example.org")
STEER = Actor("steering_group", "styrgruppen@example.org")
FARSTA = Actor("district", "farsta@example.org", "farsta")
_rounds = itertools.count()

amounts = st.integers(min_value=1, max_value=1_500_000)
commands = st.lists(
    st.one_of(
        st.tuples(st.just("award"), amounts),
        st.tuples(st.just("plan"), st.sampled_from(["p1", "p2"])),
        st.tuples(st.just("approve"), st.sampled_from(["p1", "p2"])),
        st.tuples(st.just("reject"), st.sampled_from(["p1", "p2"])),
        st.tuples(st.just("pay"), amounts),
        st.tuples(st.just("absent"), st.sampled_from(["n1", "n2"])),
        st.tuples(st.just("exempt"), st.sampled_from(["n1", "n2"])),
        st.tuples(st.just("request_supervision"), st.integers(1, 30_000)),
        st.tuples(st.just("grant_supervision"), st.integers(1, 30_000)),
        st.tuples(st.just("pay_supervision"), st.integers(1, 30_000)),
    ),
    max_size=14,
)


@pytest.fixture(scope="module")
def wf() -> Iterator[Workflow]:
    with scratch_store() as store:
        yield Workflow(store, clock=lambda: datetime(2026, 11, 23, tzinfo=UTC))


def _run(wf: Workflow, rid: str, name: str, arg: Any, on: date) -> None:
    d = "Farsta"
    actions = {
        "award": lambda: wf.award(COORD, rid, d, arg, "SN", on),
        "plan": lambda: wf.submit_plan(FARSTA, rid, d, arg, "Plan", on),
        "approve": lambda: wf.decide_plan(STEER, rid, d, arg, approve=True, meeting_on=on),
        "reject": lambda: wf.decide_plan(
            STEER, rid, d, arg, approve=False, meeting_on=on, reason="Oklar budget"
        ),
        "pay": lambda: wf.disburse(COORD, rid, d, arg, "U", on=on),
        "absent": lambda: wf.record_network(COORD, rid, d, arg, "absent"),
        "exempt": lambda: wf.record_network(
            COORD, rid, d, arg, "exemption", note="Beviljat", on=on
        ),
        "request_supervision": lambda: wf.request_supervision(
            FARSTA, rid, d, arg, "Handledning", on
        ),
        "grant_supervision": lambda: wf.grant_supervision(COORD, rid, d, arg, "FoU", on),
        "pay_supervision": lambda: wf.disburse(
            COORD, rid, d, arg, "F", purpose="supervision", on=on
        ),
    }
    actions[name]()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(history=commands)
def test_no_history_pays_more_than_awarded_or_before_plan_approval(
    wf: Workflow, history: list[tuple[str, Any]]
) -> None:
    """Whatever commands are tried, disbursed never exceeds awarded, and no 2014 grant money is
    paid before the steering group approved a plan; refused commands write nothing."""
    rid = f"prop-{next(_rounds)}"
    wf.open_round(
        COORD,
        round_id=rid,
        title="T",
        budget_sek=3_000_000,
        period_start=date(2014, 1, 1),
        period_end=date(2014, 12, 31),
        policy="ppss-2014",
        supervision_pool_sek=50_000,
        on=date(2014, 1, 2),
    )
    for session, day in (("n1", date(2014, 1, 20)), ("n2", date(2014, 6, 2))):
        wf.schedule_session(
            COORD,
            rid,
            session,
            "Nätverk",
            datetime.combine(day, datetime.min.time(), UTC),
            on=date(2014, 1, 2),
        )
    wf.apply(
        FARSTA,
        rid,
        {
            "district": "Farsta",
            "school_count": 3,
            "applied_sek": 1_500_000,
            "period_start": date(2014, 1, 1),
            "period_end": date(2014, 12, 31),
        },
        on=date(2014, 1, 3),
    )
    stream = f"project:{rid}:farsta"
    on = date(2014, 2, 1)
    for name, arg in history:
        before = wf.store.stream_version(stream)
        try:
            _run(wf, rid, name, arg, on)
        except WorkflowError:
            assert wf.store.stream_version(stream) == before  # refused: nothing written
        on += timedelta(days=7)

        events = wf.store.read_stream(stream)
        state = fold_project(stream, events)
        ledger = state.ledger
        assert 0 <= ledger.disbursed_grant_sek <= ledger.awarded_sek
        assert 0 <= ledger.disbursed_supervision_sek <= ledger.supervision_granted_sek
        approved = False
        for recorded in events:
            if isinstance(recorded.event, PlanApproved):
                approved = True
            if isinstance(recorded.event, DisbursementMade) and recorded.event.purpose == "grant":
                assert approved, "grant money paid before any plan approval"
        for cut in range(len(events) + 1):  # any prefix of a valid history folds
            fold_project(stream, events[:cut])
