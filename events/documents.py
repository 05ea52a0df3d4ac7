"""Document events: a file handed in with an application, a plan, a report or an account.

The event names the file and its content by SHA-256; the bytes themselves are kept once per
hash beside the events (``ppss_workflow/documents.py``), never in the event.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from events.base import Event, Text

__all__ = ["ATTACHED_TO", "AttachedTo", "DocumentAttached"]

#: What a document can belong to.
AttachedTo = Literal[
    "application", "plan", "t2-report", "annual-report", "financial-report", "year-end-account"
]
ATTACHED_TO: tuple[str, ...] = AttachedTo.__args__  # type: ignore[attr-defined]

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class DocumentAttached(Event):
    """A file was attached to something the project handed in (signed copy, plan, report)."""

    attached_to: AttachedTo
    #: The file's name as handed in (a label: the content is found by its hash).
    name: Annotated[Text, Field(max_length=200)]
    #: The media type sniffed from the bytes, e.g. application/pdf.
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]{1,100}$")]
    size_bytes: Annotated[int, Field(gt=0, le=10**10)]
    sha256: Sha256
