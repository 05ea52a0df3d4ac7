"""A generated web form for every command of the table (:data:`policies.table.TABLE`).

``GET /rounds/{round}/commands/{path}`` shows the command's form, made from its pydantic
model: one field per field of the model, labelled from the catalogue, and **"Inträffade
den"** (the day it happened, default today): the command is judged by the rules as of that
day and as of today, as the CLI's ``--on`` is. ``POST`` records it: a person's mistake is
said beside its field, a rule's refusal at the top of the form (``role="alert"``, focused),
the typed values kept, status 422 and nothing written; the form's own id makes the same
form sent twice "already recorded". A command with a hand-made page where a journey needs
one (the application form, the allocation preview, opening a round) sends the person there.

Only the roles the table names for a command see its form; a district acts for its own
project only (the handlers check both again).
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AwareDatetime, ValidationError
from pydantic.fields import FieldInfo
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from policies.commands import Command
from policies.followup import FIELD_LABELS as FOLLOW_UP_LABELS
from policies.state import STOCKHOLM, slug
from policies.table import TABLE, CommandEntry, entry_named
from ppss_workflow import documents
from ppss_workflow.access import Principal
from ppss_workflow.errors import (
    PLAN_NO_DISTRICT,
    WEB_NO_COMMAND,
    InvalidCommand,
    NotFound,
    WorkflowError,
)
from ppss_workflow.handlers import Commands, Outcome
from ppss_workflow.i18n import N_, Translator
from ppss_workflow.web import pages
from ppss_workflow.web.forms import form_id_of, parse_instant, parse_kronor
from ppss_workflow.web.render import Forbidden, render, tr_for
from ppss_workflow.words import say, say_refusal

__all__ = ["FIELD_LABELS", "FormField", "form_fields", "form_path", "router"]

router = APIRouter(include_in_schema=False)
FLASH = "command_form_flash"

#: A label for every field a command's model has (the catalogue says it in a language).
FIELD_LABELS: dict[str, str] = {
    "on": N_("Happened on"),
    "district": N_("District"),
    "title": N_("Title"),
    "budget_sek": N_("Budget (kr)"),
    "supervision_pool_sek": N_("Supervision money in all (kr)"),
    "supervision_cap_sek": N_("Supervision money per project at most (kr)"),
    "period_start": N_("Period starts"),
    "period_end": N_("Period ends"),
    "application_deadline": N_("Last day to apply"),
    "policy": N_("Rules"),
    "policy_version": N_("Version of the rules"),
    "deadlines": N_("Deadlines (JSON)"),
    "code": N_("Code"),
    "due_on": N_("Due on"),
    "reason": N_("Reason"),
    "description": N_("Description"),
    "session_id": N_("Network session"),
    "starts_at": N_("Starts at"),
    "mandatory": N_("Mandatory"),
    "steps": N_("Steps (JSON)"),
    "obligation": N_("Obligation"),
    "decided_by": N_("Decided by"),
    "decided_on": N_("Decided on"),
    "decision_ref": N_("Decision reference"),
    "diary_number": N_("Diary number (dnr)"),
    "minutes_ref": N_("Minutes (protocol and paragraph)"),
    "total_sek": N_("Amount to share (kr)"),
    "exclude": N_("Districts left out (JSON)"),
    "min_excess_sek": N_("Smallest excess (kr)"),
    "restated": N_("Restated applications (JSON)"),
    "replace": N_("Replace the awards on record"),
    "application": N_("Application (JSON)"),
    "amount_sek": N_("Amount (kr)"),
    "plan_id": N_("Plan"),
    "summary": N_("Summary"),
    "approve": N_("Approve"),
    "meeting_on": N_("Meeting on"),
    "outcome": N_("What happened"),
    "excused": N_("The absence was excused"),
    "note": N_("Note"),
    "participants": N_("Participants"),
    "payment_reference": N_("Payment reference"),
    "purpose": N_("Pays"),
    "kind": N_("Kind"),
    "indicators": N_("Indicators (JSON)"),
    "self_financing_plan": N_("Plan for paying for it afterwards"),
    "spent_sek": N_("Spent (kr)"),
    "forecast_sek": N_("Forecast (kr)"),
    "cost_description": N_("What the money was spent on"),
    "spent_outside_plan_sek": N_("Spent outside the plan (kr)"),
    "supervision_spent_sek": N_("Supervision money spent (kr)"),
    "overspend_explanation": N_("Why more was spent than was paid plus own contribution"),
    "attached_to": N_("Attached to"),
    "file": N_("File"),
    "waive": N_("Waive it"),
    "reference": N_("Reference"),
    "event_id": N_("Entry's id"),
    "position": N_("Entry's position"),
    "money_never_left": N_("The money never left the city (a payment recorded by mistake)"),
    "instalments": N_("Instalments (JSON)"),
    "report": N_("Report"),
    "accept": N_("Accept"),
    "role": N_("Role"),
    "email": N_("E-mail"),
    "school": N_("School"),
    "school_kind": N_("School kind"),
    **FOLLOW_UP_LABELS,
}

#: The choices of a field, in words (a choice not named here is said by its own msgid).
CHOICE_LABELS: dict[str, str] = {
    "t2": N_("T2 (halfway)"),
    "annual": N_("Annual"),
    "final": N_("Final"),
    "application": N_("The application"),
    "plan": N_("The work plan"),
    "t2-report": N_("The T2 report"),
    "annual-report": N_("The annual report"),
    "financial-report": N_("The financial report"),
    "year-end-account": N_("The year-end account"),
    "project_lead": N_("Project lead"),
    "finance": N_("Finance"),
    "school_contact": N_("School contact"),
    "social_services_contact": N_("Social services contact"),
    "municipal": N_("Municipal school"),
    "free": N_("Free school"),
}

#: Fields a document's upload fills in from the file itself.
_FROM_THE_FILE = ("file_name", "media_type", "size_bytes", "sha256")


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a generated form: its name, label, the input it takes, and its choices."""

    name: str
    label: str
    #: text, area, money, number, date, datetime, yesno, choice, json, file
    kind: str
    required: bool
    #: (value, label msgid) for a choice
    choices: tuple[tuple[str, str], ...] = ()


@dataclass
class Filled:
    """A form as typed: the values, the errors beside fields, a refusal for the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refused: str = ""
    form_id: str = ""


def form_path(entry: CommandEntry, round_id: str) -> str:
    """Where a command's form is: its hand-made page, or the generated one."""
    return f"/rounds/{round_id}/commands/{entry.path}"


def _optional(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether None was allowed."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _kind(name: str, info: FieldInfo) -> tuple[str, tuple[tuple[str, str], ...]]:
    annotation, _ = _optional(info.annotation)
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        values = [str(a) for a in typing.get_args(annotation)]
        return "choice", tuple((v, CHOICE_LABELS.get(v, v)) for v in values)
    if annotation is bool:
        return "yesno", ()
    if annotation is datetime or annotation is AwareDatetime:
        return "datetime", ()
    if annotation is date:
        return "date", ()
    if annotation is int:
        return ("money" if name.endswith("_sek") else "number"), ()
    if annotation is str:
        short = any((getattr(m, "max_length", None) or 10**6) <= 200 for m in info.metadata)
        return ("text" if short or name in ("code", "session_id", "plan_id") else "area"), ()
    return "json", ()


def form_fields(entry: CommandEntry) -> list[FormField]:
    """The fields of a command's generated form, "Happened on" last."""
    found: list[FormField] = []
    for name, info in entry.model.model_fields.items():
        if name in ("round_id", "on") or (
            entry.path == "attach-document" and name in _FROM_THE_FILE
        ):
            continue
        kind, choices = _kind(name, info)
        found.append(
            FormField(name, FIELD_LABELS.get(name, name), kind, info.is_required(), choices)
        )
    if entry.path == "attach-document":
        found.append(FormField("file", FIELD_LABELS["file"], "file", True))
    if dated_by_happened_on(entry):
        found.append(FormField("on", FIELD_LABELS["on"], "date", False))
    return found


def dated_by_happened_on(entry: CommandEntry) -> bool:
    """Whether "Happened on" dates the command: not when it carries a date of its own (a
    decision's or a meeting's day, which the form asks for instead)."""
    return entry.model.own_date is Command.own_date


# -- reading a posted form ---------------------------------------------------------------------


def _value(f: FormField, text: str, tr: Translator, errors: dict[str, str]) -> Any:
    """The typed text as the model takes it; a mistake is noted beside the field."""
    text = text.strip()
    if f.kind == "yesno":
        return text == "yes"
    if not text:
        return None
    try:
        if f.kind == "money":
            return parse_kronor(text, minimum=0)
        if f.kind == "number":
            return int(text)
        if f.kind == "datetime":
            return parse_instant(text, STOCKHOLM)
        if f.kind == "json":
            return json.loads(text)
    except InvalidCommand:
        errors[f.name] = tr.gettext("Write the amount in whole kronor, e.g. 1 400 000.")
    except ValueError:
        errors[f.name] = (
            tr.gettext("Write a whole number.")
            if f.kind == "number"
            else tr.gettext("Write it as JSON, e.g. [] or {}.")
            if f.kind == "json"
            else tr.gettext("Write the time as YYYY-MM-DD HH:MM.")
        )
    else:
        return text
    return None


#: Pydantic's error types, said to a person (the model's own words are for logs).
_MISTAKES: dict[str, str] = {
    "missing": N_("Fill this in."),
    "date_from_datetime_parsing": N_("Write the date as YYYY-MM-DD, e.g. 2014-10-01."),
    "date_parsing": N_("Write the date as YYYY-MM-DD, e.g. 2014-10-01."),
    "string_too_long": N_("The text is too long."),
    "string_too_short": N_("Fill this in."),
    "literal_error": N_("Choose one of the choices."),
    "greater_than": N_("The number is too small."),
    "greater_than_equal": N_("The number is too small."),
    "less_than_equal": N_("The number is too large."),
    "string_pattern_mismatch": N_("This is not in the form asked for."),
}


def _mistakes(exc: ValidationError, tr: Translator, fields: list[FormField]) -> dict[str, str]:
    names = {f.name for f in fields}
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        name = str(loc[0]) if loc else ""
        said = tr.gettext(_MISTAKES.get(error["type"], N_("Check this value.")))
        errors.setdefault(name if name in names else "", said)
    return errors


def _entry(path: str) -> CommandEntry:
    entry = entry_named(path)
    if entry is None:
        raise NotFound(f"no command {path!r}", reason=WEB_NO_COMMAND(path=path))
    return entry


def _may(principal: Principal, entry: CommandEntry) -> None:
    if principal.role not in entry.roles:
        raise Forbidden(N_("Your role may not do this."))


def _page(
    request: Request,
    principal: Principal,
    entry: CommandEntry,
    round_id: str,
    filled: Filled,
    status: int = 200,
) -> Response:
    r = pages.reads(request)
    rnd = r.round(round_id)
    districts = (
        [principal.district]
        if principal.district
        else [p.state.district for p in r.projects(round_id) if p.state.district]
    )
    filled.form_id = filled.form_id or str(form_id_of(None))
    filled.values.setdefault("on", r.today().isoformat())
    flash = request.session.pop(FLASH, None) if status == 200 else None
    return render(
        request,
        "command_form.html",
        status,
        round=rnd,
        entry=entry,
        fields=form_fields(entry),
        form=filled,
        districts=districts,
        sessions=sorted(rnd.sessions),
        flash=flash if isinstance(flash, dict) else None,
    )


@router.get("/rounds/{round_id}/commands", response_class=HTMLResponse)
def command_list(request: Request, round_id: str) -> Response:
    """The commands the signed-in person may give in a round, each a link to its form."""
    principal = pages.signed_in(request)
    rnd = pages.reads(request).round(round_id)
    district = request.query_params.get("district", "")
    mine = [e for e in TABLE if principal.role in e.roles]
    if district:  # what can be recorded for one project: the commands that name one
        mine = [e for e in mine if "district" in e.model.model_fields and e.page is None]
    chosen = f"?{urlencode({'district': district})}" if district else ""
    links = [
        (e, (e.page or form_path(e, "{round_id}") + chosen).replace("{round_id}", rnd.round_id))
        for e in mine
    ]
    return render(request, "command_list.html", round=rnd, links=links, district=district)


@router.get("/rounds/{round_id}/commands/{path}", response_class=HTMLResponse)
def command_form(request: Request, round_id: str, path: str) -> Response:
    """The command's form (or its hand-made page)."""
    entry = _entry(path)
    principal = pages.signed_in(request)
    _may(principal, entry)
    if entry.page is not None:
        return RedirectResponse(entry.page.replace("{round_id}", round_id), status_code=303)
    values = {k: v for k, v in request.query_params.items() if k != "lang"}
    return _page(request, principal, entry, round_id, Filled(values=values))


@dataclass(frozen=True, slots=True)
class _Upload:
    """A file sent with the form: its name and bytes (read before the work is handed on)."""

    name: str
    content: bytes


@router.post("/rounds/{round_id}/commands/{path}", response_class=HTMLResponse)
async def record_command(request: Request, round_id: str, path: str) -> Response:
    """Record the command as typed: 303 back to the form with what was recorded, or the form
    again (422) with the mistakes beside the fields or the rule's refusal above them. The
    form is read here; the store's work runs in the thread pool, as the other forms' does."""
    posted: FormData = await request.form()
    texts: dict[str, str] = {}
    uploads: dict[str, _Upload] = {}
    for name, value in posted.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                uploads[name] = _Upload(value.filename, await value.read())
        else:
            texts.setdefault(name, value)
    return await run_in_threadpool(_record, request, round_id, path, texts, uploads)


def _record(
    request: Request,
    round_id: str,
    path: str,
    posted: dict[str, str],
    uploads: dict[str, _Upload],
) -> Response:
    entry = _entry(path)
    principal = pages.signed_in(request)
    pages.require_csrf(request, posted.get("csrf_token", ""))
    _may(principal, entry)
    r = pages.reads(request)
    rnd = r.round(round_id)
    tr = tr_for(request)
    fields = form_fields(entry)
    filled = Filled(
        values={f.name: posted[f.name] for f in fields if f.name in posted},
        form_id=str(form_id_of(posted.get("form_id"))),
    )
    values: dict[str, Any] = {"round_id": rnd.round_id}
    upload: _Upload | None = None
    for f in fields:
        if f.kind == "file":
            upload = uploads.get(f.name)
            if upload is None:
                filled.errors[f.name] = tr.gettext("Choose the file.")
            continue
        value = _value(f, posted.get(f.name, ""), tr, filled.errors)
        if value is not None or f.kind == "yesno":
            values[f.name] = value
    if principal.district and "district" in entry.model.model_fields:
        values["district"] = principal.district
    if entry.path == "attach-document":  # the file itself fills these in when it is kept
        values.update(file_name="-", media_type="a/b", size_bytes=1, sha256="0" * 64)
    if values.get("on") == r.today().isoformat():
        del values["on"]  # today: it happened now
    if not filled.errors:
        try:
            command = entry.model.model_validate(values)
        except ValidationError as exc:
            filled.errors.update(_mistakes(exc, tr, fields))
        else:  # counts that cannot be: said beside their fields, nothing decided
            names = {f.name for f in fields}
            for name, why in command.field_problems().items():
                filled.errors.setdefault(name if name in names else "", say(why, tr.lang))
    if filled.errors:
        filled.refused = filled.errors.pop("", "")
        return _page(request, principal, entry, rnd.round_id, filled, 422)
    try:
        outcome = _run(request, principal, command, upload, filled.form_id)
    except WorkflowError as exc:
        if exc.refusal is None and not isinstance(exc, InvalidCommand | NotFound):
            raise
        refusal = exc.refusal
        reason = getattr(exc, "reason", None)
        filled.refused = (
            say_refusal(refusal, tr.lang)
            if refusal is not None
            else say(reason, tr.lang)
            if reason is not None
            else tr.reason(str(exc))
        )
        return _page(request, principal, entry, rnd.round_id, filled, 422)
    request.session[FLASH] = {"already": outcome.already is not None}
    district = values.get("district")
    back = form_path(entry, rnd.round_id)
    return RedirectResponse(
        back + (f"?{urlencode({'district': district})}" if district else ""), status_code=303
    )


def _run(
    request: Request,
    principal: Principal,
    command: Any,
    upload: _Upload | None,
    form_id: str,
) -> Outcome:
    commands = Commands(request.app.state.store, request.app.state.clock)
    if upload is not None:
        outcome, _ = documents.attach(
            commands,
            principal.actor(),
            round_id=command.round_id,
            district=command.district,
            attached_to=command.attached_to,
            name=upload.name,
            content=upload.content,
            on=command.on,
        )
        return outcome
    if principal.district and slug(getattr(command, "district", "") or "") != slug(
        principal.district
    ):
        raise NotFound(
            f"no district {command.district!r} in round {command.round_id}",
            reason=PLAN_NO_DISTRICT(district=command.district, round=command.round_id),
        )
    return commands.execute(principal.actor(), command, command_id=form_id_of(form_id))
