"""A server under many concurrent requests holds a bounded number of PostgreSQL connections
(issue 23): the store lends each call one of its ``LINKS`` connections and the engine's pool
has its own bound; neither grows with the server's threads. Real server, real PostgreSQL."""

from __future__ import annotations

import http.client
import threading
import time
from datetime import UTC, date, datetime
from urllib.parse import quote
from uuid import uuid4

import orjson
import psycopg
import pytest
from sqlalchemy.engine import make_url

from policies.state import stockholm_day
from ppss_workflow import db, store
from ppss_workflow.bench_board import RID, _build
from ppss_workflow.bench_load import _servers
from ppss_workflow.scratch import scratch_store
from ppss_workflow.tokens import create_token
from tests.conftest import pg_url

#: Far more requests at once than connections allowed: each on its own keep-alive connection.
CLIENTS = 40
ROUNDS = 6
PROJECTS = 10


def _bound() -> int:
    return store.LINKS + db.POOL_SIZE + db.POOL_OVERFLOW


@pytest.mark.postgres
def test_many_concurrent_requests_keep_the_servers_connections_within_the_pools_bound() -> None:
    name = f"ppss-bound-{uuid4().hex[:10]}"
    with scratch_store(pg_url()) as st:
        _build(st, PROJECTS, stockholm_day(datetime.now(UTC)), lambda *_: None)
        tokens = [create_token(st, "bound-coordinator", "coordinator")]
        url = make_url(st.engine.url.render_as_string(hide_password=False))
        # Only the server's connections carry this name: PostgreSQL is shared with others.
        server_url = url.update_query_dict({"application_name": name})
        with _servers(server_url.render_as_string(hide_password=False), count=1) as (port,):
            counts, answers = _load(port, tokens[0], name)
    assert answers, "no request was answered"
    unexpected = {s for s in answers if s not in (200, 201, 409)}
    assert not unexpected, answers
    assert answers.get(201, 0) > 0, answers  # payments were recorded, not only reads
    assert max(counts) > 0, "the sampler never saw the server's connections"
    assert max(counts) <= _bound(), (max(counts), _bound())


def _load(port: int, token: str, name: str) -> tuple[list[int], dict[int, int]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    paid_on = date(datetime.now(UTC).year - 1, 12, 15).isoformat()
    answers: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)
    done = threading.Event()
    counts: list[int] = []

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait(timeout=60)
        for n in range(ROUNDS):
            district = f"Distrikt {(k + n) % PROJECTS:06d}"
            body = None
            if n % 3 == 0:
                method, path = "GET", f"/api/v1/rounds/{RID}/board"
            elif n % 3 == 1:
                method, path = "GET", f"/api/v1/rounds/{RID}/projects/{quote(district)}"
            else:
                method, path = "POST", "/api/v1/commands/disburse"
                body = orjson.dumps({
                    "round_id": RID, "district": district, "amount_sek": 1,
                    "payment_reference": f"bound-{k}-{n}", "on": paid_on,
                })  # fmt: skip
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            with lock:
                answers[answer.status] = answers.get(answer.status, 0) + 1
        conn.close()

    def sample() -> None:
        with psycopg.connect(pg_url().replace("postgresql+psycopg://", "postgresql://")) as pg:
            pg.autocommit = True
            while not done.is_set():
                row = pg.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
                ).fetchone()
                counts.append(int(row[0]) if row else 0)
                time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    clients = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    for c in clients:
        c.start()
    start.wait(timeout=60)
    for c in clients:
        c.join(timeout=300)
    done.set()
    sampler.join(timeout=30)
    assert not any(c.is_alive() for c in clients), "a client did not finish"
    return counts, answers
