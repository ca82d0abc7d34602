"""One trace id links a customer's accept request to the coupon minted in another process.

A platform of its own (the shared one runs without tracing), every process exporting to a tiny OTLP
receiver in this test: gateway (its request, then its forwarding client) → valuation (accept) → outbox →
relay → broker → coupon's consumer → the INSERT of the coupon. The caller's own traceparent is continued, so the id a client (or the gateway's
answer) shows is the id an operator searches for.
"""

import importlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from catalog.seed.__main__ import sample_imei
from eventing.testing import poll
from launcher.testing import RunningStack

helpers = importlib.import_module("tests.e2e.helpers")
receiver_module = importlib.import_module("tests.observability.otlp_receiver")

FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, Any]]:
    receiver = receiver_module.OtlpReceiver().start()
    running = RunningStack(tmp_path_factory.mktemp("traced"))
    # Export batches every 200 ms rather than 5 s, so the test waits for the platform, not for a timer.
    running.stack.extra_env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    try:
        running.start_all()
        yield running, receiver
    finally:
        running.stop_all()
        receiver.stop()


def test_one_trace_runs_from_the_accept_request_to_the_coupon_minted(traced: tuple[RunningStack, Any]) -> None:
    running, receiver = traced
    account = "acc-traced-1"
    trace_id = secrets.token_hex(16)
    with httpx.Client(base_url=running.gateway_url, timeout=10) as api:
        body = {"imei": sample_imei("samsung-galaxy-m31-6gb-64gb", 8101), "condition": FLAWLESS}

        def quoted() -> dict[str, Any] | None:
            response = api.post("/api/v1/quotes", json=body, headers=helpers.bearer(account))
            return response.json() if response.status_code == 201 else None

        quote = poll(quoted, timeout=90, interval=0.3)  # the catalog's seed reaches valuation by events
        accepted = api.post(
            f"/api/v1/quotes/{quote['id']}/accept",
            headers=helpers.bearer(account) | {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
        assert accepted.status_code == 201, accepted.text
        # The answer names the caller's trace: what a client quotes to support is what the operator finds.
        assert accepted.headers["traceparent"].split("-")[1] == trace_id
        coupons = poll(lambda: api.get("/api/v1/me/coupons", headers=helpers.bearer(account)).json()["items"], timeout=60, interval=0.2)
        code = coupons[0]["code"]
        lookup_trace = secrets.token_hex(16)
        looked_up = api.get(f"/api/v1/coupons/{code}", headers=helpers.bearer(account) | {"traceparent": f"00-{lookup_trace}-{secrets.token_hex(8)}-01"})
        assert looked_up.status_code == 200

    def linked() -> list[Any] | None:
        spans = receiver.trace(trace_id)
        gateway = [s for s in spans if s.service == "gateway" and s.kind == "SERVER"]
        accept = [s for s in spans if s.service == "valuation" and s.kind == "SERVER" and s.name.endswith("/accept")]
        consumed = [s for s in spans if s.service == "coupon" and s.kind == "CONSUMER"]
        minted = [s for s in spans if s.service == "coupon" and inserts_a_coupon(s)]
        return spans if gateway and accept and consumed and minted else None

    spans = poll(linked, timeout=60, interval=0.3)
    by_id = {span.span_id: span for span in spans}
    accept = next(s for s in spans if s.service == "valuation" and s.kind == "SERVER" and s.name.endswith("/accept"))
    gateway = next(s for s in spans if s.service == "gateway" and s.kind == "SERVER")
    # The service's span is the child of the gateway's forwarding (CLIENT) span, itself inside the gateway's
    # request: the forwarded traceparent is the CLIENT span's.
    forwarded = by_id[accept.parent_span_id]
    assert (forwarded.service, forwarded.kind, forwarded.parent_span_id) == ("gateway", "CLIENT", gateway.span_id)
    assert accept.name == "POST /api/v1/quotes/{quote_id}/accept"  # the route template, never a raw id
    # The mint is inside the consumer's span, which continues the event the relay published.
    minted = next(s for s in spans if s.service == "coupon" and inserts_a_coupon(s))
    chain = []
    current = minted
    while current.parent_span_id in by_id:
        current = by_id[current.parent_span_id]
        chain.append((current.service, current.kind))
    assert ("coupon", "CONSUMER") in chain and ("valuation", "SERVER") in chain, chain
    # Statements are exported with placeholders, never the values bound to them (IMEIs, coupon codes).
    assert sample_imei("samsung-galaxy-m31-6gb-64gb", 8101) not in str([s.attributes for s in spans])

    # A coupon code in a path is masked in the spans as in the logs (only its last group is kept).
    def lookup_spans() -> list[Any] | None:
        spans = receiver.trace(lookup_trace)
        services = {(s.service, s.kind) for s in spans}
        return spans if {("gateway", "SERVER"), ("gateway", "CLIENT"), ("coupon", "SERVER")} <= services else None

    looked = poll(lookup_spans, timeout=30, interval=0.3)
    exported = str([(s.name, s.attributes) for s in looked])
    assert code not in exported and code.replace("-", "") not in exported
    assert code.split("-")[-1] in exported  # masked, not dropped: the last group still tells codes apart


def inserts_a_coupon(span: Any) -> bool:
    """The SQL span of the mint (opentelemetry-instrumentation-sqlalchemy: `INSERT <database>`, the statement)."""
    statement = str(span.attributes.get("db.statement", ""))
    return span.kind == "CLIENT" and statement.upper().startswith("INSERT INTO COUPONS ")
