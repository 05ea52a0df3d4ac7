"""The import benchmark: a history of about N events, exported and imported as a user does.

The history is a round of N/30 projects made as for ``ppss bench board``: one project's
events through the real commands (and the reminders the dispatcher's rule had due), copied
for each district with its own names and references, each event with its recorder's role.
It is exported with ``export_jsonl``, then ``ppss import`` runs in a child process into an
empty store (every row checked, every event judged by the engine's decisions), and the
figures are taken from that child:

- ``import_s``: the child's wall time, start-up included;
- ``import_eps``: events imported per second of it;
- ``import_cpu_s`` and ``import_cpu_eps``: the same in the child's CPU time (user and
  system), the figure that holds when other work shares the machine;
- ``peak_rss_mb``: the child's peak resident memory (``VmHWM``, read as it exits).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ppss_workflow.bench_board import _CHILD, _build, _store
from ppss_workflow.bench_board import Progress as Report
from ppss_workflow.export import export_jsonl
from ppss_workflow.scratch import scratch_url

__all__ = ["EVENTS_PER_PROJECT", "run_import_bench"]

#: Events of one project of the board benchmark's round (its template).
EVENTS_PER_PROJECT = 30


def run_import_bench(events: int, base_url: str | None, report: Report) -> dict[str, Any]:
    """Build about ``events`` events, export them, and time ``ppss import`` of the file."""
    projects = max(1, events // EVENTS_PER_PROJECT)
    today = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="ppss-bench-import-") as folder:
        export = Path(folder) / "history.jsonl"
        with _store(None) as (store, _):
            written = _build(store, projects, today, report)
            report("exporting", 0, written)
            with export.open("wb") as out:
                count = export_jsonl(store, out)
            report("exporting", count, written)
        with scratch_url(base_url) as url:
            # The scratch schema exists; the import needs an empty store there.
            report("importing", 0, count)
            took, cpu, peak = _import(export, url)
            report("importing", count, count)
        size = export.stat().st_size
    return {
        "backend": "postgresql" if base_url else "sqlite",
        "events": count,
        "projects": projects,
        "export_mb": round(size / 1e6, 1),
        "import_s": round(took, 2),
        "import_eps": round(count / took),
        "import_cpu_s": round(cpu, 2),
        "import_cpu_eps": round(count / cpu),
        "peak_rss_mb": round(peak, 1),
    }


def _import(export: Path, url: str) -> tuple[float, float, float]:
    """``ppss import`` in a child process: wall seconds, CPU seconds and its peak RSS (MB)."""
    env = {**os.environ, "PPSS_LOG_LEVEL": "warning"}
    command = [sys.executable, "-c", _CHILD, "import", str(export), "--database", url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"ppss import failed: {done.stderr.decode(errors='replace')[-800:]}")
    peak = [line for line in done.stderr.decode().splitlines() if line.startswith("VmHWM:")]
    kilobytes = int(peak[-1].split()[1]) if peak else 0
    return took, cpu, kilobytes / 1024
