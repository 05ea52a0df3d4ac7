"""Reminder mail as Outlook and spam filters read it, received by a real SMTP server and
parsed with Python's strict e-mail parser: ``Date`` is when it was sent (not when the step
fell due), it says it was sent by a program (no out-of-office replies come back), a reply
reaches a person, and the coordinators' escalation digest is written to them, from a
sender that is not their own mailbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

from policies.state import end_of_day
from ppss_workflow.notify import ReminderSettings, SmtpNotifier, SmtpSettings
from ppss_workflow.reminders import Dispatcher
from ppss_workflow.scratch import scratch_store
from tests.integration.test_reminder_dispatch import record_round
from tests.smtp import smtp_server

COORDINATORS = "samordnare@example.org"
DISTRICT = "ekonomichef@skarholmen.example.org"  # the application's contact
REPLY_TO = "handlaggare@example.org"
SENT_AT = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
#: T2 was 14 Sep 2018: on 5 Oct it is 15 working days late, the coordinators' step.
ESCALATED = end_of_day(date(2018, 10, 5))
LATE_5 = end_of_day(date(2018, 9, 21))


def strict(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.strict)
    assert isinstance(message, EmailMessage)
    assert not message.defects, message.defects
    for name in message:
        assert not message[name].defects, (name, message[name].defects)
    return message


def dispatch(as_of: datetime, settings: ReminderSettings) -> list[EmailMessage]:
    with scratch_store() as store, smtp_server() as (inbox, port):
        record_round(store)
        notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
        Dispatcher(store, notifier, settings, clock=lambda: SENT_AT).run(as_of=as_of)
        return [strict(raw) for raw in inbox.raw]


def test_the_district_mail_is_dated_when_sent_and_marked_automatic() -> None:
    settings = ReminderSettings(coordinator_email=COORDINATORS, district_email=DISTRICT,
                                reply_to=REPLY_TO)  # fmt: skip
    (mail,) = dispatch(LATE_5, settings)
    assert parseaddr(str(mail["To"]))[1] == DISTRICT
    assert parsedate_to_datetime(str(mail["Date"])) == SENT_AT
    assert str(mail["Auto-Submitted"]) == "auto-generated"
    assert str(mail["X-Auto-Response-Suppress"]) == "All"
    assert parseaddr(str(mail["Reply-To"]))[1] == REPLY_TO
    assert parseaddr(str(mail["From"]))[1] != DISTRICT


def test_the_coordinators_digest_is_theirs_from_another_sender() -> None:
    settings = ReminderSettings(coordinator_email=COORDINATORS, district_email=DISTRICT)
    mails = dispatch(ESCALATED, settings)
    (mail,) = [m for m in mails if parseaddr(str(m["To"]))[1] == COORDINATORS]
    sender = parseaddr(str(mail["From"]))[1]
    assert sender
    assert sender.casefold() != COORDINATORS
    # No reply-to pointing at the recipient itself (the default is the coordinators' box).
    assert mail["Reply-To"] is None
    assert parsedate_to_datetime(str(mail["Date"])) == SENT_AT
    assert str(mail["Auto-Submitted"]) == "auto-generated"
    body = mail.get_content()
    assert "Kontakta samordnaren" not in body
    assert body.startswith("Hej samordnare,")
    assert str(mail["Subject"]) == "Försenat hos stadsdelarna: 3 inte inlämnade"
    assert "1. Skärholmen – " in body


def test_a_reply_reaches_the_coordinators_by_default() -> None:
    settings = ReminderSettings(coordinator_email=COORDINATORS, district_email=DISTRICT)
    (mail,) = dispatch(LATE_5, settings)
    assert parseaddr(str(mail["Reply-To"]))[1] == COORDINATORS
    assert parseaddr(str(mail["From"]))[1] != COORDINATORS
