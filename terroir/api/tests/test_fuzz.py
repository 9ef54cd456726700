"""The OpenAPI document fuzzed with schemathesis: for every operation, generated requests (valid and
invalid) never get a 500, and every response conforms to the document (status, headers, body).

One built-in check is left out: "schema-valid data is accepted". The document cannot say that a
category slug must exist or that opening hours must parse, so such requests rightly get a 400 (in the
documented error shape, which the other checks do verify).

Bounded (derandomised, a fixed number of examples per operation) so that the suite stays fast and
repeatable; writes are made with a key of scope "write" of the cheese farm's manager.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from terroir.accounts.services import api_token_create
from terroir.directory.editing import version_of
from terroir.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = 15


@pytest.fixture
def _connections_kept() -> Any:
    """schemathesis calls the WSGI application itself, whose end-of-request signal closes database
    connections: that would close the test's transaction (PostgreSQL). Django's test client does the
    same disconnection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(people: Any, settings: Any, _connections_kept: None) -> str:
    settings.TERROIR_RATE_LIMITS = {k: "1000000/60" for k in settings.TERROIR_RATE_LIMITS}
    _token, key = api_token_create(user=people.claire, name="fuzz", scope="write")
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_and_keeps_to_its_document(case: Any, write_key: str, territory: Any) -> None:
    headers = {"Authorization": f"Bearer {write_key}"}
    if case.method == "PATCH" and case.meta is not None and not case.meta.generation.mode.is_negative:
        # Valid bodies go all the way to the database: an entry the key may change, its current ETag.
        # (Invalid ones are left as generated: schemathesis expects them refused, and they are.)
        name = "place_id" if "{place_id}" in case.operation.path else "producer_id"
        entry = territory.farm_shop if name == "place_id" else territory.cheese_farm
        entry.refresh_from_db()
        case.path_parameters = {name: entry.pk}
        headers["If-Match"] = f'"{version_of(entry)}"'
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
