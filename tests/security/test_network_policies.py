"""In the cluster, only the gateway (and the metrics scraper, which also needs a token) reaches a service's HTTP port."""

from pathlib import Path

import yaml

POLICIES = list(yaml.safe_load_all((Path(__file__).resolve().parents[2] / "deploy/k8s/network-policies.yaml").read_text()))
GATEWAY = {"app.kubernetes.io/name": "gateway"}
API_POD = {"app.kubernetes.io/part-of": "smartupgrade", "app.kubernetes.io/component": "api", "app.kubernetes.io/name": "valuation"}
WORKER_POD = {"app.kubernetes.io/part-of": "smartupgrade", "app.kubernetes.io/component": "worker", "app.kubernetes.io/name": "valuation"}


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def who_may_reach(pod: dict, port: int) -> list[dict]:
    """Every `from` entry of every policy that selects the pod and opens the port (NetworkPolicies add up)."""
    allowed = []
    for policy in POLICIES:
        spec = policy["spec"]
        if "Ingress" not in spec["policyTypes"] or not selects(spec["podSelector"], pod):
            continue
        for rule in spec.get("ingress", []):
            if any(p["port"] == port for p in rule.get("ports", [])):
                allowed.extend(rule["from"])
    return allowed


def test_every_pod_is_denied_by_default() -> None:
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in p["spec"] for p in POLICIES)


def test_only_the_gateway_and_the_scraper_reach_a_service_http_port() -> None:
    sources = who_may_reach(API_POD, 8080)
    pods_in_namespace = [s for s in sources if "namespaceSelector" not in s]
    assert pods_in_namespace and all(s["podSelector"] == {"matchLabels": GATEWAY} for s in pods_in_namespace)
    others = [s for s in sources if "namespaceSelector" in s]
    assert all(s["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"} and "podSelector" in s for s in others)


def test_workers_take_no_inbound_connections() -> None:
    assert who_may_reach(WORKER_POD, 8080) == []
