"""The texts of the reasons added on the ``money`` branch, to be folded into the catalogue.

``TEXTS[code] = (english, swedish)``, with exactly the code's parameter names as
placeholders (see :mod:`policies.corrections`).
"""

from __future__ import annotations

__all__ = ["TEXTS"]

TEXTS: dict[str, tuple[str, str]] = {
    "annul.relied_on": (
        "a {consequence} recorded at position {position} ({day}) relied on this {event}: "
        "settle that first (annul it, or correct the money by a repayment)",
        "en {consequence} registrerad på position {position} ({day}) bygger på denna {event}: "
        "reda ut den först (makulera den, eller rätta pengarna med en återbetalning)",
    ),
    "annul.payment_money_left": (
        "payment {reference} of {amount} is annulled only if the money never left; money that "
        "left is corrected by a repayment (demand it back and record it received)",
        "utbetalning {reference} på {amount} makuleras bara om pengarna aldrig lämnade staden; "
        "pengar som betalats ut rättas med en återbetalning (kräv tillbaka och registrera "
        "inbetalningen)",
    ),
    "annul.payment_four_eyes": (
        "the annulment of payment {reference} was asked for by {requested_by}; someone else, "
        "who did not record the payment, must confirm it",
        "makuleringen av utbetalning {reference} begärdes av {requested_by}; en annan person, "
        "som inte registrerade utbetalningen, måste bekräfta den",
    ),
    "annul.payment_awaits_second": (
        "the annulment of payment {reference} is already requested (position {position}); "
        "it awaits a second person's confirmation",
        "makuleringen av utbetalning {reference} är redan begärd (position {position}); "
        "den väntar på en andra persons bekräftelse",
    ),
    "document.not_stored": (
        "no file with SHA-256 {sha256} is in the content store: upload the file itself, and "
        "the server stores, hashes, sizes and types it",
        "ingen fil med SHA-256 {sha256} finns i dokumentlagret: ladda upp själva filen, så "
        "lagrar, hashar, mäter och typbestämmer servern den",
    ),
    "document.not_as_stored": (
        "the file with SHA-256 {sha256} is {stored_size} bytes of {stored_type}, not {size} "
        "bytes of {media_type}",
        "filen med SHA-256 {sha256} är {stored_size} byte {stored_type}, inte {size} byte "
        "{media_type}",
    ),
}
