"""``python -m ppss_workflow ARGS`` in a new process, started by forking a process that has
already imported the program, instead of a new interpreter that imports it again.

Why: most of the suite's time went to starting ``ppss`` hundreds of times, and most of each
start (about 0.6 s of CPU) is importing SQLAlchemy, pydantic, Typer and our modules. A *fork
server* imports them once per test worker; each run is a fork of it: a separate process with
its own environment (replaced whole, as ``subprocess.run(env=...)`` does), working folder, argv,
stdin from ``/dev/null``, stdout and stderr to files, and its own exit code. The program runs as
``python -m ppss_workflow`` runs it (``runpy`` with ``__main__``), exit handlers included. What
a fork cannot give is a fresh interpreter: the libraries and our modules below the command line
are imported before the run's environment is set (none of them reads it at import time), the
command modules (``ppss_workflow.cli``) are imported by each run again, and start-up itself is
not measured here: ``tests/e2e/test_cli_startup.py`` starts real interpreters.

``PPSS_TEST_FORK=0`` runs every command in a new interpreter (``subprocess.run``) instead.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson

__all__ = ["Finished", "run_ppss"]

#: The fork server: it imports the program, then reads one request per line (JSON) on stdin,
#: forks a child per request, and writes ``started ID PID`` and ``done ID CODE`` lines.
_SERVER = r"""
import importlib, json, os, pkgutil, runpy, select, signal, sys, traceback
import ppss_workflow.entry, ppss_workflow.cli
for found in pkgutil.iter_modules(ppss_workflow.cli.__path__):  # every command module's imports
    importlib.import_module(f"ppss_workflow.cli.{found.name}")
import sqlalchemy.dialects.sqlite, sqlalchemy.dialects.postgresql  # noqa: F401

# The command modules themselves are imported again by each run: they make their consoles
# (Rich reads COLUMNS, NO_COLOR, TERM...) as they are imported, and each run has its own
# environment. What they import (the libraries, the rest of ours) stays imported.
import ppss_workflow
for name in [n for n in sys.modules if n.startswith(("ppss_workflow.cli", "ppss_workflow.entry"))]:
    del sys.modules[name]
for name in ("cli", "entry"):
    ppss_workflow.__dict__.pop(name, None)

def child(request):
    os.setpgid(0, 0)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, request["out"], os.O_WRONLY | os.O_TRUNC),
                            (2, request["err"], os.O_WRONLY | os.O_TRUNC)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = ["ppss", *request["args"]]
    code = 0
    try:
        runpy.run_module("ppss_workflow", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        import atexit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)

woken_r, woken_w = os.pipe()
os.set_blocking(woken_w, False)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.set_wakeup_fd(woken_w)
running = {}
pending = b""
answers = sys.stdout
print("ready", flush=True)
while True:
    try:
        readable, _, _ = select.select([0, woken_r], [], [])
    except InterruptedError:
        readable = []
    if woken_r in readable:
        os.read(woken_r, 4096)
    if 0 in readable:
        data = os.read(0, 1 << 16)
        if not data:
            break
        pending += data
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(woken_r)
            os.close(woken_w)
            child(request)
        running[pid] = request["id"]
        print(f"started {request['id']} {pid}", file=answers, flush=True)
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        print(f"done {running.pop(pid)} {os.waitstatus_to_exitcode(status)}", file=answers,
              flush=True)
"""


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str


class _Server:
    """One fork server per test process, started at first use."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.process.stdout is not None
        assert self.process.stdin is not None
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise RuntimeError(f"the fork server did not start: {ready!r}")
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.pids: dict[int, int] = {}
        self.codes: dict[int, int] = {}
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            word, ident, value = line.split()
            with self.changed:
                (self.pids if word == "started" else self.codes)[int(ident)] = int(value)
                self.changed.notify_all()

    def run(self, args: list[str], env: dict[str, str], timeout: float) -> Finished:
        with tempfile.TemporaryDirectory(prefix="ppss-run-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            out.touch()
            err.touch()
            with self.lock:
                ident = self.next_id
                self.next_id += 1
                request = {"id": ident, "args": args, "env": env, "cwd": os.getcwd(),
                           "out": str(out), "err": str(err)}  # fmt: skip
                assert self.process.stdin is not None
                self.process.stdin.write(orjson.dumps(request).decode() + "\n")
                self.process.stdin.flush()
            with self.changed:
                if not self.changed.wait_for(lambda: ident in self.codes, timeout=timeout):
                    pid = self.pids.get(ident)
                    if pid is not None:
                        os.killpg(pid, 9)
                    self.changed.wait_for(lambda: ident in self.codes, timeout=30)
                    raise subprocess.TimeoutExpired(["ppss", *args], timeout)
                code = self.codes.pop(ident)
                self.pids.pop(ident, None)
            return Finished(code, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


_server: _Server | None = None
_starting = threading.Lock()


def _the_server() -> _Server:
    global _server  # noqa: PLW0603 - one per test process
    with _starting:
        if _server is None or _server.process.poll() is not None:
            _server = _Server()
            atexit.register(_server.close)
        return _server


def run_ppss(args: list[str], env: dict[str, str], timeout: float) -> Finished:
    """``python -m ppss_workflow ARGS`` with exactly ``env``, in the current folder."""
    if os.environ.get("PPSS_TEST_FORK") == "0" or not hasattr(os, "fork"):
        done = subprocess.run(
            [sys.executable, "-m", "ppss_workflow", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
        return Finished(done.returncode, done.stdout, done.stderr)
    return _the_server().run(list(args), env, timeout)
