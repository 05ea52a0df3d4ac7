"""The auditor's pages: verify the hash chain (with progress, without JavaScript), explain a
project (what `ppss audit explain` shows), and download the exports (`ppss export`).

Verifying and the exports are for auditors and coordinators: an export is the store's own
rows for a round or the whole store (who recorded what, for every district), so a district
downloads none; it reads its own project on its page and through the API. Explain is for
anyone who may read the project (a district: its own only; another's is not found). Every
page here only reads: nothing is written.

Progress: the verification page streams. The page's top is sent at once, then a line each
time a batch of events has been checked, then the verdict, so a browser shows the progress
as it goes without any script; a proxy that buffers shows the whole page at the end.
"""

from __future__ import annotations

import io
import queue
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from markupsafe import escape

from policies.state import STOCKHOLM, slug
from ppss_workflow.access import Principal
from ppss_workflow.auditing import Anchor, VerifyReport, days_late, explain_project, verify_chain
from ppss_workflow.corrections import COLUMNS, as_row, store_corrections
from ppss_workflow.errors import NO_DISTRICT_IN_ROUND, WEB_EXPORT_FORMAT, InvalidCommand, NotFound
from ppss_workflow.export import export_csv, export_jsonl, export_xlsx
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.web.forms import parse_instant
from ppss_workflow.web.pages import reader, reads
from ppss_workflow.web.portal_forms import AUDITING_ROLES
from ppss_workflow.web.render import Forbidden, environment, render, tr_for
from ppss_workflow.web.views import parse_day
from ppss_workflow.words import say

__all__ = ["EXPORT_FORMATS", "router"]

router = APIRouter(include_in_schema=False)
_log = get_logger(__name__)

#: format -> (file suffix, media type, label)
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "xlsx": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        N_("Excel workbook: every event, and each round's board in kronor"),
    ),
    "csv-sv": ("csv", "text/csv; charset=utf-8", N_("CSV for a Swedish Excel (semicolons)")),
    "csv": ("csv", "text/csv; charset=utf-8", N_("CSV (commas)")),
    "jsonl": (
        "jsonl",
        "application/x-ndjson",
        N_("JSON lines, exactly as stored and hashed: `ppss import` and `ppss audit` read it"),
    ),
}
_PROGRESS = "<!--progress-->"


def auditing(request: Request) -> Principal:
    principal = reader(request)
    if principal.role not in AUDITING_ROLES:
        raise Forbidden(N_("Only auditors and coordinators verify the chain and download exports."))
    return principal


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """Verify, explain (a project of each round), download."""
    auditing(request)
    r = reads(request)
    rounds = []
    for rid in r.round_ids():
        rnd = r.round(rid)
        projects = sorted(
            ((row.district, slug(row.district)) for row in r.board(rid)),
            key=lambda pair: pair[0].casefold(),
        )
        rounds.append((rnd, projects))
    return render(request, "audit.html", rounds=rounds, formats=EXPORT_FORMATS)


# -- money corrections -----------------------------------------------------------------------


@router.get("/audit/corrections", response_class=HTMLResponse)
def corrections_page(request: Request) -> Response:
    """Every money correction in one list: who, when, why, confirmed by."""
    auditing(request)
    tr = tr_for(request)
    found = store_corrections(request.app.state.store)
    rows = [as_row(c, tr) for c in found]
    return render(request, "audit_corrections.html", rows=rows, columns=COLUMNS)


# -- verifying the chain --------------------------------------------------------------------


@router.get("/audit/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    auditing(request)
    head = request.app.state.store.head()
    return render(
        request, "audit_verify.html", expect="", error="", head=head.position, running=False
    )


@router.get("/audit/verify/run", response_class=HTMLResponse)
def verify_run(request: Request, expect: Annotated[str, Query()] = "") -> Response:
    """The walk, streamed: the page's top, a line per checked batch, the verdict."""
    auditing(request)
    tr = tr_for(request)
    store = request.app.state.store
    head = store.head()
    anchor = None
    if expect.strip():
        try:
            anchor = Anchor.parse(expect.strip(), "expect")
        except InvalidCommand:
            error = tr.gettext(
                "Write the recorded head as POSITION:HASH, as `ppss audit verify` printed it."
            )
            return render(
                request,
                "audit_verify.html",
                400,
                expect=expect,
                error=error,
                head=head.position,
                running=False,
            )
    page = render(
        request,
        "audit_verify.html",
        expect=expect,
        error="",
        head=head.position,
        running=True,
    )
    top, _, bottom = bytes(page.body).decode().partition(_PROGRESS)
    total = max(head.position, 1)
    batch = max(100, total // 20)

    def walk() -> Iterator[str]:
        yield top
        found: queue.Queue[int | VerifyReport | Exception] = queue.Queue()

        def work() -> None:
            try:
                found.put(verify_chain(store, expect=anchor, batch_size=batch, progress=found.put))
            except Exception as exc:
                found.put(exc)

        threading.Thread(target=work, name="audit-verify", daemon=True).start()
        while True:
            item = found.get()
            if isinstance(item, int):
                share = min(100, item * 100 // total)
                line = tr.t(
                    "%(checked)s of %(total)s events checked (%(share)s %%)",
                    checked=item,
                    total=head.position,
                    share=share,
                )
                yield f'<li class="step">{escape(line)}</li>\n'
                continue
            yield "</ol>\n" + _verdict(request, item)
            break
        yield bottom.removeprefix("</ol>")

    return StreamingResponse(walk(), media_type="text/html; charset=utf-8")


def _verdict(request: Request, outcome: VerifyReport | Exception) -> str:
    tr = tr_for(request)
    template = environment().get_template("audit_verdict.html")
    if isinstance(outcome, Exception):
        _log.warning("audit_verify_failed", error=str(outcome))
        return template.render(_=tr.t, tr=tr, report=None, failure=str(outcome))
    # A broken chain's finding in the reader's language (its English carries the reason).
    reason = getattr(outcome.problem, "reason", None)
    problem = say(reason, tr.lang) if reason is not None else outcome.problem
    return template.render(_=tr.t, tr=tr, report=outcome, failure="", problem=problem,
                           problem_lang=tr.lang if reason is not None else "en")  # fmt: skip


# -- explaining a project -------------------------------------------------------------------


@router.get("/audit/rounds/{round_id}/projects/{district}/explain", response_class=HTMLResponse)
def explain_page(
    request: Request,
    round_id: str,
    district: str,
    as_of: Annotated[str | None, Query()] = None,
    known_at: Annotated[str | None, Query()] = None,
) -> Response:
    """Why the district may or may not be paid: each rule's verdict and the deciding events."""
    principal = reader(request)
    if not principal.sees(district):
        raise NotFound(
            f"no district {district!r} in round {round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=round_id),
        )
    r = reads(request)
    rnd = r.round(round_id)
    tr = tr_for(request)
    errors: dict[str, str] = {}
    day = moment = None
    try:
        day = parse_day(as_of, "as_of")
    except InvalidCommand:
        errors["as_of"] = tr.gettext("Write the date as YYYY-MM-DD, e.g. 2014-10-01.")
    try:
        moment = parse_instant(known_at, STOCKHOLM)
    except InvalidCommand:
        errors["known_at"] = tr.gettext(
            "Write the time as YYYY-MM-DD HH:MM, e.g. 2015-02-01 09:30."
        )
    values = {"as_of": as_of or "", "known_at": known_at or ""}
    context: dict[str, Any] = {"round": rnd, "values": values, "errors": errors, "x": None}
    if errors:
        return render(request, "audit_explain.html", 400, district=district, **context)
    x = explain_project(r, round_id, district, day=day, known_at=moment)
    name = x.view.state.district or district
    if not principal.sees(name):  # a district reached another's by an accented spelling
        raise NotFound(
            f"no district {district!r} in round {round_id}",
            reason=NO_DISTRICT_IN_ROUND(district=district, round=round_id),
        )
    lines = [
        {
            "subject": _subject(tr, line.subject),
            "verdict": _verdict_text(tr, line.subject, line.status),
            "reason": tr.reason(line.reason),
            "evidence": [
                {
                    "position": e.position,
                    "what": tr.event(e.event_type),
                    "happened": tr.moment(e.occurred_at),
                    "recorded": tr.moment(e.recorded_at),
                    "late": days_late(e),
                    "by": e.metadata.actor,
                }
                for e in line.evidence
            ],
        }
        for line in x.lines
    ]
    context.update(
        x=x,
        lines=lines,
        slug=district,
        at=tr.moment(x.now),
        knew=tr.moment(moment) if moment else "",
        day=tr.date(day) if day else "",
    )
    return render(request, "audit_explain.html", district=name, **context)


def _subject(tr: Any, code: str) -> str:
    if code == "payable":
        return str(tr.gettext("Payable now"))
    if code == "repayment":
        return str(tr.gettext("Owed back"))
    if code == "overspend":
        return str(tr.gettext("Spent above what was paid"))
    return str(tr.condition(code))


def _verdict_text(tr: Any, code: str, status: str) -> str:
    if code in ("payable", "repayment", "overspend"):
        amount = status.removesuffix(" kr")
        return str(tr.money(int(amount))) if amount.isdigit() else status
    return str(tr.condition_status(status))


# -- exports --------------------------------------------------------------------------------


@router.get("/audit/exports", response_class=HTMLResponse)
def exports_page(request: Request, round: Annotated[str | None, Query()] = None) -> Response:
    auditing(request)
    r = reads(request)
    rounds = [r.round(rid) for rid in r.round_ids()]
    chosen = round if round in {x.round_id for x in rounds} else None
    return render(
        request, "audit_exports.html", rounds=rounds, chosen=chosen, formats=EXPORT_FORMATS
    )


@router.get("/audit/exports/download")
def download(
    request: Request,
    format: Annotated[str, Query()] = "xlsx",
    round: Annotated[str | None, Query()] = None,
) -> Response:
    """One export as a file: a round's rows (``round``) or the whole store's."""
    auditing(request)
    if format not in EXPORT_FORMATS:
        raise InvalidCommand(
            f"no export format {format!r}: use {', '.join(EXPORT_FORMATS)}",
            reason=WEB_EXPORT_FORMAT(typed=format, allowed=", ".join(EXPORT_FORMATS)),
        )
    r = reads(request)
    rid = r.round(round).round_id if round else None  # an unknown round: 404
    store = request.app.state.store
    suffix, media, _ = EXPORT_FORMATS[format]
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    if format == "xlsx":
        count = export_xlsx(r, spool, round_id=rid, language=tr_for(request).lang)
    elif format == "jsonl":
        count = export_jsonl(store, spool, round_id=rid)
    else:
        text = io.TextIOWrapper(
            spool, encoding="utf-8-sig" if format == "csv-sv" else "utf-8", newline=""
        )
        count = export_csv(store, text, round_id=rid, swedish_excel=format == "csv-sv")
        text.flush()
        text.detach()
    spool.seek(0)
    stamp = request.app.state.clock().astimezone(STOCKHOLM).strftime("%Y%m%d-%H%M")
    # Each form its own name: the Swedish-Excel CSV ends in -excel.csv.
    name = f"ppss-{rid or 'alla'}-{stamp}{'-excel' if format == 'csv-sv' else ''}.{suffix}"
    _log.info("web_exported", format=format, round=rid, events=count)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(64 * 1024):
                yield block
        finally:
            spool.close()

    return StreamingResponse(
        chunks(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
