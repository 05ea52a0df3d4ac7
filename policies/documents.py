"""Documents on record for a project: pure reads of its history."""

from __future__ import annotations

from typing import Any

from events import DocumentAttached, Recorded
from policies.state import ProjectState

__all__ = ["attached"]


def attached(project: ProjectState) -> list[Recorded[Any]]:
    """The project's documents that stand (an annulled attachment is left out), in order."""
    return [
        r
        for r in project.history
        if isinstance(r.event, DocumentAttached) and r.event_key not in project.annulments
    ]
