"""A lean start-up (issue 23, must show 4): ``ppss --help`` loads no heavy module and stays
within 0.6 s of CPU time; the help it shows without loading is the commands' own."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ppss_workflow.cli import COMMANDS, LazyGroup, app, load_all
from ppss_workflow.cli import _root as root_options
from tests.e2e.cli import ppss

#: Top-level packages a command loads when it runs, never for the list of commands.
HEAVY = (
    "sqlalchemy",
    "pydantic",
    "pydantic_settings",
    "policies",
    "events",
    "babel",
    "cryptography",
    "holidays",
    "smtplib",
    "openpyxl",
    "matplotlib",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "structlog",
    "psycopg",
    "apscheduler",
    "orjson",
    "icalendar",
    "authlib",
)

#: Our own modules that are more than the command index.
OURS = (
    "ppss_workflow.store",
    "ppss_workflow.db",
    "ppss_workflow.cli._common",
    "ppss_workflow.i18n",
)

_PROBE = """
import json, sys
sys.argv = ["ppss", *ARGS]
from ppss_workflow.entry import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("*ARGS", "*" + json.dumps(list(args)))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), (), ("--version",)])
def test_the_list_of_commands_loads_nothing_heavy(args: tuple[str, ...]) -> None:
    loaded = _modules_after(*args)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in OURS)
    assert heavy == [], heavy
    assert "typer" in loaded  # the probe did run the CLI


def test_a_command_loads_what_it_needs() -> None:
    """The probe can fail: running a command that reads the store loads the store."""
    loaded = _modules_after("events", "--help")
    assert "ppss_workflow.cli.events_cmd" in loaded
    assert "ppss_workflow.cli.workflow_cmds" not in loaded  # only the module of that command


def test_help_takes_at_most_0_6_s_of_cpu(tmp_path: Path) -> None:
    """CPU time (user + system) of the child, median of 3: the machine may be loaded."""
    script = Path(sys.executable).with_name("ppss")
    times = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([str(script), "--help"], capture_output=True, check=True, timeout=120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    assert sorted(times)[1] <= 0.6, times


def test_the_index_says_what_each_command_says() -> None:
    real = load_all()
    assert list(real) == list(COMMANDS)
    for name, command in real.items():
        first_paragraph = (command.help or "").split("\n\n")[0].strip()
        assert COMMANDS[name][1] == first_paragraph, name
        assert not command.hidden


def _tree(command: Any, prefix: str = "") -> list[str]:
    """Every command path under ``command``, e.g. ``report return``."""
    paths = [prefix.strip()]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += _tree(sub, f"{prefix} {name}")
    return paths


_TREE_PROBE = """
import importlib, json, pkgutil, sys
import ppss_workflow.cli as cli
from tests.e2e.test_cli_startup import _tree
if sys.argv[1] == "ALL":  # every command module imported first, then the commands built
    for module in pkgutil.iter_modules(cli.__path__):
        importlib.import_module(f"ppss_workflow.cli.{module.name}")
names = [n for n, (loader, _) in cli.COMMANDS.items() if sys.argv[1] in ("ALL", loader.__name__)]
print(json.dumps({n: _tree(cli._load(n)) for n in names}))
"""


def _trees(loader: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _TREE_PROBE, loader],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    trees: dict[str, list[str]] = json.loads(done.stdout)
    return trees


@pytest.fixture(scope="module")
def every_tree() -> dict[str, list[str]]:
    return _trees("ALL")


@pytest.mark.parametrize("loader", sorted({loader.__name__ for loader, _ in COMMANDS.values()}))
def test_a_command_loaded_alone_has_every_subcommand(
    loader: str, every_tree: dict[str, list[str]]
) -> None:
    """In a fresh process only the command's own loader runs: nothing another module adds
    to its groups (``report accept|return`` from plan_cmds) may go missing."""
    alone = _trees(loader)
    assert alone
    for name, paths in alone.items():
        assert paths == every_tree[name], name
    assert "return" in every_tree["report"]  # the probe sees what plan_cmds adds


class _AllLoaded(LazyGroup):
    """The root with every command loaded: what ``ppss --help`` would show the slow way."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands.update(load_all())


def test_the_help_is_the_same_listed_or_loaded() -> None:
    loaded_app = typer.Typer(
        name="ppss", cls=_AllLoaded, help=app.info.help, no_args_is_help=True, add_completion=False
    )
    loaded_app.callback()(root_options)
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "120"})
    loaded = runner.invoke(loaded_app, ["--help"], env={"COLUMNS": "120"})
    assert listed.exit_code == loaded.exit_code == 0
    assert listed.output == loaded.output
    for name in COMMANDS:
        assert name in listed.output


def test_a_lazily_loaded_command_runs_with_the_root_options(tmp_path: Path) -> None:
    run = ppss("--lang", "en", "events", "schema", home=tmp_path)
    assert run.code == 0, run
    assert "Traceback" not in run.err


def test_a_mistyped_command_is_suggested(tmp_path: Path) -> None:
    run = ppss("boardd", home=tmp_path)
    assert run.code == 2
    assert "'board'" in run.err
