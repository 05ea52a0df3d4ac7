"""Waiting for a state in tests: poll with a deadline, never sleep a fixed time and hope."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")

#: Long enough for a loaded two-core machine; a state that never comes fails at the deadline.
DEFAULT_TIMEOUT = 60.0


class NotReached(AssertionError):
    """The state did not come before the deadline."""


def wait_until(
    check: Callable[[], T | None],
    what: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.01,
) -> T:
    """Call ``check`` until it returns something truthy; return that. Fails with ``what`` (the
    state waited for) if ``timeout`` seconds pass first. The pause between calls grows from
    ``interval`` to at most 0.25 s, so a quick state is seen quickly and a slow one cheaply."""
    deadline = time.monotonic() + timeout
    pause = interval
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise NotReached(f"not reached within {timeout:g} s: {what}")
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.25)


def wait_for_line(stream: IO[str], text: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Read ``stream`` (a child's standard output) until a line contains ``text``; everything
    read so far. Fails if the stream ends or ``timeout`` passes first. The lines are read in a
    thread, so a silent child cannot block the test past the deadline."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
            if text in line:
                break
        else:
            lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen = ""
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise NotReached(
                f"no line with {text!r} within {timeout:g} s; read: {seen!r}"
            ) from None
        if line is None:
            raise NotReached(f"the output ended without {text!r}; read: {seen!r}")
        seen += line
        if text in line:
            return seen
