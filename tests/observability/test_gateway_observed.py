"""What an operator sees of live traffic on the shared platform: the gateway's /metrics (for the scraper
only), its access log (one JSON line per request, with the request id), and per-route figures on both
the gateway and the services, labelled by route template, never by the raw path."""

import json
import os
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from eventing.testing import poll
from launcher.testing import RunningStack

SCRAPER = {"Authorization": f"Bearer {os.environ['METRICS_TOKEN']}"}  # the root conftest.py makes one per session
MODEL = "redmi-9-prime-4gb-64gb"


def samples(text: str, name: str) -> list[dict[str, str]]:
    return [
        dict(sample.labels) | {"value": str(sample.value)}
        for family in text_string_to_metric_families(text) for sample in family.samples if sample.name == name
    ]


def test_the_gateway_serves_metrics_to_the_scraper_only(api: httpx.Client) -> None:
    for refused in (api.get("/metrics"), api.get("/metrics", headers={"Authorization": "Bearer not-the-token"})):
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "http_request_duration_seconds" not in refused.text
    assert api.get("/metrics", headers=SCRAPER).status_code == 200


def test_each_request_is_counted_by_route_on_the_gateway_and_the_service(api: httpx.Client, platform: RunningStack) -> None:
    assert api.get(f"/api/v1/catalog/models/{MODEL}").status_code == 200
    assert api.get(f"/api/v1/no-such-thing/{uuid.uuid4().hex}").status_code == 404

    scraped = api.get("/metrics", headers=SCRAPER).text
    gateway = samples(scraped, "http_request_duration_seconds_count")
    assert any(s["service"] == "gateway" and s["route"] == "catalog" and s["method"] == "GET" and s["status"] == "200" for s in gateway)
    assert any(s["route"] == "unmatched" and s["status"] == "404" for s in gateway)
    assert all("/no-such-thing" not in s["route"] and MODEL not in s["route"] for s in gateway)

    port = platform.stack.service_ports["catalog"]
    catalog = samples(httpx.get(f"http://127.0.0.1:{port}/metrics", headers=SCRAPER, timeout=10).text, "http_request_duration_seconds_count")
    assert any(s["route"] == "/api/v1/catalog/models/{model_id}" and s["status"] == "200" for s in catalog)
    assert all(MODEL not in s["route"] for s in catalog)


def test_the_access_log_has_one_line_per_request_with_its_request_id(api: httpx.Client, platform: RunningStack) -> None:
    request_id = f"access-log-{uuid.uuid4().hex}"
    answered = api.get(f"/api/v1/catalog/models/{MODEL}", headers={"X-Request-ID": request_id})
    assert answered.headers["x-request-id"] == request_id
    refused = api.get("/api/v1/me/coupons", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    refused_id = refused.headers["x-request-id"]  # none was sent: the gateway made one and logs the same

    def lines_for(wanted: str) -> list[dict] | None:
        lines = []
        for raw in (platform.logs / "gateway.log").read_text(errors="replace").splitlines():
            if wanted in raw and raw.startswith("{"):
                entry = json.loads(raw)
                if entry.get("logger") == "gateway.access" and entry.get("request_id") == wanted:
                    lines.append(entry)
        return lines or None

    [answered_line] = poll(lambda: lines_for(request_id), timeout=60)
    assert answered_line["method"] == "GET" and answered_line["route"] == "catalog" and answered_line["status"] == 200
    assert answered_line["client"] == "127.0.0.1" and answered_line["duration_ms"] >= 0
    [refused_line] = poll(lambda: lines_for(refused_id), timeout=60)
    assert refused_line["status"] == 401 and refused_line["route"] == "coupon"
    assert "not-a-token" not in json.dumps(refused_line)


def test_the_services_label_their_event_figures_as_the_dashboards_select_them(platform: RunningStack) -> None:
    """The dashboards select `source="/<service>"` for the outbox and `consumer="<service>"` for consumers."""
    port = platform.stack.service_ports["coupon"]

    def labelled() -> str | None:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", headers=SCRAPER, timeout=10).text
        outbox = any(s["source"] == "/coupon" for s in samples(text, "outbox_oldest_pending_age_seconds"))
        lag = any(s["consumer"] == "coupon" for s in samples(text, "consumer_lag"))
        return text if outbox and lag else None

    poll(labelled, timeout=30, interval=0.5)
