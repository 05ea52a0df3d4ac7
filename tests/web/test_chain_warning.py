"""The round page warns when the newest event does not match its hash, and a form that
would record on top of it is refused (503), nothing written (issue 24)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from ppss_workflow.store import EventStore
from tests.integration.test_audit import drop_triggers
from tests.web.test_coordinator_forms import R14, _post

WARNING = "Kör `ppss audit verify`"


def test_a_changed_head_row_is_warned_of_and_not_written_on(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """Before: no warning. The newest row changed behind the store's back: the round page
    warns (in Swedish), and a deadline form is refused with 503; the count is unchanged."""
    client = signed_in("coordinator")
    assert WARNING not in client.get(R14).text
    head = demo_store.head()
    drop_triggers(demo_store)
    with demo_store.engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET data = data || ' ' WHERE position = :p"),
            {"p": head.position},
        )
    page = client.get(R14).text
    assert WARNING in page
    assert f"position {head.position}" in page
    status, _ = _post(client, f"{R14}/deadlines", code="year_end_account",
                      due_on="2015-02-27", reason="Flyttad")  # fmt: skip
    assert status == 503
    assert demo_store.count() == head.position
