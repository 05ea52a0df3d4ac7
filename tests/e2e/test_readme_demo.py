"""README command 1 (`ppss demo` with no store configured) as a new user runs it: it shows a
round running now with something to do today, in Swedish, and every command it prints works
as written: the boards print, and `serve --demo` and `demo --serve` serve the demo (on a free
port, the one change made to them)."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import time
from datetime import datetime
from pathlib import Path

import httpx

from policies.state import STOCKHOLM
from ppss_workflow.demo_now import round_id_for
from tests.e2e.cli import ppss


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment.update({"XDG_DATA_HOME": str(home), "COLUMNS": "200"})
    return environment


def _serves(argv: list[str], home: Path) -> str:
    """Run a serving hint on a free port until the demo's sign-in page answers; its text."""
    port = _free_port()
    server = subprocess.Popen(
        [*argv, "--port", str(port)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise AssertionError(
                    f"{argv} stopped: {server.stderr.read() if server.stderr else ''}"
                )
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/login/demo", timeout=5)
            except httpx.TransportError:
                time.sleep(0.3)
                continue
            assert page.status_code == 200
            return page.text
        raise AssertionError(f"{argv} did not answer within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_readme_command_1_shows_todays_round_and_its_hints_work(tmp_path: Path) -> None:
    run = ppss("demo", home=tmp_path)
    assert run.code == 0, run.err
    current = round_id_for(datetime.now(STOCKHOLM).date())
    assert f"Tavla för {current}" in run.out
    assert "Kan betalas ut nu" in run.out
    assert "Öppna demon i en webbläsare" in run.out
    hints = [
        shlex.split(line.strip())
        for line in run.out.splitlines()
        if (line.startswith("  ") and " --database " in line)
        or line.strip().endswith("demo --serve")
    ]
    kinds = sorted(" ".join(a for a in h[1:3] if not a.startswith("-")) for h in hints)
    assert kinds == ["board", "board", "demo", "serve"], hints
    for hint in hints:
        assert Path(hint[0]).exists(), f"{hint[0]} is not a program that exists: {hint}"
        if "board" in hint:
            done = subprocess.run(
                hint, env=_env(tmp_path), capture_output=True, text=True, timeout=300, check=False
            )
            assert done.returncode == 0, done.stderr
            assert "Tavla för" in done.stdout
        else:
            assert "Logga in" in _serves(hint, tmp_path)
