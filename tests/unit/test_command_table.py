"""The command table is the one list of commands, and everything a command needs is derived
from it or checked against it: each entry has a decision, a CLI command, a web form, an API
route, an import replay and its words in the catalogue (Swedish and English). No database."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.routing import APIRoute

from events import registry
from events.streams import EVENT_STREAMS
from policies import imports as provenance
from policies.commands import Command, OpenRound
from policies.table import COMMANDS, TABLE, CommandEntry, entry_for, entry_named, recorded_by
from ppss_workflow.cli import app as cli_app
from ppss_workflow.cli import load_all
from ppss_workflow.i18n import LOCALE_DIR
from ppss_workflow.scratch import scratch_store
from ppss_workflow.web.app import create_app
from ppss_workflow.web.command_forms import CHOICE_LABELS, FIELD_LABELS, form_fields
from ppss_workflow.web.settings import WebSettings

IDS = [e.path for e in TABLE]
EVENT_TYPES = set(registry.types())


def _cli() -> dict[str, Any]:
    """Every CLI command by its full name (``plan decision``)."""
    found: dict[str, Any] = {}

    def walk(command: Any, prefix: str) -> None:
        found[prefix.strip()] = command
        if hasattr(command, "commands"):  # a group (Typer's own click, or click's)
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}")

    root = typer.main.get_command(cli_app)
    walk(root, "")
    for name, command in load_all().items():  # the root lists them; loaded, they are real
        walk(command, f" {name}")
    return found


def _routes() -> dict[tuple[str, str], APIRoute]:
    """The web app's routes (its store: a scratch SQLite file, only because the app opens
    one; no route is called)."""
    with scratch_store(None) as store:
        app = create_app(WebSettings(demo=True, secret_key=None), store=store)
    found: dict[tuple[str, str], APIRoute] = {}

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.update({(method, route.path): route for method in route.methods})
            included = getattr(route, "original_router", None)  # FastAPI 0.165: included
            if included is not None:
                walk(included.routes)

    walk(app.routes)
    return found


def _catalogue(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


ROUTES = _routes()
CLI = _cli()
SV = _catalogue("sv")
EN = _catalogue("en")


def test_each_command_is_in_the_table_once() -> None:
    assert len({e.model for e in TABLE}) == len(TABLE) == len(COMMANDS)
    assert len({e.name for e in TABLE}) == len({e.path for e in TABLE}) == len(TABLE)
    for entry in TABLE:
        assert entry_for(entry.model) is entry
        assert entry_named(entry.path) is entry
    assert entry_named("no-such-command") is None


def test_round_wide_commands_are_those_that_read_the_whole_round() -> None:
    """The budget, the pool, payment references and annulments: the handlers guard the whole
    round's streams for these (a concurrent change makes them decide again)."""
    wide = {e.path for e in TABLE if e.round_wide}
    assert wide == {"record-allocation", "award-grant", "grant-supervision", "disburse", "annul"}
    assert {e.path for e in TABLE if "district" in e.roles} == {
        "apply", "withdraw", "submit-plan", "request-supervision", "submit-follow-up",
        "record-school-follow-up",
        "submit-financial-report", "submit-year-end-account", "attach-document",
        "set-contact", "remove-contact",
    }  # fmt: skip


@pytest.mark.parametrize("entry", TABLE, ids=IDS)
def test_each_command_has_a_cli_command(entry: CommandEntry) -> None:
    """``ppss NAME`` exists (``allocate --record``: the command and its option; ``plan
    approve`` and ``plan reject`` for the two outcomes of a decision)."""
    for given in entry.cli_commands:
        name, *options = given.split(" --")
        assert name in CLI, f"no `ppss {name}` for {entry.model.__name__}"
        flags = {o for p in CLI[name].params for o in getattr(p, "opts", [])}
        for option in options:
            assert f"--{option}" in flags


@pytest.mark.parametrize("entry", TABLE, ids=IDS)
def test_each_command_has_a_web_form(entry: CommandEntry) -> None:
    """A route serves its form: the generated one (every field labelled from the catalogue,
    with "Happened on" unless the command carries its own date), or its hand-made page."""
    assert ("GET", "/rounds/{round_id}/commands/{path}") in ROUTES
    assert ("POST", "/rounds/{round_id}/commands/{path}") in ROUTES
    if entry.page is not None:
        assert ("GET", entry.page) in ROUTES, f"no page {entry.page}"
        return
    fields = form_fields(entry)
    assert all(f.name in FIELD_LABELS for f in fields), [f.name for f in fields]
    named = {f.name for f in fields} | {"file_name", "media_type", "size_bytes", "sha256"}
    assert set(entry.model.model_fields) - {"round_id"} <= named | {"on"}
    if entry.model.own_date is Command.own_date:
        assert fields[-1].name == "on"


@pytest.mark.parametrize("entry", TABLE, ids=IDS)
def test_each_command_has_an_api_route(entry: CommandEntry) -> None:
    route = ROUTES[("POST", f"/api/v1/commands/{entry.path}")]
    assert route.body_field is not None
    assert route.body_field.field_info.annotation is entry.model


@pytest.mark.parametrize("entry", TABLE, ids=IDS)
def test_each_command_has_an_import_replay(entry: CommandEntry) -> None:
    """Every event it records is replayed by the import: rebuilt into this command and
    decided again, or checked as what comes with another event (an allocation's awards)."""
    assert entry.produces
    for event_type in entry.event_types:
        assert event_type in EVENT_TYPES
        assert event_type in EVENT_STREAMS
        # rebuilt by a builder, or by command_for itself (allocations, annulments, a school's
        # kind), or recorded by an operation
        replayed = event_type in provenance._COMMAND_BUILDERS or event_type in (
            "AllocationDecided",
            "EventAnnulled",
            "PaymentAnnulmentRequested",
            "SchoolKindSet",
        )
        assert replayed or event_type in provenance.RECORDED_BY, event_type
        if replayed:
            assert recorded_by()[event_type].model is not None
            assert provenance.roles_recording(event_type) == recorded_by()[event_type].roles


def test_every_event_is_recorded_by_a_command_or_an_operation() -> None:
    produced = {t for e in TABLE for t in e.event_types}
    operations = set(provenance.RECORDED_BY)
    assert produced | operations >= EVENT_TYPES, EVENT_TYPES - produced - operations
    # the import's builders rebuild exactly the commands the table says record the event
    assert set(provenance._COMMAND_BUILDERS) <= produced


@pytest.mark.parametrize("entry", TABLE, ids=IDS)
def test_each_command_has_its_words_in_the_catalogue(entry: CommandEntry) -> None:
    for message in (entry.label, entry.help):
        assert message in EN, f"{message!r} is not in the English catalogue"
        found = SV.get(message)
        assert found is not None, f"{message!r} is not in the Swedish catalogue"
        assert found.string, f"{message!r} has no Swedish text"
        assert found.string != message


def test_every_field_and_choice_of_the_generated_forms_has_swedish() -> None:
    """What the generated forms show is in the catalogue: no field name or code shown."""
    shown = {f.label for e in TABLE for f in form_fields(e)}
    shown |= {label for e in TABLE for f in form_fields(e) for _, label in f.choices}
    assert set(CHOICE_LABELS.values()) <= shown  # every label named is used
    for message in shown:
        found = SV.get(message)
        assert found is not None, f"{message!r} is not in the Swedish catalogue"
        assert found.string, f"{message!r} has no Swedish text"


def test_the_commands_module_lists_the_tables_commands_for_older_callers() -> None:
    """``policies.commands.COMMANDS`` is the table's list, in its order; no other name is
    made up."""
    from policies import commands  # noqa: PLC0415

    assert commands.COMMANDS == COMMANDS
    assert commands.COMMANDS[0] is OpenRound
    with pytest.raises(AttributeError) as caught:
        commands.TABLE  # noqa: B018
    assert str(caught.value) == "module 'policies.commands' has no attribute 'TABLE'"
