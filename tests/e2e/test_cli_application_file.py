"""`ppss apply --file` with a file that is not an application (issue 12): one line, nothing
written, for each shape a careless or hostile file can take."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import assert_one_line_error, ppss

SHAPES = {
    "array": "[1, 2, 3]",
    "string": '"Farsta"',
    "number": "1e3",
    "null": "null",
    "not json": "{district: Farsta",
    "empty": "",
    "nested nonsense": '{"district": {"name": ["Farsta"]}}',
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    home = tmp_path_factory.mktemp("home")
    url = f"sqlite:///{home / 'demo.sqlite3'}"
    assert ppss("demo", "--database", url, home=home).code == 0
    return url, home


def _count(url: str, home: Path) -> str:
    status = ppss("db", "status", "--database", url, home=home)
    assert status.code == 0, status.err
    return status.out


@pytest.mark.parametrize("content", SHAPES.values(), ids=list(SHAPES))
def test_a_file_that_is_not_an_application_is_one_line_and_writes_nothing(
    demo: tuple[str, Path], tmp_path: Path, content: str
) -> None:
    url, home = demo
    before = _count(url, home)
    application = tmp_path / "application.json"
    application.write_text(content, encoding="utf-8")
    run = ppss(
        "apply", "--round", "sst-2018", "--file", str(application), "--as", "coordinator",
        "--database", url, home=home,
    )  # fmt: skip
    assert_one_line_error(run, str(application))
    assert _count(url, home) == before
