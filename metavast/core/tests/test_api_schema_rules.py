"""The published API schema keeps the promises apps build on (issue 19, config/api.py).

Client generators read /api/v1/openapi.json as it is served, so these tests read it the same
way: stable operation ids, a runnable example for every request body, `security` on every
operation, the one error shape for every 4xx, a declared binary PDF, no dead components.
"""

from __future__ import annotations

import json
import re

import pytest

import config.api  # noqa: F401  (mounts every router, so every InputSchema is defined)
from metavast.core.schemas import InputSchema

pytestmark = pytest.mark.django_db

# The contract with every generated client: a method is named after its operation id, so a
# change here breaks apps. Add new ids; rename or remove one only with a new API version.
OPERATION_IDS = {
    "accounts_change_email",
    "accounts_change_mobile",
    "accounts_confirm_email",
    "accounts_confirm_mobile",
    "accounts_create_address",
    "accounts_delete_address",
    "accounts_get_address",
    "accounts_get_contacts",
    "accounts_get_profile",
    "accounts_list_addresses",
    "accounts_list_provinces",
    "accounts_list_sessions",
    "accounts_refresh_tokens",
    "accounts_request_code",
    "accounts_request_password_reset",
    "accounts_request_stepup_code",
    "accounts_reset_password_with_code",
    "accounts_revoke_other_sessions",
    "accounts_revoke_session",
    "accounts_set_landline",
    "accounts_set_password",
    "accounts_sign_in",
    "accounts_sign_out",
    "accounts_sign_up",
    "accounts_update_address",
    "accounts_update_profile",
    "accounts_verify_code",
    "cart_add_line",
    "cart_apply_discount_code",
    "cart_get",
    "cart_remove_discount_code",
    "cart_remove_line",
    "cart_set_line_quantity",
    "catalog_get_product",
    "catalog_list_categories",
    "catalog_list_products",
    "checkout_list_shipping_methods",
    "checkout_place_order",
    "consent_get_marketing",
    "consent_set_marketing",
    "invoices_download_pdf",
    "invoices_list",
    "orders_cancel",
    "orders_get",
    "orders_list",
    "pages_get",
    "pages_list",
    "payments_get_status",
    "payments_start",
    "privacy_cancel_erasure",
    "privacy_get_erasure",
    "privacy_list_data_copies",
    "privacy_request_data_copy",
    "privacy_request_erasure",
    "reviews_ask_question",
    "reviews_list",
    "reviews_list_questions",
    "reviews_post",
    "reviews_report",
    "reviews_vote",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def input_schemas() -> dict[str, type[InputSchema]]:
    """Every request schema by its class name, the name its component has."""
    found: dict[str, type[InputSchema]] = {}
    todo = list(InputSchema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        assert found.get(cls.__name__, cls) is cls, f"two request schemas named {cls.__name__}"
        found[cls.__name__] = cls
    return found


def test_operation_ids_are_the_frozen_readable_list(schema):
    ids = [op["operationId"] for _, op in operations(schema)]
    assert len(ids) == len(set(ids)), "an operation id is used twice"
    assert set(ids) == OPERATION_IDS
    for name, operation in operations(schema):
        tag = operation["tags"][0]
        assert re.fullmatch(rf"{tag}(_[a-z]+)+", operation["operationId"]), name


def test_every_request_body_has_an_example_its_schema_accepts(schema):
    classes = input_schemas()
    components = schema["components"]["schemas"]
    bodies = 0
    for name, operation in operations(schema):
        if "requestBody" not in operation:
            continue
        bodies += 1
        media = operation["requestBody"]["content"]["application/json"]
        component = media["schema"]["$ref"].rsplit("/", 1)[1]
        example = media.get("example")
        assert example, f"{name}: no example for its body"
        assert set(example) <= set(components[component]["properties"]), name
        # The same validation the endpoint runs; an outdated example fails here.
        classes[component].model_validate(example)
    assert bodies >= 25


def test_every_operation_declares_security_and_client_errors(schema):
    public = set()
    for name, operation in operations(schema):
        assert "security" in operation, name
        if operation["security"] == []:
            public.add(operation["operationId"])
        responses = operation["responses"]
        assert any(code.startswith("4") for code in responses), name
        assert responses["4XX"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
        for code, response in responses.items():
            if code.startswith("4"):
                error_schema = response["content"]["application/json"]["schema"]
                assert error_schema == {"$ref": "#/components/schemas/ErrorOut"}, (name, code)
    # Only reading the catalog and pages, and signing in, are open without credentials.
    assert public == {
        "accounts_confirm_email",
        "accounts_list_provinces",
        "accounts_refresh_tokens",
        "accounts_request_code",
        "accounts_request_password_reset",
        "accounts_reset_password_with_code",
        "accounts_sign_in",
        "accounts_sign_up",
        "accounts_verify_code",
        "catalog_get_product",
        "catalog_list_categories",
        "catalog_list_products",
        "pages_get",
        "pages_list",
        "reviews_list",
        "reviews_list_questions",
    }


def test_public_operations_really_take_no_credentials(client, schema):
    # `security: []` is written for operations without auth; an anonymous call is not a 401.
    for path, item in schema["paths"].items():
        get = item.get("get")
        if get is None or get["security"] != [] or "{" in path:
            continue
        assert client.get(path).status_code == 200, path


def test_the_invoice_pdf_is_declared_as_a_binary_file(schema):
    responses = schema["paths"]["/api/v1/invoices/{invoice_id}/pdf"]["get"]["responses"]
    content = responses["200"]["content"]
    assert set(content) == {"application/pdf", "application/octet-stream"}
    for media in content.values():
        assert media["schema"] == {"type": "string", "format": "binary"}


def test_nested_request_models_have_no_default_object(schema):
    # openapi-python-client drops a model whose nested model property has a default.
    for component in schema["components"]["schemas"].values():
        for prop in component.get("properties", {}).values():
            if "allOf" in prop or "$ref" in prop:
                assert "default" not in prop, prop


def test_every_component_is_used_and_the_document_is_complete(schema):
    text = json.dumps(schema)
    for name in schema["components"]["schemas"]:
        assert text.count(f'"#/components/schemas/{name}"') >= 1, f"{name} is never used"
    assert schema["servers"] and schema["info"]["license"]["name"]


def test_the_pdf_is_served_as_octet_stream_to_a_client_that_asks(client):
    from metavast.accounts.services.tokens import app_session_start
    from metavast.checkout.demo import seed_shipping
    from metavast.invoices.services import invoice_issue_for_order
    from metavast.invoices.tests.factories import paid_order

    seed_shipping()
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    token = app_session_start(
        user=invoice.order.user, method="test", user_agent="pytest", ip=None
    ).access
    url = f"/api/v1/invoices/{invoice.pk}/pdf"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    plain = client.get(url, **auth)
    assert plain["Content-Type"] == "application/pdf" and plain.content.startswith(b"%PDF")
    asked = client.get(url, HTTP_ACCEPT="application/octet-stream", **auth)
    assert asked["Content-Type"] == "application/octet-stream"
    assert asked.content == plain.content


def test_reviews_are_posted_without_a_trailing_slash_and_the_old_path_still_answers(client):
    # Published as /api/v1/reviews (Redocly: no-path-trailing-slash); apps of the first
    # version post to /api/v1/reviews/, which answers the same (here: a 401 without a token).
    for path in ("/api/v1/reviews", "/api/v1/reviews/"):
        response = client.post(path, {}, content_type="application/json")
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
