"""Reminder messages (Swedish by default, English available) and the notifiers that send them."""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from policies.base import fmt_sek
from policies.reminders import DueReminder
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.i18n import N_, translator
from ppss_workflow.logs import get_logger

__all__ = [
    "DEFAULT_SENDER",
    "DigestItem",
    "Language",
    "Notifier",
    "OutboxNotifier",
    "ReminderSettings",
    "SmtpNotifier",
    "SmtpSettings",
    "automatic",
    "consequence",
    "digest_key",
    "digest_message_id",
    "obligation_title",
    "render",
    "render_digest",
    "reply_address",
    "sender_address",
]

Language = Literal["sv", "en"]


class SmtpSettings(BaseSettings):
    """``PPSS_SMTP_HOST``, ``_PORT``, ``_STARTTLS``, ``_USER``, ``_PASSWORD``, ``_FROM``;
    ``_TIMEOUT`` (seconds a send may wait on the server at each step) and ``_POOL`` (how
    many connections a dispatch run opens at once)."""

    model_config = SettingsConfigDict(env_prefix="PPSS_SMTP_", extra="ignore")

    host: str | None = None
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: SecretStr | None = None
    #: The sender's address; None: the reminders' sender (see :func:`sender_address`).
    from_address: str | None = Field(None, validation_alias="PPSS_SMTP_FROM")
    timeout: float = Field(30.0, gt=0, le=600)
    pool: int = Field(4, ge=1, le=32)


class ReminderSettings(BaseSettings):
    """Where reminders go: ``PPSS_REMINDER_COORDINATOR_EMAIL`` (the coordinators' mailbox),
    ``PPSS_REMINDER_DISTRICT_EMAIL`` (fallback when an application names no address),
    ``PPSS_REMINDER_LANGUAGE`` (sv or en), ``PPSS_REMINDER_OUTBOX`` (folder for .eml files),
    ``PPSS_REMINDER_SENDER`` (the From address), ``PPSS_REMINDER_REPLY_TO`` (where a reply
    goes: a person; default the coordinators' mailbox), ``PPSS_PUBLIC_URL`` (the web portal,
    linked from each reminder)."""

    model_config = SettingsConfigDict(
        env_prefix="PPSS_REMINDER_", extra="ignore", populate_by_name=True
    )

    coordinator_email: str | None = None
    district_email: str | None = None
    language: Language = "sv"
    outbox: Path | None = None
    sender: str | None = None
    reply_to: str | None = None
    public_url: str | None = Field(None, validation_alias="PPSS_PUBLIC_URL")


class Notifier(Protocol):
    """Delivers one message or raises; a raise is recorded as a failed attempt."""

    channel: str

    def send(self, message: EmailMessage) -> None: ...


_log = get_logger(__name__)


class SmtpNotifier:
    """Sends through an SMTP server with the standard library."""

    channel = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise ConfigurationError("PPSS_SMTP_HOST is not set: give the SMTP server's host")
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server. Once the server has accepted it (250 after DATA),
        it is sent: whatever the server answers to QUIT afterwards (a 421, a dropped line)
        no longer counts, or the next run would send it again."""
        s = self.settings
        assert s.host is not None
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls()
            if s.user:
                smtp.login(s.user, s.password.get_secret_value() if s.password else "")
            smtp.send_message(message)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError) as exc:
            _log.info("smtp_quit_failed", reason=str(exc)[:200])
            smtp.close()


class OutboxNotifier:
    """Writes each message as an .eml file: for development and for dry runs."""

    channel = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        name = hashlib.sha256(str(message["X-PPSS-Reminder-Key"]).encode()).hexdigest()[:24]
        (self.folder / f"{name}.eml").write_bytes(bytes(message))


_OBLIGATIONS: dict[str, dict[Language, str]] = {
    "year_end_account": {"sv": "redovisning och kostnadsbeskrivning för året",
                         "en": "the year-end account and cost description"},
    "t2_follow_up": {"sv": "uppföljningen vid T2", "en": "the T2 follow-up"},
    "t2_financial_report": {"sv": "den ekonomiska återrapporteringen vid T2",
                            "en": "the T2 financial report"},
    "t2_self_financing": {"sv": "presentationen vid T2 av hur arbetet kan finansieras i egen regi",
                          "en": "the T2 presentation of future self-financing"},
    "final_financial_report": {"sv": "den ekonomiska redovisningen",
                               "en": "the final financial report"},
    "annual_follow_up": {"sv": "uppföljningen i verksamhetsberättelsen",
                         "en": "the follow-up in the annual report"},
    "repayment": {"sv": "återbetalningen av medel som inte använts enligt plan",
                  "en": "the repayment of money not used according to plan"},
    "network": {"sv": "det obligatoriska nätverksmötet", "en": "the mandatory network meeting"},
    "autumn_follow_up": {"sv": "höstens uppföljning inför delrapporten i december",
                         "en": "the autumn follow-up for the December report"},
}  # fmt: skip

#: What stops while an obligation is missing, by what its condition blocks. ``{when}`` says
#: how long ("until it is in"); it starts the sentence, so the Swedish verb follows it.
_STOPS: dict[str, dict[Language, str]] = {
    "grant": {"sv": "{when} betalas inget mer av bidraget ut{until}.",
              "en": "{when}, no further payment of the grant is made{until}."},
    "supervision": {"sv": "{when} betalas inga handledningsmedel ut{until}.",
                    "en": "{when}, no supervision money is paid{until}."},
}  # fmt: skip

#: An obligation that blocks nothing: no payment stops, but the follow-up needs it.
_STOPS_NOTHING: dict[Language, str] = {
    "sv": "Den stoppar inga utbetalningar, men behövs för uppföljningen.",
    "en": "It stops no payment, but it is needed for the follow-up.",
}

#: How long a payment stays stopped, by kind of obligation: (when, until) per language.
_WHEN: dict[str, dict[Language, tuple[str, str]]] = {
    "network": {"sv": ("Efter frånvaro utan giltigt skäl",
                       " tills samordnaren registrerat en komplettering eller ett undantag"),
                "en": ("After an absence without a valid reason",
                       " until the coordinator records a make-up or an exemption")},
    "repayment": {"sv": ("Tills beloppet har kommit in", ""),
                  "en": ("Until the amount is in", "")},
    "*": {"sv": ("Tills den har kommit in", ""), "en": ("Until it is in", "")},
}  # fmt: skip

#: What else follows, by obligation, whatever it blocks.
_MORE: dict[str, dict[Language, str]] = {
    "repayment": {"sv": "Obetalda belopp kan lämnas vidare för indrivning.",
                  "en": "Unpaid amounts may be passed on for collection."},
    "year_end_account": {"sv": "Medel som inte kan redovisas ska betalas tillbaka.",
                         "en": "Money that cannot be accounted for must be paid back."},
    "final_financial_report": {"sv": "Medel som inte kan redovisas ska betalas tillbaka.",
                               "en": "Money that cannot be accounted for must be paid back."},
    "annual_follow_up": {"sv": "Uppföljningen behövs för stadens samlade redovisning.",
                         "en": "The follow-up is needed for the city's overall report."},
    "autumn_follow_up": {"sv": "Uppföljningen behövs för delrapporten till socialnämnden.",
                         "en": "The follow-up is needed for the report to the committee."},
}  # fmt: skip


def consequence(obligation: str, blocks: str, language: Language) -> str:
    """What follows if the obligation is missed: what its condition blocks (``"grant"``,
    ``"supervision"`` or ``""``), stated once on the condition, then anything else true."""
    base = "network" if obligation.startswith("network-") else obligation
    if not blocks:
        stops = _STOPS_NOTHING[language]
    elif blocks in _STOPS:
        when, until = _WHEN.get(base, _WHEN["*"])[language]
        stops = _STOPS[blocks][language].format(when=when, until=until)
    else:
        raise ValueError(f"no reminder text for a condition that blocks {blocks!r}")
    more = _MORE.get(base)
    return f"{stops} {more[language]}" if more else stops


def obligation_title(code: str, language: Language) -> str:
    """The obligation in words, for subjects, bodies and calendar entries."""
    base = "network" if code.startswith("network-") else code
    return _OBLIGATIONS.get(base, {"sv": code, "en": code})[language]


def render(
    reminder: DueReminder,
    *,
    to: str,
    sender: str,
    contact: str,
    language: Language = "sv",
    amount_sek: int | None = None,
    sent_at: datetime | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The e-mail for one reminder: project, obligation, due date, consequence, contact.

    ``Date`` is ``sent_at`` (when it goes out; default the moment the step fell due)."""
    what = obligation_title(reminder.obligation, language)
    stops = consequence(reminder.obligation, reminder.blocks, language)
    due = reminder.due_on.isoformat()
    late = reminder.step.startswith("late-")
    money = f" ({fmt_sek(amount_sek)})" if amount_sek else ""
    if language == "sv":
        subject = (
            f"{'Försenad' if late else 'Påminnelse'}: {what} – {reminder.district} "
            f"({reminder.project}), senast {due}"
        )
        lines = [
            "Hej,",
            "",
            f"Detta är en påminnelse om {what}{money} för projektet {reminder.project} "
            f"i {reminder.district}. Sista dag: {due}.",
            "Den är nu försenad." if late else "",
            stops,
            "Detta är sista påminnelsen; ärendet går nu vidare." if reminder.final else "",
            "",
            f"Frågor? Kontakta samordnaren på socialförvaltningen: {contact}.",
            "",
            f"(Påminnelse {reminder.step}, nyckel {reminder.key})",
        ]
    else:
        subject = (
            f"{'Overdue' if late else 'Reminder'}: {what} – {reminder.district} "
            f"({reminder.project}), due {due}"
        )
        lines = [
            "Hello,",
            "",
            f"This is a reminder of {what}{money} for project {reminder.project} in "
            f"{reminder.district}. Due date: {due}.",
            "It is now overdue." if late else "",
            stops,
            "This is the last reminder; the matter now goes further." if reminder.final else "",
            "",
            f"Questions? Contact the coordinator at the social services administration: {contact}.",
            "",
            f"(Reminder {reminder.step}, key {reminder.key})",
        ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(sent_at or reminder.moment)
    if reply_to and reply_to.casefold() != to.casefold():
        message["Reply-To"] = reply_to
    automatic(message)
    # The same key always gives the same Message-ID: a mail client shows a duplicate once.
    digest = hashlib.sha256(reminder.key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@ppss-workflow.invalid>"
    message["X-PPSS-Reminder-Key"] = reminder.key
    message.set_content("\n".join(line for line in lines if line is not None) + "\n")
    return message


#: The sender when nothing is configured: never ``@localhost``, which mail servers refuse.
DEFAULT_SENDER = "ppss-workflow@example.org"


def sender_address(settings: ReminderSettings, smtp_from: str | None = None) -> str:
    """From: ``PPSS_REMINDER_SENDER``, else ``PPSS_SMTP_FROM``, else :data:`DEFAULT_SENDER`.

    A choice (not in the documents): the sender is the system, never the coordinators'
    mailbox, because the coordinators receive the escalation digest themselves and a mail
    from their own address to their own address reads as a forgery to filters and people.
    A reply reaches a person through ``Reply-To`` (:func:`reply_address`)."""
    return settings.sender or smtp_from or DEFAULT_SENDER


def reply_address(settings: ReminderSettings) -> str | None:
    """Reply-To: ``PPSS_REMINDER_REPLY_TO``, else the coordinators' mailbox (a person reads
    it), else none."""
    return settings.reply_to or settings.coordinator_email


def automatic(message: EmailMessage) -> None:
    """Mark ``message`` as sent by a program (RFC 3834 ``Auto-Submitted``, and the header
    Exchange/Outlook reads), so out-of-office replies and read receipts are not sent back."""
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One obligation in a digest: the reminder and the title of its round."""

    reminder: DueReminder
    round_title: str


def digest_message_id(keys: Sequence[str]) -> str:
    """The same reminders always give the same Message-ID, whatever the day they go out on:
    a digest sent again (after a failure between sending and recording) shows once."""
    joined = "\n".join(sorted(keys))
    return f"<{hashlib.sha256(joined.encode()).hexdigest()[:32]}@ppss-workflow.invalid>"


def digest_key(to: str, day: date) -> str:
    """One digest per recipient and Stockholm day: its claim and its Message-ID."""
    return f"digest/{day.isoformat()}/{to.casefold()}"


_SUBJECT = N_("Reminder: %(count)d to hand in to the social services administration")
_SUBJECT_ONE = N_("Reminder: %(what)s, %(round)s, by %(due)s")
_SUBJECT_LATE = N_("Overdue: %(count)d to hand in to the social services administration")
_SUBJECT_LATE_ONE = N_("Overdue: %(what)s, %(round)s, was due %(due)s")
_GREETING = N_("Hello,")
_INTRO = N_("This is what is due to the social services administration (as of %(day)s):")
_WHAT = N_("To hand in: %(what)s")
_DUE = N_("Deadline: %(due)s")
_OVERDUE = N_("Deadline: %(due)s (overdue)")
_WHERE_PORTAL = N_("Where: %(url)s")
_WHERE_MAIL = N_("Where: to the coordinator at the social services administration, %(contact)s")
_IF_MISSED = N_("If it is missed: %(consequence)s")
_FINAL = N_("This is the last reminder; the matter now goes further.")
_QUESTIONS = N_(
    "Questions? Contact the coordinator at the social services administration: %(contact)s."
)
_ONE_A_DAY = N_("You get at most one such e-mail a day, listing everything due.")
#: The escalation digest to the coordinators: what the districts have not handed in.
_SUBJECT_ESCALATED = N_("Overdue at the districts: %(count)d not handed in")
_SUBJECT_ESCALATED_ONE = N_("Overdue at %(district)s: %(what)s, %(round)s, was due %(due)s")
_GREETING_COORDINATOR = N_("Hello coordinator,")
_INTRO_ESCALATED = N_(
    "These are still not handed in although the districts have been reminded (as of %(day)s):"
)
_WHAT_MISSING = N_("Missing: %(what)s")
_PROJECT_PAGE = N_("Project page: %(url)s")
_FOLLOWS = N_("What follows: %(consequence)s")
_WHY_YOU = N_(
    "You get this because the reminders to the district have gone unanswered; the district "
    "is not sent this e-mail."
)


def render_digest(
    items: Sequence[DigestItem],
    *,
    to: str,
    sender: str,
    contact: str,
    day: date,
    language: Language = "sv",
    public_url: str | None = None,
    sent_at: datetime | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """One e-mail listing every obligation due to ``to`` on ``day``: the round's title, what
    to hand in, by when, where, and what follows if it is missed. The subject names the
    round and the obligation (or how many), never an internal id.

    When every item escalates to the coordinators, it is written to them (what the districts
    have not handed in), not in the words for a district. ``Date`` is ``sent_at`` (when it
    goes out; default the newest moment a step fell due); ``Reply-To`` is ``reply_to`` unless
    that is the recipient."""
    if items and all(i.reminder.recipient_role == "coordinator" for i in items):
        message = _escalation(items, day=day, language=language, public_url=public_url)
    else:
        message = _district_digest(items, day=day, contact=contact, language=language,
                                   public_url=public_url)  # fmt: skip
    key = digest_key(to, day)
    message["From"] = sender
    message["To"] = to
    if reply_to and reply_to.casefold() != to.casefold():
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(sent_at or max(i.reminder.moment for i in items))
    automatic(message)
    # The same reminders always give the same Message-ID: a digest sent again after a failure
    # between sending and recording shows once.
    message["Message-ID"] = digest_message_id([i.reminder.key for i in items])
    message["X-PPSS-Reminder-Key"] = key
    message["X-PPSS-Reminder-Keys"] = " ".join(i.reminder.key for i in items)
    return message


def _ordered(items: Sequence[DigestItem]) -> list[DigestItem]:
    return sorted(items, key=lambda i: (i.reminder.due_on, i.round_title, i.reminder.district,
                                        i.reminder.obligation))  # fmt: skip


def _project_url(public_url: str, reminder: DueReminder) -> str:
    _, round_id, project_id = reminder.stream_id.split(":", 2)
    return f"{public_url.rstrip('/')}/rounds/{round_id}/projects/{project_id}"


def _escalation(
    items: Sequence[DigestItem], *, day: date, language: Language, public_url: str | None
) -> EmailMessage:
    """The coordinators' digest: per district, what is missing, since when, what follows."""
    t = translator(language).gettext
    ordered = _ordered(items)
    if len(ordered) == 1:
        r = ordered[0].reminder
        subject = t(_SUBJECT_ESCALATED_ONE) % {
            "district": r.district,
            "what": obligation_title(r.obligation, language),
            "round": ordered[0].round_title,
            "due": r.due_on.isoformat(),
        }
    else:
        subject = t(_SUBJECT_ESCALATED) % {"count": len(ordered)}
    lines = [t(_GREETING_COORDINATOR), "", t(_INTRO_ESCALATED) % {"day": day.isoformat()}, ""]
    for n, item in enumerate(ordered, 1):
        r = item.reminder
        lines += [
            f"{n}. {r.district} – {item.round_title}",
            "   " + t(_WHAT_MISSING) % {"what": obligation_title(r.obligation, language)},
            "   " + t(_OVERDUE) % {"due": r.due_on.isoformat()},
            "   " + t(_FOLLOWS) % {"consequence": consequence(r.obligation, r.blocks, language)},
        ]
        if public_url:
            lines.append("   " + t(_PROJECT_PAGE) % {"url": _project_url(public_url, r)})
        lines.append("")
    lines += [t(_WHY_YOU), t(_ONE_A_DAY)]
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content("\n".join(lines) + "\n")
    return message


def _district_digest(
    items: Sequence[DigestItem],
    *,
    day: date,
    contact: str,
    language: Language,
    public_url: str | None,
) -> EmailMessage:
    t = translator(language).gettext
    ordered = _ordered(items)
    late = any(_late(i.reminder, day) for i in ordered)
    if len(ordered) == 1:
        r = ordered[0].reminder
        args = {
            "what": obligation_title(r.obligation, language),
            "round": f"{ordered[0].round_title} ({r.district})",
            "due": r.due_on.isoformat(),
        }
        subject = t(_SUBJECT_LATE_ONE if late else _SUBJECT_ONE) % args
    else:
        subject = t(_SUBJECT_LATE if late else _SUBJECT) % {"count": len(ordered)}
    lines = [t(_GREETING), "", t(_INTRO) % {"day": day.isoformat()}, ""]
    for n, item in enumerate(ordered, 1):
        r = item.reminder
        due = r.due_on.isoformat()
        where = (
            t(_WHERE_PORTAL) % {"url": _project_url(public_url, r)}
            if public_url
            else t(_WHERE_MAIL) % {"contact": contact}
        )
        lines += [
            f"{n}. {item.round_title} – {r.district}",
            "   " + t(_WHAT) % {"what": obligation_title(r.obligation, language)},
            "   " + t(_OVERDUE if _late(r, day) else _DUE) % {"due": due},
            "   " + where,
            "   " + t(_IF_MISSED) % {"consequence": consequence(r.obligation, r.blocks, language)},
        ]
        if r.final:
            lines.append("   " + t(_FINAL))
        lines.append("")
    lines += [t(_QUESTIONS) % {"contact": contact}, t(_ONE_A_DAY)]
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content("\n".join(lines) + "\n")
    return message


def _late(reminder: DueReminder, day: date) -> bool:
    """Overdue: an overdue step, or a due date before the digest's day (a moved deadline)."""
    return reminder.step.startswith("late-") or reminder.due_on < day
