"""A catalogue is compiled once and kept under its own hash: a later process reads the compiled
catalogue, a changed ``.po`` is compiled again, and a cache that cannot be written changes
nothing but the time (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppss_workflow.catalogues import cache_dir, compiled, compiled_bytes

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "paid"
msgstr "{said}"
"""


def _po(folder: Path, said: str) -> Path:
    po = folder / "messages.po"
    po.write_text(PO.replace("{said}", said), encoding="utf-8")
    return po


def test_a_catalogue_is_kept_under_its_hash_and_a_changed_one_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPSS_CACHE_DIR", str(tmp_path / "cache"))
    po = _po(tmp_path, "utbetald")
    assert compiled(po, "sv", "messages").gettext("paid") == "utbetald"
    (kept,) = cache_dir().glob("sv-messages-*.mo")
    assert kept.read_bytes() == compiled_bytes(po, "sv", "messages")
    # The kept file is what a later process reads: it is not compiled again.
    kept.write_bytes(kept.read_bytes().replace(b"utbetald", b"UTBETALD"))
    assert compiled(po, "sv", "messages").gettext("paid") == "UTBETALD"
    # A changed catalogue has another hash: compiled again, never the stale one.
    assert compiled(_po(tmp_path, "betald"), "sv", "messages").gettext("paid") == "betald"
    assert len(list(cache_dir().glob("sv-messages-*.mo"))) == 2
    assert not list(cache_dir().glob("*.partial"))


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("PPSS_CACHE_DIR", str(blocker))
    po = _po(tmp_path, "utbetald")
    assert compiled(po, "sv", "messages").gettext("paid") == "utbetald"
    assert compiled(tmp_path / "missing.po", "sv", "messages").gettext("paid") == "paid"
