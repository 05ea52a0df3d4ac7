"""Every help text the CLI can show has its English (issue 18), read from the real command
tree: a new command whose help has no English fails here, naming the text (no database)."""

from __future__ import annotations

from babel.messages.pofile import read_po

from ppss_workflow.cli import COMMANDS, load_all
from ppss_workflow.cli.help_words import (
    HELP_DOMAIN,
    HELP_OPTION,
    HELP_PO,
    _english,
    english,
    help_texts,
    language,
)


def _entries() -> dict[str, str]:
    with HELP_PO.open("rb") as f:
        catalog = read_po(f, locale="en", domain=HELP_DOMAIN)
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def test_the_walk_finds_every_kind_of_help_text() -> None:
    """The list is the tree's: a command's help, an option's, an argument's, the index's."""
    texts = help_texts()
    real = load_all()
    assert real["round"].commands["open"].help in texts  # a command in a group
    assert real["import"].params[0].help in texts  # an argument (`source`)
    assert next(p.help for p in real["board"].params if p.name == "as_of") in texts  # an option
    assert {listed for _, listed in COMMANDS.values()} <= set(texts)  # `ppss --help`'s list
    assert HELP_OPTION in texts
    assert len(texts) > 200


def test_every_help_text_has_an_english_entry() -> None:
    """Run ``tools/extract_help.py`` and write the English of the text(s) named here."""
    entries = _entries()
    missing = [
        f"{where}: {text!r}" for text, where in help_texts().items() if not entries.get(text)
    ]
    assert missing == [], "no English in help.po for:\n" + "\n".join(missing)


def test_the_english_is_read_through_the_compiled_catalogue() -> None:
    """What is shown is the catalogue as compiled in memory (the file's own entries), and no
    English is the Swedish copied."""
    _english.cache_clear()
    entries = _entries()
    copied = [text for text in help_texts() if english(text) == text]
    assert copied == []
    assert all(english(text) == said for text, said in entries.items())
    assert english(HELP_OPTION) == "Show this help and exit."
    assert english("not a help text") == "not a help text"


def test_the_english_keeps_the_paragraphs_of_the_swedish() -> None:
    """Typer shows the first paragraph bold and in the list of commands: the index's English
    is the first paragraph of the command's own English, as in Swedish."""
    for text in help_texts():
        assert english(text).count("\n\n") == text.count("\n\n"), text
    for name, command in load_all().items():
        first = english(command.help or "").split("\n\n")[0].strip()
        assert english(COMMANDS[name][1]) == first, name


def test_the_language_of_the_help() -> None:
    assert language("en") == language(" EN ") == "en"
    assert language(None) == language("") == language("sv") == language("de") == "sv"
