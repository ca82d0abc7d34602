"""deploy/k8s: valid Kubernetes objects, a full set per service, pods locked down, probes and selectors that
line up with the Services, autoscalers, disruption budgets and the existing NetworkPolicies."""

import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from launcher.stack import SERVICES
from tests.deploy.artifacts import K8S_DIR, REPO, k8s_containers, manifest_files, manifests, objects, pod_templates

# The oldest Kubernetes these manifests promise to run on (features used: autoscaling/v2, policy/v1,
# PodSecurity admission labels, Job TTL); kubernetes-validate ships its schemas offline.
KUBERNETES_VERSION = "1.30"
NAMESPACE = "smartupgrade"
PART_OF = {"app.kubernetes.io/part-of": "smartupgrade"}
SECRETS_DOCUMENTED = (REPO / "docs/deploy.md").read_text()


def labels_of(document: dict) -> dict:
    return document["metadata"].get("labels", {})


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def workload(name: str) -> dict:
    (found,) = [d for d in objects("Deployment") + objects("Job") if d["metadata"]["name"] == name]
    return found


def test_every_object_is_valid_for_kubernetes_with_no_unknown_field() -> None:
    for file, document in manifests():
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{file} {document['kind']}/{document['metadata']['name']}: {'.'.join(map(str, error.path))}: {error.message}")


def test_the_validation_catches_a_mistake() -> None:
    document = workload("catalog-api")
    document["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/health/ready"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(path.name for path in manifest_files())
    assert kustomization["namespace"] == NAMESPACE
    assert [image["name"] for image in kustomization["images"]] == ["smartupgrade"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) is not installed")
def test_kustomize_builds_the_manifests_with_the_release_image() -> None:
    built = subprocess.run(["kubectl", "kustomize", str(K8S_DIR)], check=True, capture_output=True, text=True, timeout=60).stdout
    documents = [d for d in yaml.safe_load_all(built) if d]
    assert len(documents) == len(manifests())
    images = {c["image"] for d in documents if d["kind"] in ("Deployment", "Job") for c in d["spec"]["template"]["spec"]["containers"]}
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    (image,) = kustomization["images"]
    assert images == {f"{image['newName']}:{image['newTag']}"}


def test_every_object_is_in_the_namespace_and_part_of_the_platform() -> None:
    for _, document in manifests():
        if document["kind"] == "Namespace":
            assert document["metadata"]["name"] == NAMESPACE
            assert labels_of(document)["pod-security.kubernetes.io/enforce"] == "restricted"
            continue
        assert document["metadata"]["namespace"] == NAMESPACE, document["metadata"]["name"]
        if document["kind"] != "NetworkPolicy":
            assert matches(PART_OF, labels_of(document)), document["metadata"]["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_an_api_with_service_autoscaler_and_budget_a_worker_and_a_migration(service) -> None:
    def named(kind: str, name: str) -> dict:
        (found,) = [d for d in objects(kind) if d["metadata"]["name"] == name]
        return found

    api, worker, job = named("Deployment", f"{service}-api"), named("Deployment", f"{service}-worker"), named("Job", f"{service}-migrate")
    for document, component in ((api, "api"), (worker, "worker"), (job, "migration")):
        expected = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": component, **PART_OF}
        assert matches(expected, labels_of(document)) and matches(expected, document["spec"]["template"]["metadata"]["labels"])
    assert [c["args"] for c in api["spec"]["template"]["spec"]["containers"]] == [["api", service]]
    assert [c["args"] for c in worker["spec"]["template"]["spec"]["containers"]] == [["worker", service]]
    assert [c["args"] for c in job["spec"]["template"]["spec"]["containers"]] == [["migrate", service]]
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert matches(api["spec"]["selector"]["matchLabels"], pod_labels)
    assert not matches(api["spec"]["selector"]["matchLabels"], worker["spec"]["template"]["metadata"]["labels"])

    http = named("Service", service)
    assert matches(http["spec"]["selector"], pod_labels) and not matches(http["spec"]["selector"], worker["spec"]["template"]["metadata"]["labels"])
    assert [(p["port"], p["targetPort"]) for p in http["spec"]["ports"]] == [(8080, "http")]
    autoscaler = named("HorizontalPodAutoscaler", f"{service}-api")
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{service}-api"}
    assert 2 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
    assert "replicas" not in api["spec"], "the autoscaler owns the replica count; an apply must not reset it"
    budget = named("PodDisruptionBudget", f"{service}-api")
    assert matches(budget["spec"]["selector"]["matchLabels"], pod_labels) and budget["spec"]["minAvailable"] < autoscaler["spec"]["minReplicas"]


def test_the_gateway_has_a_deployment_service_autoscaler_budget_and_the_ingress() -> None:
    (deployment,) = [d for d in objects("Deployment") if labels_of(d).get("app.kubernetes.io/name") == "gateway"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert matches({"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway", **PART_OF}, pod_labels)
    (service,) = [s for s in objects("Service") if matches(s["spec"]["selector"], pod_labels)]
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(8000, "http")]
    (ingress,) = objects("Ingress")
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": service["metadata"]["name"], "port": {"name": "http"}}]
    assert all(entry["secretName"] for entry in ingress["spec"]["tls"]), "TLS at the edge"
    (autoscaler,) = [h for h in objects("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]]
    assert autoscaler["spec"]["minReplicas"] >= 2 and "replicas" not in deployment["spec"]
    assert any(matches(b["spec"]["selector"]["matchLabels"], pod_labels) for b in objects("PodDisruptionBudget"))


def test_every_pod_meets_the_restricted_pod_security_standard_with_a_read_only_root() -> None:
    for document, template in pod_templates():
        name, pod = document["metadata"]["name"], template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["enableServiceLinks"] is False, f"{name}: a Service named catalog would set CATALOG_PORT=tcp://… in its pods"
        tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"] == {"drop": ["ALL"]} and not security.get("privileged"), name
            assert any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes for m in container["volumeMounts"]), f"{name}: /tmp is an emptyDir"
            resources = container["resources"]
            assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}, name


def test_api_and_gateway_pods_are_probed_for_liveness_and_readiness_on_their_http_port() -> None:
    for document, template in pod_templates():
        component = labels_of(document)["app.kubernetes.io/component"]
        for container in template["spec"]["containers"]:
            if component == "worker":
                # Only the scraper connects, to /metrics on WORKER_METRICS_PORT (docs/observability.md).
                assert container["ports"] == [{"name": "metrics", "containerPort": 9464, "protocol": "TCP"}]
                assert "livenessProbe" not in container
                continue
            if component == "migration":
                assert "ports" not in container and "livenessProbe" not in container, "a migration takes no connections"
                continue
            (port,) = container["ports"]
            assert port["name"] == "http"
            assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
            assert container["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
            assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}


def test_the_network_policies_select_the_pods_as_labelled_and_open_the_ports_they_listen_on() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in objects("NetworkPolicy")}
    for document, template in pod_templates():
        labels, component = template["metadata"]["labels"], labels_of(document)["app.kubernetes.io/component"]
        # Ingress policies here; an egress-only one (the notification worker's reach to partners) is checked below.
        selecting = [
            name for name, spec in policies.items()
            if spec["podSelector"] and matches(spec["podSelector"]["matchLabels"], labels) and "Ingress" in spec["policyTypes"]
        ]  # fmt: skip
        ports = {p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
        if component == "api":
            assert selecting == ["services-only-from-gateway"], document["metadata"]["name"]
        elif component == "gateway":
            assert selecting == ["gateway-from-ingress"]
        elif component == "worker":
            assert selecting == ["workers-metrics-from-prometheus"], document["metadata"]["name"]
        else:
            assert selecting == [], f"{document['metadata']['name']}: nothing may reach a {component} pod"
        opened = {p["port"] for name in selecting for rule in policies[name]["ingress"] for p in rule["ports"]}
        assert ports == opened, document["metadata"]["name"]


def test_the_notification_worker_reaches_no_private_address_on_the_webhook_and_mail_ports() -> None:
    policy = next(p["spec"] for p in objects("NetworkPolicy") if p["metadata"]["name"] == "notification-worker-egress")
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "notification", "app.kubernetes.io/component": "worker"}
    (internet,) = [rule for rule in policy["egress"] if "to" in rule]
    blocked = set(internet["to"][0]["ipBlock"]["except"])
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8"} <= blocked
    assert {p["port"] for p in internet["ports"]} == {443, 587}


def test_api_containers_listen_on_the_port_their_setting_names() -> None:
    for container in k8s_containers():
        if container.role in ("api", "gateway"):
            setting = "GATEWAY_PORT" if container.role == "gateway" else f"{container.process.upper()}_PORT"
            assert int(container.env[setting]) == container.spec["ports"][0]["containerPort"], container.label


def test_the_gateway_reaches_each_service_through_its_service_object() -> None:
    (gateway,) = [c for c in k8s_containers() if c.role == "gateway"]
    services = {s["metadata"]["name"]: s for s in objects("Service")}
    for service in SERVICES:
        assert gateway.env[f"{service.upper()}_URL"] == f"http://{service}:{services[service]['spec']['ports'][0]['port']}"


def test_the_partner_file_is_the_mounted_secret() -> None:
    (gateway,) = [c for c in k8s_containers() if c.role == "gateway"]
    (mount,) = [m for m in gateway.spec["volumeMounts"] if m["name"] == "partners"]
    (volume,) = [v for v in gateway.pod["volumes"] if v["name"] == "partners"]
    assert mount["readOnly"] is True and gateway.env["PARTNERS_FILE"] == f"{mount['mountPath']}/partners.json"
    assert volume["secret"]["secretName"] == "gateway-partners"


def test_secrets_are_referenced_by_name_only_and_each_is_documented() -> None:
    assert not objects("Secret"), "no Secret is committed"
    secret_like = ("SECRET", "TOKEN", "PASSWORD", "API_KEY", "DATABASE_URL", "REDIS_URL")
    for config_map in objects("ConfigMap"):
        for key in config_map.get("data", {}):
            assert not any(word in key for word in secret_like), f"{key} belongs in a Secret, not ConfigMap {config_map['metadata']['name']}"
    referenced = {
        variable["valueFrom"]["secretKeyRef"]["name"]
        for _, template in pod_templates() for container in template["spec"]["containers"] for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    referenced |= {v["secret"]["secretName"] for _, t in pod_templates() for v in t["spec"].get("volumes", []) if "secret" in v}
    referenced |= {tls["secretName"] for ingress in objects("Ingress") for tls in ingress["spec"]["tls"]}
    for name in referenced:
        assert f"`{name}`" in SECRETS_DOCUMENTED, f"docs/deploy.md does not say what Secret {name} holds"
