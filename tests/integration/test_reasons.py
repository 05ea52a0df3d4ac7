"""The policies' reasons over the demo, said in Swedish: every reason the boards show across
both rounds' lives has Swedish words (no English word, no internal code), and says the same
amounts and dates as its English sentence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from policies.reason import Reason
from ppss_workflow.demo import load_demo
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.words import say

NBSP = "\u00a0"
ENGLISH = re.compile(
    r"\b(the|was|is|and|of|not|paid|due|submitted|awaits|blocked|award|missing|held|"
    r"released|plan approved|steering group)\b"
)
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
FIGURES = re.compile(rf"\d{{4}}-\d{{2}}-\d{{2}}|−?\d[\d{NBSP}]* kr")


def _demo_reasons() -> set[Reason]:
    """Every reason the demo's boards show, on days across both rounds' lives."""
    said: set[Reason] = set()
    with scratch_store() as store:
        load_demo(store)
        reads = Reads(store, lambda: datetime(2020, 1, 1, tzinfo=UTC))
        days = [datetime(2013, 12, 1, tzinfo=UTC) + timedelta(days=30 * i) for i in range(75)]
        for round_id in reads.round_ids():
            opened = reads.round(round_id).opened.occurred_at
            for day in (d for d in days if d >= opened):
                for view in reads.projects(round_id, as_of=day):
                    a = view.assess(day)
                    said.update(c.reason for c in a.conditions)
                    said.update((a.payable.reason, a.repayment.reason))
                    said.update(i.reason for i in a.payable.instalments)
    return said


def test_every_reason_the_demo_shows_is_said_in_swedish() -> None:
    reasons = _demo_reasons()
    codes = {r.code for reason in reasons for r in reason.walk()}
    assert len(reasons) > 25, len(reasons)  # the demo reaches many different reasons
    assert len(codes) > 15, sorted(codes)
    for reason in reasons:
        swedish, english = say(reason, "sv"), say(reason, "en")
        assert swedish != english, swedish
        assert not ENGLISH.search(swedish.replace("Nätverksträff", "")), (reason, swedish)
        assert not CODE.search(swedish), (reason, swedish)
        # the same amounts and dates, in the same order
        assert FIGURES.findall(swedish) == FIGURES.findall(english), (swedish, english)
