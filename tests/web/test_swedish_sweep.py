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

import io
import re
import tempfile
from collections.abc import Callable
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from policies.state import STOCKHOLM
from tests.e2e.cli import ppss
from tests.swedish import check, cli_text

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


def _check(where: str, text: str, found: list[str], kind: str = "pages") -> None:
    """One text a person reads: Swedish, no code (:func:`tests.swedish.check`)."""
    check(kind, where, text, found)


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
            _check(f"API {path} {key}", str(body[key]), found, "API")
    denied = app_client.get("/api/v1/rounds").json()
    _check("API 401", f"{denied['title']} {denied['detail']}", found, "API")
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
                _check(f"ppss {name}", text, found, "CLI lines (demo)")
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
#: Click's usage line, up to the options: the command as a person types it.
_USAGE_PATH = re.compile(r"^Användning: .*?(?=\[VAL\]|$)")
_TYPED = re.compile(
    r"`[^`]*`|\[(förval|miljövariabel): [^\]]*\]|<[^>]*>|\S*/\S*|(?<!\w)--?[a-z][a-z0-9-]*"
    r"|\b[A-Z][A-Z0-9_]*(\[[^\s]*\])?(?=\s|$|[.,;:)])"
)


def test_the_clis_help_is_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` of the root and of every command and group, as wide as 200 columns: every
    line a person reads is Swedish, Click's usage line too (``Användning: ppss board [VAL]``)."""
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
            assert not text.startswith("Usage: "), (where, text)  # Click's own, in Swedish
            text = _USAGE_PATH.sub("Användning:", text)  # the command as typed
            if not text:
                continue
            first, _, rest = text.partition(" ")
            if first in names:  # a command's name in the list of commands
                text = rest
            text = _TYPED.sub("", text).strip()
            if text:
                _check(where, text, found, "help lines")
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
        text = _USAGE_PATH.sub("Användning:", text)
        if text:
            _check("ppss round", text, found, "help lines")
    assert "Kommandon" in run.out, run.out
    assert "round [VAL] KOMMANDO [ARGUMENT]..." in run.out, run.out
    assert "Visa denna hjälp och avsluta." in run.out, run.out
    assert not found, "\n".join(found)


# -- every CLI command, its tables, confirmations and error lines ---------------------------

R14 = ("--round", "ppss-2014")
R18 = ("--round", "sst-2018")
COORDINATOR_ = ("--as", "coordinator")
STEERING = ("--as", "steering_group")
FARSTA = ("--as", "district:Farsta")
SKARHOLMEN = ("--district", "Skärholmen", "--as", "district:Skärholmen")
#: How a run's output is read: ``text`` every line; ``data`` not at all (a JSON Schema, a
#: calendar: data, or checked as such below); ``secret`` every line but the first (a token
#: or a link shown once: random characters).
TEXT, DATA, SECRET = "text", "data", "secret"
#: Commands that take no ``--database``.
NO_DATABASE = {("events", "schema"), ("audit", "keygen")}
#: Commands the walk does not run, and why (each is named: a new command cannot slip by).
NOT_SWEPT = {
    "demo": "records the demo in a new store (seconds): its output is read by "
    "test_the_clis_confirmations_errors_and_tables_are_swedish",
    "serve": "runs a web server until stopped: its one start line is said through the "
    "catalogue, and its pages are swept above",
    "bench": "for developers measuring speed: English by choice, not for the grant's people",
}


def _cli_runs(tmp: Path) -> list[tuple[tuple[str, ...], str]]:
    """One or more runs of every command on the demo: tables, confirmations, "already
    recorded", refusals and lookups that find nothing (in the order they run: the round is
    closed last)."""
    key = str(tmp / "nyckel")
    return [
        (("board", *R14), TEXT),
        (("board", *R14, "--as-of", "2014-10-01"), TEXT),
        (("board", *R14, "--format", "xlsx", "--output", str(tmp / "tavla.xlsx")), TEXT),
        (("board", *R14, "--format", "csv-sv"), TEXT),
        (("allocate", *R14), TEXT),
        (("apply", *R18, "--file", str(tmp / "ansokan.json"), *FARSTA), TEXT),
        (("apply", *R18, "--file", str(tmp / "ansokan-farsta.json"), *FARSTA), TEXT),
        (
            (
                "award",
                *R14,
                "--district",
                "Farsta",
                "--amount",
                "100 000",
                "--decision-ref",
                "SN 9",
                "--decided-on",
                "2014-03-01",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "withdraw",
                *R14,
                "--district",
                "Farsta",
                "--reason",
                "Ändrade planer",
                *FARSTA,
                "--on",
                "2014-12-01",
            ),
            TEXT,
        ),
        (
            (
                "disburse",
                *R14,
                "--district",
                "Rinkeby-Kista",
                "--amount",
                "100000",
                "--reference",
                "U-9",
                "--on",
                "2014-12-01",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "disburse",
                *R14,
                "--district",
                "Älvsjö",
                "--amount",
                "tjugo",
                "--reference",
                "U-9",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "annul",
                *R14,
                "--district",
                "Farsta",
                "--position",
                "9999",
                "--reason",
                "Fel",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (("reminders", *R18, "--as-of", "2018-09-10T08:00+02:00"), TEXT),
        (("export", "--format", "xlsx", "--output", str(tmp / "export.xlsx")), TEXT),
        (("export", "--output", str(tmp / "export.jsonl")), TEXT),
        (("export", "--archive", str(tmp / "arkiv.zip")), TEXT),
        (("import", str(tmp / "export.jsonl")), TEXT),
        (
            (
                "scheduler",
                "run",
                "--once",
                "--as-of",
                "2018-09-10T08:00+02:00",
                "--outbox",
                str(tmp / "utkorg"),
            ),
            TEXT,
        ),
        (("indicators", *R18), TEXT),
        (("indicators", *R18, "--format", "xlsx", "--output", str(tmp / "ind.xlsx")), TEXT),
        (("db", "status"), TEXT),
        (("db", "upgrade"), TEXT),
        (("db", "backup", str(tmp / "kopia.sqlite3")), TEXT),
        (("db", "rebuild-projections"), TEXT),
        (("db", "roles"), TEXT),
        (("events", "schema"), DATA),
        (("round", "list"), TEXT),
        (
            (
                "round",
                "open",
                "--round",
                "ppss-2030",
                "--title",
                "Prov",
                "--budget",
                "1000000",
                "--start",
                "2030-01-01",
                "--end",
                "2030-12-31",
                "--policy",
                "ppss-2014",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "round",
                "deadline",
                *R18,
                "--code",
                "t2",
                "--due",
                "2018-09-21",
                "--reason",
                "Flyttad",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "round",
                "ladder",
                "--round",
                "ppss-2030",
                "--steps",
                "before-10:-10:district,due:0:district,late-5:5:coordinator",
                "--reason",
                "Tätare",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "plan",
                "submit",
                *R14,
                "--district",
                "Farsta",
                "--plan",
                "p9",
                "--summary",
                "Plan",
                "--on",
                "2014-03-01",
                *FARSTA,
            ),
            TEXT,
        ),
        (
            (
                "plan",
                "approve",
                *R14,
                "--district",
                "Älvsjö",
                "--plan",
                "nej",
                "--meeting-on",
                "2014-03-10",
                *STEERING,
            ),
            TEXT,
        ),
        (
            (
                "plan",
                "reject",
                *R14,
                "--district",
                "Älvsjö",
                "--plan",
                "nej",
                "--meeting-on",
                "2014-03-10",
                "--reason",
                "Oklar",
                *STEERING,
            ),
            TEXT,
        ),
        (
            (
                "network",
                "schedule",
                *R14,
                "--session",
                "n9",
                "--title",
                "Träff",
                "--starts-at",
                "2014-11-12T13:00+01:00",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "network",
                "record",
                *R14,
                "--district",
                "Älvsjö",
                "--session",
                "ingen",
                "--outcome",
                "attended",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "supervision",
                "request",
                *R14,
                "--district",
                "Älvsjö",
                "--amount",
                "10000",
                "--description",
                "Handledning",
                "--as",
                "district:Älvsjö",
                "--on",
                "2014-05-01",
            ),
            TEXT,
        ),
        (
            (
                "supervision",
                "grant",
                *R14,
                "--district",
                "Älvsjö",
                "--amount",
                "10000",
                "--decision-ref",
                "SN 3",
                *COORDINATOR_,
                "--on",
                "2014-05-02",
            ),
            TEXT,
        ),
        (
            (
                "report",
                "follow-up",
                *R18,
                *SKARHOLMEN,
                "--kind",
                "annual",
                "--target-group",
                "20",
                "--reached",
                "15",
                "--on",
                "2018-12-10",
            ),
            TEXT,
        ),
        (
            (
                "report",
                "financial",
                *R18,
                *SKARHOLMEN,
                "--kind",
                "t2",
                "--spent",
                "100",
                "--forecast",
                "200",
                "--on",
                "2018-09-10",
            ),
            TEXT,
        ),
        (
            (
                "report",
                "year-end",
                *R14,
                "--district",
                "Älvsjö",
                "--spent",
                "100",
                "--description",
                "Kostnader",
                "--as",
                "district:Älvsjö",
                "--on",
                "2015-01-20",
            ),
            TEXT,
        ),
        (
            (
                "report",
                "school",
                *R14,
                "--district",
                "Skärholmen",
                "--school",
                "Bredängsskolan",
                "--term",
                "HT2014",
                "--target-group",
                "20",
                "--enrolled",
                "35",
                "--as",
                "district:Skärholmen",
                "--on",
                "2015-01-20",
            ),
            TEXT,
        ),
        (
            (
                "report",
                "school",
                *R14,
                "--district",
                "Skärholmen",
                "--school",
                "Bredängsskolan",
                "--term",
                "HT2014",
                "--target-group",
                "20/10/10",
                "--enrolled",
                "12/5/7",
                "--as",
                "district:Skärholmen",
                "--on",
                "2015-01-20",
            ),
            TEXT,
        ),
        (("report", "december", *R14, "--output", str(tmp / "delrapport.xlsx")), TEXT),
        (("report", "analysis", *R14, "--output", str(tmp / "analys.xlsx")), TEXT),
        (
            (
                "report",
                "accept",
                *R18,
                "--district",
                "Skärholmen",
                "--report",
                "t2_follow_up",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "report",
                "return",
                *R18,
                "--district",
                "Skärholmen",
                "--report",
                "t2_follow_up",
                "--reason",
                "Saknas",
                *COORDINATOR_,
            ),
            TEXT,
        ),
        (
            (
                "repayment",
                "demand",
                *R14,
                "--district",
                "Älvsjö",
                "--amount",
                "1000",
                "--reason",
                "Överskott",
                "--due",
                "2015-03-01",
                *COORDINATOR_,
                "--on",
                "2015-02-01",
            ),
            TEXT,
        ),
        (
            (
                "repayment",
                "receive",
                *R14,
                "--district",
                "Farsta",
                "--amount",
                "1000",
                "--reference",
                "I-1",
                *COORDINATOR_,
                "--on",
                "2015-02-20",
            ),
            TEXT,
        ),
        (
            (
                "repayment",
                "waive",
                *R14,
                "--district",
                "Farsta",
                "--amount",
                "1000",
                "--reference",
                "I-2",
                "--reason",
                "Eftergift",
                *COORDINATOR_,
                "--on",
                "2015-02-21",
            ),
            TEXT,
        ),
        (("calendar", *R18, "--district", "Skärholmen"), DATA),
        (
            (
                "calendar",
                "token",
                "create",
                "--district",
                "Farsta",
                "--name",
                "farsta-kal",
                "--base-url",
                "https://ppss.example.org",
            ),
            SECRET,
        ),
        (("calendar", "token", "list"), TEXT),
        (("calendar", "token", "revoke", "farsta-kal"), TEXT),
        (("calendar", "token", "revoke", "farsta-kal"), TEXT),
        (
            (
                "payment-plan",
                "set",
                *R18,
                "--district",
                "Skärholmen",
                "--instalment",
                "60%:awarded",
                "--instalment",
                "40%:t2_accepted",
                *COORDINATOR_,
                "--on",
                "2018-02-01",
            ),
            TEXT,
        ),
        (("payment-plan", "show", *R18), TEXT),
        (("payment-plan", "show", "--round", "ppss-2016"), TEXT),
        (("audit", "verify"), TEXT),
        (("audit", "keygen", "--out", key), TEXT),
        (("audit", "checkpoint", "--key", key, *COORDINATOR_), TEXT),
        (("audit", "checkpoint", "--key", key, *COORDINATOR_), TEXT),
        (("audit", "checkpoint", "--key", key, "--as", "auditor"), TEXT),
        (("audit", "verify", "--public-key", f"{key}.pub"), TEXT),
        (
            (
                "audit",
                "replay",
                *R14,
                "--as-of",
                "2014-10-01",
                "--known-at",
                "2014-10-02T12:00+02:00",
            ),
            TEXT,
        ),
        (("audit", "replay", *R14, "--as-of", "2015-03-01"), TEXT),
        (("audit", "explain", *R14, "--district", "Farsta"), TEXT),
        (("audit", "explain", *R18, "--district", "Skärholmen"), TEXT),
        (("audit", "corrections"), TEXT),
        (("audit", "history", *R14, "--district", "Farsta"), TEXT),
        (("token", "create", "--role", "steering_group", "--name", "skript"), SECRET),
        (("token", "list"), TEXT),
        (("token", "revoke", "skript"), TEXT),
        (("token", "revoke", "skript"), TEXT),
        (
            ("users", "grant", "person@example.org", "--role", "steering_group", *COORDINATOR_),
            TEXT,
        ),
        (
            ("users", "grant", "person@example.org", "--role", "steering_group", *COORDINATOR_),
            TEXT,
        ),
        (("users", "list", *COORDINATOR_), TEXT),
        (("users", "revoke", "person@example.org", *COORDINATOR_), TEXT),
        (("users", "revoke", "person@example.org", *COORDINATOR_), TEXT),
        (("users", "list", *FARSTA), TEXT),
        (
            ("document", "attach", *R18, *SKARHOLMEN, "--to", "plan", str(tmp / "plan.pdf")),
            TEXT,
        ),
        (
            ("document", "attach", *R18, *SKARHOLMEN, "--to", "plan", str(tmp / "plan.txt")),
            TEXT,
        ),
        (("document", "get", "0" * 64, "--output", str(tmp / "ut.pdf"), *COORDINATOR_), TEXT),
        (("document", "prune"), TEXT),
        (
            (
                "contact",
                "set",
                *R18,
                *SKARHOLMEN,
                "--role",
                "project_lead",
                "--email",
                "ledare@example.org",
                "--on",
                "2018-02-01",
            ),
            TEXT,
        ),
        (("contact", "list", *R18), TEXT),
        (
            (
                "contact",
                "remove",
                *R18,
                *SKARHOLMEN,
                "--role",
                "project_lead",
                "--on",
                "2018-02-02",
            ),
            TEXT,
        ),
        (("round", "close", *R18, "--reason", "Avslutad", *COORDINATOR_), TEXT),
        (("round", "close", *R18, "--reason", "Avslutad", *COORDINATOR_), TEXT),
        (
            (
                "report",
                "financial",
                *R18,
                *SKARHOLMEN,
                "--kind",
                "final",
                "--spent",
                "100",
                "--forecast",
                "100",
            ),
            TEXT,
        ),
    ]


#: A minimal PDF (what `ppss document attach` takes).
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _leaves() -> set[tuple[str, ...]]:
    """Every command that runs (a group's commands, not the group), by its path."""
    paths = _command_paths()
    return {path for path, names in paths.items() if path and not names} | {("calendar",)}


def _invoke(args: tuple[str, ...], env: dict[str, str]) -> tuple[int, list[str]]:
    """``ppss ARGS`` in this process: its exit code and the lines it printed, an error as the
    one line ``ppss`` prints for it (:func:`ppss_workflow.cli._error_line`)."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from ppss_workflow.cli import _error_line, app  # noqa: PLC0415
    from ppss_workflow.errors import WorkflowError  # noqa: PLC0415

    result = CliRunner().invoke(app, list(args), env=env)
    lines = result.output.splitlines()
    error = result.exception
    if isinstance(error, WorkflowError):
        lines.append(_error_line(error))
        return error.exit_code, lines
    assert error is None or isinstance(error, SystemExit), (args, repr(error), result.output)
    return result.exit_code, lines


def test_every_cli_command_on_the_demo_says_its_tables_and_lines_in_swedish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command ``ppss`` has (walked from ``COMMANDS``: one not run here must be named in
    NOT_SWEPT with its reason) run on the demo: each table, confirmation, "already recorded",
    refusal and error line it prints is Swedish. ``--lang en`` gives the same in English."""
    from tests.demo_template import demo_file  # noqa: PLC0415

    url = demo_file(tmp_path / "demo.sqlite3")
    (tmp_path / "plan.pdf").write_bytes(PDF)
    (tmp_path / "plan.txt").write_text("Plan")
    (tmp_path / "ansokan.json").write_text('{"title": "Prov"}')
    (tmp_path / "ansokan-farsta.json").write_text('{"district": "Farsta", "title": "Prov"}')
    runs = _cli_runs(tmp_path)
    ran = {args[: len(leaf)] for args, _ in runs for leaf in _leaves() if args[: len(leaf)] == leaf}
    missing = {leaf for leaf in _leaves() - ran if leaf[0] not in NOT_SWEPT}
    assert missing == set(), f"commands the sweep does not run: {sorted(missing)}"
    env = {"COLUMNS": "200", "XDG_DATA_HOME": str(tmp_path), "PPSS_LANG": "sv"}
    found: list[str] = []
    failed = 0
    for args, how in runs:
        database = () if args[:2] in NO_DATABASE else ("--database", url)
        target = f"sqlite:///{tmp_path}/importerad.sqlite3" if args[0] == "import" else None
        code, lines = _invoke((*args, *(("--database", target) if target else database)), env)
        # a mistyped run here would get Click's usage text (English, not ours)
        assert not any(line.startswith("Usage:") for line in lines), (args, lines[-3:])
        failed += code != 0
        if how == DATA:
            continue
        for line in lines[1:] if how == SECRET else lines:
            text = cli_text(line)
            if text:
                _check(f"ppss {' '.join(args[:3])}", text, found, "CLI lines")
    with capsys.disabled():
        print(
            f"\nSwedish sweep: {len(runs)} CLI runs ({failed} refused), "
            f"{len(_leaves())} commands, {len(NOT_SWEPT)} groups named as not run"
        )
    assert not found, "\n".join(found)
    assert failed > 10
    english = _invoke(("round", "list", "--database", url), {**env, "PPSS_LANG": "en"})[1]
    assert "Closed" in "".join(english)
    assert "Stängd" not in "".join(english)


# -- exports, calendars and mails -----------------------------------------------------------


def _cells(data: bytes, sheet: str) -> list[str]:
    """Every text cell of ``sheet`` (read back with python-calamine)."""
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()
    return [cell for row in rows for cell in row if isinstance(cell, str) and cell.strip()]


def _sheet_names(data: bytes) -> list[str]:
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)


def test_the_sheets_people_open_are_swedish_and_english_on_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The workbook export (its sheets' names; every cell of each round's board; the events
    sheet's own headings: its stored columns and rows are data, as in the jsonl export, whose
    JSON keys stay English), the board and the indicators as xlsx and as a Swedish Excel's
    csv: every text cell is Swedish. Asked for English, the same sheets are English."""
    from ppss_workflow.auditing import COLUMNS as STORED  # noqa: PLC0415
    from ppss_workflow.export import board_table, export_xlsx  # noqa: PLC0415
    from ppss_workflow.i18n import translator  # noqa: PLC0415
    from ppss_workflow.indicators import as_csv_sv, read_report, write_xlsx  # noqa: PLC0415
    from ppss_workflow.readmodels import Reads  # noqa: PLC0415
    from ppss_workflow.sheets import write_csv_sv, xlsx_bytes  # noqa: PLC0415
    from tests.demo_template import demo_copy  # noqa: PLC0415

    found: list[str] = []
    texts: list[tuple[str, str]] = []
    with demo_copy() as store, tempfile.TemporaryDirectory() as folder:
        reads = Reads(store)
        book = io.BytesIO()
        export_xlsx(reads, book, language="sv")
        data = book.getvalue()
        for sheet in _sheet_names(data):
            texts.append(("xlsx export", sheet))
            cells = _cells(data, sheet)
            if sheet == "Händelser":  # the stored rows: data; its own headings are words
                cells = [c for c in cells[: len(STORED) + 2] if c not in STORED]
            texts += [(f"xlsx export {sheet}", cell) for cell in cells]
        for rid in reads.round_ids():
            table = board_table(reads.board(rid), reads.round(rid).title, "sv")
            texts += [(f"board {rid} xlsx", c) for c in _cells(xlsx_bytes([("T", table)]), "T")]
            csv = io.BytesIO()
            write_csv_sv(table, csv)
            texts += [
                (f"board {rid} csv-sv", cell)
                for line in csv.getvalue().decode("utf-8-sig").splitlines()
                for cell in line.split(";")
                if cell.strip() and not cell.strip().lstrip("-").replace(",", "").isdigit()
            ]
        sv = translator("sv")
        for rid in ("ppss-2014", "sst-2018"):
            report = read_report(reads, rid)
            path = Path(folder) / f"{rid}.xlsx"
            write_xlsx(report, path, sv)
            data = path.read_bytes()
            for sheet in _sheet_names(data):
                texts += [(f"indicators {rid}", c) for c in [sheet, *_cells(data, sheet)]]
            texts += [
                (f"indicators {rid} csv-sv", cell)
                for line in as_csv_sv(report, sv).decode("utf-8-sig").splitlines()
                for cell in line.split(";")
                if cell.strip()
            ]
        english = io.BytesIO()
        export_xlsx(reads, english, language="en")
    for where, text in texts:
        _check(where, text.strip('"'), found, "sheet cells")
    with capsys.disabled():
        print(f"\nSwedish sweep: {len(texts)} sheet cells checked")
    assert not found, "\n".join(found)
    assert len(texts) > 400
    names = _sheet_names(english.getvalue())
    assert names[:2] == ["Events", "Board ppss-2014"]
    assert _cells(english.getvalue(), "Board ppss-2014")[:3] == ["District", "Awarded", "Paid"]


#: The text properties of a calendar a person reads (the rest are dates, ids and codes).
ICS_TEXT = ("X-WR-CALNAME", "NAME", "SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT")


def test_the_calendar_feeds_are_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    """Each round's deadline feed, whole and per district, as the demo's days saw them: the
    calendar's name, and each entry's and alarm's summary and description."""
    from ppss_workflow.calendar_feed import deadline_calendar  # noqa: PLC0415
    from ppss_workflow.readmodels import Reads  # noqa: PLC0415
    from tests.demo_template import demo_copy  # noqa: PLC0415

    found: list[str] = []
    checked = 0
    with demo_copy() as store:
        for day in ("2014-06-01", "2015-01-20", "2016-06-01", "2018-06-01", "2018-10-01"):
            moment = datetime.fromisoformat(f"{day}T12:00+02:00")
            reads = Reads(store, clock=lambda moment=moment: moment)
            for rid in reads.round_ids():
                districts = [None, *{v.state.district for v in reads.projects(rid)}]
                for district in districts:
                    cal = deadline_calendar(reads, round_id=rid, district=district)
                    for component in cal.walk():
                        for name in ICS_TEXT:
                            if name in component:
                                _check(f"ICS {rid} {district} {name}", str(component[name]),
                                       found, "ICS lines")  # fmt: skip
                                checked += 1
    with capsys.disabled():
        print(f"\nSwedish sweep: {checked} calendar texts checked")
    assert not found, "\n".join(found)
    assert checked > 200


def test_every_kind_of_mail_is_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    """The reminders the demo's deadlines send (before, on the day, overdue; to a district
    and escalated to the coordinator; one alone and several in a digest), as a real SMTP
    server receives them: each subject and body line is Swedish."""
    from policies.reminders import obligations  # noqa: PLC0415
    from ppss_workflow.notify import ReminderSettings, SmtpNotifier, SmtpSettings  # noqa: PLC0415
    from ppss_workflow.readmodels import Reads  # noqa: PLC0415
    from ppss_workflow.reminders import Dispatcher  # noqa: PLC0415
    from tests.demo_template import demo_copy  # noqa: PLC0415
    from tests.smtp import smtp_server  # noqa: PLC0415

    settings = ReminderSettings(
        coordinator_email="samordnare@example.org",
        district_email="stadsdel@example.org",
        language="sv",
        sender="paminnelser@example.org",
        public_url="https://ppss.example.org/",
    )
    found: list[str] = []
    lines = 0
    with demo_copy() as store, smtp_server() as (inbox, port):
        reads = Reads(store)
        due_days = sorted(
            {
                ob.due_on
                for rid in reads.round_ids()
                for view in reads.projects(rid)
                for ob in obligations(view.policy, view.round, view.state, reads.now())
            }
        )
        notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
        for due in due_days:
            for offset in (-20, 0, 8):
                moment = datetime.combine(due + timedelta(days=offset), time(8), tzinfo=STOCKHOLM)
                Dispatcher(store, notifier, settings).run(as_of=moment)
        for message in inbox.messages:
            subject = str(message["Subject"])
            _check("mail subject", subject, found, "mail lines")
            lines += 1
            body = message.get_body(("plain",))
            assert body is not None
            for line in body.get_content().splitlines():
                text = re.sub(r"\S*/\S*|\S+@\S+", "", line).strip()
                if text:
                    _check(f"mail {subject[:40]}", text, found, "mail lines")
                    lines += 1
        subjects = [str(m["Subject"]) for m in inbox.messages]
    with capsys.disabled():
        print(f"\nSwedish sweep: {len(subjects)} mails, {lines} mail lines checked")
    assert not found, "\n".join(found)
    kinds = {s.split(":")[0] for s in subjects}
    print(sorted(kinds))
    assert len(subjects) > 10, subjects
    assert len(kinds) >= 2, kinds
