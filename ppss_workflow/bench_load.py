"""The load benchmark: many people using the web API at once, on two server processes.

A round of N projects is written on a scratch PostgreSQL schema (as ``ppss bench board``
writes it), two ``ppss serve`` processes are started on loopback ports over that one store,
and ``people`` simulated people work for ``seconds``: coordinators read the board and record
payments of 1 kr, districts read their own project, auditors read the board and projects.
Each person is a thread with its own keep-alive connection and bearer token; every loop is
bounded in time and in count, so the run stops by itself.

Reported: ``requests_per_s``, ``p50_ms``/``p95_ms``/``p99_ms`` (latency of every answer;
``payment_p50_ms``/``payment_p95_ms`` of the payments alone), ``load_average`` (the machine's,
as the run ends: other work on the same cores inflates every figure),
``errors`` (a 5xx, a refused connection, or an answer no request of that kind may get) and
``verified``: after the run the money adds up (no project paid more grant than it was awarded
nor more supervision money than it was granted; the board's paid columns, grant and supervision
together, equal the sum of the payment events; the store grew by exactly the payments answered
201) and ``audit verify`` passes.

A payment refused by the round's rules (409) is a correct answer, not an error.
"""

from __future__ import annotations

import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import orjson

from events import DisbursementMade
from policies.state import stockholm_day
from ppss_workflow.auditing import verify_chain
from ppss_workflow.bench_board import RID, _build, _store
from ppss_workflow.db import normalise_url
from ppss_workflow.errors import BENCH_LOAD_POSTGRES, ConfigurationError
from ppss_workflow.readmodels import Reads
from ppss_workflow.rows import BoardRow
from ppss_workflow.tokens import create_token

__all__ = ["run_load_bench"]

Progress = Callable[[str, int, int], None]

#: The answers each kind of request may get; anything else is an error.
_EXPECTED = {"read": {200}, "pay": {201, 409}}
#: How long the servers may take to answer their first request.
_START_S = 120.0
#: At most this many requests per person per second of the run (a bound on every loop).
_MAX_RATE = 1_000
#: The kinds of request the breakdown tells apart: the whole board, one project's page (a
#: coordinator's or auditor's look at any project), a district's own project, a payment.
_KINDS = ("board", "project", "own_project", "pay")


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    #: The payments' own latencies (also in ``latencies``): they wait for the append's lock.
    paying: list[float] = field(default_factory=list)
    #: Every latency again, by the kind of request (see _KINDS).
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    paid: int = 0
    #: Payments answered 409: refused by the round's rules, or still overtaken by others'
    #: appends after every retry (a correct answer, not an error: nothing was written).
    refused: int = 0
    first_error: str = ""


def run_load_bench(
    people: int, seconds: float, projects: int, base_url: str | None, report: Progress
) -> dict[str, Any]:
    """Serve a round of ``projects`` projects from two processes and load it; see the module."""
    if base_url is None or normalise_url(base_url).get_backend_name() != "postgresql":
        raise ConfigurationError(
            "ppss bench load runs two servers on one PostgreSQL store: give --database "
            "postgresql://HOST/DB",
            reason=BENCH_LOAD_POSTGRES(),
        )
    with _store(base_url) as (store, url):

        def clock() -> datetime:
            return datetime.now(UTC)

        _build(store, projects, stockholm_day(clock()), report)
        reads = Reads(store, clock)
        reads.model.catch_up()
        paid_before = sum(_paid(r) for r in reads.board(RID))
        head_before = store.head().position
        districts = [f"Distrikt {i:06d}" for i in range(projects)]
        tokens = {
            "coordinator": create_token(store, "load-coordinator", "coordinator"),
            "auditor": create_token(store, "load-auditor", "auditor"),
        }
        for i, name in enumerate(districts[:people]):
            tokens[name] = create_token(store, f"load-district-{i}", f"district:{name}")
        servers = _servers(url)
        with servers as ports:
            report("people working", 0, 1)
            server_cpu = servers.cpu_seconds()
            client_cpu = time.process_time()
            tally, took = _run_people(people, seconds, ports, tokens, districts)
            client_cpu = time.process_time() - client_cpu
            server_cpu = _less(servers.cpu_seconds(), server_cpu)
            # The machine's 1-minute load average as the run ends: other work on the same cores
            # inflates every latency above (None where the system does not say).
            load_average = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
            report("people working", 1, 1)
        reads = Reads(store, clock)
        reads.model.catch_up()
        rows = reads.board(RID)
        events_paid = sum(
            r.event.amount_sek
            for r in store.read_streams(f"project:{RID}:")
            if isinstance(r.event, DisbursementMade)
        )
        paid_after = sum(_paid(r) for r in rows)
        chain = verify_chain(store)
        verified = (
            chain.ok
            and all(r.disbursed_sek <= r.awarded_sek for r in rows)
            and all(r.supervision_paid_sek <= r.supervision_granted_sek for r in rows)
            and paid_after == events_paid
            and paid_after - paid_before == tally.paid
            and store.head().position - head_before == tally.paid
        )
    latencies = sorted(tally.latencies)
    paying = sorted(tally.paying)
    count = len(latencies)
    return {
        "backend": "postgresql",
        "servers": len(ports),
        "people": people,
        "seconds": seconds,
        "projects": projects,
        "requests": count,
        "requests_per_s": round(count / took, 1) if took else 0.0,
        "p50_ms": round(_pct(latencies, 50), 1),
        "p95_ms": round(_pct(latencies, 95), 1),
        "p99_ms": round(_pct(latencies, 99), 1),
        "payments": len(tally.paying),
        "payment_p50_ms": round(_pct(paying, 50), 1),
        "payment_p95_ms": round(_pct(paying, 95), 1),
        "by_kind": _breakdown(tally.by_kind),
        "load_average": load_average,
        # CPU per answer: the two servers' own (what the machine's other work does not
        # inflate, unlike the latencies) and the simulated people's (this process).
        "server_cpu_ms_per_request": (
            round(server_cpu * 1000 / count, 2) if server_cpu is not None and count else None
        ),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / count, 2) if count else None,
        "payments_recorded": tally.paid,
        "payments_refused": tally.refused,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "verified": verified,
    }


def _paid(row: BoardRow) -> int:
    """All that was paid to a project: the board keeps grant and supervision money apart."""
    return row.disbursed_sek + row.supervision_paid_sek


def _less(after: float | None, before: float | None) -> float | None:
    return after - before if after is not None and before is not None else None


def _breakdown(by_kind: dict[str, list[float]]) -> dict[str, dict[str, float | int]]:
    """Per kind of request (in _KINDS' order, those that were asked): how many, and their
    latency's p50/p95/p99 in ms."""
    out: dict[str, dict[str, float | int]] = {}
    for kind in _KINDS:
        values = sorted(by_kind.get(kind, ()))
        if values:
            out[kind] = {
                "requests": len(values),
                "p50_ms": round(_pct(values, 50), 1),
                "p95_ms": round(_pct(values, 95), 1),
                "p99_ms": round(_pct(values, 99), 1),
            }
    return out


def _pct(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


class _servers:  # noqa: N801 - used as a context manager, reads as one
    """``count`` ``ppss serve`` processes on free loopback ports; stopped on the way out."""

    def __init__(self, url: str, count: int = 2) -> None:
        self.url = url
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Any] = []

    def __enter__(self) -> list[int]:
        env = {
            **os.environ,
            "PPSS_WEB_SECRET_KEY": secrets.token_hex(32),
            "PPSS_LOG_LEVEL": "warning",
        }
        env.pop("PPSS_DATABASE_URL", None)
        ports = [_free_port() for _ in range(self.count)]
        try:
            for port in ports:
                log = tempfile.TemporaryFile()
                self.logs.append(log)
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                        [sys.executable, "-m", "ppss_workflow", "serve", "--host", "127.0.0.1",
                         "--port", str(port), "--database", self.url],
                        env=env, stdout=log, stderr=log,
                    )
                )  # fmt: skip
            for port, process, log in zip(ports, self.processes, self.logs, strict=True):
                _wait_ready(port, process, log)
        except BaseException:
            self.__exit__()
            raise
        return ports

    def cpu_seconds(self) -> float | None:
        """The servers' CPU time so far (user and system, every thread), where the system
        says (Linux's /proc); else None."""
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0
        total = 0.0
        for process in self.processes:
            try:
                with open(f"/proc/{process.pid}/stat", "rb") as f:
                    # After the command's name (in parentheses, which may hold spaces):
                    # utime and stime are the 12th and 13th fields.
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
        for log in self.logs:
            log.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + _START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            said = log.read().decode(errors="replace")[-800:]
            raise RuntimeError(f"a server stopped while starting: {said}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/rounds")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer within {_START_S:.0f} s")


def _run_people(
    people: int, seconds: float, ports: list[int], tokens: dict[str, str], districts: list[str]
) -> tuple[_Tally, float]:
    tallies = [_Tally() for _ in range(people)]
    start = threading.Barrier(people + 1)
    threads = [
        threading.Thread(
            target=_person,
            args=(k, seconds, ports[k % len(ports)], tokens, districts, tallies[k], start),
            daemon=True,
        )
        for k in range(people)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    began = time.monotonic()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    took = time.monotonic() - began
    total = _Tally()
    for t in tallies:
        total.latencies += t.latencies
        total.paying += t.paying
        for kind, values in t.by_kind.items():
            total.by_kind.setdefault(kind, []).extend(values)
        total.errors += t.errors
        total.paid += t.paid
        total.refused += t.refused
        total.first_error = total.first_error or t.first_error
    total.errors += sum(thread.is_alive() for thread in threads)
    return total, took


def _person(
    k: int,
    seconds: float,
    port: int,
    tokens: dict[str, str],
    districts: list[str],
    tally: _Tally,
    start: threading.Barrier,
) -> None:
    """One person: a coordinator (2 in 5), a district (2 in 5) or an auditor (1 in 5)."""
    rng = random.Random(k)  # noqa: S311 - which page to read, not a secret
    kind = ("coordinator", "coordinator", "district", "district", "auditor")[k % 5]
    me = districts[k % len(districts)]
    token = tokens[me] if kind == "district" else tokens[kind]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    board = f"/api/v1/rounds/{RID}/board"
    paid_on = date(datetime.now(UTC).year - 1, 12, 15).isoformat()

    def project(name: str) -> str:
        return f"/api/v1/rounds/{RID}/projects/{quote(name)}"

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start.wait(timeout=60)
    deadline = time.monotonic() + seconds
    for n in range(int(seconds * _MAX_RATE) + 1):
        if time.monotonic() >= deadline:
            break
        body: bytes | None = None
        what, asked = "read", "own_project"
        if kind == "district":
            method, path = "GET", project(me)
        elif kind == "auditor" or n % 2 == 0:
            method, path = "GET", board if n % 4 == 0 else project(rng.choice(districts))
            asked = "board" if n % 4 == 0 else "project"
        else:
            # Through the command table's API, on a day inside the round's period (the
            # benchmark's round ran last year): a payment recorded on the day it was made.
            method, path, what = "POST", "/api/v1/commands/disburse", "pay"
            asked = "pay"
            body = orjson.dumps({
                "round_id": RID, "district": rng.choice(districts), "amount_sek": 1,
                "payment_reference": f"load-{k}-{n}", "on": paid_on,
            })  # fmt: skip
        began = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            said = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as exc:
            status, detail = 0, f"{method} {path}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        else:
            detail = f"{method} {path}: {status} {said[:300].decode(errors='replace')}"
        took = (time.perf_counter() - began) * 1000
        tally.latencies.append(took)
        tally.by_kind.setdefault(asked, []).append(took)
        if what == "pay":
            tally.paying.append(took)
        if status not in _EXPECTED[what]:
            tally.errors += 1
            tally.first_error = tally.first_error or detail
        elif what == "pay" and status == 201:
            tally.paid += 1
        elif what == "pay":
            tally.refused += 1
    conn.close()
