"""structlog set-up: key-value events to stderr, JSON when not on a terminal."""

from __future__ import annotations

import io
import logging
import sys
from typing import TextIO, cast

import structlog

__all__ = ["configure_logging", "get_logger"]


class _CurrentStderr(io.TextIOBase):
    """``sys.stderr`` as it is when a line is written, not when logging was set up: a stream
    swapped in for a while (a test runner's, a redirected one) and closed after must not take
    the log lines with it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "info", *, json: bool | None = None) -> None:
    """Console rendering for people at a terminal, JSON lines for machines and files."""
    if json is None:
        json = not sys.stderr.isatty()
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
