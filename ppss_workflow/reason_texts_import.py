"""Texts of the reasons an import gives (policies.imports), to fold into the catalogue.

Each code maps to (English, Swedish), with the code's parameters as ``{name}`` placeholders.
"""

from __future__ import annotations

__all__ = ["TEXTS"]

TEXTS: dict[str, tuple[str, str]] = {
    "import.wrong_stream": (
        "a {event} is never recorded on {stream}",
        "en {event} registreras aldrig på {stream}",
    ),
    "import.unrecordable": (
        "no command of the engine records this {event} here: {why}",
        "inget kommando registrerar denna {event} här: {why}",
    ),
    "import.not_what_the_decision_gives": (
        "the engine's decision records {expected} here, not this {event}",
        "motorns beslut registrerar {expected} här, inte denna {event}",
    ),
    "import.refused_by_the_engine": (
        "the engine would have refused this {event}: {rule}",
        "motorn skulle ha avslagit denna {event}: {rule}",
    ),
    "import.decision_cut_short": (
        "the decision that records this {event} also records {missing}, which the history lacks",
        "beslutet som registrerar denna {event} registrerar också {missing}, som saknas i "
        "historiken",
    ),
}
