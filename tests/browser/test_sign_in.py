"""Sign-in end to end in Chromium: the app's form, the provider's page, back signed in."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.live import OidcTestSettings, Screenshot, ServeApp, put_user, sign_in_app


def test_a_coordinator_signs_in_through_the_provider(
    page: Page, serve: ServeApp, oidc_issuer: str, screenshot: Screenshot
) -> None:
    put_user(
        oidc_issuer,
        "samordnare.test@example.org",
        name="Samordnare Test",
        groups=["ppss-samordnare"],
    )
    app_url = serve(sign_in_app(OidcTestSettings(oidc_issuer=oidc_issuer)))

    page.goto(f"{app_url}/")
    screenshot("start")
    page.get_by_role("button", name="Logga in").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_issuer)}/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill("samordnare.test@example.org")
    screenshot("provider")
    page.get_by_role("button", name="Authorize").click()

    expect(page.locator("#user")).to_have_text("Inloggad som Samordnare Test")
    assert page.url == f"{app_url}/"
    assert screenshot("signed-in").stat().st_size > 0


def test_a_person_without_a_role_sees_the_swedish_no_access_page(
    page: Page, serve: ServeApp, oidc_issuer: str, screenshot: Screenshot
) -> None:
    put_user(
        oidc_issuer,
        "anstalld.utan.roll@example.org",
        name="Anställd utan roll",
        groups=["alla-anstallda"],
    )
    app_url = serve(sign_in_app(OidcTestSettings(oidc_issuer=oidc_issuer)))

    page.goto(f"{app_url}/login/oidc")
    page.get_by_placeholder("sub").fill("anstalld.utan.roll@example.org")
    response_status: list[int] = []
    page.on(
        "response",
        lambda r: response_status.append(r.status) if "/auth/callback" in r.url else None,
    )
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Ingen behörighet")).to_be_visible()
    assert response_status == [403]
    screenshot("no-access")
    page.goto(f"{app_url}/")
    expect(page.get_by_role("button", name="Logga in")).to_be_visible()
