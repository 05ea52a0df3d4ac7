"""Run the `ppss` command as a user would: a separate process, its own environment (forked
from a process that has imported the program: ``tests/forked.py``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tests.forked import run_ppss


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def ppss(*args: str, home: Path, env: dict[str, str] | None = None, timeout: int = 300) -> Run:
    """``ppss ARGS`` with a private data folder (XDG_DATA_HOME) and no configured store."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment.update({"XDG_DATA_HOME": str(home), "COLUMNS": "200", **(env or {})})
    done = run_ppss(list(args), environment, timeout)
    return Run(done.code, done.out, done.err)


def assert_one_line_error(run: Run, *needles: str) -> None:
    """A user mistake: non-zero exit, one line on stderr, no traceback."""
    assert run.code != 0, run
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for needle in needles:
        assert needle in lines[0], lines[0]
