"""The CLI's help in its language: Swedish as written in the code, English from a catalogue.

Every help text ``ppss`` can show (each command's and group's ``help`` and ``short_help``,
each option's and argument's ``help``, the root's own, the index
:data:`ppss_workflow.cli.COMMANDS` and the ``--help`` option's text) is written in Swedish
where the command is defined. Its English is in ``ppss_workflow/locale/en/LC_MESSAGES/help.po``
(a second Babel domain, ``help``): the message id is the Swedish text, the string the English.
``tools/extract_help.py`` walks the real command tree (:func:`help_texts`) and adds a new text
to that file, keeping the translations already made; ``tests/unit/test_help_words.py`` fails,
naming the text, while one has no English.

When help is shown, :func:`install` (called by the root group before its arguments are parsed)
has wrapped Typer's renderer: in Swedish it draws Typer's frame in Swedish and shows the texts
as written (Babel is not loaded); in English it draws Typer's own English frame and shows each
text's English for that one rendering, then puts the Swedish back.

This module imports nothing but the standard library: the root imports it at start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "HELP_DOMAIN",
    "HELP_OPTION",
    "HELP_PO",
    "LANGUAGE_KEY",
    "SWEDISH_FRAME",
    "english",
    "help_texts",
    "install",
    "language",
]

#: The catalogue of the help's English: message id the Swedish text, string its English.
HELP_DOMAIN = "help"
HELP_PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "help.po"

#: Where the root keeps the language the help is shown in (``Context.meta``, shared by every
#: context of one run).
LANGUAGE_KEY = "ppss.lang"
_ENV_LANGUAGE = "PPSS_LANG"

#: The words Typer draws around every help text (its panels and brackets), in Swedish.
SWEDISH_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "Argument",
    "OPTIONS_PANEL_TITLE": "Val",
    "COMMANDS_PANEL_TITLE": "Kommandon",
    "DEFAULT_STRING": "[förval: {}]",
    "ENVVAR_STRING": "[miljövariabel: {}]",
    "REQUIRED_LONG_STRING": "[krävs]",
    "DEPRECATED_STRING": "(utgått) ",
}
#: What an option's value is, shown after its name, in place of the Python type names Typer
#: shows (``<str>``, ``<int>``, ``<path>``...), by language; a type not named here keeps its own.
METAVARS = {
    "sv": {
        "str": "<text>",
        "int": "<tal>",
        "float": "<tal>",
        "path": "<sökväg>",
        "filename": "<fil>",
    },
    "en": {
        "str": "<text>",
        "int": "<number>",
        "float": "<number>",
        "path": "<path>",
        "filename": "<file>",
    },
}
#: The ``--help`` option's own text (in English through the catalogue, like every help text).
HELP_OPTION = "Visa denna hjälp och avsluta."

#: Typer's own frame (English), kept before the first change.
_TYPER_FRAME: dict[str, str] = {}


def language(value: str | None) -> str:
    """``en`` when ``value`` asks for English, else ``sv`` (the default, also for a wrong one)."""
    return "en" if (value or "").strip().lower() == "en" else "sv"


@cache
def _english() -> Any:
    from ppss_workflow.catalogues import compiled  # noqa: PLC0415 - English help is shown

    return compiled(HELP_PO, "en", HELP_DOMAIN)


def english(text: str) -> str:
    """The English of a Swedish help text (the text itself while the catalogue has none)."""
    return str(_english().gettext(text))


def help_texts() -> dict[str, str]:
    """Every help text the CLI can show, with where it is first shown (``ppss round open
    --round``), in the order ``ppss --help`` and each command's help show them. Imports every
    command module."""
    import typer  # noqa: PLC0415

    from ppss_workflow.cli import COMMANDS, app, load_all  # noqa: PLC0415 - the real tree

    texts: dict[str, str] = {}

    def add(text: str | None, where: str) -> None:
        if text and text.strip():
            texts.setdefault(text, where)

    def walk(command: Any, where: str) -> None:
        add(command.help, where)
        add(command.short_help, where)
        for param in command.params:
            add(getattr(param, "help", None), f"{where} {param.opts[0] if param.opts else ''}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{where} {name}")

    root = typer.main.get_command(app)
    add(root.help, "ppss")
    for param in root.params:
        add(getattr(param, "help", None), f"ppss {param.opts[0]}")
    add(HELP_OPTION, "ppss --help")
    for name, (_loader, listed) in COMMANDS.items():
        add(listed, f"ppss --help ({name})")
    for name, command in load_all().items():
        walk(command, f"ppss {name}")
    return texts


def install() -> None:
    """Help is about to be shown, or may be (a group given no command): Typer's renderer
    says it in the CLI's language, and the ``--help`` option's text is ours. Done only then,
    so that running a command loads no more than it needs (Typer's renderer and its Rich are
    loaded for help anyway).

    A choice: Typer reads its frame from module constants and its ``--help`` option from a
    factory; it has no setting for them, so they are replaced here, once per process."""
    from typer import rich_utils  # noqa: PLC0415 - help is being shown
    from typer._click import decorators  # noqa: PLC0415

    if getattr(rich_utils.rich_format_help, "ppss", False):
        return
    _TYPER_FRAME.update({name: getattr(rich_utils, name) for name in SWEDISH_FRAME})
    original_help_option = decorators.help_option

    def help_option(param_decls: list[str]) -> Callable[[Any], Any]:
        add = original_help_option(param_decls)

        def apply(command: Any) -> Any:
            added = add(command)
            command.params[-1].help = HELP_OPTION
            return added

        return apply

    decorators.help_option = help_option
    rich_utils.rich_format_help = _in_language(rich_utils.rich_format_help)


def _in_language(render: Callable[..., None]) -> Callable[..., None]:
    """Typer's ``rich_format_help`` in the language of the run (``Context.meta``, else
    ``$PPSS_LANG``)."""
    from typer import rich_utils  # noqa: PLC0415 - help is being shown

    def rich_format_help(*, obj: Any, ctx: Any, markup_mode: Any) -> None:
        lang = ctx.meta.get(LANGUAGE_KEY) or language(os.environ.get(_ENV_LANGUAGE))
        frame = _TYPER_FRAME if lang == "en" else SWEDISH_FRAME
        for name, text in frame.items():
            setattr(rich_utils, name, text)
        with _metavars(obj, ctx, METAVARS["en" if lang == "en" else "sv"]):
            if lang != "en":
                from ppss_workflow.cli.usage_words import in_swedish  # noqa: PLC0415

                with in_swedish():  # Click's usage line too
                    render(obj=obj, ctx=ctx, markup_mode=markup_mode)
                return
            with _said_in_english(_shown(obj, ctx)):
                render(obj=obj, ctx=ctx, markup_mode=markup_mode)

    rich_format_help.ppss = True  # type: ignore[attr-defined]
    return rich_format_help


def _shown(obj: Any, ctx: Any) -> list[tuple[Any, str]]:
    """The texts one help screen shows: the command's, its parameters' (``--help`` too) and,
    for a group, each command's in its list."""
    shown: list[tuple[Any, str]] = [(obj, "help")]
    shown += [(param, "help") for param in obj.get_params(ctx) if hasattr(param, "help")]
    if hasattr(obj, "list_commands"):
        for name in obj.list_commands(ctx):
            command = obj.get_command(ctx, name)
            if command is not None:
                shown += [(command, "help"), (command, "short_help")]
    return shown


@contextmanager
def _metavars(obj: Any, ctx: Any, names: dict[str, str]) -> Iterator[None]:
    """Each option's and argument's value named in the reader's words while the screen is
    drawn (one with a metavar of its own, or whose type names its values, keeps it); put back
    after. Typer shows an option's metavar, and an argument's type's name beside its name."""
    options: list[Any] = []
    types: list[tuple[Any, dict[str, Any]]] = []
    try:
        for param in obj.get_params(ctx):
            kind = getattr(param, "type", None)  # (Typer 0.28 and later have none)
            said = names.get(getattr(kind, "name", ""))
            if said is None or param.type.get_metavar(param=param, ctx=ctx) is not None:
                continue
            if param.param_type_name == "option" and param.metavar is None:
                param.metavar = said + ("..." if param.nargs != 1 else "")
                options.append(param)
            elif param.param_type_name == "argument" and all(param.type is not t for t, _ in types):
                types.append((param.type, dict(vars(param.type))))
                param.type.name = said.strip("<>")  # Typer shows it as <name>
        yield
    finally:
        for param in options:
            param.metavar = None
        for kind, before in types:
            if "name" in before:
                kind.name = before["name"]
            else:
                del kind.name  # the class's own name again


@contextmanager
def _said_in_english(shown: list[tuple[Any, str]]) -> Iterator[None]:
    """Each text in English while the screen is drawn; the Swedish back afterwards (the
    command objects are shared by every run in one process)."""
    kept = [(holder, name, getattr(holder, name)) for holder, name in shown]
    try:
        for holder, name, text in kept:
            if isinstance(text, str) and text:
                setattr(holder, name, english(text))
        yield
    finally:
        for holder, name, text in reversed(kept):
            setattr(holder, name, text)
