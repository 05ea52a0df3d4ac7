"""``/openapi.json`` as a generated client needs it, for every route (present and future).

FastAPI's own document is refined in one place, after all routes are known:

* every error answer (4xx/5xx) declares the :class:`Problem` schema under
  ``application/problem+json``, the one media type the server sends for errors (FastAPI
  puts the model under ``application/json``, which is never sent, and leaves the problem
  media type empty), with every field a problem carries (``rule`` included);
* a ``bearer`` security scheme, and ``security`` plus a documented 401 on every ``/api/``
  operation (each needs ``Authorization: Bearer TOKEN``);
* readable, stable operationIds made from the endpoint's name (``api_board`` on GET is
  ``getBoard``; ``api_open_round`` on POST is ``openRound``), and a tag per area;
* an example body for every command (:func:`example_for`), valid for its model.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

__all__ = ["PROBLEM_MEDIA_TYPE", "Problem", "example_for", "install_openapi", "refine"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_SCHEME = "bearer"

#: Tags by the start of the path: what a client's generator groups operations by.
TAGS: tuple[tuple[str, str, str], ...] = (
    ("/api/v1/commands/", "commands", "Commands of the engine, one POST each (its body is "
                                      "the command)."),
    ("/api/v1/", "rounds", "Rounds, boards, projects and payments."),
    ("/healthz", "health", "Whether the service answers."),
)  # fmt: skip


class ReasonData(BaseModel):
    """What is wrong as data: a reason's code and its typed parameters (``detail`` says it in
    the reader's language). A parameter is a plain value, or an object that says its type:
    ``{"kr": 1000}``, ``{"date": "2014-05-02"}``, ``{"named": "condition", "code": "..."}``,
    ``{"reason": {...}}`` or ``{"list": [...]}``."""

    code: str
    params: dict[str, Any]


class Problem(BaseModel):
    """RFC 9457 problem details, as every error answer carries them."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    #: The rule of the round that refused a command (409), when one did.
    rule: str | None = None
    #: The reason behind ``detail`` as data, when the answer has one.
    reason: ReasonData | None = None


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) answer the refined document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = refine(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def refine(schema: dict[str, Any]) -> dict[str, Any]:
    """The document with problem answers, security, operationIds, tags and examples."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    components["securitySchemes"] = {
        _SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `ppss token create`.",
        }
    }
    used: set[str] = set()
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            name = _endpoint_name(operation.get("operationId", ""), method, path)
            operation["operationId"] = _operation_id(name, method, path, used)
            operation["tags"] = [_tag(path)]
            responses = operation.setdefault("responses", {})
            if path.startswith("/api/"):
                operation["security"] = [{_SCHEME: []}]
                responses.setdefault("401", {"description": "Unauthorized"})
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    response["content"] = {
                        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
                    response["description"] = _DESCRIPTIONS.get(status, response.get(
                        "description", "Error"))  # fmt: skip
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and method == "post":
                example = example_for(body.get("schema", {}), schemas)
                if example is not None:
                    body["example"] = example
    schema["tags"] = [{"name": name, "description": text} for _, name, text in TAGS]
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and unused not in str(schema.get("paths")):
            del schemas[unused]
    return schema


_DESCRIPTIONS = {
    "401": "No token, or a revoked one (send Authorization: Bearer TOKEN)",
    "403": "The token's role may not do this",
    "404": "No such round, project or district (for this token)",
    "409": "A rule of the round does not allow it now (its code in `rule`)",
    "422": "The request is not well formed",
}


def _endpoint_name(generated: str, method: str, path: str) -> str | None:
    """The endpoint's name inside FastAPI's generated id (``{name}{path}_{method}`` with
    every non-word character as ``_``); None if the id is not one FastAPI made."""
    suffix = re.sub(r"\W", "_", path) + "_" + method
    if generated.endswith(suffix) and len(generated) > len(suffix):
        return generated[: -len(suffix)]
    return None


def _camel(words: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", words) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _operation_id(name: str | None, method: str, path: str, used: set[str]) -> str:
    """``api_board`` (GET) -> ``getBoard``; ``api_open_round`` (POST) -> ``openRound``; a
    name met twice (or none) falls back to method and path, so ids stay unique and stable."""
    base = re.sub(r"^api_", "", name or "")
    words = _camel(base if method != "get" or base.startswith("get") else f"get_{base}")
    candidate = words[:1].lower() + words[1:]
    if not candidate or candidate in used:
        words = _camel(f"{method}_{path}")
        candidate = words[:1].lower() + words[1:]
    used.add(candidate)
    return candidate


def _tag(path: str) -> str:
    for prefix, name, _ in TAGS:
        if path.startswith(prefix):
            return name
    return "other"


#: Example values by field name: the demo's round and district, so an example sent to the
#: demo does something.
_BY_NAME: dict[str, Any] = {
    "round_id": "ppss-2014",
    "district": "Farsta",
    "payment_reference": "UTB-2014-001",
    "email": "projektledare@example.org",
    "title": "Stöd till skolsociala insatser 2014",
    "year": 2014,
    "policy": "ppss-2014",
    "file_name": "ansokan.pdf",
    "media_type": "application/pdf",
    "size_bytes": 52_000,
    "sha256": "0" * 64,
}


def example_for(
    schema: dict[str, Any], schemas: dict[str, Any], name: str = "", depth: int = 0
) -> Any:
    """A value for ``schema``: its own example or default if it has one, else one made from
    its type (the demo's round and district for those names; required fields only)."""
    if depth > 6:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return example_for(schemas.get(ref.rsplit("/", 1)[-1], {}), schemas, name, depth + 1)
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(key, ()) if s.get("type") != "null"]
        if options:
            return example_for(options[0], schemas, name, depth + 1)
    kind = schema.get("type")
    if name in _BY_NAME and kind in ("string", "integer", "number", None):
        return _BY_NAME[name]
    if kind == "object":
        props = schema.get("properties", {})
        return {
            key: example_for(props[key], schemas, key, depth + 1)
            for key in schema.get("required", ())
            if key in props
        }
    if kind == "array":
        item = example_for(schema.get("items", {}), schemas, name, depth + 1)
        low = schema.get("minItems", 1)
        return [item] * max(1, low)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return date(2014, 9, 30).isoformat()
        if fmt == "date-time":
            return "2014-09-30T12:00:00+02:00"
        low = schema.get("minLength", 1)
        return "exempel".ljust(low, "x")[: schema.get("maxLength", 200)]
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(low, 100_000 if name.endswith("_sek") else 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return None
