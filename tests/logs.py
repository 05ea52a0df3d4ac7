"""Log capture for tests that does not depend on what an earlier test configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from structlog.typing import EventDict


@contextmanager
def all_logs() -> Iterator[list[EventDict]]:
    """Every log event made inside the block: structlog's defaults are restored first (no
    level filter such as the CLI's warning level, nothing cached), then the events are
    captured; afterwards the defaults again."""
    structlog.reset_defaults()
    try:
        with structlog.testing.capture_logs() as captured:
            yield captured
    finally:
        structlog.reset_defaults()
