"""The merged OpenAPI document partners read, and a schema-driven fuzz of the API through the gateway."""

import importlib
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from smartupgrade_partner.signing import sign_request

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

# Every route of SPEC §4–§7, as the gateway exposes it.
SPEC_ROUTES = {
    ("get", "/api/v1/catalog/models"), ("get", "/api/v1/catalog/models/{model_id}"), ("get", "/api/v1/catalog/devices/{imei}"),
    ("put", "/api/v1/catalog/models/{model_id}"), ("post", "/api/v1/catalog/models/{model_id}/prices"),
    ("post", "/api/v1/plans"), ("get", "/api/v1/plans/preview"), ("get", "/api/v1/plans/{plan_id}"),
    ("get", "/api/v1/plans/{plan_id}/buyback-value"), ("get", "/api/v1/me/plans"), ("post", "/api/v1/plans/{plan_id}/cancel"),
    ("post", "/api/v1/quotes"), ("get", "/api/v1/quotes/{quote_id}"), ("post", "/api/v1/quotes/{quote_id}/accept"),
    ("get", "/api/v1/exchanges/{exchange_id}"), ("get", "/api/v1/me/exchanges"), ("post", "/api/v1/exchanges/{exchange_id}/cancel"),
    ("post", "/api/v1/exchanges/{exchange_id}/handover"), ("post", "/api/v1/blocklist"), ("delete", "/api/v1/blocklist/{imei}"),
    ("put", "/api/v1/market-prices/{model_id}"),
    ("get", "/api/v1/me/coupons"), ("get", "/api/v1/coupons/{code}"), ("post", "/api/v1/coupons/{code}/redemptions"),
    ("post", "/api/v1/coupons/{code}/redemptions/{redemption_id}/release"), ("get", "/api/v1/coupons/{code}/events"),
}


def merged_document(api: httpx.Client) -> dict[str, Any]:
    def complete() -> dict[str, Any] | None:
        document = api.get("/api/v1/openapi.json").json()
        listed = {(method, path) for path, ops in document["paths"].items() for method in ops}
        return document if SPEC_ROUTES <= listed else None

    return conftest.poll(complete, timeout=30)


def test_the_merged_document_lists_every_route_and_is_valid_openapi_3(api) -> None:
    document = merged_document(api)
    validate(document)
    assert {"customer", "partnerKey", "partnerSignature"} <= document["components"]["securitySchemes"].keys()
    assert "Problem" in document["components"]["schemas"]
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/api/v1/quotes" in docs.text


class PartnerSignature(requests.auth.AuthBase):
    """Signs each request as a dev partner, over the bytes actually sent."""

    def __init__(self, kind: str) -> None:
        self.partner = helpers.PARTNERS[kind]

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        assert isinstance(body, bytes) and request.method is not None, "schemathesis sends a method and the whole body"
        request.headers.update(sign_request(self.partner["key_id"], self.partner["secret"], request.method, request.path_url, body))
        return request


def sessions() -> dict[str, requests.Session]:
    made = {}
    for name, headers in {"customer": helpers.bearer("acc-fuzz"), "ops": helpers.bearer("ops-fuzz", "ops")}.items():
        made[name] = requests.Session()
        made[name].headers.update(headers)
    for kind in ("retailer", "logistics", "checkout"):
        made[kind] = requests.Session()
        made[kind].auth = PartnerSignature(kind)
    return made


@pytest.mark.runs_last
def test_no_principal_gets_a_server_error_or_a_response_outside_the_schema(api, stack) -> None:
    schema = schemathesis.openapi.from_dict(merged_document(api))
    base_url = f"http://127.0.0.1:{stack.gateway_port}"
    principals = sessions()
    failures = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
        def exercise(case: Case) -> None:
            for session in principals.values():
                case.call_and_validate(base_url=base_url, session=session, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])

        try:
            exercise()
        except KeyboardInterrupt:
            raise
        except BaseException as failure:  # collect every operation's failure (schemathesis raises exception groups)
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)
