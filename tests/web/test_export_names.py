"""Each export form downloads under its own file name: the Swedish-Excel CSV is not the
comma CSV's namesake, so both can sit in one folder."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_each_form_has_its_own_file_name(signed_in: Callable[[str | None], TestClient]) -> None:
    client = signed_in("auditor")
    names = {}
    for form in ("csv", "csv-sv", "xlsx", "jsonl"):
        answer = client.get("/audit/exports/download", params={"format": form,
                                                               "round": "ppss-2014"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        names[form] = answer.headers["content-disposition"]
    assert len(set(names.values())) == 4, names
    assert names["csv-sv"].endswith('-excel.csv"')
    assert client.get("/audit/exports/download", params={"format": "csv-sv"}).content.startswith(
        b"\xef\xbb\xbf"
    )
