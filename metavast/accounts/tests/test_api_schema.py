"""Schemathesis over the signed-in part of the accounts API, with a real bearer token.

config/tests/test_api.py fuzzes the whole schema anonymously; this adds the /me endpoints
as an app would call them, so their 2xx bodies and every declared error are exercised.
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
from metavast.accounts.services.tokens import app_session_start
from metavast.accounts.tests.conftest import make_user

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex=r"^/api/v1/accounts/me"
)


@pytest.fixture
def access_token(db, wsgi_keeps_test_connection):
    user = make_user(email="sara@example.com")
    return app_session_start(user=user, method="test", user_agent="schemathesis", ip=None).access


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_signed_in_accounts_api_conforms_to_its_schema(case, access_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {access_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
