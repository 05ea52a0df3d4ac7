"""The policies' sentences said in Swedish: every sentence the demo shows fits a pattern, and
the Swedish says the same amounts, dates and names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ppss_workflow.demo import load_demo
from ppss_workflow.i18n import translator
from ppss_workflow.readmodels import Reads
from ppss_workflow.reasons import PATTERNS, say
from ppss_workflow.scratch import scratch_store

NBSP = "\u00a0"
sv = translator("sv")


def _say(text: str) -> str:
    return say(text, sv.gettext, sv.condition, strict=True)


def _demo_sentences() -> set[str]:
    """Every reason the demo's boards show, on days across both rounds' lives."""
    said: set[str] = set()
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
    return {s for s in said if s}


def test_every_sentence_the_demo_shows_is_said_in_swedish() -> None:
    sentences = _demo_sentences()
    assert len(sentences) > 25  # the demo reaches many different sentences
    english = re.compile(r"\b(the|was|is|and|paid|due|submitted|awaits|blocked)\b")
    for sentence in sentences:
        swedish = _say(sentence)
        assert swedish != sentence, sentence
        assert not english.search(swedish.replace("Nätverksträff", "")), (sentence, swedish)
        # the same amounts and dates, in the same order
        figures = re.compile(rf"\d{{4}}-\d{{2}}-\d{{2}}|\d[\d{NBSP}]* kr")
        assert figures.findall(swedish) == figures.findall(sentence), (sentence, swedish)


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        (
            f"cannot pay 5{NBSP}000 kr (grant) to Farsta: 0 kr may be paid now "
            "(blocked by plan_approved)",
            f"kan inte betala ut 5{NBSP}000 kr (bidrag) till Farsta: 0 kr får betalas ut nu "
            "(stoppas av: godkänd verksamhetsplan)",
        ),
        (
            "plan p1 approved on 2014-03-10; plan p2 was rejected on 2014-05-01",
            "plan p1 godkänd 2014-03-10; plan p2 avslogs 2014-05-01",
        ),
        (
            # the steering group's own words are left as they were written
            "plan p1 was rejected on 2014-03-10: för vag; mål saknas; a revised plan must be "
            "submitted",
            "plan p1 avslogs 2014-03-10: för vag; mål saknas; en reviderad plan måste lämnas in",
        ),
    ],
)
def test_nested_and_joined_sentences(english: str, swedish: str) -> None:
    assert _say(english) == swedish


def test_a_sentence_no_pattern_fits_is_left_as_it_is_or_refused_when_strict() -> None:
    assert say("something new", sv.gettext, sv.condition) == "something new"
    with pytest.raises(LookupError):
        _say("something new")


def test_every_pattern_has_a_swedish_text_with_the_same_places() -> None:
    place = re.compile(r"\{(\w+)\}")
    for pattern in PATTERNS:
        swedish = sv.gettext(pattern)
        assert swedish != pattern, pattern
        assert sorted(place.findall(swedish)) == sorted(place.findall(pattern)), pattern
