"""`ppss token` and `ppss serve` as a user runs them; the catalogue; amounts as people type."""

from __future__ import annotations

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from ppss_workflow.errors import InvalidCommand
from ppss_workflow.i18n import LOCALE_DIR, translator
from ppss_workflow.web.forms import parse_kronor


def ppss(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ppss_workflow", *args], capture_output=True, text=True, check=False
    )


def test_tokens_from_the_command_line(empty_url: str) -> None:
    assert ppss("db", "upgrade", "--database", empty_url).returncode == 0
    created = ppss("token", "create", "--role", "district:Farsta", "--name", "farsta-script",
                   "--database", empty_url)  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("ppss_")
    assert "visas bara nu" in created.stderr
    listed = ppss("token", "list", "--database", empty_url)
    assert "farsta-script" in listed.stdout
    assert "Stadsdel Farsta" in listed.stdout
    assert token not in listed.stdout
    again = ppss("token", "create", "--role", "auditor", "--name", "farsta-script",
                 "--database", empty_url)  # fmt: skip
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1
    bad = ppss("token", "create", "--role", "boss", "--name", "x", "--database", empty_url)
    assert bad.returncode == 2
    assert bad.stderr.startswith("ppss: fel: rollen 'boss' finns inte: använd någon av")
    assert ppss("token", "revoke", "farsta-script", "--database", empty_url).returncode == 0
    missing = ppss("token", "revoke", "nobody", "--database", empty_url)
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1


def test_demo_is_served_on_loopback_only() -> None:
    refused = ppss("serve", "--demo", "--host", "0.0.0.0")  # noqa: S104 - the point of the test
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "loopback" in refused.stderr


def test_swedish_catalogue_is_complete() -> None:
    with (LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    untranslated = [
        m.id
        for m in catalogue
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []


def test_plain_words_for_codes() -> None:
    sv, en = translator("sv"), translator("en")
    assert sv.status("repayment due") == "återbetalning krävs"
    assert sv.status("paid") == "utbetalt"
    assert sv.condition("plan_approved") == "Godkänd verksamhetsplan"
    assert sv.condition("awarded") == "Beviljat bidrag"
    assert en.status("repayment due") == "repayment due"
    assert sv.money(-1_500) == "\u22121\u00a0500 kr"
    assert sv.money(1_400_000) == "1\u00a0400\u00a0000 kr"
    assert sv.step("before-14") == "14 arbetsdagar före"
    assert translator("xx").lang == "sv"


@pytest.mark.parametrize(
    ("typed", "kronor"),
    [("1 400 000", 1_400_000), ("1400000 kr", 1_400_000), ("1\u00a0400\u00a0000 kr", 1_400_000),
     ("25 000:-", 25_000), ("SEK 700000", 700_000), ("100,00", 100)],
)  # fmt: skip
def test_amounts_as_people_write_them(typed: str, kronor: int) -> None:
    assert parse_kronor(typed) == kronor


@pytest.mark.parametrize("typed", ["", "kr", "1,5", "-100", "0", "1.400.000", "tio"])
def test_amounts_refused(typed: str) -> None:
    with pytest.raises(InvalidCommand):
        parse_kronor(typed)
