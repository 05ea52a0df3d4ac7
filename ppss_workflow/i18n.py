"""Words people see: one Babel catalogue (Swedish by default, English on request).

The source speaks English (the catalogue's message ids); ``ppss_workflow/locale/sv`` says it
in Swedish. Internal codes (statuses, condition and deadline codes, event types, roles) are
never shown: :class:`Translator` turns each into plain words. A policy's reason (a code and
parameters) is said by :mod:`ppss_workflow.words`; its text's message id is the code.

The ``.po`` files are the source: they are compiled in memory at first use (and cached), so
no compiled ``.mo`` file is kept or needed. After changing a message (see the README's
"Words and languages")::

    pybabel extract --no-location -F babel.cfg -k N_ -k ReasonCode -k t -k nt:1,2 \
        -o /tmp/messages.pot .
    pybabel update -i /tmp/messages.pot -d ppss_workflow/locale --no-fuzzy-matching \
        --ignore-obsolete -w 100
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations

from policies.state import STOCKHOLM, stockholm_day
from ppss_workflow.catalogues import compiled

__all__ = [
    "CONDITION_NAMES",
    "DEFAULT_LANGUAGE",
    "EVENT_NAMES",
    "LANGUAGES",
    "LOCALE_DIR",
    "ROLE_NAMES",
    "STATUS_NAMES",
    "Translator",
    "translator",
]

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Marks a message for the catalogue; translated where it is shown."""
    return message


#: A project's status as the policies answer it (``Policy.status``).
STATUS_NAMES: dict[str, str] = {
    "repayment due": N_("repayment due"),
    "withdrawn": N_("application withdrawn"),
    "no application": N_("no application"),
    "applied": N_("applied, not yet awarded"),
    "accounted": N_("accounted for"),
    "paid": N_("paid"),
    "partly paid": N_("partly paid"),
    "plan submitted": N_("plan awaits the steering group"),
    "plan approved": N_("plan approved"),
    "plan rejected": N_("plan rejected"),
    "awarded": N_("awarded, no plan yet"),
}

#: Conditions and dated obligations (condition codes, deadline codes, obligation codes).
CONDITION_NAMES: dict[str, str] = {
    "round_open": N_("The round is open"),
    "application": N_("Application submitted"),
    "awarded": N_("Grant awarded"),
    "plan_approved": N_("Work plan approved by the steering group"),
    "network_participation": N_("Network meetings and training"),
    "supervision_requested": N_("Supervision money requested"),
    "year_end_account": N_("Year-end account and cost description"),
    "repayment_settled": N_("Money owed back is repaid"),
    "t2": N_("T2 follow-up and financial report"),
    "t2_follow_up": N_("Follow-up at T2"),
    "t2_financial_report": N_("Financial report at T2"),
    "t2_self_financing": N_("Plan for financing within the own organisation"),
    "final_financial_report": N_("Financial account (final)"),
    "annual_report": N_("Annual activity report"),
    "annual_follow_up": N_("Follow-up in the annual activity report"),
    "network": N_("Network meeting"),
    # What may release an instalment of a payment plan (policies.base.Policy.release_codes).
    "t2_accepted": N_("T2 follow-up and financial report accepted"),
    "t2_follow_up_accepted": N_("Follow-up at T2 accepted"),
    "t2_financial_report_accepted": N_("Financial report at T2 accepted"),
    "final_financial_report_accepted": N_("Financial account (final) accepted"),
    "annual_follow_up_accepted": N_("Follow-up in the annual activity report accepted"),
    "year_end_account_accepted": N_("Year-end account accepted"),
    "autumn_follow_up": N_("Autumn follow-up for the December report"),
}

CONDITION_STATUS_NAMES: dict[str, str] = {
    "met": N_("met"),
    "unmet": N_("not met"),
    "not_yet_due": N_("not yet due"),
    # an instalment of a payment plan
    "released": N_("released"),
    "held": N_("held"),
}

ROLE_NAMES: dict[str, str] = {
    "coordinator": N_("Coordinator"),
    "steering_group": N_("Steering group"),
    "district": N_("District"),
    "auditor": N_("Auditor"),
    "scheduler": N_("Reminder service"),
    "system": N_("System"),
}

BLOCKS_NAMES: dict[str, str] = {
    "grant": N_("blocks the grant"),
    "supervision": N_("blocks supervision money"),
    "": N_("blocks nothing"),
}

PURPOSE_NAMES: dict[str, str] = {
    "grant": N_("grant"),
    "supervision": N_("supervision money"),
}

#: Event types as the timeline names them.
EVENT_NAMES: dict[str, str] = {
    "RoundOpened": N_("Round opened"),
    "RoundClosed": N_("Round closed"),
    "DeadlineSet": N_("Deadline set"),
    "DeadlineChanged": N_("Deadline moved"),
    "NetworkSessionScheduled": N_("Network meeting scheduled"),
    "ReminderLadderSet": N_("Reminder schedule set"),
    "AllocationDecided": N_("Allocation decided"),
    "ApplicationSubmitted": N_("Application submitted"),
    "ApplicationWithdrawn": N_("Application withdrawn"),
    "GrantAwarded": N_("Grant awarded"),
    "PlanSubmitted": N_("Work plan submitted"),
    "PlanApproved": N_("Work plan approved"),
    "PlanRejected": N_("Work plan rejected"),
    "NetworkAttendanceRecorded": N_("Took part in a network meeting"),
    "NetworkAbsenceRecorded": N_("Absent from a network meeting"),
    "NetworkMakeUpRecorded": N_("Network meeting made up"),
    "NetworkExemptionGranted": N_("Exempted from a network meeting"),
    "SupervisionFundsRequested": N_("Supervision money requested"),
    "SupervisionFundsGranted": N_("Supervision money granted"),
    "DisbursementMade": N_("Payment"),
    "FollowUpSubmitted": N_("Follow-up submitted"),
    "FinancialReportSubmitted": N_("Financial report submitted"),
    "YearEndAccountSubmitted": N_("Year-end account submitted"),
    "RepaymentDemanded": N_("Repayment demanded"),
    "RepaymentReceived": N_("Repayment received"),
    "RepaymentWaived": N_("Repayment waived"),
    "ReminderSent": N_("Reminder sent"),
    "ReminderFailed": N_("Reminder could not be sent"),
    "EventAnnulled": N_("Entry annulled"),
    "PaymentAnnulmentRequested": N_("Payment annulment asked for"),
    "PaymentPlanSet": N_("Payment plan set"),
    "ReportAccepted": N_("Report accepted"),
    "ReportReturned": N_("Report returned"),
    "ContactSet": N_("Contact set"),
    "ContactRemoved": N_("Contact removed"),
    "SchoolKindSet": N_("School kind recorded"),
}

#: Words a template or page looks up by a value (``_(outcome)``, ``_(kind)``): marked here so
#: that ``pybabel extract`` keeps them in the catalogue.
LOOKED_UP: tuple[str, ...] = (
    N_("attended"),
    N_("absent"),
    N_("make-up"),
    N_("exemption"),
    N_("network"),
    N_("supervision"),
    # commands' and operations' verbs (policies.commands ``verb``, policies.decisions
    # ``OPERATIONS``), said in a refusal of a role
    N_("annul events"),
    N_("apply"),
    N_("attach documents"),
    N_("award grants"),
    N_("close a round"),
    N_("decide on plans"),
    N_("demand repayments"),
    N_("do this"),
    N_("grant supervision money"),
    N_("open a round"),
    N_("record allocation decisions"),
    N_("record network participation"),
    N_("record payments"),
    N_("remove contacts"),
    N_("request supervision money"),
    N_("review reports"),
    N_("schedule network sessions"),
    N_("set contacts"),
    N_("set deadlines"),
    N_("set payment plans"),
    N_("set reminder ladders"),
    N_("settle repayments"),
    N_("submit financial reports"),
    N_("submit follow-ups"),
    N_("submit plans"),
    N_("submit year-end accounts"),
    N_("withdraw the application"),
    N_("dispatch reminders"),
    N_("import a history"),
    N_("sign checkpoints"),
)

#: An event's fields the timeline shows, with their labels (ids and codes are left out).
DETAIL_FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "applied_sek": N_("Applied for"),
    "amount_sek": N_("Amount"),
    "spent_sek": N_("Spent"),
    "forecast_sek": N_("Forecast"),
    "purpose": N_("For"),
    "payment_reference": N_("Payment reference"),
    "decision_ref": N_("Decision"),
    "decided_by": N_("Decided by"),
    "decided_on": N_("Decided on"),
    "diary_number": N_("Diary number (dnr)"),
    "minutes_ref": N_("Minutes (protocol and paragraph)"),
    "meeting_on": N_("Meeting"),
    "due_on": N_("Last day"),
    "obligation": N_("About"),
    "reason": N_("Reason"),
    "description": N_("Description"),
    "overspend_explanation": N_("Why more was spent than was paid plus own contribution"),
}

#: A follow-up's aggregate indicators the timeline shows (counts only, never one pupil).
INDICATOR_FIELDS: dict[str, str] = {
    "target_group_size": N_("Pupils in the target group"),
    "pupils_reached": N_("Pupils reached"),
    "unplanned_dropouts": N_("Unplanned drop-outs"),
    "unauthorised_absence_hours": N_("Hours of unauthorised absence"),
    "pupils_with_improved_attendance": N_("Pupils with improved attendance"),
}

#: Ladder steps of reminders (``before-14``, ``due``, ``late-5``...).
_STEP = re.compile(r"^(before|late)-(\d+)$")


@cache
def _catalogue(lang: str) -> NullTranslations:
    """The language's catalogue, compiled in memory from its ``.po`` file (once)."""
    return compiled(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang, "messages")


@dataclass(frozen=True, slots=True)
class Translator:
    """One language's words, money and dates."""

    lang: str
    catalogue: NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def t(self, message: str, **values: object) -> str:
        """``message`` translated, with ``%(name)s`` placeholders filled from ``values``."""
        text = self.gettext(message)
        return text % values if values else text

    def nt(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The singular or plural form for ``n``; ``%(num)d`` is ``n``."""
        return self.ngettext(singular, plural, n) % {"num": n, **values}

    def _named(self, table: dict[str, str], code: str) -> str:
        name = table.get(code)
        return self.gettext(name) if name else code.replace("_", " ")

    def status(self, code: str) -> str:
        """A project's status in plain words ("repayment due" -> "återbetalning krävs")."""
        return self._named(STATUS_NAMES, code)

    def condition(self, code: str) -> str:
        """A condition's or obligation's name ("plan_approved" -> "Godkänd verksamhetsplan")."""
        if code.startswith("network-"):
            return self.gettext(CONDITION_NAMES["network"])
        return self._named(CONDITION_NAMES, code)

    def condition_status(self, code: str) -> str:
        return self._named(CONDITION_STATUS_NAMES, code)

    def blocks(self, code: str) -> str:
        return self._named(BLOCKS_NAMES, code)

    def role(self, code: str) -> str:
        return self._named(ROLE_NAMES, code)

    def purpose(self, code: str) -> str:
        return self._named(PURPOSE_NAMES, code)

    def event(self, event_type: str) -> str:
        return self._named(EVENT_NAMES, event_type)

    def step(self, code: str) -> str:
        """A reminder's ladder step ("before-14" -> "14 arbetsdagar före")."""
        if code == "due":
            return self.gettext("on the due date")
        match = _STEP.match(code)
        if match is None:
            return code
        days = int(match.group(2))
        if match.group(1) == "before":
            return self.ngettext("%(n)d working day before", "%(n)d working days before", days) % {
                "n": days
            }
        return self.ngettext("%(n)d working day late", "%(n)d working days late", days) % {
            "n": days
        }

    def reason(self, reason: Any) -> str:
        """A policy's reason (a :class:`~policies.reason.Reason`, or one stored as data) said
        in this language by :func:`ppss_workflow.words.say`; text is shown as it is."""
        if reason is None or isinstance(reason, str):
            return reason or ""
        from ppss_workflow.words import say  # noqa: PLC0415 - words builds on this module

        return say(reason, self.lang)

    def details(self, event: object) -> list[tuple[str, str]]:
        """The event's fields worth showing, labelled and in plain words."""
        shown = []
        for name, label in DETAIL_FIELDS.items():
            value = getattr(event, name, None)
            if value is None or value == "":
                continue
            if name.endswith("_sek") and isinstance(value, int):
                text = self.money(value)
            elif isinstance(value, date):
                text = self.date(value)
            elif name == "purpose":
                text = self.purpose(str(value))
            elif name == "obligation":
                text = self.condition(str(value))
            else:
                text = str(value)
            shown.append((self.gettext(label), text))
        indicators = getattr(event, "indicators", None)
        for name, label in INDICATOR_FIELDS.items():
            value = getattr(indicators, name, None)
            if isinstance(value, int):
                shown.append((self.gettext(label), str(value)))
        return shown

    @staticmethod
    def local_date(instant: datetime) -> str:
        """The Stockholm calendar date of an instant."""
        return stockholm_day(instant).isoformat()

    @staticmethod
    def money(amount: int) -> str:
        """``1 400 000 kr`` (a no-break space between groups, so it never wraps; ``−`` for
        a negative amount)."""
        sign = "\u2212" if amount < 0 else ""
        return f"{sign}{abs(amount):,} kr".replace(",", "\u00a0")

    @staticmethod
    def date(day: date | None) -> str:
        """A calendar date as Swedish official texts write it: ``2018-11-30``."""
        return day.isoformat() if day else "–"

    @staticmethod
    def moment(instant: datetime) -> str:
        """An instant in Stockholm time: ``2018-11-30 14:05``."""
        return instant.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def translator(lang: str | None) -> Translator:
    """The words for ``lang`` ("sv" or "en"; anything else gets Swedish)."""
    chosen = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return Translator(chosen, _catalogue(chosen))
