"""A ``.po`` file compiled: how every catalogue of ours is read (Babel; no ``.mo`` in git).

Kept apart from :mod:`ppss_workflow.i18n` so that reading a catalogue loads Babel and nothing
else of ours (the CLI's help in English is read this way, see :mod:`ppss_workflow.cli.help_words`).

Compiling a catalogue takes Babel about 0.3 s of CPU, which every ``ppss`` command that says a
word would pay again: the compiled catalogue is kept in the user's cache folder
(``$PPSS_CACHE_DIR``, else the platform's, e.g. ``~/.cache/ppss-workflow/locale/``) under the
``.po`` file's SHA-256, so a changed catalogue is compiled again and a stale one is never read.
A cache folder that cannot be written (read-only, full) only means compiling again next time.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import platformdirs
from babel.support import NullTranslations, Translations

__all__ = ["compiled", "compiled_bytes"]


def cache_dir() -> Path:
    """Where compiled catalogues are kept."""
    base = os.environ.get("PPSS_CACHE_DIR") or platformdirs.user_cache_dir(
        "ppss-workflow", appauthor=False
    )
    return Path(base) / "locale"


def compiled(po: Path, lang: str, domain: str) -> NullTranslations:
    """The catalogue of ``po``; none if the file is missing. An entry with no translation
    says its message id."""
    if not po.exists():
        return NullTranslations()
    return Translations(io.BytesIO(compiled_bytes(po, lang, domain)), domain=domain)


def compiled_bytes(po: Path, lang: str, domain: str) -> bytes:
    """``po`` as ``.mo`` bytes: from the cache when it holds this very file, else compiled by
    Babel's reader and writer and kept for the next process."""
    source = po.read_bytes()
    kept = cache_dir() / f"{lang}-{domain}-{hashlib.sha256(source).hexdigest()[:32]}.mo"
    try:
        return kept.read_bytes()
    except OSError:
        pass
    from babel.messages.mofile import write_mo  # noqa: PLC0415 - only when compiling
    from babel.messages.pofile import read_po  # noqa: PLC0415

    out = io.BytesIO()
    write_mo(out, read_po(io.BytesIO(source), locale=lang, domain=domain))
    data = out.getvalue()
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        partial.replace(kept)  # whole or not at all, whoever else compiles at the same time
    except OSError:
        pass
    return data
