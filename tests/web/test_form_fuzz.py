"""Every web form, fuzzed: any value in any field (control characters, line breaks, bidi marks,
huge numbers) is answered below 500, on both backends. The routes and their fields are read
from the app itself, so a new form is fuzzed without being listed here."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppss_workflow.store import EventStore
from ppss_workflow.web import auditor, calendar_web, coordinator, pages, portal
from tests.web.conftest import csrf_of

#: Path parameters as a real project and round of the demo name them.
PATH_VALUES = {"round_id": "ppss-2014", "district": "farsta", "session_id": "natverk-1"}
#: What people should never be able to crash a form with.
NASTY = [
    "a\x00b",
    "rad ett\nrad två",
    "\u202eabc",
    "\x1b[31m",
    "\t",
    "9" * 40,
    "-1",
    "",
    "2014-13-45",
]


#: The routers of the web pages (the API has its own tests and Schemathesis).
PAGE_ROUTERS = (
    pages.router,
    portal.router,
    coordinator.router,
    calendar_web.router,
    auditor.router,
)


#: A plausible value for every form field, so that one nasty field reaches the command model.
BASELINE = {
    "amount": "1000", "reference": "R-9", "purpose": "grant", "plan_id": "p9",
    "decision": "approve", "meeting_on": "2014-12-10", "reason": "Skäl",
    "target_group_size": "10", "pupils_reached": "5", "unplanned_dropouts": "0",
    "unauthorised_absence_hours": "0", "pupils_with_improved_attendance": "0",
    "period_start": "2014-01-01", "period_end": "2014-12-31", "self_financing_plan": "Plan",
    "spent": "1000", "forecast": "1000", "district": "Farsta", "lead_unit": "Enhet",
    "school": "Skola", "applied": "1000", "budget_label": "Löner", "budget_amount": "1000",
    "budget_own": "0", "cost_centre": "123", "bankgiro": "123-4567",
    "sign_administration_director": "Namn", "sign_finance_director": "Namn",
    "sign_head_of_department": "Namn", "summary": "Sammanfattning", "outside_plan": "0",
    "cost_description": "Löner", "decision_ref": "SN 9", "decided_on": "2014-12-10",
    "session_id": "natverk-1", "outcome": "attended", "note": "Not", "participants": "1",
    "on": "2014-12-10", "due_on": "2015-03-31", "how": "received", "position": "1",
    "code": "t1", "description": "Beskrivning", "round_id": "ny-runda", "title": "Ny runda",
    "budget": "1000", "supervision_pool": "0", "policy": "ppss-2014", "step": "preview",
    "decided_by": "Styrgruppen", "confirm": "yes",
}  # fmt: skip


def form_routes(client: TestClient) -> list[tuple[str, list[str]]]:
    """Every POST route of the web pages (not the API, not sign-in) and its form fields."""
    found = []
    for route in (r for router in PAGE_ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute) or "POST" not in route.methods:
            continue
        if route.path.startswith(("/api/", "/login", "/logout")):
            continue
        fields = [p.alias for p in route.dependant.body_params if p.alias != "csrf_token"]
        path = route.path
        for name in re.findall(r"{(\w+)}", path):
            path = path.replace(f"{{{name}}}", PATH_VALUES.get(name, "x"))
        found.append((path, fields))
    return sorted(found)


def test_there_are_forms_to_fuzz(app_client: TestClient) -> None:
    """The route table finds the forms (so the fuzz below is not vacuous)."""
    routes = form_routes(app_client)
    assert len(routes) >= 13, routes
    assert any(path.endswith("/repayment-demands") for path, _ in routes)


@pytest.mark.parametrize("user", ["coordinator", "district:Farsta"])
def test_a_nasty_value_in_any_one_field_is_never_a_500(
    user: str, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """Each form filled plausibly, then one field at a time given a control character, a line
    break, a bidi mark or a huge number: 4xx or a redirect, never 500."""
    client = signed_in(user)
    csrf = csrf_of(client.get("/").text)
    for path, fields in form_routes(client):
        base = {name: BASELINE.get(name, "") for name in fields}
        for field in fields:
            for value in NASTY:
                data = {**base, field: value, "csrf_token": csrf}
                response = client.post(path, data=data, follow_redirects=False)
                assert response.status_code < 500, (path, field, value, response.text[-300:])


@pytest.mark.parametrize("user", ["coordinator", "district:Farsta"])
def test_any_values_in_the_forms_are_never_a_500(
    user: str, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """Hypothesis over the fields of every POST form: whatever is sent, never a 500."""
    client = signed_in(user)
    csrf = csrf_of(client.get("/").text)
    routes = form_routes(client)
    text: st.SearchStrategy[str] = st.one_of(
        st.text(max_size=30),
        st.sampled_from(NASTY),
        st.integers(-(2**70), 2**70).map(str),
        st.dates().map(str),
    )

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        pick=st.integers(0, len(routes) - 1),
        values=st.lists(st.one_of(st.just(""), text), min_size=20, max_size=20),
    )
    def fuzz(pick: int, values: list[str]) -> None:
        path, fields = routes[pick]
        data: dict[str, Any] = {name: BASELINE.get(name, "") for name in fields}
        for i, name in enumerate(fields[: len(values)]):
            if values[i] != "":  # an empty draw keeps the plausible value
                data[name] = values[i]
        response = client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code < 500, (path, data, response.text[-500:])

    fuzz()


def test_a_bidi_mark_is_an_error_beside_its_field(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """The repayment demand's reason with a bidi override: 422, the error beside the reason,
    nothing written (the API says 422 for the same value)."""
    client = signed_in("coordinator")
    csrf = csrf_of(client.get("/").text)
    before = demo_store.count()
    data = {"amount": "1000", "due_on": "2015-03-31", "reason": "Ej \u202eanvänt",
            "csrf_token": csrf}  # fmt: skip
    response = client.post("/rounds/ppss-2014/projects/farsta/repayment-demands", data=data)
    assert response.status_code == 422
    assert 'id="demand-reason-error"' in response.text
    assert "Använd bara skrivbara tecken" in response.text
    assert demo_store.count() == before
