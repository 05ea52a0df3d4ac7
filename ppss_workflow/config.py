"""Where the store is: the --database flag, then PPSS_DATABASE_URL, then a per-user file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = [
    "ENV_DATABASE_URL",
    "StoreLocation",
    "as_url",
    "default_data_dir",
    "resolve_database_url",
]

ENV_DATABASE_URL = "PPSS_DATABASE_URL"
_APP = "ppss-workflow"


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/ppss-workflow`` on Linux)."""
    return Path(platformdirs.user_data_dir(_APP, appauthor=False))


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A database URL and where it came from (for messages that say what to change)."""

    url: str
    source: str  # "option", "environment" or "default"

    @property
    def is_default(self) -> bool:
        return self.source == "default"


def resolve_database_url(
    option: str | None, *, default_name: str = "ppss.sqlite3"
) -> StoreLocation:
    """The store to use; the default SQLite file's folder is created on first use.

    A plain file path (no ``scheme://``) is a SQLite store: ``--database ppss.sqlite3`` is
    ``sqlite:///ABSOLUTE/PATH/ppss.sqlite3``.
    """
    if option:
        return StoreLocation(as_url(option), "option")
    env = os.environ.get(ENV_DATABASE_URL)
    if env:
        return StoreLocation(as_url(env), "environment")
    folder = default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return StoreLocation(f"sqlite:///{folder / default_name}", "default")


def as_url(value: str) -> str:
    """A database URL as given, or a plain path as the SQLite file it names."""
    if "://" in value or value.startswith("sqlite:"):
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"
