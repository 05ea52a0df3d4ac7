"""Pages: Swedish by default with totals and no internal codes, English on request, CSRF,
a payment given twice is recorded once, refusals beside the form, security headers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ppss_workflow.errors import ConfigurationError
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.web.conftest import csrf_of

R14 = "/rounds/ppss-2014"
RINKEBY = f"{R14}/projects/rinkeby-kista"
CODES = (
    "repayment_settled",
    "network_participation",
    "year_end_account",
    "plan_approved",
    "repayment due",
    "not_yet_due",
    "DisbursementMade",
    "steering_group",
)


def text_of(html: str) -> str:
    """The page's visible text, spaces normalised (no-break spaces too)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\u00a0", " ")))


def visible(html: str) -> str:
    """Visible text and attribute values people can meet (no hidden CSRF values)."""
    return text_of(re.sub(r'<input type="hidden"[^>]*>', "", html))


def test_board_in_swedish_with_totals_and_no_codes(
    signed_in: Callable[[str | None], TestClient], tokens: dict[str, str], app_client: TestClient
) -> None:
    client = signed_in("coordinator")
    html = client.get(R14).text
    page = visible(html)
    assert '<html lang="sv">' in html
    assert "Pilotprojekt samverkan skola–socialtjänst 2014" in page
    assert "Summa (8 projekt)" in page
    assert "Beviljat" in page
    assert "Kan betalas ut nu" in page
    assert "Att återbetala" in page
    for code in CODES:
        assert code not in page, code
    client.cookies.clear()
    board = app_client.get(
        "/api/v1/rounds/ppss-2014/board",
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    ).json()
    awarded = board["totals"]["awarded_sek"]
    assert f"{awarded:,} kr".replace(",", " ") in page
    assert board["totals"]["projects"] == 8


def test_project_page_in_swedish(signed_in: Callable[[str | None], TestClient]) -> None:
    page = visible(signed_in("coordinator").get(f"{R14}/projects/farsta").text)
    assert "Villkor för utbetalning" in page
    assert "Händelser" in page
    assert "Godkänd verksamhetsplan" in page
    assert "Registrera en utbetalning" in page
    for code in CODES:
        assert code not in page, code


def test_english_on_request_and_kept(signed_in: Callable[[str | None], TestClient]) -> None:
    client = signed_in("auditor")
    page = visible(client.get(f"{R14}?lang=en").text)
    assert "Total (8 projects)" in page
    assert "Payable now" in page
    assert "Summa" not in page
    assert "Payable now" in visible(client.get(R14).text)  # kept in the session
    assert "Kan betalas ut nu" in visible(client.get(f"{R14}?lang=sv").text)


def test_as_of_a_date_and_a_bad_date(signed_in: Callable[[str | None], TestClient]) -> None:
    client = signed_in("coordinator")
    page = visible(client.get(f"{R14}?as_of=2014-03-01").text)
    assert "Läget den 2014-03-01" in page
    bad = client.get(f"{R14}?as_of=1%20mars")
    assert bad.status_code == 400
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in visible(bad.text)


def _pay(client: TestClient, **fields: str) -> object:
    token = csrf_of(client.get(RINKEBY).text)
    return client.post(f"{RINKEBY}/payments", data={"csrf_token": token, **fields})


def test_payment_twice_is_recorded_once(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    before = demo_store.count()
    first = _pay(client, amount="1 400 000 kr", reference="U-2014-77")
    assert first.status_code == 200  # type: ignore[attr-defined]
    assert "Utbetalningen U-2014-77 på 1 400 000 kr är registrerad" in visible(first.text)  # type: ignore[attr-defined]
    second = _pay(client, amount="1400000", reference="U-2014-77")
    assert second.status_code == 200  # type: ignore[attr-defined]
    assert "Redan registrerad" in visible(second.text)  # type: ignore[attr-defined]
    assert demo_store.count() == before + 1
    history = [r for r in demo_store.read_stream("project:ppss-2014:rinkeby-kista")]
    assert [r.event.payment_reference for r in history if r.event_type == "DisbursementMade"][
        -1
    ] == "U-2014-77"
    assert history[-1].metadata.actor == "samordnare@socialforvaltningen.example.org"


@pytest.mark.parametrize(
    ("amount", "reference", "message"),
    [
        ("9 999 999", "U-X", "Inte registrerad:"),
        ("tio tusen", "U-X", "Skriv beloppet i hela kronor"),
        ("-5", "U-X", "Skriv beloppet i hela kronor"),
        ("1000,50", "U-X", "Skriv beloppet i hela kronor"),
        ("1000", "  ", "Ange utbetalningens verifikationsnummer"),
    ],
)
def test_refused_payment_is_shown_beside_the_form(
    signed_in: Callable[[str | None], TestClient],
    demo_store: EventStore,
    amount: str,
    reference: str,
    message: str,
) -> None:
    client = signed_in("coordinator")
    before = demo_store.count()
    response = _pay(client, amount=amount, reference=reference)
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = visible(response.text)  # type: ignore[attr-defined]
    assert message in page
    assert "Traceback" not in page
    assert "[disburse;" not in page
    assert demo_store.count() == before


def test_csrf_refusal_writes_nothing(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    before = demo_store.count()
    for data in (
        {"amount": "1000", "reference": "CSRF-1"},
        {"amount": "1000", "reference": "CSRF-1", "csrf_token": "forged"},
    ):
        response = client.post(f"{RINKEBY}/payments", data=data)
        assert response.status_code == 403
        assert "Ingenting registrerades" in visible(response.text)
    assert client.post("/logout", data={}).status_code == 403
    assert demo_store.count() == before
    assert client.get(RINKEBY).status_code == 200  # still signed in


def test_logout(signed_in: Callable[[str | None], TestClient]) -> None:
    client = signed_in("auditor")
    token = csrf_of(client.get("/").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_security_headers_everywhere(signed_in: Callable[[str | None], TestClient]) -> None:
    client = signed_in("coordinator")
    for url in ("/", R14, "/no/such/page", "/static/style.css", "/healthz", "/api/v1/rounds"):
        response = client.get(url)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
    assert "<script" not in client.get(R14).text
    assert " style=" not in client.get(RINKEBY).text


def test_session_cookie_is_signed_httponly_and_lax(demo_store: EventStore) -> None:
    app = create_app(WebSettings(secret_key="s" * 40, demo=False), store=demo_store)
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/login")
        cookie = response.headers["set-cookie"]
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        assert "secure" in cookie.lower()
        assert client.get("/login/demo").status_code == 404  # no demo sign-in outside demo
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_secret_is_required_outside_demo(demo_store: EventStore) -> None:
    with pytest.raises(ConfigurationError, match="PPSS_WEB_SECRET_KEY"):
        create_app(WebSettings(demo=False), store=demo_store)


def test_health_and_openapi(app_client: TestClient) -> None:
    assert app_client.get("/healthz").json()["status"] == "ok"
    paths = app_client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/rounds",
        "/api/v1/rounds/{round_id}/board",
        "/api/v1/rounds/{round_id}/projects/{district}",
        "/api/v1/rounds/{round_id}/projects/{district}/payments",
        "/healthz",
    ):
        assert path in paths


def test_api_payment_twice_and_problems(app_client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['coordinator']}"}
    url = "/api/v1/rounds/ppss-2014/projects/rinkeby-kista/payments"
    body = {"amount_sek": 5_000, "payment_reference": "API-77"}
    assert app_client.post(url, json=body, headers=headers).status_code == 201
    again = app_client.post(url, json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["already_recorded"] is True
    too_much = app_client.post(
        url, json={"amount_sek": 9_999_999, "payment_reference": "API-78"}, headers=headers
    )
    assert too_much.status_code == 409
    assert too_much.headers["content-type"] == "application/problem+json"
    bad = app_client.post(url, json={"amount_sek": -1, "payment_reference": ""}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["status"] == 422
    missing = app_client.get("/api/v1/rounds/nope/board", headers=headers)
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]
