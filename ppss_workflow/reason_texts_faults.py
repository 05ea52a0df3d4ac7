"""Texts of the reasons added on the branch ``faults`` (issue 24), for the lead to fold into
the catalogue: ``{code: (english, swedish)}`` with the code's parameters as placeholders."""

from __future__ import annotations

__all__ = ["TEXTS"]

TEXTS: dict[str, tuple[str, str]] = {
    "deadline.already_past": (
        "the deadline {deadline} on {due_on} has already passed ({day}): give the day it was "
        "decided (--on), or a later date",
        "fristen {deadline} den {due_on} har redan passerat ({day}): ange dagen då den "
        "beslutades (--on), eller ett senare datum",
    ),
}
