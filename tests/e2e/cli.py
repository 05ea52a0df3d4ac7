"""Run the `ppss` command as a user would: a separate process, its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def ppss(*args: str, home: Path, env: dict[str, str] | None = None, timeout: int = 300) -> Run:
    """``ppss ARGS`` with a private data folder (XDG_DATA_HOME) and no configured store."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment.update({"XDG_DATA_HOME": str(home), "COLUMNS": "200", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "ppss_workflow", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_line_error(run: Run, *needles: str) -> None:
    """A user mistake: non-zero exit, one line on stderr, no traceback."""
    assert run.code != 0, run
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for needle in needles:
        assert needle in lines[0], lines[0]
