"""deploy/observability: a Grafana dashboard per service and the gateway, and alert rules, whose every
expression names only metrics the code registers (a renamed metric would leave a panel silently empty).

The names come from the registries themselves: the modules that define the platform's metrics are
imported and the default prometheus_client registry is read, with the sample names each type exposes.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import eventing.metrics
import gateway.observed
import notification.service.metrics
import servicekit.http
import valuation.pricing.partner

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
DASHBOARDS = sorted((OBSERVABILITY / "grafana").glob("*.json"))
DEFINING_MODULES = (eventing.metrics, gateway.observed, servicekit.http, valuation.pricing.partner, notification.service.metrics)
# Metrics only one service registers (no service label to select on): their name says whose they are.
OWN_METRICS = {"valuation": ("pricing_partner",), "notification": ("webhook_", "customer_messages")}

# PromQL words that are not metric names.
PROMQL = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "irate", "increase", "delta", "deriv", "histogram_quantile",
    "min_over_time", "max_over_time", "avg_over_time", "and", "or", "unless", "on", "ignoring", "bool", "offset", "humanize",
}


def exposed_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "summary": ["_count", "_sum"]}.get(family.type, [""])
        names |= {family.name + suffix for suffix in suffixes}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads: what is left once strings, label matchers, ranges, groupings and words go."""
    stripped = re.sub(r'"[^"]*"', "", expr)
    stripped = re.sub(r"\{[^}]*\}", "", stripped)
    stripped = re.sub(r"\[[^\]]*\]", "", stripped)
    stripped = re.sub(r"\b(by|without)\s*\([^)]*\)", "", stripped)
    return {token for token in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped) if token not in PROMQL}


def test_there_is_a_dashboard_per_service_and_the_gateway() -> None:
    assert [path.stem for path in DASHBOARDS] == ["catalog", "coupon", "enrolment", "gateway", "notification", "valuation"]
    uids = [json.loads(path.read_text())["uid"] for path in DASHBOARDS]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", DASHBOARDS, ids=[path.stem for path in DASHBOARDS])
def test_every_panel_reads_metrics_the_code_exposes_for_that_service(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    known = exposed_names()
    panels = dashboard["panels"]
    assert panels, "an empty dashboard"
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = metric_names(target["expr"])
            assert used, f"{panel['title']}: no metric in {target['expr']!r}"
            assert used <= known, f"{panel['title']}: {sorted(used - known)} are not registered by the code"
            # Each dashboard shows its own service: every selector names it (an outbox's source is `/<service>`).
            names_it = f'"{path.stem}"' in target["expr"] or f'"/{path.stem}"' in target["expr"]
            assert names_it or any(own in target["expr"] for own in OWN_METRICS.get(path.stem, ())), target["expr"]


def test_every_alert_reads_metrics_the_code_exposes() -> None:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())
    known = exposed_names()
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(exprs) == 5
    for expr in exprs:
        used = metric_names(expr)
        assert used and used <= known, f"{expr!r} reads {sorted(used - known)}, which the code does not register"


def test_the_name_check_would_catch_a_renamed_metric() -> None:
    assert metric_names('sum by (route) (rate(http_request_duration_seconds_count{service="x"}[5m]))') == {"http_request_duration_seconds_count"}
    assert "outbox_age_seconds" not in exposed_names()
