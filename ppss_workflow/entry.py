"""The `ppss` entry point: a Ctrl-C while the program is still loading is one line too."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from ppss_workflow.cli import main as run  # noqa: PLC0415 - the slow part, guarded
    except KeyboardInterrupt:
        print("ppss: interrupted while starting; nothing was done", file=sys.stderr)
        sys.exit(130)
    run()
