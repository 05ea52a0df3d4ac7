"""A POST for every command under /api/v1/commands: described by /openapi.json, answered as
the payment POST is (201 / 200 already / problem+json), authorised per token. Both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from policies.table import COMMANDS
from ppss_workflow.store import EventStore
from ppss_workflow.web.commands_api import command_path

API = "/api/v1/commands"
PAYMENT = {
    "round_id": "ppss-2014",
    "district": "Rinkeby-Kista",
    "amount_sek": 5_000,
    "payment_reference": "CMD-1",
}
#: An annual follow-up on Farsta's 2014 project (a district may give it for its own project).
FOLLOW_UP = {
    "round_id": "ppss-2014",
    "district": "Farsta",
    "kind": "annual",
    "indicators": {"target_group_size": 40, "pupils_reached": 12, "unplanned_dropouts": 1},
}


def _auth(tokens: dict[str, str], role: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"} if role else {}


def test_every_command_has_a_route_with_its_own_body(app_client: TestClient) -> None:
    schema = app_client.get("/openapi.json").json()
    for kind in COMMANDS:
        operation = schema["paths"][f"{API}/{command_path(kind)}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(f"/{kind.__name__}"), (kind, body)
        assert {"201", "200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
        assert set(kind.model_fields) <= set(
            schema["components"]["schemas"][kind.__name__]["properties"]
        )


def test_recorded_then_already_recorded_by_the_tokens_holder(
    app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    headers = _auth(tokens, "coordinator")
    before = demo_store.count()
    first = app_client.post(f"{API}/disburse", json=PAYMENT, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["recorded"] is True
    position = first.json()["position"]
    assert position == demo_store.head().position == before + 1
    recorded = demo_store.find(position=position)
    assert recorded is not None
    assert recorded.metadata.actor == "token:test-coordinator"
    assert recorded.metadata.role == "coordinator"
    again = app_client.post(f"{API}/disburse", json=PAYMENT, headers=headers)
    assert again.status_code == 200
    assert again.json()["already_recorded"] is True
    assert demo_store.count() == before + 1


#: role -> (follow-up on Farsta's project, payment to Rinkeby-Kista, a plan decision)
EXPECTED: dict[str | None, tuple[int, int, int]] = {
    "coordinator": (201, 201, 403),
    "steering_group": (403, 403, 409),
    "auditor": (403, 403, 403),
    "scheduler": (403, 403, 403),
    "district:Farsta": (201, 404, 403),
    "district:Rinkeby-Kista": (404, 403, 404),
    None: (401, 401, 401),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_may_give_its_own_commands_only(
    role: str | None, app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    headers = _auth(tokens, role)
    decision = {
        "round_id": "ppss-2014",
        "district": "Farsta",
        "plan_id": "no-such-plan",
        "approve": True,
        "meeting_on": "2014-12-10",
    }
    for (path, body), expected in zip(
        (
            ("submit-follow-up", FOLLOW_UP),
            ("disburse", {**PAYMENT, "payment_reference": f"CMD-{role}"}),
            ("decide-plan", decision),
        ),
        EXPECTED[role],
        strict=True,
    ):
        before = demo_store.count()
        response = app_client.post(f"{API}/{path}", json=body, headers=headers)
        assert response.status_code == expected, (path, response.text)
        assert demo_store.count() == before + (1 if expected == 201 else 0)
        if expected >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == expected
            assert "Traceback" not in response.text


def test_bad_bodies_are_422_and_write_nothing(
    app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    headers = _auth(tokens, "coordinator")
    before = demo_store.count()
    for path, body in (
        ("disburse", {**PAYMENT, "amount_sek": -5}),
        ("disburse", {**PAYMENT, "surprise": 1}),
        ("open-round", {"round_id": "Not A Code"}),
        ("annul", {"round_id": "ppss-2014", "reason": "no target"}),
    ):
        response = app_client.post(f"{API}/{path}", json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = app_client.post(
        f"{API}/disburse", json={**PAYMENT, "round_id": "no-such-round"}, headers=headers
    )
    assert missing.status_code == 404
    assert demo_store.count() == before


def test_an_application_from_outside_the_2013_pilots_is_refused_through_the_api(
    app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    """Issue 21: the 2014 money is for the 8 districts of the 2013 pilots (seed 000)."""
    before = demo_store.count()
    body = {
        "round_id": "ppss-2014",
        "district": "Bromma",
        "application": {
            "district": "Bromma",
            "school_count": 2,
            "applied_sek": 900_000,
            "period_start": "2014-01-01",
            "period_end": "2014-12-31",
        },
    }
    refused = app_client.post(f"{API}/apply", json=body, headers=_auth(tokens, "coordinator"))
    assert refused.status_code == 409, refused.text  # the round's rules, as for any refusal
    problem = refused.json()
    assert (
        "Bromma är inte en av de stadsdelsförvaltningar som inledde pilotprojekt 2013"
        in (problem["detail"])
    )
    assert demo_store.count() == before
