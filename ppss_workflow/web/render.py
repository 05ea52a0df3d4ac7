"""Pages: the Jinja2 environment, the person's language, and rendering with the common frame."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ppss_workflow.i18n import LANGUAGES, N_, Translator, translator
from ppss_workflow.web.auth import CSRF_FIELD, csrf_token, current_principal

__all__ = [
    "Forbidden",
    "SignInRequired",
    "language",
    "render",
    "render_error",
    "tr_for",
]


class SignInRequired(Exception):
    """Nobody is signed in (pages: to the sign-in page; API: 401)."""


class Forbidden(Exception):
    """The signed-in role may not do this (403); nothing was written."""


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("ppss_workflow.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language(request: Request) -> str:
    """``?lang=en`` (kept in the session), else the session's choice, else the site's."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
        return asked
    chosen = request.session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    default: str = request.app.state.settings.language
    return default if default in LANGUAGES else "sv"


def api_language(request: Request) -> str:
    """An API caller's language: ``?lang=``, else ``Accept-Language`` (English when it asks
    for English first), else Swedish."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    accept = request.headers.get("accept-language", "").strip().lower()
    return "en" if accept.startswith("en") else "sv"


def tr_for(request: Request) -> Translator:
    return translator(language(request))


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the person's language, with who is signed in and the CSRF field's token."""
    tr = tr_for(request)
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            tr=tr,
            _=tr.t,
            ngettext=tr.nt,
            lang=tr.lang,
            user=current_principal(request),
            csrf_field=CSRF_FIELD,
            csrf=csrf_token(request),
            demo=request.app.state.settings.demo,
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


#: Error pages: a title in plain words for each status; the detail follows it.
ERROR_TITLES = _TITLES = {
    400: N_("The request could not be read"),
    401: N_("Sign in first"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not possible here"),
    409: N_("Not possible now"),
    422: N_("Not possible"),
    500: N_("Something went wrong"),
    503: N_("The store cannot be reached"),
}


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    tr = tr_for(request)
    if detail == "csrf":
        detail = tr.gettext(
            "The form was too old or did not come from this site. Nothing was recorded: "
            "reload the page and try again."
        )
    elif detail == "sign in":
        detail = tr.gettext("Sign in, then try again. Nothing was recorded.")
    else:
        detail = tr.reason(tr.gettext(detail))
    title = tr.gettext(_TITLES.get(status, "Something went wrong"))
    return render(request, "error.html", status, title=title, detail=detail, code=status)
