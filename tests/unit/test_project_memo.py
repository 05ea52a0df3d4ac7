"""Answers kept on a project's state: only for rules the round cannot change, one per key."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date

import policies.registry  # noqa: F401 - every policy's rules, marked as they are defined
from policies.base import PROJECT_RULES
from policies.state import fold_project, remembered


def test_a_rule_kept_on_the_project_is_never_given_the_round() -> None:
    """What a rule is given is what it reads: a rule given the round (a deadline, a
    session) must be worked out again after a round event, so it may not be kept."""
    names = {rule.__qualname__ for rule in PROJECT_RULES}
    assert {"Policy._project_conditions", "Pilot2014._plan", "Pilot2014._supervision"} <= names
    for rule in PROJECT_RULES:
        params = list(inspect.signature(rule).parameters.values())
        assert [p.name for p in params[:2]] == ["self", "project"], rule.__qualname__
        for p in params:
            assert "RoundState" not in str(p.annotation), (rule.__qualname__, p.name)
            assert p.kind is p.POSITIONAL_OR_KEYWORD, (rule.__qualname__, p.name)


def test_remembered_keeps_one_answer_per_key_for_its_arguments() -> None:
    calls: list[object] = []

    def work(day: date) -> str:
        calls.append(day)
        return f"answer {day}"

    memo: dict[object, object] = {}
    first, second = date(2016, 9, 1), date(2016, 9, 2)
    assert remembered(memo, "k", (first,), lambda: work(first)) == f"answer {first}"
    assert remembered(memo, "k", (first,), lambda: work(first)) == f"answer {first}"
    assert calls == [first]
    # Another day: worked out again, and it replaces the first (one answer per key).
    assert remembered(memo, "k", (second,), lambda: work(second)) == f"answer {second}"
    assert len(memo) == 1
    assert remembered(memo, "k", (first,), lambda: work(first)) == f"answer {first}"
    assert calls == [first, second, first]
    assert remembered(memo, "other", (first,), lambda: work(first)) == f"answer {first}"
    assert len(memo) == 2


def test_a_state_copied_or_compared_leaves_its_memo_out() -> None:
    state = fold_project("project:r:x", [])
    state.memo["k"] = ((), "kept")
    copy = replace(state, version=state.version + 1)
    assert copy.memo == {}  # another state: nothing worked out for it yet
    assert replace(copy, version=state.version) == state  # the memo is not compared
    assert "memo" not in repr(state)
