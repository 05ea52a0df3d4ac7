"""Who is signed in (the session), API tokens, CSRF tokens, and the demo's users."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from ppss_workflow.access import Principal
from ppss_workflow.demo import COORDINATOR, STEERING_GROUP, STEERING_GROUP_MEMBERS, district_actor
from ppss_workflow.grants import grant_for
from ppss_workflow.handlers import Actor
from ppss_workflow.tokens import lookup_token

__all__ = [
    "CSRF_FIELD",
    "CsrfRefused",
    "DemoUser",
    "check_csrf_value",
    "csrf_token",
    "current_actor",
    "current_principal",
    "demo_users",
    "sign_in",
    "sign_out",
    "token_principal",
]

CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"


class CsrfRefused(Exception):
    """A form was posted without this session's CSRF token: refused, nothing written."""


def current_principal(request: Request) -> Principal | None:
    """The signed-in person, from the signed session cookie, as the grants on record allow
    now. A session holds only while the grant it was signed in under does (none, for a role
    from the claims or the demo): a grant recorded, changed or revoked since then signs the
    person out here, at their next request."""
    data = request.session.get("user")
    principal = Principal.from_session(data)
    if principal is None or not isinstance(data, dict):
        return principal
    # What the person may do is resolved from the grants on record at every request: a grant
    # recorded, changed or revoked since sign-in (also one for a person whose role came
    # from their claims) signs them out here, and signing in again gives the grant's role.
    store = getattr(request.app.state, "store", None)
    grant = grant_for(store, principal.email) if store is not None else None
    now = str(grant.position) if grant is not None else None
    remembered = data.get("granted")
    if now != (str(remembered) if remembered is not None else None):
        sign_out(request)
        return None
    return principal


def current_actor(request: Request) -> Actor | None:
    """The signed-in person as the actor every event they cause records (name = e-mail)."""
    principal = current_principal(request)
    return principal.actor() if principal else None


def sign_in(request: Request, principal: Principal) -> None:
    """Start a new session for ``principal`` (a fresh CSRF token; the language is kept)."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["user"] = principal.session_data()
    request.session[_CSRF_KEY] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = request.session[_CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf_value(request: Request, sent: str) -> bool:
    """Does ``sent`` (the posted form's field) equal this session's CSRF token?"""
    expected = request.session.get(_CSRF_KEY)
    if not sent or not isinstance(expected, str):
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def token_principal(request: Request) -> Principal | None:
    """The holder of the request's ``Authorization: Bearer`` token, if it is live."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    store: Any = request.app.state.store
    return lookup_token(store, token.strip())


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One of the demo's sign-in choices: a role title, an example.org address."""

    key: str
    principal: Principal


def demo_users(districts: list[str]) -> list[DemoUser]:
    """The coordinator, the steering group, the auditor, each district, the scheduler."""
    users = [
        DemoUser("coordinator", Principal("Samordnare", COORDINATOR.name, "coordinator")),
        DemoUser("steering_group", Principal("Styrgruppen", STEERING_GROUP.name, "steering_group")),
        DemoUser("auditor", Principal("Revisor", "revisor@stadsrevisionen.example.org", "auditor")),
    ]
    # The steering group's members tied to a district (seed 000's two district directors),
    # who stand aside from their own district's plan.
    users.extend(
        DemoUser(f"steering_group:{district}", Principal(title, email, "steering_group"))
        for title, email, district in STEERING_GROUP_MEMBERS
        if district is not None
    )
    for name in districts:
        actor = district_actor(name)
        users.append(
            DemoUser(
                f"district:{name}",
                Principal(f"Projektledare {name}", actor.name, "district", name),
            )
        )
    users.append(
        DemoUser(
            "scheduler", Principal("Påminnelsetjänsten", "paminnelser@example.org", "scheduler")
        )
    )
    return users
