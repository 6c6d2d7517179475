"""A TypeScript app's calls type-check against types generated from the published schema.

openapi-typescript (pinned in package.json, installed by `make test`) turns the served
/api/v1/openapi.json into types; `tsc --strict --noEmit` then checks docs/examples/purchase.ts,
which makes the purchase calls by operationId (sign up by SMS code, profile, address, cart,
an order for someone else, payment, orders, the invoice PDF). It is not run: the Python
generated-client test runs the same flow against a live server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from metavast.core.tests.test_api_schema_lint import ROOT, npx

EXAMPLE = ROOT / "docs" / "examples" / "purchase.ts"
TSC = ("tsc", "--noEmit", "--strict", "--target", "es2022", "--module", "esnext")
TSC_OPTIONS = (*TSC, "--moduleResolution", "bundler", "--lib", "es2022,dom")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("npm") is None,
        reason="npm is not installed: `make test` installs the API tools with npm ci",
    ),
]


@pytest.fixture
def typed_project(client, tmp_path) -> Path:
    schema = tmp_path / "openapi.json"
    schema.write_text(
        json.dumps(client.get("/api/v1/openapi.json").json(), ensure_ascii=False),
        encoding="utf-8",
    )
    generate = npx(
        "openapi-typescript",
        str(schema),
        "--default-non-nullable",
        "false",
        "-o",
        str(tmp_path / "metavast-api.d.ts"),
    )
    assert generate.returncode == 0, generate.stdout + generate.stderr
    return tmp_path


def test_the_typescript_example_type_checks_against_the_generated_types(typed_project):
    shutil.copy(EXAMPLE, typed_project / "purchase.ts")
    run = npx(*TSC_OPTIONS, str(typed_project / "purchase.ts"))
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_call_that_does_not_match_the_schema_fails_the_type_check(typed_project):
    source = EXAMPLE.read_text(encoding="utf-8")
    broken = source.replace("idempotency_key: idempotencyKey", "idempotencyKey")
    broken = broken.replace("this.token = tokens.access;", "this.token = tokens.access_token;")
    assert "idempotency_key" not in broken and "access_token" in broken
    (typed_project / "purchase.ts").write_text(broken, encoding="utf-8")
    run = npx(*TSC_OPTIONS, str(typed_project / "purchase.ts"))
    assert run.returncode != 0
    assert "'idempotencyKey' does not exist in type" in run.stdout, run.stdout
    assert "Property 'access_token' does not exist" in run.stdout, run.stdout
