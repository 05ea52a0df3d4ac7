"""Bring ``ppss_workflow/locale/en/LC_MESSAGES/help.po`` up to date with the CLI's help.

Walks the real command tree (:func:`ppss_workflow.cli.help_words.help_texts`: every command's
and group's help, every option's and argument's, the root's list of commands) and writes the
catalogue of the help's English: each Swedish text a message id, with where it is shown as a
comment. Translations already made are kept; a new text gets an empty string (to be written),
a text no longer shown is dropped. Then write the English of each new entry and run
``tests/unit/test_help_words.py``, which names any text still without English.

    .venv/bin/python tools/extract_help.py           # update the file
    .venv/bin/python tools/extract_help.py --check   # exit 1 if a text has no English
"""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from ppss_workflow.cli.help_words import HELP_DOMAIN, HELP_PO, help_texts


def _catalog(texts: dict[str, str]) -> Catalog:
    """The catalogue ``texts`` need, with the translations ``help.po`` already has."""
    known: dict[str, str] = {}
    created = None
    if HELP_PO.exists():
        with HELP_PO.open("rb") as f:
            old = read_po(f, locale="en", domain=HELP_DOMAIN)
        known = {str(m.id): str(m.string) for m in old if m.id and m.string}
        created = old.creation_date  # kept: the file changes only where a text does
    catalog = Catalog(
        locale="en",
        domain=HELP_DOMAIN,
        project="ppss-workflow",
        creation_date=created,
        fuzzy=False,
        header_comment=(
            "# The English of the `ppss` command line's help: each message id is a help text as\n"
            "# written (in Swedish) in ppss_workflow/cli, each string its English.\n"
            "# Made and kept up to date by tools/extract_help.py; write the English by hand."
        ),
    )
    for text, where in texts.items():
        catalog.add(text, known.get(text, ""), auto_comments=[where])
    return catalog


def main(argv: list[str]) -> int:
    texts = help_texts()
    catalog = _catalog(texts)
    missing = [m.id for m in catalog if m.id and not m.string]
    if "--check" in argv:
        for text in missing:
            print(f"no English: {text!r}", file=sys.stderr)
        return 1 if missing else 0
    HELP_PO.parent.mkdir(parents=True, exist_ok=True)
    with HELP_PO.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, no_location=True)
    print(f"{HELP_PO}: {len(texts)} help texts, {len(missing)} without English")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
