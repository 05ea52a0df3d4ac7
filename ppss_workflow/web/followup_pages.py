"""The December report (delrapport) and the closing comparative analysis on the web: each a
printable page (the site's print style: no header, no forms) and an xlsx download, for the
coordinator, the steering group and the auditor. Small numbers are suppressed before
anything is shown (:mod:`policies.followup`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ppss_workflow.errors import WEB_NOT_A_YEAR, InvalidCommand
from ppss_workflow.followup_reports import (
    Document,
    analysis_document,
    analysis_rows,
    december_document,
    legend,
    text_rows,
    xlsx_of,
)
from ppss_workflow.i18n import N_
from ppss_workflow.web import pages
from ppss_workflow.web.render import Forbidden, render, tr_for

__all__ = ["READERS", "router"]

router = APIRouter(include_in_schema=False)

#: Who reads the city's follow-up documents (a district reads its own project's pages).
READERS = ("coordinator", "steering_group", "auditor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may(request: Request) -> None:
    principal = pages.reader(request)
    if principal.role not in READERS:
        raise Forbidden(
            N_("Only the coordinator, the steering group and auditors read the follow-up reports.")
        )


def _year(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise InvalidCommand(
            f"year {text!r}: write a year, e.g. 2014", reason=WEB_NOT_A_YEAR(typed=text)
        )
    return int(text)


def _document(request: Request, round_id: str, which: str, year: str) -> Document:
    r = pages.reads(request)
    rid = r.round(round_id).round_id  # an unknown round: 404
    lang = tr_for(request).lang
    if which == "december":
        return december_document(r, rid, _year(year), lang)
    return analysis_document(r, rid, lang)


def _page(request: Request, round_id: str, which: str, year: str) -> Response:
    _may(request)
    document = _document(request, round_id, which, year)
    tr = tr_for(request)
    sections = []
    for section in document.sections:
        if section.analysis is not None:
            lines = analysis_rows(section.analysis, tr)
            sections.append((section.title, lines, legend(section.analysis, tr), 2))
        elif section.table is not None:
            lines = text_rows(section.table, tr)
            labels = 2 if section.table.by == "school" else 1
            sections.append((section.title, lines, legend(section.table, tr), labels))
    rnd = pages.reads(request).round(round_id)
    query = f"?year={year}" if year else ""
    return render(
        request,
        "followup_report.html",
        round=rnd,
        document=document,
        sections=sections,
        xlsx=f"/rounds/{rnd.round_id}/reports/{which}.xlsx{query}",
    )


def _xlsx(request: Request, round_id: str, which: str, year: str) -> Response:
    _may(request)
    document = _document(request, round_id, which, year)
    data = xlsx_of(document, tr_for(request).lang)
    name = f"{'delrapport' if which == 'december' else 'jamforande-analys'}-{round_id}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/rounds/{round_id}/reports/december", response_class=HTMLResponse)
async def december_page(
    request: Request, round_id: str, year: Annotated[str, Query(max_length=4)] = ""
) -> Response:
    """The December report as a printable page."""
    return await run_in_threadpool(_page, request, round_id, "december", year)


@router.get("/rounds/{round_id}/reports/december.xlsx")
async def december_xlsx(
    request: Request, round_id: str, year: Annotated[str, Query(max_length=4)] = ""
) -> Response:
    """The December report as a workbook."""
    return await run_in_threadpool(_xlsx, request, round_id, "december", year)


@router.get("/rounds/{round_id}/reports/analysis", response_class=HTMLResponse)
async def analysis_page(request: Request, round_id: str) -> Response:
    """The closing comparative analysis as a printable page."""
    return await run_in_threadpool(_page, request, round_id, "analysis", "")


@router.get("/rounds/{round_id}/reports/analysis.xlsx")
async def analysis_xlsx(request: Request, round_id: str) -> Response:
    """The closing comparative analysis as a workbook."""
    return await run_in_threadpool(_xlsx, request, round_id, "analysis", "")
