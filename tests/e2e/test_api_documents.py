"""The API documents through the gateway: Swagger UI served offline, the AsyncAPI document, and an OpenAPI
document whose per-operation callers, Idempotency-Key and problem codes are what the routes really do."""

import importlib
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.asyncapi import document as asyncapi_document

helpers = importlib.import_module("tests.e2e.helpers")
openapi_tests = importlib.import_module("tests.e2e.test_openapi")

# Writes of SPEC that take no body (the path says it all).
UNBODIED = {("post", "/api/v1/plans/{plan_id}/cancel"), ("post", "/api/v1/exchanges/{exchange_id}/cancel"), ("post", "/api/v1/coupons/{code}/redemptions/{redemption_id}/release")}
CALLERS = ("anonymous", "customer", "ops", "retailer", "logistics", "checkout")
PARTNER_KINDS = ("retailer", "logistics", "checkout")


def test_the_docs_page_loads_every_file_from_the_gateway_under_a_self_only_policy(api: httpx.Client) -> None:
    page = api.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and script_src.group(1).strip() == "'self'", policy  # no inline or third-party script
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assets = [url for url in referenced if not url.endswith(".json") and url != "/docs"]
    assert len(assets) >= 4 and all(url.startswith("/api/v1/docs/") for url in assets), referenced  # nothing from a CDN
    for url in assets:
        asset = api.get(url)
        assert asset.status_code == 200 and len(asset.content) > 0, url
    assert "SwaggerUIBundle" in api.get("/api/v1/docs/swagger-ui-bundle.js").text
    assert "/api/v1/openapi.json" in api.get("/api/v1/docs/start.js").text
    missing = api.get("/api/v1/docs/nothing.js")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_asyncapi_document_is_served_as_generated_from_the_contracts(api: httpx.Client) -> None:
    served = api.get("/api/v1/asyncapi.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert served.json() == asyncapi_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items() if isinstance(op, dict)]


def admitted_by(security: list[dict[str, list[str]]]) -> set[str]:
    """The callers an operation's security requirements let in (an empty requirement: anyone)."""
    admitted: set[str] = set()
    for requirement in security:
        if not requirement:
            admitted |= set(CALLERS)
        if "customer" in requirement:
            admitted |= {"ops"} if requirement["customer"] == ["ops"] else {"customer", "ops"}
        if "partnerKey" in requirement:
            admitted |= set(requirement["partnerKey"] or PARTNER_KINDS)
    return admitted


def call(api: httpx.Client, caller: str, method: str, path: str, headers: dict[str, str] | None = None, later: int = 0) -> httpx.Response:
    """One request as `caller`, with no body; a 429 is waited out (its Retry-After) and signed afresh.

    A partner's repeat of the same request is signed `later` seconds on: a signature is accepted once.
    """
    deadline = time.monotonic() + 60
    while True:
        if caller in PARTNER_KINDS:
            response = helpers.as_partner(api, caller, method.upper(), path, headers=headers, now=time.time() + later)
        else:
            auth = {} if caller == "anonymous" else helpers.bearer(f"acc-docs-{caller}", *(["ops"] if caller == "ops" else []))
            response = api.request(method.upper(), path, headers={**auth, **(headers or {})})
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        time.sleep(float(response.headers.get("retry-after", "1")))


def _hidden(response: httpx.Response) -> bool:
    """servicekit.principal's guards' answer to a caller they do not admit: as if the route did not exist."""
    return response.status_code == 404 and response.json()["detail"] == "Not found."


def test_each_operation_lets_in_exactly_the_callers_its_security_names(api: httpx.Client) -> None:
    document = openapi_tests.merged_document(api)
    wrong = []
    for method, path, operation in operations(document):
        if {} in operation["security"] and len(operation["security"]) > 1:
            wrong.append(f"{method.upper()} {path}: its guard does not declare whom it admits (servicekit.principal.admits)")
            continue
        admitted = admitted_by(operation["security"])
        target = re.sub(r"\{[^}]+\}", "x1", path)
        for caller in CALLERS:
            response = call(api, caller, method, target)
            if caller == "anonymous" and "anonymous" not in admitted:
                ok = response.status_code == 401 and response.json()["code"] == "unauthorized"
            elif caller not in admitted:
                ok = response.status_code == 404 and response.json()["code"] == "not_found"
            else:  # let in: whatever the use case answers, it is not the guard's refusal
                ok = response.status_code != 401 and not (admitted != set(CALLERS) and _hidden(response))
            if not ok:
                wrong.append(f"{method.upper()} {path} as {caller} (documented: {sorted(admitted)}): {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_the_operations_documenting_an_idempotency_key_replay_a_repeated_request(api: httpx.Client) -> None:
    document = openapi_tests.merged_document(api)
    checked = 0
    for method, path, operation in operations(document):
        documented = any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", []))
        if method != "post" or operation.get("requestBody", {}).get("required"):
            continue  # a request without its required body is refused before the key is looked at
        caller = next(c for c in ("customer", "ops", *PARTNER_KINDS) if c in admitted_by(operation["security"]))
        target, key = re.sub(r"\{[^}]+\}", "x1", path), {"Idempotency-Key": f"docs-{method}-{path}"}
        # Signed 2 and 3 s ahead: the test above sent this same bodiless request as a partner a moment ago, and a
        # partner signature is accepted once (the same second would be a replay, answered 401).
        first, again = call(api, caller, method, target, key, later=2), call(api, caller, method, target, key, later=3)
        assert first.status_code == again.status_code, path
        assert (again.headers.get("idempotent-replayed") == "true") == documented, f"{path}: documented {documented}, answered {dict(again.headers)}"
        checked += documented
    assert checked >= 3


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("post", "/api/v1/plans", 409, "imei_already_enrolled"),
        ("post", "/api/v1/plans", 422, "invoice_date_out_of_range"),
        ("post", "/api/v1/coupons/{code}/redemptions", 409, "coupon_already_redeemed"),
        ("post", "/api/v1/coupons/{code}/redemptions", 409, "idempotency_key_in_flight"),
        ("post", "/api/v1/quotes", 503, "pricing_unavailable"),
        ("get", "/api/v1/catalog/models", 429, "rate_limited"),
        ("get", "/api/v1/catalog/models", 422, "validation_error"),
    ],
)
def test_error_responses_list_their_codes_with_an_example_of_each(api: httpx.Client, method: str, path: str, status: int, code: str) -> None:
    operation = openapi_tests.merged_document(api)["paths"][path][method]
    problem = operation["responses"][str(status)]["content"]["application/problem+json"]
    assert code in problem["schema"]["allOf"][1]["properties"]["code"]["enum"]
    assert problem["examples"][code]["value"]["code"] == code and problem["examples"][code]["value"]["status"] == status


def test_every_request_body_and_success_response_has_an_example(api: httpx.Client) -> None:
    document = openapi_tests.merged_document(api)
    schemas = document["components"]["schemas"]

    def example_of(media: dict[str, Any]) -> bool:
        schema = media.get("schema", {})
        named = [schemas.get(option.get("$ref", "").rsplit("/", 1)[-1], {}) for option in [schema, *schema.get("anyOf", [])]]
        return bool(media.get("examples") or media.get("example") or schema.get("examples") or any(n.get("examples") for n in named))

    missing = []
    for method, path, operation in operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and not example_of(body):
            missing.append(f"{method.upper()} {path} request")
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media is not None and not example_of(media):
                missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing
    # The SPEC's request bodies carry examples written with their models (a made-up one is under "example").
    written = {(m, p) for m, p, op in operations(document) if "requestBody" in op and "example" not in op["requestBody"]["content"]["application/json"]}
    assert written >= {route for route in openapi_tests.SPEC_ROUTES if route[0] in ("put", "post")} - UNBODIED


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless chromium on this machine")
def test_swagger_ui_renders_every_operation_in_a_browser_under_the_pages_policy(api: httpx.Client, tmp_path: Path) -> None:
    openapi_tests.merged_document(api)  # the services' documents have arrived
    rendered = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}", "--virtual-time-budget=20000",
         "--dump-dom", f"{api.base_url}/api/v1/docs"],
        capture_output=True, text=True, timeout=120,
    )
    dom = rendered.stdout
    assert 'class="swagger-ui' in dom, rendered.stderr[-2000:]
    assert dom.count("opblock-summary-path") >= len(openapi_tests.SPEC_ROUTES) and "/api/v1/quotes/{quote_id}/accept" in dom
