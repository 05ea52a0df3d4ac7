"""``ppss --lang en ... --help`` in English (issue 18): the root's list, every group and every
command, and Typer's frame around them; Swedish stays the default, unchanged. In-process with
Typer's runner, and one run of the real program."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ppss_workflow.cli import app, load_all
from ppss_workflow.cli.help_words import SWEDISH_FRAME
from tests.e2e.cli import ppss
from tests.e2e.test_cli_startup import HEAVY, OURS, _modules_after

#: Common Swedish words (whole words, any case) that no English help may hold.
STOP_WORDS = (
    "och", "för", "eller", "inte", "som", "med", "till", "omgång", "stadsdel", "Val",
    "Kommandon", "förval", "krävs",
)  # fmt: skip
_SWEDISH = re.compile(r"[åäöÅÄÖ]|(?<!\w)(" + "|".join(STOP_WORDS) + r")(?!\w)", re.IGNORECASE)
#: Typer's frame in English, each seen on some screen.
ENGLISH_FRAME = ("Options", "Commands", "Arguments", "[default: ", "[required]", "[env var: ")
#: ``PPSS_LANG`` unset for the run and restored after it (``--lang`` sets it for a command).
NO_LANG: dict[str, str | None] = {"COLUMNS": "200", "PPSS_LANG": None}


def _paths() -> list[tuple[str, ...]]:
    """The root, every command and every group and command under it."""
    paths: list[tuple[str, ...]] = [()]

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    for name, command in load_all().items():
        walk(command, (name,))
    return paths


#: A default or a variable's name is a value typed, not a text read (``--decided-by``'s
#: default is the name of the board that decides: ``Socialnämnden``).
_TYPED = re.compile(r"\[(default|env var): [^\]]*\]")


def _swedish_in(screen: str) -> list[str]:
    """The lines of a help screen that hold a Swedish letter or word."""
    return [line.strip() for line in screen.splitlines() if _SWEDISH.search(_TYPED.sub("", line))]


def test_the_checker_sees_swedish() -> None:
    """The check can fail: today's Swedish help is caught by it, line by line."""
    swedish = CliRunner().invoke(app, ["round", "open", "--help"], env=NO_LANG).output
    assert len(_swedish_in(swedish)) > 5
    assert _swedish_in("│ --help  Show this help and exit. │") == []
    assert _swedish_in("Options (Val)") != []


def test_every_help_screen_is_english_with_lang_en(capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    found: list[str] = []
    seen = ""
    paths = _paths()
    for path in paths:
        result = runner.invoke(app, ["--lang", "en", *path, "--help"], env=NO_LANG)
        assert result.exit_code == 0, (path, result.output)
        found += [f"ppss --lang en {' '.join(path)} --help: {line}" for line in _swedish_in(
            result.output)]  # fmt: skip
        seen += result.output
    with capsys.disabled():
        print(f"\nEnglish help: {len(paths)} help screens checked (--lang en)")
    assert found == [], "\n".join(found)
    assert len(paths) > 85
    for word in ENGLISH_FRAME:
        assert word in seen, word
    assert seen.count("Show this help and exit.") == len(paths)
    for word in SWEDISH_FRAME.values():  # "Argument" is not "Arguments"
        probe = word.split("{")[0].strip()
        assert not re.search(re.escape(probe) + r"(?!\w)", seen), word


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--lang", "en", "--help"], {}),
        (["--help", "--lang", "en"], {}),  # --help first: the language is still read first
        (["--lang=en", "--help"], {}),
        (["--help"], {"PPSS_LANG": "en"}),
        (["--log-level", "info", "--lang", "en", "report"], {}),  # a group given no command
        (["round", "deadline", "--help"], {"PPSS_LANG": "en"}),
    ],
)
def test_english_is_asked_for_in_every_way(args: list[str], env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, args, env={**NO_LANG, **env})
    assert result.exit_code in (0, 2), result.output  # Click exits 2 for a group with no command
    assert "Commands" in result.output or "Options" in result.output, result.output
    assert _swedish_in(result.output) == [], result.output


def test_swedish_stays_the_default_after_english_in_the_same_process() -> None:
    """The command objects are shared by every run in a process: English help must leave
    the Swedish texts as they were written."""
    runner = CliRunner()
    before = {p: runner.invoke(app, [*p, "--help"], env=NO_LANG).output for p in _PAIRS}
    for path in _PAIRS:
        english = runner.invoke(app, ["--lang", "en", *path, "--help"], env=NO_LANG).output
        assert english != before[path]
    for path in _PAIRS:
        again = runner.invoke(app, ["--lang", "sv", *path, "--help"], env=NO_LANG).output
        assert again == before[path], path
        assert "Kommandon" in again or "Val" in again
        assert "Visa denna hjälp och avsluta." in again


_PAIRS: tuple[tuple[str, ...], ...] = ((), ("round",), ("round", "open"), ("import",))


def test_the_root_options_errors_are_swedish_and_english_on_request() -> None:
    runner = CliRunner()
    lang = runner.invoke(app, ["--lang", "de", "round", "list"], env=NO_LANG)
    assert lang.exit_code == 2
    assert "ange sv (svenska) eller en (engelska)" in lang.output, lang.output
    level = runner.invoke(app, ["--log-level", "loud", "round", "list"], env=NO_LANG)
    assert "ange debug, info, warning eller error" in level.output, level.output
    english = runner.invoke(
        app, ["--lang", "en", "--log-level", "loud", "round", "list"], env=NO_LANG
    )
    assert english.exit_code == 2
    assert "use debug, info, warning or error" in english.output, english.output
    wrong = runner.invoke(
        app, ["--lang", "de", "round", "list"], env={**NO_LANG, "PPSS_LANG": "en"}
    )
    assert "use sv (Swedish) or en (English)" in wrong.output, wrong.output


def test_the_program_says_its_help_in_english_and_loads_nothing_heavy(tmp_path: Path) -> None:
    """The real program, end to end; the root's English list loads Babel to read the
    catalogue, and nothing else that ``ppss --help`` leaves out."""
    run = ppss("--lang", "en", "round", "open", "--help", home=tmp_path)
    assert run.code == 0, run
    assert "Open a grant round with a budget, a period and (fixed) rules." in run.out
    assert "[required]" in run.out
    assert _swedish_in(run.out) == [], run.out
    loaded = _modules_after("--lang", "en", "--help")
    heavy = sorted(
        m for m in loaded if (m.split(".")[0] in HEAVY and m.split(".")[0] != "babel") or m in OURS
    )
    assert heavy == [], heavy
    assert "babel.support" in loaded  # the probe did read the English catalogue


#: The Python type names Typer shows for an option's or argument's value.
_TYPE_NAMES = re.compile(r"<(str|int|float|path|filename|text|number)>")


def test_values_are_named_in_the_readers_words_not_by_python_type() -> None:
    """Every help screen names an option's or argument's value in the reader's language
    (``<text>``, ``<tal>``, ``<sökväg>``; ``<text>``, ``<number>``, ``<path>`` in English),
    never by Python's type name (``<str>``, ``<int>``); the types are left as they were."""
    from typer._click import types  # noqa: PLC0415

    runner = CliRunner()
    said = {"sv": set(), "en": set()}
    for path in _paths():
        for lang in ("sv", "en"):
            screen = runner.invoke(app, ["--lang", lang, *path, "--help"], env=NO_LANG).output
            names = set(_TYPE_NAMES.findall(screen))
            said[lang] |= names
            python = names & {"str", "int", "float", "filename"} | (
                names & {"path"} if lang == "sv" else set()
            )
            assert not python, (lang, path, python)
    assert {"text"} <= said["sv"]
    assert {"text", "number", "path"} <= said["en"]
    assert (types.STRING.name, types.INT.name) == ("str", "int")
    annul = runner.invoke(app, ["annul", "--help"], env=NO_LANG).output
    assert "<tal>" in annul
    assert "Varför uppgiften makuleras" in annul
    assert "Stadsdelen vars uppgift makuleras" in annul
    imported = runner.invoke(app, ["import", "--help"], env=NO_LANG).output
    assert "<sökväg>" in imported
