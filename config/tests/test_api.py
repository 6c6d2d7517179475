"""The API as a whole: one error shape, and a schemathesis run over the full schema.

The schemathesis test grows with every endpoint: it fails on any 5xx, and on any
response whose status or body the OpenAPI schema does not describe.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from metavast.storefront.demo import seed_pages

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def demo_pages(db, wsgi_keeps_test_connection):
    seed_pages()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, demo_pages):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema_json = client.get("/api/v1/openapi.json").json()
    assert schema_json["info"]["title"] == "Metavast API"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200


@pytest.mark.django_db
def test_not_found_has_the_one_error_shape(client):
    response = client.get("/api/v1/pages/no-such-page")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "پیدا نشد.", "fields": {}}


@pytest.mark.django_db
def test_unknown_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
