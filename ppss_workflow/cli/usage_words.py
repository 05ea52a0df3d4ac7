"""Click's own words in the CLI's language: the usage line, and the usage errors a person
meets when a command, an option or a value is mistyped.

Typer parses the command line with its own copy of Click, whose words are English and fixed
in its code (f-strings, no catalogue): ``Usage: ppss board [OPTIONS]``, ``No such option:
--rund``, ``Missing option '--round'``, ``'abc' is not a valid integer``. A Swedish civil
servant who mistypes a command must read Swedish like everywhere else, so:

- :func:`said` turns one of Click's usage errors into the CLI's language. Click builds the
  message when it raises; here it is matched against :data:`SWEDISH_ERRORS` (one pattern a
  message Click can raise for this CLI's commands) and said anew. A message no pattern knows
  stays as Click wrote it, and ``tests/unit/test_usage_words.py`` checks that every kind of
  mistake this CLI can meet has its pattern.
- :func:`in_swedish` draws Click's frame (``Usage:``, ``[OPTIONS]``, the "try --help" line,
  the error panel's title) in Swedish while a help screen or an error is drawn.

A choice: Typer has no setting for these words; they are replaced here, as the help's frame
is in :mod:`ppss_workflow.cli.help_words`. English stays Click's own.

This module imports nothing but the standard library: the root imports it at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SWEDISH_ERRORS", "SWEDISH_USAGE", "in_swedish", "prepare", "said", "swedish"]

#: Click's usage-line words and their Swedish.
SWEDISH_USAGE = {
    "Usage: ": "Användning: ",
    "[OPTIONS]": "[VAL]",
    "COMMAND [ARGS]...": "KOMMANDO [ARGUMENT]...",
}
#: Typer's error frame (module constants of ``typer.rich_utils``) in Swedish.
_SWEDISH_ERROR_FRAME = {
    "ERRORS_PANEL_TITLE": "Fel",
    "RICH_HELP": "Skriv [blue]'{command_path} {help_option}'[/] för hjälp.",
    "ABORTED_TEXT": "Avbrutet.",
}

_V = r"(?P<value>.*)"
#: Each usage error Click can raise for this CLI, as a pattern of its English message, with
#: its Swedish (the pattern's named parts kept as they were typed). Ordered: the first match
#: is used. ``{said}`` is the Swedish of the message's inner part (a value's problem).
SWEDISH_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), text)
    for pattern, text in (
        (
            r"No such command (?P<name>.+)\. Did you mean (?P<like>.+)\?",
            "Det finns inget kommando {name}. Menade du {like}?",
        ),
        (r"No such command (?P<name>.+)\.", "Det finns inget kommando {name}."),
        (
            r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
            "Det finns inget val {name}. Menade du {options}?",
        ),
        (r"No such option: (?P<name>\S+)", "Det finns inget val {name}."),
        (r"No such option (?P<name>.+)\.", "Det finns inget val {name}."),
        (r"Option (?P<name>.+) requires an argument\.", "Valet {name} behöver ett värde."),
        (
            r"Option (?P<name>.+) requires (?P<n>\d+) arguments\.",
            "Valet {name} behöver {n} värden.",
        ),
        (r"Option (?P<name>.+) does not take a value\.", "Valet {name} tar inget värde."),
        (r"Missing option (?P<name>.+)\.", "Valet {name} saknas: det måste anges."),
        (r"Missing argument (?P<name>.+)\.", "Argumentet {name} saknas: det måste anges."),
        (r"Missing parameter (?P<name>.+)\.", "{name} saknas: det måste anges."),
        (r"Missing command\.", "Kommandot saknas: skriv vilket."),
        (
            r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)",
            "Oväntat på kommandoraden: {args}.",
        ),
        (r"Invalid value for (?P<name>.+?): (?P<inner>.*)", "Ogiltigt värde för {name}: {said}"),
        (r"Invalid value: (?P<inner>.*)", "Ogiltigt värde: {said}"),
        (rf"{_V} is not a valid UUID\.", "{value} är inte ett id (UUID)."),
        (
            rf"{_V} is not a valid (?P<type>int|integer|float|uuid|datetime)\.",
            "{value} är inte {type_sv}.",
        ),
        (
            rf"{_V} is not a valid boolean\. Recognized values: (?P<states>.*)",
            "{value} är varken ja eller nej. Giltiga värden: {states}.",
        ),
        (rf"{_V} is not one of (?P<choices>.*)\.", "{value} är inte ett av {choices}."),
        (rf"{_V} is not in the range (?P<range>.*)\.", "{value} ligger utanför {range}."),
        (
            rf"{_V} does not match the formats? (?P<formats>.*)\.",
            "{value} har inte formen {formats}.",
        ),
        (
            r"(?P<kind>File|Directory|Path) (?P<name>.+) does not exist\.",
            "{kind_sv} {name} finns inte.",
        ),
        (r"(?P<kind>File|Directory|Path) (?P<name>.+) is a directory\.", "{name} är en mapp."),
        (r"(?P<kind>File|Directory|Path) (?P<name>.+) is a file\.", "{name} är en fil."),
        (
            r"(?P<kind>File|Directory|Path) (?P<name>.+) is not readable\.",
            "{kind_sv} {name} går inte att läsa.",
        ),
        (
            r"(?P<kind>File|Directory|Path) (?P<name>.+) is not writable\.",
            "{kind_sv} {name} går inte att skriva till.",
        ),
        (
            r"Takes (?P<n>\d+) values but (?P<given>\d+) given\.",
            "Tar {n} värden men fick {given}.",
        ),
    )
)
_KINDS_SV = {"File": "Filen", "Directory": "Mappen", "Path": "Sökvägen"}
#: Click's names of its value types, as the Swedish says what a value is not.
_TYPES_SV = {
    "int": "ett heltal",
    "integer": "ett heltal",
    "float": "ett tal",
    "uuid": "ett id (UUID)",
    "datetime": "en tidpunkt",
}


def swedish(message: str) -> str:
    """Click's English ``message`` in Swedish (the message as it is if no pattern knows it)."""
    for pattern, text in SWEDISH_ERRORS:
        found = pattern.fullmatch(message.strip())
        if found is not None:
            parts = found.groupdict()
            inner = parts.get("inner")
            said_inner = swedish(inner) if inner is not None else ""
            kind = _KINDS_SV.get(parts.get("kind") or "", "")
            of_type = _TYPES_SV.get(parts.get("type") or "", "")
            return text.format(**parts, said=said_inner, kind_sv=kind, type_sv=of_type)
    return message


def said(exc: Any, lang: str) -> None:
    """Make Click's usage error ``exc`` say itself in ``lang`` when Typer draws it (nothing
    to do in English). Its message is built when drawn (a missing option's is), so the
    instance's ``format_message`` is replaced."""
    if lang == "en" or getattr(exc, "ppss_said", False):
        return
    english = exc.format_message
    exc.format_message = lambda: swedish(english())
    exc.ppss_said = True


@contextmanager
def in_swedish() -> Iterator[None]:
    """Click's usage line and Typer's error frame in Swedish while something is drawn."""
    from typer import rich_utils  # noqa: PLC0415 - something is being drawn
    from typer._click import formatting  # noqa: PLC0415

    kept = {name: getattr(rich_utils, name) for name in _SWEDISH_ERROR_FRAME}
    write_usage = formatting.HelpFormatter.write_usage

    def swedish_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, text in SWEDISH_USAGE.items():
            args = args.replace(english, text)
        write_usage(self, prog, args, SWEDISH_USAGE["Usage: "] if prefix is None else prefix)

    try:
        for name, text in _SWEDISH_ERROR_FRAME.items():
            setattr(rich_utils, name, text)
        formatting.HelpFormatter.write_usage = swedish_usage  # type: ignore[method-assign]
        yield
    finally:
        formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
        for name, text in kept.items():
            setattr(rich_utils, name, text)


def prepare(exc: Any, lang: str) -> None:
    """Before Typer draws Click's usage error ``exc``: said in ``lang``, in a frame of the
    same language."""
    said(exc, lang)
    if lang == "en":
        return
    from typer import rich_utils  # noqa: PLC0415 - an error is about to be drawn

    if getattr(rich_utils.rich_format_error, "ppss", False):
        return
    draw = rich_utils.rich_format_error

    def rich_format_error(self: Any) -> None:
        if not getattr(self, "ppss_said", False):
            draw(self)
            return
        with in_swedish():
            draw(self)

    rich_format_error.ppss = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = rich_format_error
