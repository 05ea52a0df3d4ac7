"""Reasons compared by what they say in English: the policies answer with reasons as data;
these tests pin the English sentence ``ppss_workflow.words`` makes of each (their codes and
parameters are pinned by ``tests/unit/test_words.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.reason import Reason
from ppss_workflow.words import english

__all__ = ["En", "en"]


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
