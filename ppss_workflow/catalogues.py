"""A ``.po`` file compiled in memory: how every catalogue of ours is read (Babel, no ``.mo``).

Kept apart from :mod:`ppss_workflow.i18n` so that reading a catalogue loads Babel and nothing
else of ours (the CLI's help in English is read this way, see :mod:`ppss_workflow.cli.help_words`).
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = ["compiled"]


def compiled(po: Path, lang: str, domain: str) -> NullTranslations:
    """The catalogue of ``po`` (Babel's reader, compiled to ``.mo`` in memory); none if the
    file is missing. An entry with no translation says its message id."""
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=domain)
    compiled_mo = io.BytesIO()
    write_mo(compiled_mo, catalog)
    compiled_mo.seek(0)
    return Translations(compiled_mo, domain=domain)
