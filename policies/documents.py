"""Documents on record for a project: pure reads of its history."""

from __future__ import annotations

from typing import Any

from events import DocumentAttached, Recorded
from policies.state import ProjectState

__all__ = ["READERS", "attached", "may_read"]


def attached(project: ProjectState) -> list[Recorded[Any]]:
    """The project's documents that stand (an annulled attachment is left out), in order."""
    return [
        r
        for r in project.history
        if isinstance(r.event, DocumentAttached) and r.event_key not in project.annulments
    ]


#: Who may read documents: everyone who may see projects; a district its own projects only.
READERS = ("coordinator", "steering_group", "auditor", "district")


def may_read(role: str, acting_for: str | None, stream_id: str) -> bool:
    """Whether this role (acting for this district's slug) may read a document attached on
    ``stream_id`` (``project:<round>:<district slug>``)."""
    if role not in READERS:
        return False
    if role == "district":
        return acting_for is not None and stream_id.rpartition(":")[2] == acting_for
    return True
