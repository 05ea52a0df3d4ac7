"""The open-round page chooses the rules' version as the CLI's ``--policy-version`` does: the
latest by default (it holds the documents' numbers), an earlier one for the coordinator's own
numbers, and a version the rules do not have is an error beside the field, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

from fastapi.testclient import TestClient

from ppss_workflow.store import EventStore
from tests.web.conftest import csrf_of

Client = Callable[[str | None], TestClient]

OWN_NUMBERS = {
    "round_id": "ppss-2015",
    "title": "Pilot 2015",
    "budget": "5 000 000",
    "supervision_pool": "100 000",
    "period_start": "2015-01-01",
    "period_end": "2015-12-31",
    "policy": "ppss-2014",
}


def _post(client: TestClient, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get("/").text)
    response = client.post(
        "/new-round",
        data={"csrf_token": token, "form_id": str(uuid4()), **data},
        follow_redirects=False,
    )
    assert "Traceback" not in response.text
    return response.status_code, response.text


def test_the_version_is_chosen_and_an_unknown_one_is_refused_beside_its_field(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    page = client.get("/new-round").text
    assert '<label for="open-policy_version">Reglernas version</label>' in page
    assert '<option value="">den senaste</option>' in page
    before = demo_store.count()
    for wrong in ("9", "två"):
        status, html = _post(client, **OWN_NUMBERS, policy_version=wrong)
        assert status == 422
        error = html.split('id="open-policy_version-error">', 1)[1].split("</span>", 1)[0]
        assert error == "Välj en version som reglerna har."
        assert demo_store.count() == before
    status, _ = _post(client, **OWN_NUMBERS)  # the latest holds 2014's numbers: refused
    assert status == 422
    assert demo_store.count() == before
    status, _ = _post(client, **OWN_NUMBERS, policy_version="1")
    assert status == 303
    (opened,) = demo_store.read_stream("round:ppss-2015")
    assert (opened.event.budget_sek, opened.event.policy_version) == (5_000_000, 1)
