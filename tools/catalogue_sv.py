"""Fill the Swedish catalogue from this table and compile both catalogues.

Run after ``pybabel extract`` (see ppss_workflow/i18n.py); a message without a Swedish text
here stops the script, and tests/web/test_i18n.py fails on an untranslated message.
Usage: .venv/bin/python tools/catalogue_sv.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "ppss_workflow" / "locale"

SV: dict[str | tuple[str, str], str | tuple[str, str]] = {
    ("%(n)d working day before", "%(n)d working days before"): (
        "%(n)d arbetsdag före",
        "%(n)d arbetsdagar före",
    ),
    ("%(n)d working day late", "%(n)d working days late"): (
        "%(n)d arbetsdag efter",
        "%(n)d arbetsdagar efter",
    ),
    ("%(num)d project", "%(num)d projects"): ("%(num)d projekt", "%(num)d projekt"),
    ("recorded %(num)d day late", "recorded %(num)d days late"): (
        "registrerad %(num)d dag i efterhand",
        "registrerad %(num)d dagar i efterhand",
    ),
    "About": "Gäller",
    "Absent from a network meeting": "Frånvarande från nätverksträff",
    "Allocation decided": "Fördelning beslutad",
    "Already recorded: the payment %(reference)s of %(amount)s is on record; nothing was "
    "paid twice.": "Redan registrerad: utbetalningen %(reference)s på %(amount)s finns redan; "
    "ingenting betalades två gånger.",
    "Amount": "Belopp",
    "Amount (kr)": "Belopp (kr)",
    "Annual activity report": "Verksamhetsberättelse",
    "Annulled on %(day)s: %(reason)s": "Makulerad %(day)s: %(reason)s",
    "Application submitted": "Ansökan inlämnad",
    "Application withdrawn": "Ansökan återtagen",
    "Applied for": "Sökt belopp",
    "Auditor": "Revisor",
    "Awarded": "Beviljat",
    "Back to the rounds": "Tillbaka till bidragsomgångarna",
    "Budget": "Budget",
    "Choose grant or supervision money.": "Välj bidrag eller medel för handledning.",
    "Choose who you are. These are role titles with example.org addresses, not real people.": (
        "Välj vem du är. Det är rolltitlar med example.org-adresser, inga verkliga personer."
    ),
    "City of Stockholm": "Stockholms stad",
    "Condition": "Villkor",
    "Conditions for payment": "Villkor för utbetalning",
    "Coordinator": "Samordnare",
    "Deadline moved": "Sista dag flyttad",
    "Deadline set": "Sista dag satt",
    "Deadlines": "Sista dagar",
    "Decided on": "Beslutsdatum",
    "Decision": "Beslut",
    "Demo sign-in": "Inloggning i demon",
    "Demo: example data, example.org addresses; nothing here is real.": (
        "Demo: exempeldata och example.org-adresser; inget här är verkligt."
    ),
    "Description": "Beskrivning",
    "District": "Stadsdel",
    "Due": "Senast",
    "E-mail address": "E-postadress",
    "Entry annulled": "Uppgift makulerad",
    "Evidence": "Underlag",
    "Exempted from a network meeting": "Befriad från nätverksträff",
    "Financial account (final)": "Ekonomisk redovisning (senast 30 november)",
    "Financial report at T2": "Ekonomisk återrapportering vid T2",
    "Financial report submitted": "Ekonomisk rapport inlämnad",
    "Follow-up at T2": "Uppföljning vid T2",
    "Follow-up in the annual activity report": "Uppföljning i verksamhetsberättelsen",
    "Follow-up submitted": "Uppföljning inlämnad",
    "For": "Avser",
    "Forecast": "Prognos",
    "Give the payment's reference (verification number).": (
        "Ange utbetalningens verifikationsnummer."
    ),
    "Grant awarded": "Beviljat bidrag",
    "Grant payments": "Utbetalning av bidrag",
    "Grant rounds": "Bidragsomgångar",
    "Language": "Språk",
    "Last day": "Sista dag",
    "Meeting": "Möte",
    "Met?": "Uppfyllt?",
    "Money owed back is repaid": "Återbetalning av outnyttjade medel",
    "Network meeting": "Nätverksträff",
    "Network meeting made up": "Nätverksträff ersatt",
    "Network meeting scheduled": "Nätverksträff planerad",
    "Network meetings and training": "Stadsövergripande nätverk och utbildningsinsatser",
    "No projects to show.": "Inga projekt att visa.",
    "No reminders have been sent.": "Inga påminnelser har skickats.",
    "No rounds to show.": "Inga bidragsomgångar att visa.",
    "No way to sign in is configured. Ask the administrator.": (
        "Inget sätt att logga in är inställt. Kontakta administratören."
    ),
    "Not found": "Finns inte",
    "Not possible": "Inte möjligt",
    "Not possible here": "Inte möjligt här",
    "Not possible now": "Inte möjligt nu",
    "Not recorded:": "Inte registrerad:",
    "Note": "Anteckning",
    "Owed back": "Att återbetala",
    "Paid": "Utbetalt",
    "Payable now": "Kan betalas ut nu",
    "Payment": "Utbetalning",
    "Payment %(reference)s of %(amount)s recorded.": (
        "Utbetalningen %(reference)s på %(amount)s är registrerad."
    ),
    "Payment reference": "Verifikationsnummer",
    "Payment reference (verification number)": "Verifikationsnummer",
    "Period": "Period",
    "Plan for financing within the own organisation": (
        "Hur finansieringen kan tillgodoses inom egen organisation"
    ),
    "Reason": "Skäl",
    "Register a payment": "Registrera en utbetalning",
    "Register the payment": "Registrera utbetalningen",
    "Reminder could not be sent": "Påminnelse kunde inte skickas",
    "Reminder schedule set": "Påminnelseschema satt",
    "Reminder sent": "Påminnelse skickad",
    "Reminder service": "Påminnelsetjänsten",
    "Reminders sent": "Skickade påminnelser",
    "Repayment demanded": "Återkrav",
    "Repayment received": "Återbetalning mottagen",
    "Repayment waived": "Återkrav efterskänkt",
    "Role": "Roll",
    "Round": "Bidragsomgång",
    "Round closed": "Omgången stängd",
    "Round opened": "Omgången öppnad",
    "Sent": "Skickad",
    "Show": "Visa",
    "Sign in": "Logga in",
    "Sign in as one of the demo's users": "Logga in som en av demons användare",
    "Sign in first": "Logga in först",
    "Sign in with the city's account": "Logga in med stadens konto",
    "Sign in, then try again. Nothing was recorded.": (
        "Logga in och försök igen. Ingenting registrerades."
    ),
    "Sign out": "Logga ut",
    "Something went wrong": "Något gick fel",
    "Spent": "Förbrukat",
    "State": "Läge",
    "Status": "Status",
    "Steering group": "Styrgruppen",
    "Supervision money granted": "Medel för gemensam handledning beviljade",
    "Supervision money requested": "Medel för gemensam handledning sökta",
    "System": "Systemet",
    "T2 follow-up and financial report": "Uppföljning och ekonomi vid T2",
    "The form was too old or did not come from this site. Nothing was recorded: reload the "
    "page and try again.": "Formuläret var för gammalt eller kom inte från den här webbplatsen. "
    "Ingenting registrerades: ladda om sidan och försök igen.",
    "The reference is too long (at most 200 characters).": (
        "Verifikationsnumret är för långt (högst 200 tecken)."
    ),
    "The request could not be read": "Begäran kunde inte läsas",
    "The round has no deadlines on record.": "Omgången har inga sista dagar registrerade.",
    "The round is open": "Omgången är öppen",
    "The situation as of": "Läget den",
    "The situation as of %(day)s": "Läget den %(day)s",
    "The situation today": "Läget i dag",
    "The store cannot be reached": "Databasen kan inte nås",
    "This role reads only; it records nothing.": (
        "Den här rollen läser bara; den registrerar inget."
    ),
    "This role sends reminders only; it has no pages to read.": (
        "Den här rollen skickar bara påminnelser; den har inga sidor att läsa."
    ),
    "Timeline": "Händelser",
    "Title": "Rubrik",
    "To": "Till",
    "Today": "I dag",
    "Took part in a network meeting": "Deltog i nätverksträff",
    "Total": "Summa",
    "What": "Vad",
    "What blocks payment": "Hinder för utbetalning",
    "When": "När",
    "Why": "Motivering",
    "Work plan approved": "Arbetsplanen godkänd",
    "Work plan approved by the steering group": "Godkänd verksamhetsplan",
    "Work plan rejected": "Arbetsplanen avslagen",
    "Work plan submitted": "Arbetsplanen inlämnad",
    "Write the amount in whole kronor, e.g. 1 400 000.": (
        "Skriv beloppet i hela kronor, t.ex. 1 400 000."
    ),
    "Write the date as YYYY-MM-DD, e.g. 2014-10-01.": (
        "Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2014-10-01."
    ),
    "Year-end account and cost description": "Redovisning och kostnadsbeskrivning",
    "Year-end account submitted": "Redovisning inlämnad",
    "You may not do this": "Du får inte göra detta",
    "accounted for": "redovisat",
    "application withdrawn": "ansökan återtagen",
    "applied, not yet awarded": "sökt, ännu inte beviljat",
    "awarded, no plan yet": "beviljat, ingen arbetsplan än",
    "blocks nothing": "hindrar inget",
    "blocks supervision money": "hindrar medel för handledning",
    "blocks the grant": "hindrar utbetalning av bidraget",
    "by": "av",
    "closed": "stängd",
    "grant": "bidrag",
    "met": "uppfyllt",
    "network": "nätverk",
    "no application": "ingen ansökan",
    "not met": "ej uppfyllt",
    "not yet due": "inte aktuellt än",
    "on the due date": "på sista dagen",
    "open": "öppen",
    "paid": "utbetalt",
    "partly paid": "delvis utbetalt",
    "plan approved": "arbetsplan godkänd",
    "plan awaits the steering group": "arbetsplanen väntar på styrgruppen",
    "plan rejected": "arbetsplanen avslagen",
    "repayment due": "återbetalning krävs",
    "supervision money": "medel för gemensam handledning",
    "Pupils in the target group": "Elever i målgruppen",
    "Pupils reached": "Elever som nåtts",
    "This cannot be more than the pupils reached.": (
        "Det kan inte vara fler än antalet elever som nåtts."
    ),
    "Unplanned drop-outs": "Oplanerade avbrott",
    "Hours of unauthorised absence": "Timmar ogiltig frånvaro",
    "Pupils with improved attendance": "Elever med ökad närvaro",
    "Only auditors and coordinators replay a round.": (
        "Bara revisorer och samordnare kan spela upp en bidragsomgång i efterhand."
    ),
    "Write the time as YYYY-MM-DD HH:MM, e.g. 2015-02-01 09:30.": (
        "Skriv tidpunkten som ÅÅÅÅ-MM-DD TT:MM, t.ex. 2015-02-01 09:30."
    ),
    "Only the steering group decides on work plans.": "Bara styrgruppen beslutar om arbetsplaner.",
    "Choose one of the project's work plans.": "Välj en av projektets arbetsplaner.",
    "Choose approve or reject.": "Välj godkänn eller avslå.",
    "Give the date of the steering group's meeting.": "Ange datum för styrgruppens möte.",
    "Say why the plan is rejected, so the district knows what to fix.": (
        "Skriv varför planen avslås, så att stadsdelen vet vad som ska rättas."
    ),
    "The reason is too long (at most 2 000 characters).": (
        "Motiveringen är för lång (högst 2 000 tecken)."
    ),
    "Only the district itself or a coordinator submits reports.": (
        "Bara stadsdelen själv eller en samordnare lämnar in rapporter."
    ),
    "Write a whole number, e.g. 24.": "Skriv ett heltal, t.ex. 24.",
    "The text is too long (at most 2 000 characters).": "Texten är för lång (högst 2 000 tecken).",
    "Replay the round as known at an earlier time": (
        "Spela upp omgången som den var känd vid en tidigare tidpunkt"
    ),
    "Already recorded: this is on record; nothing was recorded twice.": (
        "Redan registrerad: uppgiften finns redan; ingenting registrerades två gånger."
    ),
    "Work plan %(plan)s approved.": "Arbetsplanen %(plan)s är godkänd.",
    "Work plan %(plan)s rejected; the district sees the reason.": (
        "Arbetsplanen %(plan)s är avslagen; stadsdelen ser motiveringen."
    ),
    "The T2 follow-up is recorded.": "Uppföljningen vid T2 är registrerad.",
    "The T2 financial report is recorded (spent so far: %(amount)s).": (
        "Den ekonomiska återrapporteringen vid T2 är registrerad (förbrukat hittills: %(amount)s)."
    ),
    "Decide on a work plan": "Besluta om en arbetsplan",
    "Work plan": "Arbetsplan",
    "submitted %(day)s": "inlämnad %(day)s",
    "Approve": "Godkänn",
    "Reject": "Avslå",
    "Date of the steering group's meeting": "Datum för styrgruppens möte",
    "Reason (needed when rejecting)": "Motivering (krävs vid avslag)",
    "Record the decision": "Registrera beslutet",
    "Counts for the whole group only: never names or anything else about a single pupil.": (
        "Bara antal för hela gruppen: aldrig namn eller något annat om en enskild elev."
    ),
    "Unplanned drop-outs (may be left empty: 0)": "Oplanerade avbrott (tomt: 0)",
    "Hours of unauthorised absence (optional)": "Timmar ogiltig frånvaro (frivilligt)",
    "Pupils with improved attendance (optional)": "Elever med ökad närvaro (frivilligt)",
    "Period from (empty: the round's start)": "Period från (tomt: omgångens början)",
    "Period to (empty: the round's end)": "Period till (tomt: omgångens slut)",
    "How the work can be financed within the own organisation": (
        "Hur arbetet kan finansieras inom den egna organisationen"
    ),
    "Submit the T2 follow-up": "Lämna in uppföljningen vid T2",
    "Spent so far (kr)": "Förbrukat hittills (kr)",
    "Forecast for the year (kr)": "Prognos för året (kr)",
    "Submit the T2 financial report": "Lämna in den ekonomiska återrapporteringen",
    "Replay": "Spela upp",
    "Replay: %(title)s": "Uppspelning: %(title)s",
    "The situation as of (date; empty: today)": "Läget per (datum; tomt: i dag)",
    "As known at (date and time, Stockholm time; empty: everything recorded)": (
        "Som det var känt vid (datum och klockslag, svensk tid; tomt: allt som registrerats)"
    ),
    (
        "The board as it stood at the end of %(day)s, from what had been recorded by "
        "%(moment)s. Anything recorded later, corrections included, is left out."
    ): (
        "Översikten som den såg ut vid dagens slut %(day)s, enligt det som hade registrerats "
        "till och med %(moment)s. Det som registrerats senare, även rättelser, är inte med."
    ),
    (
        "The board as it stood at the end of %(day)s, from everything recorded up to now, "
        "corrections included."
    ): (
        "Översikten som den såg ut vid dagens slut %(day)s, enligt allt som registrerats fram"
        " till nu, rättelser inräknade."
    ),
    (
        "The board as it stood today, from what had been recorded by %(moment)s. Anything "
        "recorded later, corrections included, is left out."
    ): (
        "Översikten som den ser ut i dag, enligt det som hade registrerats till och med "
        "%(moment)s. Det som registrerats senare, även rättelser, är inte med."
    ),
    (
        "The board today, from everything recorded up to now. Choose a date, a time or both "
        "to replay."
    ): (
        "Översikten i dag, enligt allt som registrerats fram till nu. Välj ett datum, en "
        "tidpunkt eller båda för att spela upp."
    ),
    "The round was not yet on record at that time.": (
        "Omgången var ännu inte registrerad vid den tidpunkten."
    ),
}


def _catalogue(lang: str, template: Catalog) -> Catalog:
    catalogue = Catalog(locale=lang, project="ppss-workflow", domain="messages")
    missing = []
    for message in template:
        if not message.id:
            continue
        text: str | tuple[str, str] = ""
        if lang == "sv":
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            found = SV.get(key)  # type: ignore[arg-type]
            if found is None:
                missing.append(message.id)
                continue
            text = found
        catalogue.add(message.id, text)
    if missing:
        sys.exit("no Swedish text for: " + "; ".join(map(str, missing)))
    return catalogue


def main() -> None:
    with (LOCALE / "messages.pot").open("rb") as f:
        template = read_po(f)
    for lang in ("sv", "en"):
        folder = LOCALE / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        catalogue = _catalogue(lang, template)
        with (folder / "messages.po").open("wb") as f:
            write_po(f, catalogue, width=100, omit_header=False)
        with (folder / "messages.mo").open("wb") as f:
            write_mo(f, catalogue)


if __name__ == "__main__":
    main()
