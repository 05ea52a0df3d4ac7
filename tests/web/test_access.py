"""Every route × every role (and nobody): allowed or refused as designed; a refused request
writes nothing. On both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from policies.commands import SubmitPlan
from ppss_workflow.demo import district_actor
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from tests.web.conftest import ROLES, clock, csrf_of

R14 = "/rounds/ppss-2014"
FARSTA = f"{R14}/projects/farsta"
RINKEBY = f"{R14}/projects/rinkeby-kista"
USERS = (*ROLES, None)

#: user -> (rounds list, board, Farsta's project, payment to Rinkeby-Kista)
PAGES: dict[str | None, tuple[int, int, int, int]] = {
    "coordinator": (200, 200, 200, 303),
    "steering_group": (200, 200, 200, 403),
    "auditor": (200, 200, 200, 403),
    "district:Farsta": (200, 200, 200, 404),
    "district:Rinkeby-Kista": (200, 200, 404, 403),
    "scheduler": (200, 403, 403, 403),
    None: (303, 303, 303, 401),
}


@pytest.mark.parametrize("user", USERS)
def test_pages(
    user: str | None, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in(user)
    rounds, board, project, payment = PAGES[user]
    assert client.get("/", follow_redirects=False).status_code == rounds
    assert client.get(R14, follow_redirects=False).status_code == board
    assert client.get(FARSTA, follow_redirects=False).status_code == project
    page = client.get("/")  # any page carries the session's CSRF token
    token = csrf_of(page.text) if user is not None else ""
    before = demo_store.count()
    response = client.post(
        f"{RINKEBY}/payments",
        data={"csrf_token": token, "amount": "10 000", "reference": f"T-{user}"},
        follow_redirects=False,
    )
    assert response.status_code == payment, response.text
    assert demo_store.count() == before + (1 if payment == 303 else 0)
    if payment >= 400:
        assert "Traceback" not in response.text


#: role -> (rounds, board, Farsta's project, payment to Rinkeby-Kista)
API: dict[str | None, tuple[int, int, int, int]] = {
    "coordinator": (200, 200, 200, 201),
    "steering_group": (200, 200, 200, 403),
    "auditor": (200, 200, 200, 403),
    "district:Farsta": (200, 200, 200, 404),
    "district:Rinkeby-Kista": (200, 200, 404, 403),
    "scheduler": (403, 403, 403, 403),
    None: (401, 401, 401, 401),
}


@pytest.mark.parametrize("role", USERS)
def test_api(
    role: str | None, app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    rounds, board, project, payment = API[role]
    api = "/api/v1" + R14
    for url, expected in (
        ("/api/v1/rounds", rounds),
        (f"{api}/board", board),
        (f"{api}/projects/farsta", project),
    ):
        response = app_client.get(url, headers=headers)
        assert response.status_code == expected, (url, response.text)
        if expected >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert {"title", "detail", "status"} <= set(response.json())
    before = demo_store.count()
    response = app_client.post(
        f"{api}/projects/rinkeby-kista/payments",
        json={"amount_sek": 10_000, "payment_reference": f"API-{role}"},
        headers=headers,
    )
    assert response.status_code == payment, response.text
    assert demo_store.count() == before + (1 if payment == 201 else 0)
    if role is None:
        assert response.headers["www-authenticate"] == "Bearer"


def test_district_sees_its_own_project_only(
    signed_in: Callable[[str | None], TestClient], tokens: dict[str, str], app_client: TestClient
) -> None:
    client = signed_in("district:Farsta")
    rounds = client.get("/").text
    assert "Pilotprojekt samverkan" in rounds
    assert "Skolsociala team 2018" not in rounds  # Farsta has no 2018 project
    board = client.get(R14).text
    assert "Farsta" in board
    for other in ("Rinkeby-Kista", "Skarpnäck", "Älvsjö"):
        assert other not in board
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {tokens['district:Farsta']}"}
    rows = app_client.get("/api/v1/rounds/ppss-2014/board", headers=headers).json()["rows"]
    assert [r["district"] for r in rows] == ["Farsta"]
    other = app_client.get("/api/v1/rounds/sst-2018/projects/skarholmen", headers=headers)
    assert other.status_code == 404
    assert "Skärholmen" not in other.text or "skarholmen" in other.text.lower()


def test_revoked_or_unknown_tokens_are_refused(
    app_client: TestClient, tokens: dict[str, str], demo_store: EventStore
) -> None:
    from ppss_workflow.tokens import revoke_token  # noqa: PLC0415

    good = {"Authorization": f"Bearer {tokens['auditor']}"}
    assert app_client.get("/api/v1/rounds", headers=good).status_code == 200
    assert revoke_token(demo_store, "test-auditor")
    assert app_client.get("/api/v1/rounds", headers=good).status_code == 401
    for bad in ("Bearer nonsense", "Bearer ppss_x", "Basic abc", "Bearer "):
        response = app_client.get("/api/v1/rounds", headers={"Authorization": bad})
        assert response.status_code == 401


#: user -> (plan decision on Farsta's project, T2 follow-up on Farsta's, T2 financial report
#: on Farsta's, replay of the 2014 round). 303: recorded (one event); 200: the page; 422:
#: refused beside the form, nothing written (the 2014 pilot has no T2).
FORMS: dict[str | None, tuple[int, int, int, int]] = {
    "coordinator": (403, 422, 422, 200),
    "steering_group": (303, 403, 403, 403),
    "auditor": (403, 403, 403, 200),
    "district:Farsta": (403, 422, 422, 403),
    "district:Rinkeby-Kista": (404, 404, 404, 403),
    "scheduler": (403, 403, 403, 403),
    None: (401, 401, 401, 303),
}


@pytest.mark.parametrize("user", USERS)
def test_the_forms_and_the_replay(
    user: str | None, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    Commands(demo_store, clock).execute(
        district_actor("Farsta"),
        SubmitPlan(
            round_id="ppss-2014", district="Farsta", plan_id="plan-2014-c", summary="Tillägg"
        ),
    )
    client = signed_in(user)
    token = csrf_of(client.get("/").text) if user is not None else ""
    decide, follow_up, report, replay = FORMS[user]
    posts = (
        (
            f"{FARSTA}/plans",
            {"plan_id": "plan-2014-c", "decision": "approve", "meeting_on": "2014-12-15"},
            decide,
        ),
        (f"{FARSTA}/follow-ups", {"target_group_size": "40", "pupils_reached": "20"}, follow_up),
        (f"{FARSTA}/financial-reports", {"spent": "500 000", "forecast": "1 000 000"}, report),
    )
    for url, data, expected in posts:
        before = demo_store.count()
        response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == expected, (url, response.text)
        assert demo_store.count() == before + (1 if expected == 303 else 0), url
        if expected >= 400:
            assert "Traceback" not in response.text
        before = demo_store.count()
        no_token = client.post(url, data=data, follow_redirects=False)
        assert no_token.status_code in (401, 403), url
        assert demo_store.count() == before
    response = client.get(f"{R14}/replay?as_of=2014-06-30", follow_redirects=False)
    assert response.status_code == replay


#: user -> (the allocation page, the close page, the new-round page; a deadline posted on the
#: 2014 round, network attendance posted on Farsta's project). 303 on a post: recorded.
COORDINATOR_ROUTES: dict[str | None, tuple[int, int, int, int, int]] = {
    "coordinator": (200, 200, 200, 303, 303),
    "steering_group": (403, 403, 403, 403, 403),
    "auditor": (403, 403, 403, 403, 403),
    "district:Farsta": (403, 403, 403, 403, 403),
    "district:Rinkeby-Kista": (403, 403, 403, 403, 403),
    "scheduler": (403, 403, 403, 403, 403),
    None: (303, 303, 303, 401, 401),
}


@pytest.mark.parametrize("user", USERS)
def test_the_coordinators_routes(
    user: str | None, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    from datetime import datetime  # noqa: PLC0415

    from policies.commands import ScheduleSession  # noqa: PLC0415
    from ppss_workflow.demo import COORDINATOR  # noqa: PLC0415

    Commands(demo_store, clock).execute(
        COORDINATOR,
        ScheduleSession(
            round_id="ppss-2014",
            session_id="natverk-4",
            title="Avslutning",
            starts_at=datetime.fromisoformat("2014-12-10T13:00+01:00"),
        ),
    )
    client = signed_in(user)
    allocation, close, new_round, deadline, network = COORDINATOR_ROUTES[user]
    for url, expected in (
        (f"{R14}/allocation", allocation),
        (f"{R14}/close", close),
        ("/new-round", new_round),
    ):
        assert client.get(url, follow_redirects=False).status_code == expected, url
    token = csrf_of(client.get("/").text) if user is not None else ""
    posts = (
        (
            f"{R14}/deadlines",
            {"code": "year_end_account", "due_on": "2015-02-27", "reason": "Flyttad"},
            deadline,
        ),
        (f"{FARSTA}/network", {"session_id": "natverk-4", "outcome": "attended"}, network),
    )
    for url, data, expected in posts:
        before = demo_store.count()
        response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == expected, (url, response.text)
        assert demo_store.count() == before + (1 if expected == 303 else 0), url
        if expected >= 400:
            assert "Traceback" not in response.text
        before = demo_store.count()
        assert client.post(url, data=data, follow_redirects=False).status_code in (401, 403)
        assert demo_store.count() == before


#: The district portal and the auditor's pages. user -> (the portal's start page, the
#: application form of the 2014 round, a work plan posted to Farsta's project, the audit
#: page, the chain's verification, an export, Farsta's explanation). 303 on a post: recorded.
PORTAL: dict[str | None, tuple[int, int, int, int, int, int, int]] = {
    "coordinator": (200, 200, 303, 200, 200, 200, 200),
    "steering_group": (403, 403, 403, 403, 403, 403, 200),
    "auditor": (403, 403, 403, 200, 200, 200, 200),
    "district:Farsta": (200, 200, 303, 403, 403, 403, 200),
    "district:Rinkeby-Kista": (200, 200, 404, 403, 403, 403, 404),
    "scheduler": (403, 403, 403, 403, 403, 403, 403),
    None: (303, 303, 401, 303, 303, 303, 303),
}


@pytest.mark.parametrize("user", USERS)
def test_the_portal_and_the_auditors_pages(
    user: str | None, signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in(user)
    portal, apply_form, plan, audit, verify, export, explain = PORTAL[user]
    gets = (
        ("/portal", portal),
        (f"{R14}/apply", apply_form),
        ("/audit", audit),
        ("/audit/verify/run", verify),
        ("/audit/exports/download?format=jsonl&round=ppss-2014", export),
        (f"/audit{FARSTA}/explain", explain),
    )
    before = demo_store.count()
    for url, expected in gets:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == expected, (user, url)
        if expected >= 400:
            assert "Traceback" not in response.text
    assert demo_store.count() == before
    token = csrf_of(client.get("/").text) if user is not None else ""
    data = {"plan_id": f"plan-{len(str(user))}", "summary": "Tillägg", "form_id": ""}
    response = client.post(
        f"{FARSTA}/portal/plan", data={"csrf_token": token, **data}, follow_redirects=False
    )
    assert response.status_code == plan, (user, response.text)
    assert demo_store.count() == before + (1 if plan == 303 else 0)
    no_token = client.post(f"{FARSTA}/portal/plan", data=data, follow_redirects=False)
    assert no_token.status_code in (401, 403)
    assert demo_store.count() == before + (1 if plan == 303 else 0)
