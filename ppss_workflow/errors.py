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

#: Why a command's input, a file, a setting or the store cannot be used: said in the reader's
#: language by the CLI and the web (``tests/unit/test_error_words.py``).
ROLE_NOT_KNOWN = ReasonCode("role.not_known", "typed", "allowed")
ROLE_NEEDS_DISTRICT = ReasonCode("role.needs_district", "typed")
ROLE_NO_DISTRICT = ReasonCode("role.names_no_district", "typed")
CLI_ROLE_UNKNOWN = ReasonCode("cli.role_unknown", "typed", "allowed", "last")
DOCUMENT_MISSING_OR_CHANGED = ReasonCode("document.missing_or_changed", "sha")
ARCHIVE_NO_EVENTS = ReasonCode("archive.no_events", "name")
ARCHIVE_NO_MANIFEST = ReasonCode("archive.no_manifest", "name")
ARCHIVE_DOCUMENT_UNATTACHED = ReasonCode("archive.document_unattached", "sha")
ARCHIVE_DOCUMENT_LACKING = ReasonCode("archive.document_lacking", "sha")
ARCHIVE_DOCUMENT_CHANGED = ReasonCode("archive.document_changed", "sha")
DOCUMENT_CONTENT_MISSING = ReasonCode("document.content_missing", "sha")
DOCUMENT_BYTES_CHANGED = ReasonCode("document.bytes_changed", "sha")
AUDIT_BAD_CHECKPOINT = ReasonCode("audit.bad_position_hash", "option", "typed")
AUDIT_START_NEGATIVE = ReasonCode("audit.start_negative", "position")
AUDIT_NOT_APPLIED = ReasonCode("audit.not_applied", "district", "round", "day")
AUDIT_NOT_APPLIED_KNOWN = ReasonCode(
    "audit.not_applied_known", "district", "round", "day", "known_at"
)
AUDIT_FROM_POSITIVE = ReasonCode("audit.from_positive", "position")
CLI_NOT_A_DATE = ReasonCode("cli.not_a_date", "option", "typed")
CLI_DATE_OR_INSTANT = ReasonCode("cli.date_or_instant", "option", "typed", "day", "instant")
CLI_NEEDS_UTC_OFFSET = ReasonCode("cli.needs_utc_offset", "option", "typed")
CLI_STARTS_AT = ReasonCode("cli.starts_at_not_instant", "typed")
CLI_FORMAT_CHOICE = ReasonCode("cli.format_choice", "typed", "allowed", "last")
CLI_FORMAT_ONE_OF = ReasonCode("cli.option_one_of", "option", "typed", "allowed")
CLI_FORMAT_WITH_BY = ReasonCode("cli.format_with_by", "typed", "by", "allowed", "last")
FILE_EXISTS_NEW = ReasonCode("file.exists_choose_new", "option", "path")
FILE_NO_FOLDER = ReasonCode("file.no_folder", "option", "path", "folder")
FILE_NO_FOLDER_FOR = ReasonCode("file.no_folder_for", "option", "path", "folder")
FOLDER_EXISTS = ReasonCode("file.folder_exists", "option", "path")
FILE_EXISTS_GIVE_NEW = ReasonCode("file.exists_give_new", "path")
PATH_NO_FOLDER = ReasonCode("file.path_no_folder", "path", "folder")
NO_SUCH_FOLDER = ReasonCode("file.no_such_folder", "folder")
KEY_EXISTS = ReasonCode("key.exists", "path")
OUTPUT_SYMLINK = ReasonCode("file.output_symlink", "path")
OUTPUT_NOT_REGULAR = ReasonCode("file.output_not_regular", "path")
OUTPUT_EXISTS_FORCE = ReasonCode("file.output_exists_force", "path")
OUTPUT_NEW_FILE = ReasonCode("file.output_new_in_folder", "path")
CANNOT_WRITE = ReasonCode("file.cannot_write", "path", "cause")
OUTPUT_CAUSE = ReasonCode("file.output_cause", "path", "cause")
NO_FILE = ReasonCode("file.none", "path")
NO_SUCH_FILE = ReasonCode("file.no_such_file", "path")
FILE_CAUSE = ReasonCode("file.cause", "path", "cause")
CANNOT_READ = ReasonCode("file.cannot_read", "path", "cause")
CHART_FILE = ReasonCode("file.chart_svg_or_png", "path")
KEY_CANNOT_READ = ReasonCode("key.cannot_read", "path", "cause")
KEY_NOT_PEM = ReasonCode("key.not_pem", "path")
KEY_NOT_ED25519 = ReasonCode("key.not_ed25519", "path")
KEY_PUBLIC_BAD = ReasonCode("key.public_malformed", "typed")
CHECKPOINT_NOT_IN_STORE = ReasonCode("checkpoint.not_in_store", "position")
CAL_DISTRICT_NAME = ReasonCode("calendar.district_name", "typed")
TOKEN_NAME_LENGTH = ReasonCode("token.name_length", "option", "typed", "most")
TOKEN_NAME_LENGTH_PLAIN = ReasonCode("token.name_length_plain", "typed", "most")
CAL_TOKEN_EXISTS = ReasonCode("calendar.token_exists", "name")
CAL_TOKEN_UNKNOWN = ReasonCode("calendar.token_unknown", "name")
TOKEN_EXISTS = ReasonCode("token.exists", "name")
TOKEN_UNKNOWN = ReasonCode("token.unknown", "name")
NO_STORE_AT = ReasonCode("store.none_at", "store")
NO_STORE_AT_PLAIN = ReasonCode("store.none_at_plain", "store")
NO_STORE_WEB = ReasonCode("store.none_for_web", "store")
BACKUP_NOT_SQLITE = ReasonCode("store.backup_not_sqlite", "store", "tool")
ROLES_CANNOT_CREATE = ReasonCode("store.cannot_create_roles", "store", "cause")
ROLE_NAME_BAD = ReasonCode("store.role_name", "option", "typed", "example")
SCHEMA_HOLDS_NO_STORE = ReasonCode("store.schema_holds_none", "schema")
DB_URL_UNREADABLE = ReasonCode("store.url_unreadable", "typed")
DB_UNSUPPORTED = ReasonCode("store.unsupported", "backend", "store")
DB_LOCK_TIMEOUT_BAD = ReasonCode("store.lock_timeout_setting", "variable", "typed", "seconds")
DB_LOCK_HELD = ReasonCode("store.lock_held", "store", "seconds", "variable")
DB_SYNCHRONOUS_BAD = ReasonCode("store.synchronous_setting", "typed", "store", "allowed")
STORE_CANNOT_READ = ReasonCode("store.cannot_read", "store", "cause")
STORE_NOT_SQLITE = ReasonCode("store.not_sqlite", "store")
STORE_CANNOT_OPEN = ReasonCode("store.cannot_open", "store", "cause")
SCHEMA_CANNOT_UPGRADE = ReasonCode("store.cannot_upgrade", "store", "cause")
SCHEMA_NONE = ReasonCode("store.no_schema", "store")
SCHEMA_OLD = ReasonCode("store.schema_old", "store", "current", "needed")
STORE_NO_LINKS = ReasonCode("store.no_connections", "links")
STORE_LINKS_BUSY = ReasonCode("store.connections_busy", "links", "store", "seconds")
STORE_REFUSED_EVENTS = ReasonCode("store.refused_events", "cause")
STORE_REFUSED_IMPORT = ReasonCode("store.refused_import", "cause")
STREAM_ID_BAD = ReasonCode("store.stream_id_bad", "stream", "example")
STREAM_NOTHING = ReasonCode("store.nothing_to_append", "stream")
STREAM_VERSION_NEGATIVE = ReasonCode("store.expected_version_negative")
COMMAND_ID_REUSED = ReasonCode("store.command_id_reused", "command", "stream")
STORED_EVENT_UNREADABLE = ReasonCode("store.stored_event_unreadable", "position", "cause")
STORE_CANNOT_WRITE = ReasonCode("store.cannot_write", "store", "cause")
BENCH_TOO_FEW = ReasonCode("bench.too_few", "option", "count", "least")
OPTION_RANGE = ReasonCode("cli.option_range", "option", "typed", "least", "most")
BENCH_LOAD_POSTGRES = ReasonCode("bench.load_needs_postgresql")
DEMO_SERVE_LOOPBACK = ReasonCode("web.demo_serve_loopback", "host")
WEB_DEMO_LOOPBACK = ReasonCode("web.demo_loopback", "host")
WEB_DEMO_ENV_LOOPBACK = ReasonCode("web.demo_env_loopback", "host")
REMINDER_SETTINGS = ReasonCode("reminder.settings", "cause")
DISCLOSURE_THRESHOLD = ReasonCode("indicator.disclosure_threshold", "threshold")
CLI_EVENT_NOT_UUID = ReasonCode("cli.event_id_not_uuid", "typed")
CLI_BAD_FIELD_INPUT = ReasonCode("cli.input_not_valid", "problem")
ALLOCATION_NOT_JSON = ReasonCode("allocation.not_json", "path", "cause")
ALLOCATION_LACKS = ReasonCode("allocation.file_lacks", "path", "missing", "shape")
ALLOCATION_INPUT = ReasonCode("allocation.input_refused", "problem")
ALLOCATION_DISTRICT_FIELDS = ReasonCode("allocation.district_fields", "path", "fields", "cause")
CLI_STEPS_BAD = ReasonCode("cli.steps_malformed", "typed")
POLICY_MISSING = ReasonCode("round.policy_missing", "round", "policy", "known")
PLAN_NO_DISTRICT = ReasonCode("plan.no_district", "district", "round")
INSTALMENT_NO_RELEASE = ReasonCode("plan.instalment_no_release", "typed")
INSTALMENT_PERCENT = ReasonCode("plan.instalment_percent", "typed", "share")
INSTALMENT_SHARE = ReasonCode("plan.instalment_share", "typed", "cause")
INSTALMENT_RELEASE = ReasonCode("plan.instalment_release", "typed", "cause", "example")
EVENT_NOT_AN_EVENT = ReasonCode("event.not_an_event", "kind")
EVENT_NOT_CATALOGUE = ReasonCode("event.not_the_catalogues", "kind")
EVENT_NAIVE_TIME = ReasonCode("event.naive_time", "kind", "example")
EVENT_NOT_VALID = ReasonCode("event.not_valid", "kind", "problem")
IMPORT_NO_HEADER = ReasonCode("import.no_header")
IMPORT_FORMAT = ReasonCode("import.format_unreadable", "format", "readable")
IMPORT_HEADER_LACKS = ReasonCode("import.header_lacks")
IMPORT_LINE_TOO_LONG = ReasonCode("import.line_too_long", "line", "limit")
IMPORT_CUT_SHORT = ReasonCode("import.cut_short", "head", "recorded")
IMPORT_GREW = ReasonCode("import.grew", "count", "recorded")
IMPORT_NO_SIGNED = ReasonCode("import.no_signed_checkpoint")
IMPORT_UNSIGNED_TAIL = ReasonCode("import.unsigned_tail", "tail")
IMPORT_JUDGED = ReasonCode("import.judged", "line", "position", "event", "stream", "why", "rule")
IMPORT_COUNT_MISMATCH = ReasonCode("import.count_mismatch", "count", "last", "head", "head_hash")
IMPORT_LINE = ReasonCode("import.line_refused", "line", "problem")
IMPORT_CHECKPOINT_LINE = ReasonCode("import.checkpoint_refused", "line", "problem")
# What is wrong with one line of an export (the ``problem`` of IMPORT_LINE and
# IMPORT_CHECKPOINT_LINE): a column is named as the export names it, in backticks.
ROW_NOT_JSON = ReasonCode("import.row.not_json")
ROW_NOT_A_ROW = ReasonCode("import.row.not_a_row", "columns")
ROW_NOT_TEXT = ReasonCode("import.row.not_text", "column")
ROW_NOT_WHOLE = ReasonCode("import.row.not_whole", "column")
ROW_NOT_INSTANT = ReasonCode("import.row.not_instant", "column", "value")
ROW_HASH_MALFORMED = ReasonCode("import.row.hash_malformed")
ROW_POSITION = ReasonCode("import.row.position", "found", "expected")
ROW_EVENT_ID = ReasonCode("import.row.event_id", "value")
ROW_STREAM_ID = ReasonCode("import.row.stream_id", "value")
ROW_HASH_BROKEN = ReasonCode("import.row.hash_broken", "position")
ROW_VERSION = ReasonCode("import.row.version", "stream", "version", "previous")
ROW_TIME_BACK = ReasonCode("import.row.time_back")
ROW_NOT_SIGNED_HASH = ReasonCode("import.row.not_signed_hash", "position", "signed_at")
ROW_NOT_RECORDED_HASH = ReasonCode("import.row.not_recorded_hash", "position")
ROW_UNREADABLE_EVENT = ReasonCode("import.row.unreadable_event", "problem")
ROW_UNREADABLE_METADATA = ReasonCode("import.row.unreadable_metadata", "problem")
ROW_METADATA_NOT_JSON = ReasonCode("import.row.metadata_not_json")
CHECKPOINT_NOT_JSON = ReasonCode("import.checkpoint.not_json")
CHECKPOINT_NOT_ONE = ReasonCode("import.checkpoint.not_a_checkpoint", "fields")
CHECKPOINT_MALFORMED = ReasonCode("import.checkpoint.malformed")
CHECKPOINT_FORGED = ReasonCode("import.checkpoint.forged", "position", "signed_at")
CHECKPOINT_OTHER_KEY = ReasonCode("import.checkpoint.other_key", "position", "signed_at")
CHECKPOINT_NOT_AFTER = ReasonCode("import.checkpoint.not_after", "position")
CHECKPOINT_BEYOND = ReasonCode("import.checkpoint.beyond_head", "position", "head")
GRANT_NOT_EMAIL = ReasonCode("grant.not_an_email", "typed")
GRANT_TIED_TO = ReasonCode("grant.tied_to_steering_only", "typed", "example")
WEB_NO_SECRET = ReasonCode("web.no_secret_key", "example")
WEB_EXPORT_FORMAT = ReasonCode("web.export_format", "typed", "allowed")
WEB_CALENDAR_GONE = ReasonCode("web.calendar_unknown")
WEB_DISTRICT_UNKNOWN = ReasonCode("web.district_unknown", "district")
WEB_NAME_DISTRICT = ReasonCode("web.calendar_needs_district")
WEB_CALENDAR_LINK_UNKNOWN = ReasonCode("web.calendar_link_unknown", "name", "district")
WEB_NO_COMMAND = ReasonCode("web.command_unknown", "path")
WEB_UPLOAD_TOO_LARGE = ReasonCode("web.upload_too_large", "size", "limit")
WEB_UPLOAD_MULTIPART = ReasonCode("web.upload_not_multipart", "field", "cause")
WEB_UPLOAD_NO_FILE = ReasonCode("web.upload_no_file")
WEB_UPLOAD_ATTACHED_TO = ReasonCode("web.upload_attached_to", "field", "allowed")
WEB_NO_PROJECT = ReasonCode("web.project_not_visible", "district", "round")
WEB_NO_DOCUMENT = ReasonCode("web.document_not_visible", "sha", "district")
WEB_NOT_A_YEAR = ReasonCode("web.not_a_year", "typed")
FORM_NOT_WHOLE = ReasonCode("form.not_a_whole_number", "typed")
FORM_TOO_MANY = ReasonCode("form.more_than_any_count", "typed")
FORM_NOT_RANGE = ReasonCode("form.not_a_number_or_range", "typed")
FORM_RANGE_BACKWARDS = ReasonCode("form.range_backwards", "typed")
FORM_NO_NUMBER = ReasonCode("form.number_blank")
FORM_NOT_TIME = ReasonCode("form.not_a_time", "typed")
WEB_NO_DEMO_USER = ReasonCode("web.demo_user_unknown", "user")
FORM_NOT_DATE = ReasonCode("form.not_a_date", "field", "typed")

# What `ppss audit verify` finds wrong (the chain, the signed checkpoints, the documents).
AUDIT_BROKEN_AT = ReasonCode("audit.chain.broken_at", "position", "why")
AUDIT_BROKEN_AT_IN = ReasonCode("audit.chain.broken_at_in", "position", "stream", "why")
AUDIT_PHANTOM = ReasonCode("audit.chain.phantom", "position")
AUDIT_NO_ANCHOR = ReasonCode("audit.chain.no_anchor", "position", "first")
AUDIT_ANCHOR_REWRITTEN = ReasonCode("audit.chain.anchor_rewritten", "position", "hash")
AUDIT_MISSING = ReasonCode("audit.chain.missing", "position", "next", "stream")
AUDIT_CHANGED = ReasonCode("audit.chain.changed")
AUDIT_ORDER = ReasonCode("audit.chain.order", "recorded", "previous")
AUDIT_ANCHOR_HERE = ReasonCode("audit.chain.anchor_here", "hash")
AUDIT_HEAD_CUT = ReasonCode("audit.chain.head_cut", "head", "expected")
AUDIT_GROWN = ReasonCode("audit.chain.grown", "count", "expected")
AUDIT_NO_CHECKPOINT = ReasonCode("audit.checkpoint.none")
AUDIT_CHECKPOINT_FORGED = ReasonCode("audit.checkpoint.forged", "position", "when")
AUDIT_CHECKPOINT_OTHER_KEY = ReasonCode("audit.checkpoint.other_key", "position", "when")
AUDIT_CHECKPOINT_CUT = ReasonCode("audit.checkpoint.store_cut", "head", "position", "when")
AUDIT_CHECKPOINT_REWRITTEN = ReasonCode("audit.checkpoint.rewritten", "position", "when")
AUDIT_DOCUMENT_CHANGED = ReasonCode("audit.document.changed", "sha", "actual")
AUDIT_DOCUMENT_SIZE = ReasonCode("audit.document.size", "sha", "stored", "recorded")
AUDIT_DOCUMENT_MISSING = ReasonCode("audit.document.missing", "sha", "position", "stream")


class Told(str):
    """A line in English (for logs, JSON and whoever reads the store's own words) that
    carries the reason saying it in the reader's language: ``say(line.reason)``."""

    __slots__ = ("reason",)
    reason: Reason

    def __new__(cls, english: str, reason: Reason) -> Told:
        line = super().__new__(cls, english)
        line.reason = reason
        return line


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
