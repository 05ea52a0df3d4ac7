"""Storage faults in one line: the cause (a full disk, a read-only store, a lost connection, a
folder that cannot be written), the store, and what to do."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ppss_workflow.errors import StoreUnavailable, WorkflowError
from ppss_workflow.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator, translator

__all__ = [
    "CAUSES",
    "ChainBroken",
    "StorageFault",
    "cause_of",
    "note_store",
    "one_line",
    "storage_fault",
]

#: The store this process opened last: named in a fault caught far from the store.
_last_store: list[str] = []


def note_store(url: str) -> None:
    """Remember ``url`` (already without a password) as the store in use."""
    _last_store[:] = [url]


#: Each cause a storage fault is put down to, and what to do about it.
CAUSES: dict[str, tuple[str, str]] = {
    "disk_full": (
        N_("the disk is full"),
        N_("free space on the disk (or move the store) and run the command again"),
    ),
    "read_only": (
        N_("the database is read-only"),
        N_("give the program write access to the store's file, or use another store"),
    ),
    "folder_not_writable": (
        N_("the folder cannot be written to"),
        N_("give the program write access to the store's folder, or use another folder"),
    ),
    "connection_lost": (
        N_("the connection to the database was lost"),
        N_("check that the database server is running and run the command again"),
    ),
}
_WRITE = N_("cannot write to %(store)s: %(cause)s; %(advice)s. Nothing half-written was kept.")
_READ = N_("cannot read %(store)s: %(cause)s; %(advice)s.")
_OPEN = N_("cannot open %(store)s: %(cause)s; %(advice)s.")
_DOING = {"write": _WRITE, "read": _READ, "open": _OPEN}

#: Less free space than this on a SQLite store's disk, with an I/O error: the disk is full.
_NEARLY_FULL = 1024 * 1024


class StorageFault(StoreUnavailable):
    """The store could not be written or read, for a cause a person can act on."""

    def __init__(self, cause: str, store: str, doing: str = "write") -> None:
        self.cause = cause
        self.store = store
        self.doing = doing
        super().__init__(self.said())

    def said(self, lang: str | None = None) -> str:
        """The one line, in ``lang`` (default: ``$PPSS_LANG``, else Swedish)."""
        t = translator(lang) if lang in LANGUAGES else _translated()
        cause, advice = CAUSES[self.cause]
        return t.t(
            _DOING.get(self.doing, _WRITE),
            store=self.store,
            cause=t.gettext(cause),
            advice=t.gettext(advice),
        )

    def __str__(self) -> str:
        return self.said()


class ChainBroken(WorkflowError):
    """The newest stored row does not match its hash: the store was changed outside the
    program, and nothing is chained onto it until ``ppss audit verify`` has been run."""

    exit_code = 7

    def __init__(self, position: int, store: str) -> None:
        self.position = position
        self.store = store
        super().__init__(_translated().t(_BROKEN, store=store, position=position))


_BROKEN = N_(
    "the newest event in %(store)s (position %(position)s) does not match its hash: the "
    "store was changed outside the program; nothing was written. Run `ppss audit verify`"
)


def _translated() -> Translator:
    chosen = os.environ.get("PPSS_LANG", "").strip().lower()
    return translator(chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def _sqlite_folder(url: str | None) -> Path | None:
    if not url or not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name).parent if Path(name).parent != Path() else Path()


def _sqlite_file(url: str | None) -> Path | None:
    if not url or not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(name) if name and name != ":memory:" else None


def cause_of(exc: BaseException, url: str | None = None) -> str | None:
    """The cause of a driver's or the system's error, as a key of :data:`CAUSES` (None: not
    one of them). ``url``: the store's, to look at a SQLite file's folder and free space."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno is not None:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                return "disk_full"
            if e.errno == errno.EROFS:
                return "read_only"
            if e.errno in (errno.EACCES, errno.EPERM):
                return "folder_not_writable"
        text = str(e).lower()
        kind = type(e).__name__
        if "database or disk is full" in text or "no space left on device" in text:
            return "disk_full"
        if "could not extend file" in text or "could not write to file" in text:
            return "disk_full"
        if "readonly database" in text or "read-only" in text:
            return "read_only"
        if kind in ("AdminShutdown", "OperationalError", "InterfaceError") and any(
            s in text
            for s in (
                "terminating connection",
                "server closed the connection",
                "connection is closed",
                "consuming input failed",
                "connection is lost",
                "the connection is lost",
            )
        ):
            return "connection_lost"
        if kind == "AdminShutdown":
            return "connection_lost"
        if "disk i/o error" in text:
            folder = _sqlite_folder(url)
            if folder is not None and _free(folder) < _NEARLY_FULL:
                return "disk_full"
        if "unable to open database file" in text:
            folder = _sqlite_folder(url)
            file = _sqlite_file(url)
            if file is not None and file.exists() and not os.access(file, os.W_OK):
                return "read_only"
            if folder is not None and folder.is_dir() and not os.access(folder, os.W_OK):
                return "folder_not_writable"
            if folder is not None and folder.is_dir() and _free(folder) < _NEARLY_FULL:
                return "disk_full"
    return None


def _free(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return _NEARLY_FULL  # cannot tell: not put down to a full disk


def storage_fault(exc: BaseException, store: str, doing: str = "write") -> StorageFault | None:
    """A :class:`StorageFault` for ``exc`` when its cause is known (None otherwise)."""
    url = store if store.startswith("sqlite") else None
    cause = cause_of(exc, url)
    return None if cause is None else StorageFault(cause, store, doing)


def one_line(exc: BaseException) -> str:
    """A driver's or the system's error caught at the edge (a command, a scheduler run), as
    one line: its cause named when known, else its own first line with the store."""
    store = _last_store[0] if _last_store else "the store"
    found = storage_fault(exc, store)
    if found is not None:
        return str(found)
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        first = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return f"{store}: {first}"
