"""The OpenAPI 3.1 document at /api/v1/openapi.json, assembled from what each API module adds.

A module describes its own operations next to its views::

    openapi.add_schemas({"Invoice": {...}})
    openapi.add_paths({"/invoices/{number}": {"get": {...}}})

Paths are relative to /api/v1 (the document's server). ``responses(...)`` adds the error
responses every operation shares.
"""
import copy

from flask import jsonify

from . import bp

_paths: dict[str, dict] = {}
_schemas: dict[str, dict] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable: validation_failed, "
                                                          "not_found, unauthorized, forbidden, …"},
                "message": {"type": "string", "description": "For people, in the request's language."},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                           "description": "Messages per input field."},
            },
        }
    },
}

_ERROR_DESCRIPTIONS = {
    "400": "The request could not be understood (a body that is not a JSON object, a NUL character)",
    "401": "No valid bearer token",
    "403": "The account's role does not allow this",
    "404": "Not found",
    "409": "A rule does not allow this now",
    "422": "Invalid input; the error lists the fields",
    "429": "Too many requests",
}


def add_paths(paths: dict[str, dict]) -> None:
    """Describe operations; a path given again gets the new methods added."""
    for path, operations in paths.items():
        _paths.setdefault(path, {}).update(operations)


def add_schemas(schemas: dict[str, dict]) -> None:
    """Add named schemas under components/schemas (refer to them as #/components/schemas/<Name>)."""
    _schemas.update(schemas)


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def responses(ok: dict, *errors: int) -> dict:
    """``ok`` ({status: (description, schema)}) plus the listed error statuses and 400/401/429."""
    described = {str(status): {"description": description, "content": json_content(schema)}
                 for status, (description, schema) in ok.items()}
    for status in sorted({400, 401, 429, *errors}):
        described[str(status)] = {"description": _ERROR_DESCRIPTIONS[str(status)],
                                  "content": json_content(ref("Error"))}
    return described


def document() -> dict:
    """The whole document, as served."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eventapp API",
            "version": "1",
            "description": "Events, registrations and check-in. Times are ISO 8601 with a UTC offset; "
                           "money is in öre (1 kr = 100 öre). Create a token with "
                           "`flask --app eventapp tokens create EMAIL`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": copy.deepcopy(_paths),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, **copy.deepcopy(_schemas)},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document())


add_paths({"/openapi.json": {"get": {
    "summary": "This document", "operationId": "openapi", "security": [],
    "responses": {"200": {"description": "The OpenAPI document", "content": json_content({"type": "object"})}},
}}})
