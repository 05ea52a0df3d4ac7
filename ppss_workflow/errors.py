"""The errors a person can act on; the CLI turns each into one line and a non-zero exit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policies.reason import Reason, ReasonCode

if TYPE_CHECKING:
    from policies.decisions import Refusal

__all__ = [
    "ConcurrencyError",
    "ConditionNotMet",
    "ConfigurationError",
    "IdempotencyConflict",
    "InvalidCommand",
    "InvalidEventError",
    "NotAuthorised",
    "NotFound",
    "SchemaNotReady",
    "StoreUnavailable",
    "WorkflowError",
]

#: What the web and the CLI say when a round or district named in a request is not found.
NO_ROUND = ReasonCode("round.unknown", "round")
NO_DISTRICT_IN_ROUND = ReasonCode("web.no_district", "district", "round")
NOT_YET_OPEN = ReasonCode("round.not_yet_open", "round", "day", "opened")
NOT_YET_RECORDED = ReasonCode("round.not_yet_recorded", "round", "known_at", "recorded")
#: What an amount typed by a person may be refused for (``web.forms.parse_kronor``).
AMOUNT_BLANK = ReasonCode("amount.blank")
AMOUNT_NOT_WHOLE = ReasonCode("amount.not_whole_kronor", "typed")
AMOUNT_TOO_SMALL = ReasonCode("amount.too_small", "minimum")
AMOUNT_TOO_LARGE = ReasonCode("amount.too_large", "typed")
#: What a document to attach or fetch may be refused for (``ppss_workflow.documents``).
DOCUMENT_WRONG_TYPE = ReasonCode("document.wrong_type", "extension")
DOCUMENT_UNKNOWN_TYPE = ReasonCode("document.unknown_type")
DOCUMENT_EMPTY = ReasonCode("document.empty", "name")
DOCUMENT_TOO_LARGE = ReasonCode("document.too_large", "name", "size", "limit")
DOCUMENT_NOT_SHA = ReasonCode("document.not_sha256", "typed")
DOCUMENT_NOT_FOUND = ReasonCode("document.not_found", "sha")
#: What a command that lost the race for its stream says (someone else appended first).
SOMEONE_ELSE_FIRST = ReasonCode("store.someone_else_first")
#: What ``ppss import`` says of a store or an export it cannot take.
IMPORT_STORE_NOT_EMPTY = ReasonCode("import.store_not_empty", "store")
IMPORT_PARTIAL_EXPORT = ReasonCode("import.partial_export", "scope")
#: What ``ppss demo`` says of a store that already holds events.
DEMO_STORE_NOT_EMPTY = ReasonCode("demo.store_not_empty", "store", "events")
#: What the API says of an ``Idempotency-Key`` header it cannot use.
IDEMPOTENCY_KEY_MALFORMED = ReasonCode("api.idempotency_key_malformed")
#: What ``ppss apply`` says of a file it cannot take (before the round's rules see it).
APPLICATION_UNREADABLE = ReasonCode("application.file_unreadable", "file")
APPLICATION_NOT_OBJECT = ReasonCode("application.file_not_object", "file")
APPLICATION_NO_DISTRICT = ReasonCode("application.file_no_district", "file")


class WorkflowError(Exception):
    """Base of every error ppss-workflow raises on purpose. ``str(exc)`` is one line."""

    exit_code = 1
    #: What is wrong as data, said in the reader's language (None: the message is shown).
    reason: Reason | None = None

    def __init__(
        self, *args: object, reason: Reason | None = None, refusal: Refusal | None = None
    ) -> None:
        super().__init__(*args)
        if reason is not None:
            self.reason = reason
        #: The policy's refusal this error answers (its rule, kind and reason as data), when
        #: a rule of :mod:`policies` refused the command; None for the machinery's own errors.
        self.refusal: Refusal | None = refusal
        if reason is None and refusal is not None and refusal.reason is not None:
            self.reason = refusal.reason


class ConfigurationError(WorkflowError):
    """A setting (database URL, SMTP settings...) is missing or malformed."""

    exit_code = 2


class StoreUnavailable(WorkflowError):
    """The database could not be reached or opened."""

    exit_code = 3


class SchemaNotReady(WorkflowError):
    """The store has no schema yet, or an older one than this program needs."""

    exit_code = 3


class InvalidEventError(WorkflowError):
    """An event that does not fit the catalogue was offered to the store; nothing was written."""

    exit_code = 2


class ConcurrencyError(WorkflowError):
    """Someone else appended to the stream first; reload and decide again. Nothing was written."""

    exit_code = 4

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, not the expected {expected}: "
            "someone else recorded an event first; reload and try again",
            reason=SOMEONE_ELSE_FIRST(),
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(WorkflowError):
    """A command id was reused for a different command; nothing was written."""

    exit_code = 4


class NotFound(WorkflowError):
    """An unknown round, district, plan, session or event."""

    exit_code = 2


class InvalidCommand(WorkflowError):
    """The command's own input is wrong (a bad amount, a date outside the round...)."""

    exit_code = 2


class ConditionNotMet(WorkflowError):
    """The round's rules do not allow this now; the message says which rule and why."""

    exit_code = 5


class NotAuthorised(WorkflowError):
    """The acting role may not do this (or not for this district)."""

    exit_code = 6
