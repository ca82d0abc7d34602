"""Every code a service refuses with is in its refusal table, so the OpenAPI document lists it.

The document's problem codes per status come from each service's `service/errors.py` STATUS
(servicekit/openapi.py); a code raised in the code but missing from the table would be answered yet
undocumented. This reads every `Refused("code", …)` (and refusal subclasses' `super().__init__("code", …)`).
"""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parents[1].name for p in ROOT.glob("services/*/*/service/errors.py"))


def refused_codes(package: Path) -> set[str]:
    codes: set[str] = set()
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text())
        if not any(isinstance(n, ast.ImportFrom) and _is_refusals(n) for n in ast.walk(tree)):
            continue  # servicekit.settings has a Refused of its own: a setting production refuses
        refusal_classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Refused" for b in node.bases)]
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Refused"]
        calls += [node for cls in refusal_classes for node in ast.walk(cls) if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "__init__"]
        codes |= {call.args[0].value for call in calls if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)}
    return codes


def _is_refusals(node: ast.ImportFrom) -> bool:
    """An import of servicekit.refusals.Refused (directly or re-exported by a domain module)."""
    module = node.module or ""
    return any(alias.name == "Refused" for alias in node.names) and (module == "servicekit.refusals" or ".domain" in module)


@pytest.mark.parametrize("service", SERVICES)
def test_each_refusal_code_raised_in_a_service_is_in_its_table(service: str) -> None:
    table = importlib.import_module(f"{service}.service.errors").STATUS
    raised = refused_codes(ROOT / "services" / service / service)
    assert raised, f"found no refusal in {service}: the scan is broken"
    assert raised <= set(table), f"{service} raises codes its STATUS table (and so its OpenAPI document) lacks: {sorted(raised - set(table))}"
