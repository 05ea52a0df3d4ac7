"""Sign-in with the city's OpenID Connect provider (authorization code flow, PKCE S256).

``install_oidc(app, settings)`` adds two routes to a FastAPI app that already has Starlette's
``SessionMiddleware``:

- ``GET /login/oidc`` sends the browser to the provider's authorization endpoint (taken from the
  issuer's discovery document) with ``state``, ``nonce`` and a PKCE S256 code challenge, all
  kept in the session until the provider sends the browser back;
- ``GET /auth/callback`` exchanges the code (with the code verifier), validates the ID token
  (signature from the provider's JWKS, issuer, audience, expiry, nonce), reads ``email``,
  ``name`` and the role claim from it, maps the claim's values with ``oidc_role_map`` and
  sets ``request.session["user"] = {"name", "email", "role", "district"}``, then redirects
  to ``/``.

Who gets in: the role claim (``oidc_role_claim``, default ``groups``; a dotted name such as
``realm_access.roles`` reads a nested claim) may be one string or a list. Values missing
from ``oidc_role_map`` are ignored. The mapped values must name exactly one role:

- none: refused with a Swedish "no access" page (403);
- several different ones (``coordinator`` and ``auditor``, or two districts): refused too
  (403), because picking one would silently give a person duties the city keeps apart (an
  auditor who can also pay, a steering-group member who approves their own plans); the
  page names the roles so the identity provider's groups can be put right. Several groups
  that map to the same role are one role.

Signing in starts a new session: everything in it but the chosen language (``lang``) is
dropped, a CSRF token made before signing in included. A refused sign-in does the same, so
whoever was signed in before in that browser no longer is. A sign-in that fails on the
protocol (the provider refused, an unknown or replayed ``state``, a bad ID token) gets a
Swedish 400 page and leaves the session as it was.

Everything the flow keeps between the two requests is in the signed session cookie, so any
number of server processes can serve it; the cookie must be ``SameSite=Lax`` (not
``Strict``), since the provider's redirect back is a cross-site navigation. The client
secret may be a ``SecretStr`` or a plain string.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc.errors import JoseError
from pydantic import SecretStr

from policies.grants import Grant
from ppss_workflow.grants import grant_for
from ppss_workflow.logs import get_logger

__all__ = [
    "STAFF_ROLES",
    "OidcSettings",
    "RoleRefused",
    "SignedInUser",
    "install_oidc",
    "parse_role",
    "role_for_claims",
    "user_for_claims",
]

_log = get_logger(__name__)

#: Roles a claim may map to besides ``district:NAME``.
STAFF_ROLES = frozenset({"coordinator", "steering_group", "auditor", "scheduler"})

_CLIENT_NAME = "city"
_SCOPE = "openid email profile"

SignedInUser = dict[str, str | None]
"""``{"name": str, "email": str, "role": str, "district": str | None}``."""


class OidcSettings(Protocol):
    """The part of ``WebSettings`` that sign-in reads."""

    @property
    def oidc_issuer(self) -> str | None: ...
    @property
    def oidc_client_id(self) -> str | None: ...
    @property
    def oidc_client_secret(self) -> SecretStr | str | None: ...
    @property
    def oidc_role_claim(self) -> str: ...
    @property
    def oidc_role_map(self) -> dict[str, str]: ...


class RoleRefused(Exception):
    """No access: the person's claims map to no role, or to several (``roles``), or the
    provider gave no verified email (``email`` is then empty)."""

    def __init__(self, roles: tuple[str, ...], email: str = "") -> None:
        super().__init__(", ".join(roles) or "no mapped role")
        self.roles = roles
        self.email = email


def parse_role(value: str) -> tuple[str, str | None]:
    """``"coordinator"`` -> ``("coordinator", None)``; ``"district:Farsta"`` ->
    ``("district", "Farsta")``; anything else is a ``ValueError``."""
    if value in STAFF_ROLES:
        return value, None
    kind, sep, name = value.partition(":")
    if kind == "district" and sep and name.strip():
        return "district", name.strip()
    allowed = ", ".join(sorted(STAFF_ROLES))
    raise ValueError(f"not a role: {value!r} (expected one of {allowed} or district:NAME)")


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    """The claim ``name``; a dotted name walks into objects when no claim has the full name."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def role_for_claims(
    claims: Mapping[str, Any], role_claim: str, role_map: Mapping[str, str]
) -> tuple[str, str | None]:
    """The one role the claims map to; ``RoleRefused`` when they map to none or several."""
    raw = _claim(claims, role_claim)
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    mapped = sorted({role_map[v] for v in values if isinstance(v, str) and v in role_map})
    if len(mapped) != 1:
        raise RoleRefused(tuple(mapped))
    return parse_role(mapped[0])


def user_for_claims(
    claims: Mapping[str, Any],
    role_claim: str,
    role_map: Mapping[str, str],
    granted: Callable[[str], Grant | None] | None = None,
) -> SignedInUser:
    """The session user for validated ID-token claims; ``RoleRefused`` when there is none.

    A grant in the store for the e-mail address (``granted``, ``ppss users grant``) decides
    the role before the claim mapping; the session then remembers the grant, so that a
    revoked or changed grant signs the person out at their next request.
    """
    raw_email = claims.get("email")
    email = raw_email.strip() if isinstance(raw_email, str) else ""
    if not email or claims.get("email_verified") is False:
        raise RoleRefused((), "")
    grant = granted(email) if granted is not None else None
    if grant is not None:
        return {
            "name": _display_name(claims, email),
            "email": email,
            "role": grant.role,
            "district": grant.district,
            "granted": str(grant.position),
        }
    try:
        role, district = role_for_claims(claims, role_claim, role_map)
    except RoleRefused as refused:
        raise RoleRefused(refused.roles, email) from None
    return {
        "name": _display_name(claims, email),
        "email": email,
        "role": role,
        "district": district,
    }


def _grants_of(request: Request) -> Callable[[str], Grant | None] | None:
    """The store's role grants, if the application has a store (a bare app has none)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        return None
    return lambda email: grant_for(store, email)


def _display_name(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    parts = [claims.get("given_name"), claims.get("family_name")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or email


_PAGE = """<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – PPSS</title></head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


def _page(title: str, paragraphs: list[str], status: int) -> HTMLResponse:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), body=body),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


_ROLE_WORDS = {
    "coordinator": "samordnare",
    "steering_group": "styrgrupp",
    "auditor": "revisor",
    "scheduler": "påminnelsetjänst",
}


def _role_words(value: str) -> str:
    kind, _, name = value.partition(":")
    return f"stadsdel {name}" if kind == "district" else _ROLE_WORDS.get(value, value)


def _no_access(email: str, roles: tuple[str, ...]) -> HTMLResponse:
    who = html.escape(email)
    if not email:
        reason = "Ditt konto saknar en bekräftad e-postadress hos identitetstjänsten."
    elif roles:
        listed = ", ".join(html.escape(_role_words(r)) for r in roles)
        reason = (
            f"{who} har flera roller i identitetstjänsten ({listed}). En person får ha en "
            "roll här, så vi väljer ingen åt dig."
        )
    else:
        reason = f"{who} har ingen roll i PPSS."
    return _page(
        "Ingen behörighet",
        [
            "Du är inloggad hos stadens identitetstjänst, men du har inte tillgång till PPSS.",
            reason,
            "Be den som administrerar behörigheter att ge dig rätt grupp, och logga sedan "
            'in igen. <a href="/login/oidc">Logga in igen</a>',
        ],
        403,
    )


def _failed(reason: str) -> HTMLResponse:
    return _page(
        "Inloggningen misslyckades",
        [html.escape(reason), '<a href="/login/oidc">Försök igen</a>'],
        400,
    )


#: Session entries that outlive signing in and out (the language chosen on the login page).
_KEPT_ACROSS_SIGN_IN = ("lang",)


def _new_session(request: Request) -> None:
    """Empty the session but for ``_KEPT_ACROSS_SIGN_IN``: whoever was signed in is not,
    and a CSRF token made before signing in is not used after it."""
    kept = {k: request.session[k] for k in _KEPT_ACROSS_SIGN_IN if k in request.session}
    request.session.clear()
    request.session.update(kept)


def _checked_role_map(role_map: Mapping[str, str]) -> dict[str, str]:
    for claim_value, role in role_map.items():
        try:
            parse_role(role)
        except ValueError as exc:
            raise ValueError(f"oidc_role_map[{claim_value!r}]: {exc}") from None
    return dict(role_map)


def install_oidc(app: FastAPI, settings: OidcSettings) -> None:
    """Add ``GET /login/oidc`` and ``GET /auth/callback`` to ``app`` (see the module's doc).

    Raises ``ValueError`` when the settings are incomplete or the role map names a role
    that does not exist, so a misconfigured server does not start.
    """
    issuer = (settings.oidc_issuer or "").rstrip("/")
    if not issuer:
        raise ValueError("OIDC sign-in needs oidc_issuer")
    if not settings.oidc_client_id:
        raise ValueError("OIDC sign-in needs oidc_client_id")
    raw_secret = settings.oidc_client_secret
    secret = raw_secret.get_secret_value() if isinstance(raw_secret, SecretStr) else raw_secret
    if not secret:
        # The server is a confidential client: it authenticates itself at the token
        # endpoint with the secret, and PKCE binds the code to the browser that asked.
        raise ValueError("OIDC sign-in needs oidc_client_secret")
    role_map = _checked_role_map(settings.oidc_role_map)
    role_claim = settings.oidc_role_claim

    oauth = OAuth()
    oauth.register(
        _CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": _SCOPE, "code_challenge_method": "S256"},
    )
    client = oauth.create_client(_CLIENT_NAME)

    router = APIRouter(include_in_schema=False)
    app.state.oidc_login = True  # the sign-in page offers the city's account

    @router.get("/login/oidc", name="oidc_login")
    async def login(request: Request) -> Response:
        redirect_uri = str(request.url_for("oidc_callback"))
        try:
            response: Response = await client.authorize_redirect(request, redirect_uri)
        except httpx2.HTTPError as exc:
            _log.warning("oidc_discovery_failed", issuer=issuer, error=str(exc))
            return _page(
                "Inloggningen är inte tillgänglig",
                ["Stadens identitetstjänst svarar inte just nu. Försök igen om en stund."],
                503,
            )
        return response

    @router.get("/auth/callback", name="oidc_callback")
    async def callback(request: Request) -> Response:
        if request.query_params.get("error"):
            return _failed("Inloggningen avbröts hos identitetstjänsten.")
        try:
            token = await client.authorize_access_token(request)
        except httpx2.HTTPError as exc:
            _log.warning("oidc_token_exchange_failed", issuer=issuer, error=str(exc))
            return _failed("Identitetstjänsten svarade inte. Försök igen om en stund.")
        except (AuthlibBaseError, JoseError, ValueError) as exc:
            _log.warning("oidc_sign_in_invalid", error=repr(exc))
            return _failed("Inloggningen kunde inte bekräftas. Börja om från början.")
        claims = token.get("userinfo")
        if not isinstance(claims, Mapping):
            # authorize_access_token validates an ID token only when the flow had a nonce,
            # which an "openid" scope always gives; no ID token is a provider error.
            return _failed("Identitetstjänsten skickade ingen ID-token.")

        try:
            user = user_for_claims(claims, role_claim, role_map, _grants_of(request))
        except RoleRefused as refused:
            _new_session(request)
            _log.info(
                "oidc_sign_in_refused",
                email=refused.email,
                sub=claims.get("sub"),
                roles=refused.roles,
            )
            return _no_access(refused.email, refused.roles)

        _new_session(request)
        request.session["user"] = user
        _log.info("oidc_sign_in", email=user["email"], role=user["role"], district=user["district"])
        return RedirectResponse("/", status_code=303)

    app.include_router(router)
