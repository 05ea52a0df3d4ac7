"""The pure core stays pure: events and policies import no machinery and read no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ppss_workflow.schema import HEAD_REVISION, head_revision

ROOT = Path(__file__).resolve().parents[2]
PURE = sorted([*(ROOT / "events").rglob("*.py"), *(ROOT / "policies").rglob("*.py")])
FORBIDDEN_MODULES = {
    "ppss_workflow", "sqlalchemy", "alembic", "structlog", "apscheduler", "smtplib",
    "socket", "requests", "os", "subprocess", "logging", "time", "random", "typer", "rich",
}  # fmt: skip
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}


@pytest.mark.parametrize("path", PURE, ids=[p.relative_to(ROOT).as_posix() for p in PURE])
def test_pure_packages_have_no_io_and_no_clock(path: Path) -> None:
    """A module of events/ or policies/ imports no I/O library and never asks for the time."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno} reads a clock"


def test_the_check_sees_the_packages() -> None:
    """The purity check above really covers the two packages (it is not vacuous)."""
    names = {p.relative_to(ROOT).as_posix() for p in PURE}
    assert "events/base.py" in names
    assert "policies/ledger.py" in names


def test_head_revision_constant_matches_the_migrations() -> None:
    """The schema check's constant names the newest migration that ships."""
    assert head_revision() == HEAD_REVISION


MACHINERY = sorted((ROOT / "ppss_workflow").rglob("*.py"))
#: The errors a rule raises: in the machinery only handlers.py turns a policy's refusal into one.
RULE_ERRORS = {"ConditionNotMet", "NotAuthorised"}


def test_no_rule_is_decided_in_the_machinery() -> None:
    """Refusals on money, lifecycle and roles come from policies/decisions.py only: no module
    of ppss_workflow/ raises ConditionNotMet or NotAuthorised itself."""
    for path in MACHINERY:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in RULE_ERRORS, f"{path.name}:{node.lineno} decides"


def test_handlers_and_read_models_keep_to_their_side() -> None:
    """The command side never builds a board, the read side never appends."""
    handlers = (ROOT / "ppss_workflow" / "handlers.py").read_text(encoding="utf-8")
    reads = (ROOT / "ppss_workflow" / "readmodels.py").read_text(encoding="utf-8")
    assert ".assess(" not in handlers
    assert "store.append" not in reads
    assert "AppendRequest" not in reads
    assert not (ROOT / "ppss_workflow" / "workflow.py").exists()
