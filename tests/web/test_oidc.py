"""OIDC sign-in against a real oidc-provider-mock, with a real uvicorn app, driven over HTTP.

The test is the browser: it follows the redirects by hand and posts the provider's
authorization form the way its documentation shows (``sub`` is the person's email).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from ppss_workflow.web.oidc import (
    RoleRefused,
    install_oidc,
    parse_role,
    role_for_claims,
    user_for_claims,
)
from tests.live import OidcTestSettings, oidc_provider, put_user, serve_asgi, sign_in_app


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def app_url(issuer: str) -> Iterator[str]:
    with serve_asgi(sign_in_app(OidcTestSettings(oidc_issuer=issuer))) as url:
        yield url


def _base(browser: httpx.Client) -> str:
    return str(browser.base_url).rstrip("/")


def _start(browser: httpx.Client) -> str:
    """GET /login/oidc; the provider's authorization URL it redirects to."""
    response = browser.get("/login/oidc")
    assert response.status_code == 302, response.text
    return response.headers["location"]


def sign_in(browser: httpx.Client, email: str) -> httpx.Response:
    """The whole flow for the subject ``email``; the app's answer to the callback."""
    authorize_url = _start(browser)
    at_provider = httpx.post(authorize_url, data={"sub": email}, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    callback = at_provider.headers["location"]
    assert callback.startswith(f"{_base(browser)}/auth/callback?")
    return browser.get(callback)


def me(browser: httpx.Client) -> object:
    return browser.get("/me").json()


@pytest.fixture
def browser(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_url, timeout=10) as client:
        yield client


def test_the_authorization_request_carries_state_nonce_and_pkce(
    browser: httpx.Client, issuer: str
) -> None:
    url = urlsplit(_start(browser))
    assert f"{url.scheme}://{url.netloc}" == issuer
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["ppss-test"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url SHA-256, unpadded
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["redirect_uri"] == [f"{_base(browser)}/auth/callback"]


def test_a_coordinator_signs_in(browser: httpx.Client, issuer: str) -> None:
    put_user(
        issuer, "samordnare.test@example.org", name="Samordnare Test", groups=["ppss-samordnare"]
    )

    response = sign_in(browser, "samordnare.test@example.org")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert me(browser) == {
        "name": "Samordnare Test",
        "email": "samordnare.test@example.org",
        "role": "coordinator",
        "district": None,
    }
    assert "Inloggad som Samordnare Test" in browser.get("/").text


def test_a_district_is_mapped_by_its_group_and_other_groups_are_ignored(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(
        issuer,
        "farsta@example.org",
        given_name="Anna",
        family_name="Berg",
        groups=["alla-anstallda", "ppss-farsta"],
    )

    response = sign_in(browser, "farsta@example.org")

    assert response.status_code == 303
    assert me(browser) == {
        "name": "Anna Berg",
        "email": "farsta@example.org",
        "role": "district",
        "district": "Farsta",
    }


def test_a_person_with_no_mapped_role_gets_no_access_and_no_session(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(
        issuer,
        "anstalld.utan.roll@example.org",
        name="Anställd utan roll",
        groups=["alla-anstallda"],
    )

    response = sign_in(browser, "anstalld.utan.roll@example.org")

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Ingen behörighet" in response.text
    assert "anstalld.utan.roll@example.org har ingen roll i PPSS" in response.text
    assert me(browser) is None


def test_a_person_with_no_groups_claim_at_all_gets_no_access(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(issuer, "nils@example.org", name="Nils")

    assert sign_in(browser, "nils@example.org").status_code == 403
    assert me(browser) is None


def test_two_different_roles_are_refused_rather_than_guessed(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(issuer, "both@example.org", name="Bo", groups=["ppss-samordnare", "ppss-revisor"])

    response = sign_in(browser, "both@example.org")

    assert response.status_code == 403
    assert "flera roller" in response.text
    assert "revisor" in response.text
    assert "samordnare" in response.text
    assert me(browser) is None


def test_a_refused_sign_in_signs_out_whoever_was_signed_in(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(issuer, "sara@example.org", name="Sara", groups=["ppss-styrgrupp"])
    put_user(issuer, "olle@example.org", name="Olle", groups=[])
    sign_in(browser, "sara@example.org")
    assert me(browser) == {
        "name": "Sara",
        "email": "sara@example.org",
        "role": "steering_group",
        "district": None,
    }

    assert sign_in(browser, "olle@example.org").status_code == 403
    assert me(browser) is None


def test_signing_in_starts_a_new_session_keeping_only_the_language(
    browser: httpx.Client, issuer: str
) -> None:
    put_user(issuer, "lisa@example.org", name="Lisa", groups=["ppss-farsta"])
    browser.get("/prime")

    assert sign_in(browser, "lisa@example.org").status_code == 303

    session = browser.get("/session").json()
    assert session == {
        "lang": "en",
        "user": {
            "name": "Lisa",
            "email": "lisa@example.org",
            "role": "district",
            "district": "Farsta",
        },
    }


def test_a_client_secret_given_as_plain_text_works_too(issuer: str) -> None:
    settings = OidcTestSettings(oidc_issuer=issuer, oidc_client_secret="plain")  # noqa: S106
    put_user(issuer, "plain@example.org", name="P", groups=["ppss-revisor"])
    with (
        serve_asgi(sign_in_app(settings)) as url,
        httpx.Client(base_url=url, timeout=10) as browser,
    ):
        assert sign_in(browser, "plain@example.org").status_code == 303
        assert me(browser) == {
            "name": "P",
            "email": "plain@example.org",
            "role": "auditor",
            "district": None,
        }


def test_a_replayed_callback_is_refused(browser: httpx.Client, issuer: str) -> None:
    put_user(issuer, "eva@example.org", name="Eva", groups=["ppss-revisor"])
    authorize_url = _start(browser)
    callback = httpx.post(authorize_url, data={"sub": "eva@example.org"}).headers["location"]
    assert browser.get(callback).status_code == 303

    with httpx.Client(base_url=browser.base_url) as other_browser:
        replayed = other_browser.get(callback)
        assert replayed.status_code == 400
        assert "Inloggningen misslyckades" in replayed.text
        assert me(other_browser) is None


def test_a_callback_with_a_forged_state_is_refused(browser: httpx.Client) -> None:
    _start(browser)
    response = browser.get("/auth/callback", params={"code": "x", "state": "forged"})
    assert response.status_code == 400
    assert me(browser) is None


def test_denying_at_the_provider_comes_back_as_a_swedish_page(browser: httpx.Client) -> None:
    authorize_url = _start(browser)
    denied = httpx.post(authorize_url, data={"action": "deny"})
    assert denied.status_code == 302
    response = browser.get(denied.headers["location"])
    assert response.status_code == 400
    assert "Inloggningen avbröts" in response.text
    assert me(browser) is None


def test_an_unreachable_provider_gives_a_swedish_503() -> None:
    with serve_asgi(sign_in_app(OidcTestSettings(oidc_issuer="http://127.0.0.1:9"))) as url:
        response = httpx.get(f"{url}/login/oidc")
    assert response.status_code == 503
    assert "identitetstjänst svarar inte" in response.text


# The role mapping on its own.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("coordinator", ("coordinator", None)),
        ("steering_group", ("steering_group", None)),
        ("auditor", ("auditor", None)),
        ("scheduler", ("scheduler", None)),
        ("district:Farsta", ("district", "Farsta")),
        ("district:Rinkeby-Kista", ("district", "Rinkeby-Kista")),
    ],
)
def test_parse_role(value: str, expected: tuple[str, str | None]) -> None:
    assert parse_role(value) == expected


@pytest.mark.parametrize("value", ["admin", "district", "district:", "district: ", "Coordinator"])
def test_parse_role_refuses_what_is_not_a_role(value: str) -> None:
    with pytest.raises(ValueError, match="not a role"):
        parse_role(value)


def test_role_claim_may_be_a_string_a_list_or_nested() -> None:
    role_map = {"a": "auditor", "f": "district:Farsta"}
    assert role_for_claims({"groups": "a"}, "groups", role_map) == ("auditor", None)
    assert role_for_claims({"groups": ["x", "f", "f"]}, "groups", role_map) == (
        "district",
        "Farsta",
    )
    nested = {"realm_access": {"roles": ["f"]}}
    assert role_for_claims(nested, "realm_access.roles", role_map) == ("district", "Farsta")
    with pytest.raises(RoleRefused):
        role_for_claims({"groups": 7}, "groups", role_map)


def test_two_groups_for_the_same_role_are_one_role() -> None:
    role_map = {"a": "coordinator", "b": "coordinator"}
    assert role_for_claims({"groups": ["a", "b"]}, "groups", role_map) == ("coordinator", None)


def test_a_role_map_naming_no_role_stops_the_app_from_starting() -> None:
    settings = OidcTestSettings(oidc_issuer="http://idp.example", oidc_role_map={"g": "admin"})
    with pytest.raises(ValueError, match=r"oidc_role_map\['g'\]: not a role"):
        install_oidc(FastAPI(), settings)


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        (OidcTestSettings(oidc_issuer=None), "oidc_issuer"),
        (OidcTestSettings(oidc_issuer="http://idp.example", oidc_client_id=""), "oidc_client_id"),
        (
            OidcTestSettings(oidc_issuer="http://idp.example", oidc_client_secret=None),
            "oidc_client_secret",
        ),
        (
            OidcTestSettings(oidc_issuer="http://idp.example", oidc_client_secret=SecretStr("")),
            "oidc_client_secret",
        ),
    ],
)
def test_incomplete_settings_stop_the_app_from_starting(
    settings: OidcTestSettings, missing: str
) -> None:
    with pytest.raises(ValueError, match=f"needs {missing}"):
        install_oidc(FastAPI(), settings)


def test_no_email_or_an_unverified_one_is_no_access() -> None:
    role_map = {"a": "auditor"}
    for claims in (
        {"groups": ["a"]},
        {"groups": ["a"], "email": " "},
        {"groups": ["a"], "email": "x@example.org", "email_verified": False},
    ):
        with pytest.raises(RoleRefused) as refused:
            user_for_claims(claims, "groups", role_map)
        assert refused.value.email == ""
    assert user_for_claims(
        {"groups": ["a"], "email": "x@example.org", "email_verified": True}, "groups", role_map
    ) == {"name": "x@example.org", "email": "x@example.org", "role": "auditor", "district": None}
