"""A mistyped command line is answered in Swedish (ppss_workflow/cli/usage_words.py).

Click's usage errors (an unknown command or option, a missing option or argument, a value
that is not a number) and its usage line are English and fixed in Typer's copy of Click. A
civil servant who mistypes reads them in Swedish, with Click's own English under ``--lang en``.
No database: the real command tree, run in process.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ppss_workflow.cli import app
from ppss_workflow.cli.usage_words import SWEDISH_ERRORS, swedish
from tests.swedish import check, cli_text

#: Mistakes a person makes, each meeting one of Click's usage errors, and a word of the
#: Swedish answer.
MISTAKES: list[tuple[list[str], str]] = [
    (["bord"], "Det finns inget kommando 'bord'. Menade du 'board'?"),
    (["nosuch"], "Det finns inget kommando 'nosuch'."),
    (["board", "--rund", "ppss-2014"], "Det finns inget val --rund."),
    (["board", "--rond", "ppss-2014"], "Menade du --round?"),
    (["board", "-r"], "Valet '-r' behöver ett värde."),
    (["board"], "Valet '--round' / '-r' saknas: det måste anges."),
    (["import"], "Argumentet 'EXPORTFIL' saknas: det måste anges."),
    (["board", "-r", "ppss-2014", "extra"], "Oväntat på kommandoraden: extra."),
    (["bench", "board", "--projects", "tio"], "'tio' är inte ett heltal."),
    (["--version", "--lang"], "Valet '--lang' behöver ett värde."),
]


@pytest.mark.parametrize(("args", "said"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_mistyped_command_line_is_answered_in_swedish(args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", "PPSS_LANG": "sv"})
    assert result.exit_code == 2, result.output
    assert said in result.output, result.output
    found: list[str] = []
    for line in result.output.splitlines():
        text = cli_text(line).replace("[VAL]", "").replace("KOMMANDO [ARGUMENT]...", "")
        if text:
            check("CLI lines", " ".join(args), text, found)
    assert not found, "\n".join(found)
    assert "Usage:" not in result.output
    assert "Error" not in result.output


def test_in_english_click_says_it_in_its_own_words() -> None:
    # (``--lang`` sets $PPSS_LANG for the run: named in env, the runner puts it back after.)
    result = CliRunner().invoke(
        app, ["--lang", "en", "board", "--rund", "x"], env={"PPSS_LANG": "sv"}
    )
    assert result.exit_code == 2
    assert "Usage: ppss board [OPTIONS]" in result.output, result.output
    assert "No such option: --rund" in result.output
    assert "Error" in result.output
    # ...and the next Swedish run is Swedish again (the frame is put back after each).
    again = CliRunner().invoke(app, ["board", "--rund", "x"], env={"PPSS_LANG": "sv"})
    assert "Användning: ppss board [VAL]" in again.output, again.output


def test_help_shows_the_usage_line_in_swedish() -> None:
    result = CliRunner().invoke(app, ["board", "--help"], env={"PPSS_LANG": "sv"})
    assert result.exit_code == 0
    assert "Användning: ppss board [VAL]" in result.output, result.output
    root = CliRunner().invoke(app, ["--help"], env={"PPSS_LANG": "sv"})
    assert "Användning: ppss [VAL] KOMMANDO [ARGUMENT]..." in root.output, root.output


#: Every English message of :data:`SWEDISH_ERRORS`, as Click words it, and its Swedish.
MESSAGES = [
    ("No such command 'bord'.", "Det finns inget kommando 'bord'."),
    (
        "No such command 'bord'. Did you mean 'board'?",
        "Det finns inget kommando 'bord'. Menade du 'board'?",
    ),
    (
        "No such option: --rond (Possible options: --round, --roles)",
        "Det finns inget val --rond. Menade du --round, --roles?",
    ),
    ("No such option: --x", "Det finns inget val --x."),
    ("No such option '--x'.", "Det finns inget val '--x'."),
    ("Option '-r' requires an argument.", "Valet '-r' behöver ett värde."),
    ("Option '--span' requires 2 arguments.", "Valet '--span' behöver 2 värden."),
    ("Option '--force' does not take a value.", "Valet '--force' tar inget värde."),
    ("Missing option '--round'.", "Valet '--round' saknas: det måste anges."),
    ("Missing argument 'FIL'.", "Argumentet 'FIL' saknas: det måste anges."),
    ("Missing parameter 'x'.", "'x' saknas: det måste anges."),
    ("Missing command.", "Kommandot saknas: skriv vilket."),
    ("Got unexpected extra arguments (a b)", "Oväntat på kommandoraden: a b."),
    ("Got unexpected extra argument(s) (a)", "Oväntat på kommandoraden: a."),
    (
        "Invalid value for '--projects': 'tio' is not a valid int.",
        "Ogiltigt värde för '--projects': 'tio' är inte ett heltal.",
    ),
    ("Invalid value: 'x' is not a valid float.", "Ogiltigt värde: 'x' är inte ett tal."),
    ("'x' is not a valid UUID.", "'x' är inte ett id (UUID)."),
    ("'x' is not a valid datetime.", "'x' är inte en tidpunkt."),
    (
        "'x' is not a valid boolean. Recognized values: 1, 0",
        "'x' är varken ja eller nej. Giltiga värden: 1, 0.",
    ),
    ("'xyz' is not one of 'jsonl', 'csv'.", "'xyz' är inte ett av 'jsonl', 'csv'."),
    ("-1 is not in the range x>=0.", "-1 ligger utanför x>=0."),
    ("'1/2' does not match the format '%Y-%m-%d'.", "'1/2' har inte formen '%Y-%m-%d'."),
    ("File 'a.pdf' does not exist.", "Filen 'a.pdf' finns inte."),
    ("Directory 'ut' is a file.", "'ut' är en fil."),
    ("File 'ut' is a directory.", "'ut' är en mapp."),
    ("File 'a.pdf' is not readable.", "Filen 'a.pdf' går inte att läsa."),
    ("Path 'ut' is not writable.", "Sökvägen 'ut' går inte att skriva till."),
    ("Takes 2 values but 3 given.", "Tar 2 värden men fick 3."),
]


def test_every_pattern_says_its_message_in_swedish() -> None:
    """Each pattern meets the message it is for (counted: none is left unmet), and says it
    with every part the person typed kept."""
    met = set()
    for english, said in MESSAGES:
        assert swedish(english) == said, english
        met |= {i for i, (p, _) in enumerate(SWEDISH_ERRORS) if p.fullmatch(english)}
    assert met == set(range(len(SWEDISH_ERRORS))), sorted(set(range(len(SWEDISH_ERRORS))) - met)


def test_a_message_no_pattern_knows_stays_as_click_wrote_it() -> None:
    assert swedish("Something new in Click.") == "Something new in Click."
