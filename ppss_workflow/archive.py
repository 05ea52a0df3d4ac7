"""One archive that brings a store back: the events and signed checkpoints (the jsonl export)
and every attached document's bytes, in a zip file; and loading its documents on import."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import IO, Any

import orjson

from events import DocumentAttached
from ppss_workflow.documents import ContentStore, DatabaseContentStore
from ppss_workflow.errors import (
    ARCHIVE_DOCUMENT_CHANGED,
    ARCHIVE_DOCUMENT_LACKING,
    ARCHIVE_DOCUMENT_UNATTACHED,
    ARCHIVE_NO_EVENTS,
    ARCHIVE_NO_MANIFEST,
    DOCUMENT_MISSING_OR_CHANGED,
    InvalidCommand,
)
from ppss_workflow.export import export_jsonl
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore

__all__ = ["EVENTS", "MANIFEST", "is_archive", "load_documents", "open_events", "write_archive"]

_log = get_logger(__name__)

#: The jsonl export inside the archive (header, signed checkpoints, every row).
EVENTS = "events.jsonl"
#: The documents' list: sha256, media type and size of each file under ``documents/``.
MANIFEST = "documents.json"


def is_archive(path: Path) -> bool:
    """A zip file (an archive from ``ppss export --archive``), not a plain jsonl export."""
    return zipfile.is_zipfile(path)


def write_archive(
    store: EventStore, path: Path, *, contents: ContentStore | None = None
) -> tuple[int, int]:
    """Write the archive to ``path`` (it appears only once complete); returns (events,
    documents). A document whose bytes are missing or do not match their hash stops it."""
    source = contents or DatabaseContentStore(store)
    partial = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            with zf.open(EVENTS, "w", force_zip64=True) as out:
                count = export_jsonl(store, out)
            head = store.head().position  # the export's own head: later documents wait
            manifest: list[dict[str, Any]] = []
            seen: set[str] = set()
            for r in store.read_all():
                if r.position > head:
                    break
                e = r.event
                if not isinstance(e, DocumentAttached) or e.sha256 in seen:
                    continue
                content = source.get(e.sha256)
                if content is None or hashlib.sha256(content).hexdigest() != e.sha256:
                    raise InvalidCommand(
                        f"document {e.sha256} is missing or changed: run `ppss audit verify`",
                        reason=DOCUMENT_MISSING_OR_CHANGED(sha=e.sha256),
                    )
                seen.add(e.sha256)
                zf.writestr(f"documents/{e.sha256}", content)
                manifest.append(
                    {"sha256": e.sha256, "media_type": e.media_type, "size_bytes": len(content)}
                )
            zf.writestr(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _log.info("archive_written", path=str(path), events=count, documents=len(manifest))
    return count, len(manifest)


def open_events(archive: zipfile.ZipFile) -> IO[bytes]:
    """The archive's jsonl export, to be read as ``ppss import`` reads a plain one."""
    try:
        return archive.open(EVENTS)
    except KeyError:
        raise InvalidCommand(
            f"the archive has no {EVENTS}: not an archive from ppss",
            reason=ARCHIVE_NO_EVENTS(name=EVENTS),
        ) from None


def load_documents(
    store: EventStore, archive: zipfile.ZipFile, *, contents: ContentStore | None = None
) -> int:
    """Put the archive's documents into the (just imported) store: each must hash to its
    name and be one an event points to. Returns how many were loaded."""
    target = contents or DatabaseContentStore(store)
    try:
        manifest = orjson.loads(archive.read(MANIFEST))
    except (KeyError, orjson.JSONDecodeError):
        raise InvalidCommand(
            f"the archive has no readable {MANIFEST}", reason=ARCHIVE_NO_MANIFEST(name=MANIFEST)
        ) from None
    attached = {r.event.sha256 for r in store.read_all() if isinstance(r.event, DocumentAttached)}
    loaded = 0
    for entry in manifest:
        sha = str(entry.get("sha256", ""))
        if sha not in attached:
            raise InvalidCommand(
                f"the archive's document {sha[:16]}… is attached to nothing",
                reason=ARCHIVE_DOCUMENT_UNATTACHED(sha=sha[:16]),
            )
        try:
            content = archive.read(f"documents/{sha}")
        except KeyError:
            raise InvalidCommand(
                f"the archive lists document {sha[:16]}… but lacks it",
                reason=ARCHIVE_DOCUMENT_LACKING(sha=sha[:16]),
            ) from None
        if hashlib.sha256(content).hexdigest() != sha:
            raise InvalidCommand(
                f"the archive's document {sha[:16]}… does not match its hash",
                reason=ARCHIVE_DOCUMENT_CHANGED(sha=sha[:16]),
            )
        target.put(sha, str(entry.get("media_type", "application/octet-stream")), content)
        loaded += 1
    return loaded
