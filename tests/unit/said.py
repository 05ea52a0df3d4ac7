"""Reasons compared by what they say in English: the policies answer with reasons as data;
these tests pin the English sentence ``ppss_workflow.words`` makes of each (their codes and
parameters are pinned by ``tests/unit/test_words.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from policies.decisions import Refusal
from policies.reason import Reason
from ppss_workflow.handlers import refused
from ppss_workflow.words import english, say, say_refusal

__all__ = ["REFUSAL_KINDS", "En", "en", "one_line", "said_line"]


@dataclass(frozen=True, eq=False)
class En:
    """Equal to a reason whose English sentence is ``text`` (or to ``text`` itself)."""

    text: str

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Reason | dict):
            return english(other) == self.text
        if isinstance(other, En):
            return other.text == self.text
        return other == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"En({self.text!r})"


def en(reason: Any) -> str:
    """A reason (or one stored as data) in English; text as it is."""
    if reason is None or isinstance(reason, str):
        return reason or ""
    return english(reason)


#: How the machinery answers a refusal (``Refusal``'s docstring): nothing else is known to it.
REFUSAL_KINDS = frozenset({"invalid", "not_found", "condition", "not_authorised"})


def one_line(refusal: Refusal) -> str:
    """The one line the machinery makes of ``refusal`` (``ppss_workflow.handlers.refused``),
    after checking what every refusal must carry: a kind the machinery answers to, a reason
    said in Swedish and in English, the command, project, state found and rule (each words),
    and the day judged on. The line is the reason in English, then those in brackets."""
    assert refusal.kind in REFUSAL_KINDS, refusal.kind
    parts = (refusal.message, refusal.command, refusal.project, refusal.state, refusal.rule)
    assert all(isinstance(part, str) and part.strip() for part in parts), parts
    assert isinstance(refusal.day, date), refusal.day
    assert isinstance(refusal.reason, Reason), refusal.message
    assert say(refusal.reason, "sv")
    assert say_refusal(refusal) == say(refusal.reason, "sv")
    line = str(refused(refusal))
    context = (
        f"{refusal.command}; {refusal.project}; {refusal.state} as of {refusal.day}; "
        f"rule: {refusal.rule}"
    )
    assert line == f"{english(refusal.reason)} [{context}]"
    return line


def said_line(refusal: Refusal) -> str:
    """The one line the machinery makes of a refusal judged on no day (a role's): the reason
    in English, then the command, project, state found and rule in brackets."""
    assert refusal.day is None, refusal.day
    assert isinstance(refusal.reason, Reason), refusal.message
    line = str(refused(refusal))
    context = f"{refusal.command}; {refusal.project}; {refusal.state}; rule: {refusal.rule}"
    assert line == f"{english(refusal.reason)} [{context}]"
    return line
