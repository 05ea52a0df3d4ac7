"""Every error ppss-workflow raises on purpose can be said in Swedish (no database).

The CLI (``_error_line``) and the web (problem+json, error pages) say an error in the
reader's language from its reason (a code with Swedish and English texts in the catalogue);
an error with no reason is said in Swedish only when the catalogue translates its message
word for word, so an f-string message reaches a Swedish reader in English. This test reads
the code of ``ppss_workflow/`` with :mod:`ast`, finds every construction of a
:class:`~ppss_workflow.errors.WorkflowError` (and of its subclasses, wherever they are
declared) and fails, naming ``file:line``, for each that has neither a ``reason=`` argument
nor a plain literal message the Swedish catalogue translates.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import ppss_workflow
from ppss_workflow.i18n import LOCALE_DIR

PACKAGE = Path(ppss_workflow.__file__).parent
ROOT = PACKAGE.parent

#: Errors that word their own message from the catalogue, in the reader's language, in their
#: ``__init__`` (their message is never an English f-string), with where they do it.
SAYS_ITSELF = {
    "StorageFault": "faults.py: StorageFault.said() words the cause from the catalogue",
    "ChainBroken": "faults.py: ChainBroken.__init__ words its line from the catalogue",
}


@dataclass(frozen=True)
class Site:
    where: str
    error: str
    message: str | None  # the literal message, if it is one

    def __str__(self) -> str:
        return f"{self.where}: {self.error}({self.message!r})"


@cache
def _modules() -> tuple[tuple[str, ast.Module], ...]:
    return tuple(
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _sets_its_own_reason(cls: ast.ClassDef) -> bool:
    """The class's ``__init__`` hands ``reason=`` to ``super().__init__`` (every one it
    builds has a reason, whatever its callers pass)."""
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            for node in ast.walk(item):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "__init__"
                    and any(k.arg == "reason" for k in node.keywords)
                ):
                    return True
    return False


@cache
def _error_classes() -> tuple[frozenset[str], frozenset[str]]:
    """The names of WorkflowError and every subclass declared in the package (a fixpoint
    over the class statements), and those whose instances carry a reason of their own."""
    classes = {
        node.name: node
        for _, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    errors = {"WorkflowError"}
    grew = True
    while grew:
        grew = False
        for name, node in classes.items():
            if name not in errors and any(_name(b) in errors for b in node.bases):
                errors.add(name)
                grew = True
    own = {name for name in errors if _sets_its_own_reason(classes[name])}
    return frozenset(errors), frozenset(own | (set(SAYS_ITSELF) & errors))


def _sites() -> list[tuple[Site, bool]]:
    """Every construction (or bare raise) of an error class, and whether it has a reason."""
    errors, fine = _error_classes()
    found: list[tuple[Site, bool]] = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Raise)
                and node.exc is not None
                and not isinstance(node.exc, ast.Call)
                and _name(node.exc) in errors
            ):
                site = Site(f"{path}:{node.lineno}", str(_name(node.exc)), None)
                found.append((site, _name(node.exc) in fine))
            if not isinstance(node, ast.Call):
                continue
            error = _name(node.func)
            if error not in errors:
                continue
            first = node.args[0] if node.args else None
            message = (
                first.value
                if isinstance(first, ast.Constant) and isinstance(first.value, str)
                else None
            )
            has_reason = error in fine or any(k.arg == "reason" for k in node.keywords)
            found.append((Site(f"{path}:{node.lineno}", error, message), has_reason))
    return found


@cache
def _swedish() -> dict[str, str]:
    with (LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="sv")
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def test_the_walk_finds_the_errors_and_their_subclasses() -> None:
    """The walk is not vacuous: it knows the subclasses (those of ``faults.py`` too) and
    finds the many places errors are built."""
    errors, fine = _error_classes()
    assert {"InvalidCommand", "NotFound", "ConfigurationError", "StorageFault"} <= errors
    assert {"ConcurrencyError", "StorageFault", "ChainBroken"} <= fine
    assert "InvalidCommand" not in fine
    assert set(SAYS_ITSELF) <= errors
    assert len(_sites()) > 150


def test_every_error_raised_has_a_reason_or_a_swedish_line() -> None:
    """Each error built in ``ppss_workflow/`` is said in Swedish: it has a ``reason=``, or
    its message is a literal the Swedish catalogue translates."""
    swedish = _swedish()
    english_only = sorted(
        (
            str(site)
            for site, has_reason in _sites()
            if not has_reason
            and not (
                site.message is not None and swedish.get(site.message, site.message) != site.message
            )
        ),
        key=lambda line: (line.split(":")[0], int(line.split(":")[1])),
    )
    assert english_only == [], (
        f"{len(english_only)} errors would reach a Swedish reader in English "
        "(give each a reason code, see ppss_workflow/errors.py):\n" + "\n".join(english_only)
    )


def test_a_forms_errors_are_said_in_swedish_and_in_english_as_before() -> None:
    """The web's forms (``web/forms.py``): each refusal is said in Swedish from its reason,
    naming what was typed, while the English message (logs, ``--lang en``) stays as it was."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from ppss_workflow.errors import InvalidCommand  # noqa: PLC0415
    from ppss_workflow.web.forms import parse_count, parse_estimate, parse_instant  # noqa: PLC0415
    from ppss_workflow.words import say  # noqa: PLC0415

    cases = [
        (lambda: parse_count(""), "ange ett tal, t.ex. 24", "give a number, e.g. 24"),
        (
            lambda: parse_count("tolv"),
            "'tolv' är inget heltal (t.ex. 24)",
            "'tolv' is not a whole number (e.g. 24)",
        ),
        (
            lambda: parse_estimate("5-4"),
            "'5-4': intervallets första tal är större än dess sista",
            "'5-4': the range's first number is above its last",
        ),
        (
            lambda: parse_instant("i morgon", ZoneInfo("Europe/Stockholm")),
            "'i morgon': skriv en tidpunkt som ÅÅÅÅ-MM-DDTtt:mm, t.ex. 2014-03-12T13:00",
            "'i morgon': write a time as YYYY-MM-DDTHH:MM",
        ),
    ]
    for call, swedish, english in cases:
        with pytest.raises(InvalidCommand) as refused:
            call()
        assert refused.value.reason is not None
        assert say(refused.value.reason, "sv") == swedish
        assert say(refused.value.reason, "en") == english == str(refused.value)
