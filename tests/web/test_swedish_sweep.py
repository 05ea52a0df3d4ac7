"""Swedish wherever a person reads (issue 18, must show 2), swept over the demo.

As every role (coordinator, steering group, two districts, auditor, nobody signed in) the
sweep follows every link the site shows from its start page, reads every page and the error
pages it serves (404, 405, an unknown district or round) and the API's problem documents;
the CLI part reads the board, a table, a confirmation, "already recorded", a refusal and the
errors for an unknown round and district; the CLI's help is read for the root and every
command and group. Every text a person reads must be Swedish: no
English word from a stop list and no internal snake_case code. The number of texts checked is
printed and has a floor, so a sweep that stops finding pages fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.cli import ppss

#: English words that have no business in Swedish text (none is a Swedish word).
STOP = re.compile(
    r"\b(the|was|and|of|not|paid|award|awarded|due|missing|submitted|blocked|held|released|"
    r"owed|already|must|which|should|recorded|payment|refused|cannot|may not|"
    r"Not Found|Method Not Allowed|Internal Server Error)\b",
    re.IGNORECASE,
)
#: An internal code (a condition, a status, an event field) shown to a person.
CODE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
#: Pages not to follow: signing out, the language switch, downloads and feeds.
SKIP = re.compile(r"^/(logout|static/|calendar/)|lang=en|/download|\.(ics|csv|xlsx|jsonl)$")
USERS = (
    None,
    "coordinator",
    "steering_group",
    "auditor",
    "district:Farsta",
    "district:Rinkeby-Kista",
)


class _Text(HTMLParser):
    """The text a person reads (not scripts, not styles, not what is marked English) and the
    page's same-site links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "style") or found.get("lang") == "en":
            self._skip.append(tag)
        href = found.get("href")
        if tag == "a" and href and href.startswith("/"):
            self.links.append(href.split("#")[0])
        for name in ("title", "aria-label", "placeholder", "alt"):
            value = found.get(name)
            if value and not self._skip:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _check(where: str, text: str, found: list[str]) -> None:
    """One text a person reads: Swedish, no code. Problems go to ``found`` (all reported)."""
    english = STOP.findall(text)
    codes = CODE.findall(text)
    if english or codes:
        found.append(f"{where}: {english or ''} {codes or ''} in {text[:160]!r}")


def _sweep_pages(client: TestClient, user: str | None, found: list[str]) -> int:
    seen: set[str] = set()
    queue = ["/"]
    checked = 0
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = _read(response.text)
        for text in page.parts:
            _check(f"{user} {path}", text, found)
            checked += 1
        queue.extend(link for link in page.links if link not in seen)
    return checked


def test_every_page_and_error_page_as_every_role_is_swedish(
    signed_in: Callable[[str | None], TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    found: list[str] = []
    checked = 0
    for user in USERS:
        client = signed_in(user)
        checked += _sweep_pages(client, user, found)
        for path in (
            "/no-such-page",
            "/rounds/ppss-2014/projects/ingenstans",
            "/rounds/ingen-omgang",
        ):
            response = client.get(path)
            for text in _read(response.text).parts:
                _check(f"{user} {path}", text, found)
                checked += 1
        response = client.delete("/")
        assert response.status_code == 405
        for text in _read(response.text).parts:
            _check(f"{user} DELETE /", text, found)
            checked += 1
    with capsys.disabled():
        print(f"\nSwedish sweep: {checked} texts on pages and error pages checked")
    assert not found, "\n".join(found)
    assert checked > 1500


def test_the_apis_problem_documents_are_swedish_and_english_on_request(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    found: list[str] = []
    auth = {"Authorization": f"Bearer {tokens['coordinator']}"}
    for path in (
        "/api/v1/rounds/ingen/board",
        "/api/v1/rounds/ppss-2014/projects/ingenstans",
        "/api/x",
    ):
        body = app_client.get(path, headers=auth).json()
        for key in ("title", "detail"):
            _check(f"API {path} {key}", str(body[key]), found)
    denied = app_client.get("/api/v1/rounds").json()
    _check("API 401", f"{denied['title']} {denied['detail']}", found)
    assert not found, "\n".join(found)
    english = app_client.get(
        "/api/v1/rounds/ppss-2014/projects/ingenstans", headers={**auth, "Accept-Language": "en"}
    ).json()
    assert english["detail"].startswith("no district ingenstans in round ppss-2014")
    assert english["title"] == "Not found"


def test_the_clis_confirmations_errors_and_tables_are_swedish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the CLI prints for a person by default: the demo's board, a table of reminders, a
    confirmation, the same command again ("already recorded"), a refusal, an unknown round
    and an unknown district (one line each)."""
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    db = ("--database", url)
    runs = {
        "demo": ppss("demo", *db, home=tmp_path),
        "board": ppss("board", "--round", "ppss-2014", *db, home=tmp_path),
        "reminders": ppss("reminders", "--round", "ppss-2014", *db, home=tmp_path),
        "close": ppss(
            "round",
            "close",
            "--round",
            "sst-2018",
            "--reason",
            "Avslutad",
            "--as",
            "coordinator",
            *db,
            home=tmp_path,
        ),
        "close again": ppss(
            "round",
            "close",
            "--round",
            "sst-2018",
            "--reason",
            "Avslutad",
            "--as",
            "coordinator",
            *db,
            home=tmp_path,
        ),
        "refused payment": ppss(
            "disburse",
            "--round",
            "ppss-2014",
            "--district",
            "Rinkeby-Kista",
            "--amount",
            "100000",
            "--reference",
            "U-9",
            "--on",
            "2014-12-01",
            "--as",
            "coordinator",
            *db,
            home=tmp_path,
        ),
        "unknown round": ppss("board", "--round", "ingen", *db, home=tmp_path),
        "unknown district": ppss(
            "audit",
            "explain",
            "--round",
            "ppss-2014",
            "--district",
            "Ingenstans",
            *db,
            home=tmp_path,
        ),
    }
    assert runs["close"].code == 0, runs["close"].err
    assert "Registrerat" in runs["close"].out
    assert runs["refused payment"].err.startswith("ppss: fel: ")
    assert runs["unknown round"].err.startswith("ppss: fel: ")
    assert runs["unknown district"].err.startswith("ppss: fel: ")
    found: list[str] = []
    checked = 0
    for name, run in runs.items():
        for line in (*run.out.splitlines(), *run.err.splitlines()):
            # a store's path is the tester's, and a hint's options (--as-of) are what is typed,
            # not a text of the program
            text = re.sub(r"\S*/\S*|--[a-z-]+", "", line).strip(" │┃╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┬┴┼")
            if text:
                _check(f"ppss {name}", text, found)
                checked += 1
    with capsys.disabled():
        print(f"\nSwedish sweep: {checked} lines the CLI printed checked")
    assert not found, "\n".join(found)
    assert checked > 50


def _command_paths() -> dict[tuple[str, ...], set[str]]:
    """Every command path of ``ppss`` (the root, each command and each group's commands) and
    the names of the commands under it (typed, so not checked as words)."""
    from ppss_workflow.cli import load_all  # noqa: PLC0415 - loads every command module

    real = load_all()
    paths: dict[tuple[str, ...], set[str]] = {(): set(real)}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", {})
        paths[path] = set(subs)
        for name, sub in subs.items():
            walk(sub, (*path, name))

    for name, command in real.items():
        walk(command, (name,))
    return paths


#: What a help line may hold that is typed, not read: option names (``--as-of``, ``-f``),
#: metavars (``<str>``, ``KRONOR``, ``SHARE[:CODE[+CODE]]``), literal values marked as typed
#: (`` `t2_follow_up` ``), the defaults and variables Typer shows in brackets, and paths/URLs.
_TYPED = re.compile(
    r"`[^`]*`|\[(förval|miljövariabel): [^\]]*\]|<[^>]*>|\S*/\S*|(?<!\w)--?[a-z][a-z0-9-]*"
    r"|\b[A-Z][A-Z0-9_]*(\[[^\s]*\])?(?=\s|$|[.,;:)])"
)


def test_the_clis_help_is_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` of the root and of every command and group, as wide as 200 columns: every
    line a person reads is Swedish (Typer's ``Usage:`` aside, which is fixed in its code)."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from ppss_workflow.cli import app  # noqa: PLC0415

    runner = CliRunner()
    found: list[str] = []
    checked = 0
    paths = _command_paths()
    for path, names in paths.items():
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        where = "ppss " + " ".join([*path, "--help"])
        for line in result.output.splitlines():
            text = line.strip(" │┃╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┬┴┼*")
            if not text or text.startswith("Usage: "):
                continue
            first, _, rest = text.partition(" ")
            if first in names:  # a command's name in the list of commands
                text = rest
            text = _TYPED.sub("", text).strip()
            if text:
                _check(where, text, found)
                checked += 1
    with capsys.disabled():
        print(f"\nSwedish sweep: {len(paths)} help pages, {checked} help lines checked")
    assert not found, "\n".join(found)
    assert len(paths) > 85
    assert checked > 700


def test_a_group_given_no_command_shows_its_help_in_swedish(tmp_path: Path) -> None:
    """``ppss round`` alone (a fresh process: nothing made Swedish before) shows the group's
    help with Typer's own words in Swedish too."""
    run = ppss("round", home=tmp_path)
    found: list[str] = []
    for line in run.out.splitlines():
        text = _TYPED.sub("", line.strip(" │╭╮╰╯─*")).strip()
        if text and not text.startswith("Usage: "):
            _check("ppss round", text, found)
    assert "Kommandon" in run.out, run.out
    assert "Visa denna hjälp och avsluta." in run.out, run.out
    assert not found, "\n".join(found)
