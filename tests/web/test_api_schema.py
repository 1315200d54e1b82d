"""The API against its own OpenAPI document, with generated input (schemathesis): no server errors,
and every answer has a status, content type and body the document describes.

Schemathesis' pytest plugin does not run on pytest 9 yet, so each operation's strategy is driven
by hypothesis directly.
"""
from datetime import timedelta

import pytest
import schemathesis
from builders import make_event, make_user, register
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from eventapp.database import utcnow
from eventapp.services.api_tokens import create_token
from eventapp.web.api.openapi import document

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(path, method) for path, operations in sorted(document()["paths"].items()) for method in operations
              if path != "/openapi.json"]  # no input to vary
EXAMPLES = 20


@pytest.fixture
def organiser_token(app):
    """An organiser's token, and an event with registrations for the generated calls to find."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), slug="konferens", starts_at=now - timedelta(minutes=5),
                           registration_deadline=now - timedelta(hours=1))
        for n in range(3):
            register(event, now - timedelta(days=2), n=n)
        make_user("organiser@example.org", "organiser")
        return create_token("organiser@example.org", now=now)[1]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_the_api_keeps_to_its_document(app, organiser_token, path, method, mode):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method.upper()]
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    known_event = {"slug": "konferens"} if "{slug}" in path and mode == GenerationMode.POSITIVE else None

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=known_event)
           if known_event else operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    def call(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {organiser_token}"}, checks=checks)

    call()
