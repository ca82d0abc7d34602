"""The AsyncAPI document: generated from the contracts, committed as docs/asyncapi.json, true to the code.

No PyPI package ships the official AsyncAPI 3.0 JSON Schema for offline use, so `ASYNCAPI_3_RULES` states
the rules of the 3.0 specification this document relies on (required fields, the operation actions,
references), and the tests resolve every `$ref` and check what jsonschema cannot: an operation's
messages belong to its channel. Each message's schemas then validate what the relay really sends.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from contracts import asyncapi
from contracts.base import Event
from contracts.consumers import CONSUMERS
from eventing.envelope import Envelope

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.json"

_REF = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string", "pattern": "^#/"}}}
ASYNCAPI_3_RULES: dict[str, Any] = {
    "type": "object",
    "required": ["asyncapi", "info"],
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "properties": {
        "asyncapi": {"const": "3.0.0"},
        "id": {"type": "string"},
        "info": {"type": "object", "required": ["title", "version"], "properties": {"title": {"type": "string"}, "version": {"type": "string"}}},
        "defaultContentType": {"type": "string"},
        "servers": {
            "type": "object",
            "additionalProperties": {"type": "object", "required": ["host", "protocol"], "properties": {"host": {"type": "string"}, "protocol": {"type": "string"}}},
        },
        "channels": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z0-9.\\-_]+$"},
            "additionalProperties": {
                "type": "object",
                "properties": {"address": {"type": ["string", "null"]}, "messages": {"type": "object", "additionalProperties": _REF}},
            },
        },
        "operations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["action", "channel"],
                "properties": {"action": {"enum": ["send", "receive"]}, "channel": _REF, "messages": {"type": "array", "items": _REF}},
            },
        },
        "components": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "schemas": {"type": "object"},
                "messages": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[a-zA-Z0-9.\\-_]+$"},
                    "additionalProperties": {
                        "type": "object",
                        "required": ["payload"],
                        "properties": {"name": {"type": "string"}, "contentType": {"type": "string"}, "headers": {"type": "object"}, "payload": {"type": "object"}},
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi.document()


def resolve(document: dict[str, Any], node: Any) -> Any:
    """`node` with every local `$ref` replaced by what it points at (our schemas are not recursive)."""
    if isinstance(node, list):
        return [resolve(document, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(document, target)
    return {key: resolve(document, value) for key, value in node.items()}


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.rendered(), (
        "A contract or a consumer changed: regenerate with `python -m contracts.asyncapi --write docs/asyncapi.json`"
    )


def test_the_module_prints_the_document() -> None:
    printed = subprocess.run([sys.executable, "-m", "contracts.asyncapi"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(printed) == json.loads(asyncapi.rendered())


def test_the_document_keeps_the_asyncapi_3_rules_and_every_reference_resolves(document: dict[str, Any]) -> None:
    jsonschema.validate(document, ASYNCAPI_3_RULES)
    resolve(document, document)  # a dangling $ref raises KeyError
    for name, operation in document["operations"].items():
        channel = operation["channel"]["$ref"]
        assert operation["messages"], name
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), f"{name}: an operation's messages are its channel's"


def test_every_event_type_is_a_message_of_its_topic_published_by_the_service_it_is_named_after(document: dict[str, Any]) -> None:
    for module in asyncapi.contract_modules():
        producer = asyncapi.producer_of(module)
        assert module.TOPIC == f"{producer}.events"
        assert (ROOT / "services" / producer / producer).is_dir(), f"{producer} names no service"
        published = document["operations"][f"{producer}Publishes"]
        channel = resolve(document, published["channel"])
        assert channel["address"] == module.TOPIC and published["action"] == "send"
        for contract in asyncapi.events_of(module):
            assert contract.TOPIC == module.TOPIC
            message = document["components"]["messages"][contract.__name__]
            assert message["name"] == contract.TYPE and message["contentType"] == "application/cloudevents+json"
            assert {"$ref": f"#/channels/{_channel_name(document, module.TOPIC)}/messages/{contract.__name__}"} in published["messages"]


def _channel_name(document: dict[str, Any], topic: str) -> str:
    return next(name for name, channel in document["channels"].items() if channel["address"] == topic)


def test_each_services_relay_publishes_the_topic_of_its_own_contract_module() -> None:
    for main in ROOT.glob("services/*/*/main.py"):
        service = main.parent.name
        imported = {node.module for node in ast.walk(ast.parse(main.read_text())) if isinstance(node, ast.ImportFrom) and any(a.name == "TOPIC" for a in node.names)}
        assert imported <= {f"contracts.{service}"}, f"{service} publishes a topic that is not its own: {imported}"


def subscriptions_in_code() -> dict[str, set[str]]:
    """Service → the contracts it subscribes to: every `subscription(Contract, …)` in its package."""
    found: dict[str, set[str]] = {}
    for package in ROOT.glob("services/*/*/"):
        if not (package / "__init__.py").exists() or package.name == "tests":
            continue
        for source in package.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Call) and _called(node) == "subscription" and node.args and isinstance(node.args[0], ast.Name):
                    found.setdefault(package.name, set()).add(node.args[0].id)
    return found


def _called(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) else None


def test_the_declared_consumers_are_exactly_the_subscriptions_in_the_services_code() -> None:
    declared = {service: {contract.__name__ for contract in contracts} for service, contracts in CONSUMERS.items()}
    assert declared == subscriptions_in_code(), "contracts/consumers.py must list every service's subscriptions, and only them"


def test_each_consumer_receives_from_the_topic_of_each_contract_it_declares(document: dict[str, Any]) -> None:
    for consumer, contracts in CONSUMERS.items():
        for contract in contracts:
            producer = contract.TOPIC.split(".")[0]
            operation = document["operations"][f"{consumer}Consumes{producer.capitalize()}Events"]
            assert operation["action"] == "receive" and resolve(document, operation["channel"])["address"] == contract.TOPIC
            assert any(ref["$ref"].endswith("/" + contract.__name__) for ref in operation["messages"])


def test_the_documented_envelope_has_exactly_the_envelopes_attributes() -> None:
    assert set(asyncapi.CLOUD_EVENT["properties"]) == set(Envelope.model_fields)
    # Required: what every envelope carries; optional: only the tracing extension, absent without a trace.
    assert set(Envelope.model_fields) - set(asyncapi.CLOUD_EVENT["required"]) == {"traceparent", "tracestate"}


@pytest.mark.parametrize("contract", [c for m in asyncapi.contract_modules() for c in asyncapi.events_of(m)], ids=lambda c: c.TYPE)
def test_an_event_made_from_its_schema_is_the_contract_and_the_relays_message_matches_the_document(document: dict[str, Any], contract: type[Event]) -> None:
    message = resolve(document, document["components"]["messages"][contract.__name__])
    event = contract.model_validate(instance_of(message["payload"]["allOf"][1]["properties"]["data"]))  # the schema describes what the contract accepts
    envelope = Envelope.wrap(event, source=f"/{contract.TOPIC.split('.')[0]}")
    jsonschema.validate(orjson.loads(envelope.to_bytes()), message["payload"], format_checker=jsonschema.FormatChecker())
    jsonschema.validate({name: value.decode() for name, value in envelope.kafka_headers()}, message["headers"])
    assert message["bindings"]["kafka"]["key"]["type"] == "string" and envelope.subject == event.aggregate_id()


def instance_of(schema: dict[str, Any]) -> Any:
    """A small value the (resolved) schema allows: every property filled, nullable ones too."""
    if "anyOf" in schema:
        return instance_of(next(option for option in schema["anyOf"] if option.get("type") != "null"))
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "object":
        return {name: instance_of(prop) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [instance_of(schema["items"])]
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "number":
        return 1.5
    return {"date": "2026-01-31", "date-time": "2026-01-31T10:00:00Z"}.get(schema.get("format", ""), "x-1")
