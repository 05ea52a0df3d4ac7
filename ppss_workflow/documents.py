"""Documents: a file's bytes kept once under their SHA-256; the event names the hash.

The content goes into a :class:`ContentStore` first and the ``DocumentAttached`` event is
recorded through the handlers after, so every event's content is there (a refused command
leaves unreferenced bytes, which harm nobody and are stored once). The type is sniffed from
the bytes (``filetype``), never taken from the file's name. The store kept by default is the
``documents`` table of the event store's database; :class:`ContentStore` is the interface an
S3-compatible bucket would implement for large deployments (not built).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import filetype
import orjson
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, insert, select

from events import DocumentAttached, EventAnnulled, Recorded
from policies.commands import AttachDocument
from policies.decisions import Refusal, authorise
from policies.documents import may_read
from ppss_workflow.db import WRITE, documents
from ppss_workflow.errors import (
    AUDIT_DOCUMENT_CHANGED,
    AUDIT_DOCUMENT_MISSING,
    AUDIT_DOCUMENT_SIZE,
    DOCUMENT_BYTES_CHANGED,
    DOCUMENT_CONTENT_MISSING,
    DOCUMENT_EMPTY,
    DOCUMENT_MISSING_OR_CHANGED,
    DOCUMENT_NOT_FOUND,
    DOCUMENT_NOT_SHA,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_UNKNOWN_TYPE,
    DOCUMENT_WRONG_TYPE,
    InvalidCommand,
    NotFound,
    Told,
)
from ppss_workflow.handlers import Actor, Commands, Outcome, refused
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore

__all__ = [
    "ALLOWED_TYPES",
    "ContentStore",
    "DatabaseContentStore",
    "DocumentSettings",
    "Found",
    "attach",
    "export_documents",
    "fetch",
    "prune_documents",
    "sniff",
    "verify_documents",
]

_log = get_logger(__name__)

#: What may be attached: PDF, Office and OpenDocument files, pictures (a scanned signature).
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/rtf": "rtf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
    "image/heic": "heic",
    "image/webp": "webp",
}


class DocumentSettings(BaseSettings):
    """``PPSS_DOCUMENTS_MAX_BYTES``: the largest file taken (20 MB by default)."""

    model_config = SettingsConfigDict(env_prefix="PPSS_DOCUMENTS_", extra="ignore")

    max_bytes: int = 20 * 1024 * 1024
    #: ``PPSS_DOCUMENTS_PRUNE_AFTER_DAYS``: bytes no event points to are removed by
    #: ``ppss document prune`` once they are this old (a choice: a week, so that an attach
    #: under way, its bytes kept but its event not yet recorded, is never cut short).
    prune_after_days: int = 7


class ContentStore(Protocol):
    """Where documents' bytes live, by SHA-256 (the database; an S3 bucket could be one)."""

    def put(self, sha256: str, media_type: str, content: bytes) -> None: ...

    def get(self, sha256: str) -> bytes | None: ...

    def items(self) -> Iterator[tuple[str, int, bytes]]:
        """Every stored (sha256, recorded size, content), for verification."""
        ...


class DatabaseContentStore:
    """Documents in the ``documents`` table beside the events (the default)."""

    def __init__(self, store: EventStore) -> None:
        self._engine = store.engine

    def put(self, sha256: str, media_type: str, content: bytes) -> None:
        with self._engine.connect() as conn:
            conn.execution_options(**WRITE)
            with conn.begin():
                found = conn.execute(
                    select(documents.c.sha256).where(documents.c.sha256 == sha256)
                ).first()
                if found is None:
                    conn.execute(
                        insert(documents).values(
                            sha256=sha256,
                            media_type=media_type,
                            size_bytes=len(content),
                            content=content,
                            stored_at=datetime.now(UTC),
                        )
                    )

    def get(self, sha256: str) -> bytes | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(documents.c.content).where(documents.c.sha256 == sha256)
            ).first()
        return None if row is None else bytes(row[0])

    def items(self) -> Iterator[tuple[str, int, bytes]]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(documents.c.sha256, documents.c.size_bytes, documents.c.content).order_by(
                    documents.c.sha256
                )
            ).all()
        for sha, size, content in rows:
            yield sha, int(size), bytes(content)


def sniff(content: bytes) -> str:
    """The media type the bytes are, if it is one that may be attached; else a one-line error."""
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        what = f"a {kind.extension} file" if kind is not None else "of no type recognised"
        raise InvalidCommand(
            f"the file is {what}: attach a PDF, an Office or OpenDocument file, or a picture "
            "(png, jpg, tif, heic, webp)",
            reason=DOCUMENT_WRONG_TYPE(extension=kind.extension)
            if kind is not None
            else DOCUMENT_UNKNOWN_TYPE(),
        )
    return str(kind.mime)


def attach(
    commands: Commands,
    actor: Actor,
    *,
    round_id: str,
    district: str,
    attached_to: str,
    name: str,
    content: bytes,
    settings: DocumentSettings | None = None,
    contents: ContentStore | None = None,
    on: date | None = None,
) -> tuple[Outcome, str]:
    """Keep the file's bytes and record that it is attached; returns what was recorded and
    the SHA-256. Nothing is kept when the file is refused (empty, too large, wrong type).
    ``on``: the day it was attached (None: now), judged as the command's ``--on`` is."""
    limit = (settings or DocumentSettings()).max_bytes
    if not content:
        raise InvalidCommand(
            f"{name} is empty: attach the file itself", reason=DOCUMENT_EMPTY(name=name)
        )
    if len(content) > limit:
        raise InvalidCommand(
            f"{name} is {len(content):,} bytes; the largest file taken is {limit:,} bytes "
            "(PPSS_DOCUMENTS_MAX_BYTES)",
            reason=DOCUMENT_TOO_LARGE(name=name, size=len(content), limit=limit),
        )
    media_type = sniff(content)
    sha = hashlib.sha256(content).hexdigest()
    command = AttachDocument(
        round_id=round_id,
        district=district,
        attached_to=attached_to,  # type: ignore[arg-type]  # validated by the model
        file_name=name,
        media_type=media_type,
        size_bytes=len(content),
        sha256=sha,
        on=on,
    )
    # Authorised before anything is kept: another district's project gets nothing stored.
    try:
        authorise(command, actor.role, actor.district)
    except Refusal as refusal:
        raise refused(refusal) from None
    target = contents or DatabaseContentStore(commands.store)
    new = target.get(sha) is None
    target.put(sha, media_type, content)
    try:
        outcome = commands.execute(actor, command)
    except BaseException:
        # A refused (or failed) attach leaves no bytes behind that no event points to.
        if new:
            prune_documents(commands.store, grace=timedelta(0), only=sha)
        raise
    _log.info("document_attached", sha256=sha, size=len(content), media_type=media_type)
    return outcome, sha


@dataclass(frozen=True, slots=True)
class Found:
    """A document's bytes and the attachments that name them (for the name and type)."""

    content: bytes
    attachments: list[Recorded[Any]]

    @property
    def latest(self) -> DocumentAttached:
        event: DocumentAttached = self.attachments[-1].event
        return event


def fetch(
    store: EventStore,
    sha256: str,
    *,
    role: str,
    district: str | None = None,
    contents: ContentStore | None = None,
) -> Found:
    """The document with this hash, for someone who may see a project it is attached to.

    A district sees only its own project's documents; another's is "not found" (whether it
    exists is not told). The bytes are checked against the hash before they are handed out.
    """
    sha = sha256.strip().lower()
    if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
        raise InvalidCommand(
            f"{sha256!r} is not a SHA-256 (64 hex digits)", reason=DOCUMENT_NOT_SHA(typed=sha256)
        )
    attachments = [
        r
        for r in store.read_all()
        if isinstance(r.event, DocumentAttached)
        and r.event.sha256 == sha
        and may_read(role, district, r.stream_id)
    ]
    if not attachments:
        raise NotFound(
            f"no document {sha} on record that you may see", reason=DOCUMENT_NOT_FOUND(sha=sha)
        )
    content = (contents or DatabaseContentStore(store)).get(sha)
    if content is None:
        raise NotFound(
            f"document {sha} is on record but its content is missing from the store",
            reason=DOCUMENT_CONTENT_MISSING(sha=sha),
        )
    if hashlib.sha256(content).hexdigest() != sha:
        raise NotFound(
            f"document {sha}: the stored bytes do not match the hash (changed behind the "
            "store's back); run `ppss audit verify`",
            reason=DOCUMENT_BYTES_CHANGED(sha=sha),
        )
    return Found(content, attachments)


def verify_documents(store: EventStore, contents: ContentStore | None = None) -> list[str]:
    """One line per problem: stored bytes that do not match their hash or size, and
    attachments on record whose bytes are missing. Empty when every document is intact."""
    source = contents or DatabaseContentStore(store)
    problems: list[str] = []
    present: set[str] = set()
    for sha, size, content in source.items():
        present.add(sha)
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha:
            problems.append(
                Told(
                    f"document {sha}: its stored bytes hash to {actual} "
                    "(changed behind the store's back)",
                    AUDIT_DOCUMENT_CHANGED(sha=sha, actual=actual),
                )
            )
        elif len(content) != size:
            problems.append(
                Told(
                    f"document {sha}: {len(content)} bytes stored, {size} recorded",
                    AUDIT_DOCUMENT_SIZE(sha=sha, stored=len(content), recorded=size),
                )
            )
    # Only attachments that stand need their bytes: an annulled one (attached by mistake,
    # or naming bytes that never came) is not required.
    records = list(store.read_all())
    annulled = {
        str(r.event.annulled_event_id) for r in records if isinstance(r.event, EventAnnulled)
    }
    for r in records:
        if r.event_key in annulled:
            continue
        if isinstance(r.event, DocumentAttached) and r.event.sha256 not in present:
            problems.append(
                Told(
                    f"document {r.event.sha256} attached at position {r.position} "
                    f"({r.stream_id}): its content is missing",
                    AUDIT_DOCUMENT_MISSING(
                        sha=r.event.sha256, position=r.position, stream=r.stream_id
                    ),
                )
            )
            present.add(r.event.sha256)
    return problems


def export_documents(
    store: EventStore,
    folder: Path,
    *,
    round_id: str | None = None,
    contents: ContentStore | None = None,
) -> int:
    """Write every attached document (of one round, if given) into the new ``folder`` as
    ``<sha256>.<ext>``, with ``manifest.json`` naming each attachment; returns how many files.
    A document whose bytes do not match its hash is not written (the export fails)."""
    source = contents or DatabaseContentStore(store)
    prefix = f"project:{round_id}:" if round_id else "project:"
    manifest: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for r in store.read_all():
        e = r.event
        if not isinstance(e, DocumentAttached) or not r.stream_id.startswith(prefix):
            continue
        if e.sha256 not in files:
            content = source.get(e.sha256)
            if content is None or hashlib.sha256(content).hexdigest() != e.sha256:
                raise InvalidCommand(
                    f"document {e.sha256} is missing or changed: run `ppss audit verify`",
                    reason=DOCUMENT_MISSING_OR_CHANGED(sha=e.sha256),
                )
            files[e.sha256] = content
        manifest.append(
            {
                "file": f"{e.sha256}.{ALLOWED_TYPES.get(e.media_type, 'bin')}",
                "stream": r.stream_id,
                "position": r.position,
                "attached_to": e.attached_to,
                "name": e.name,
                "media_type": e.media_type,
                "size_bytes": e.size_bytes,
                "sha256": e.sha256,
            }
        )
    folder.mkdir()
    types = {m["sha256"]: m["file"] for m in manifest}
    for sha, content in files.items():
        (folder / types[sha]).write_bytes(content)
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return len(files)


def prune_documents(
    store: EventStore,
    *,
    grace: timedelta,
    now: datetime | None = None,
    only: str | None = None,
) -> list[str]:
    """Remove the stored bytes that no ``DocumentAttached`` event points to and that were
    kept more than ``grace`` before ``now`` (``only``: just that one); returns their hashes."""
    moment = now or datetime.now(UTC)
    referenced = {r.event.sha256 for r in store.read_all() if isinstance(r.event, DocumentAttached)}
    with store.engine.connect() as conn:
        conn.execution_options(**WRITE)
        with conn.begin():
            query = select(documents.c.sha256, documents.c.stored_at)
            if only is not None:
                query = query.where(documents.c.sha256 == only)
            gone = [
                sha
                for sha, stored_at in conn.execute(query).all()
                if sha not in referenced and stored_at <= moment - grace
            ]
            if gone:
                conn.execute(delete(documents).where(documents.c.sha256.in_(gone)))
    if gone:
        _log.info("documents_pruned", count=len(gone))
    return gone
