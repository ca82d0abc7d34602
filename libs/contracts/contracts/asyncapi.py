"""The AsyncAPI 3.0 document of every topic, generated from the contracts: `python -m contracts.asyncapi`.

Channels are the topics (one per producing service), messages the event types with their JSON
Schemas, wrapped in the CloudEvents envelope as the Kafka protocol binding's structured mode sends
it. The producer of a topic is the service its contract module is named after; the consumers come
from `contracts.consumers`. Never edited by hand: `docs/asyncapi.json` is this output, and a test
fails when the two differ.
"""

import importlib
import inspect
import json
import pkgutil
import sys
from types import ModuleType
from typing import Any

from pydantic.json_schema import models_json_schema

import contracts
from contracts.base import Event
from contracts.consumers import CONSUMERS

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
KAFKA_BINDING = "0.5.0"
_SCHEMAS = "#/components/schemas/"

# The CloudEvents 1.0 attributes our envelope carries (eventing.envelope.Envelope; a test keeps the two equal).
CLOUD_EVENT: dict[str, Any] = {
    "type": "object",
    "description": (
        "A CloudEvents 1.0 event in the JSON event format: the whole Kafka message value (structured mode). "
        "Consumers apply each `id` once; `subject` is the aggregate id and the Kafka message key."
    ),
    "required": ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "schemaversion", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "description": "Unique per event (a UUID); a copy with a known id is skipped by the consumer's inbox."},
        "source": {"type": "string", "format": "uri-reference", "description": "The producing service: `/<service>`.", "examples": ["/catalog"]},
        "type": {"type": "string", "description": "`<producer>.<EventName>`: says which contract `data` follows."},
        "time": {"type": "string", "format": "date-time", "description": "When the producer recorded the event (UTC)."},
        "subject": {"type": "string", "description": "The aggregate id (model, plan, exchange or coupon id); also the Kafka key."},
        "datacontenttype": {"type": "string", "const": "application/json"},
        "schemaversion": {"type": "integer", "minimum": 1, "description": "Extension attribute: the contract's version; a breaking change is a new version."},
        "data": {"type": "object", "description": "The event itself: the contract named by `type`."},
        "traceparent": {"type": "string", "description": "Distributed-tracing extension: the W3C trace context of the request that produced the event; absent without one."},
        "tracestate": {"type": "string", "description": "Distributed-tracing extension: W3C `tracestate`; absent without one."},
    },
}


def contract_modules() -> list[ModuleType]:
    """One module per producing service: every `contracts.<service>` that defines an event."""
    modules = [importlib.import_module(f"contracts.{info.name}") for info in pkgutil.iter_modules(contracts.__path__)]
    return [module for module in modules if events_of(module)]


def events_of(module: ModuleType) -> list[type[Event]]:
    """The event contracts a module defines, in source order."""
    found = [m for _, m in inspect.getmembers(module, inspect.isclass) if issubclass(m, Event) and m is not Event and m.__module__ == module.__name__]
    return sorted(found, key=lambda contract: inspect.getsourcelines(contract)[1])


def producer_of(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[1]


def _channel_id(topic: str) -> str:
    head, *rest = topic.split(".")
    return head + "".join(part.capitalize() for part in rest)


def _message(contract: type[Event]) -> dict[str, Any]:
    doc = inspect.getdoc(contract) or f"{contract.__name__}."
    return {
        "name": contract.TYPE,
        "title": contract.__name__,
        "summary": doc.splitlines()[0],
        "description": doc,
        "contentType": STRUCTURED_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "description": "`content-type` marks structured mode; `ce_type`, `ce_id` and `ce_subject` copy the envelope's attributes for routing without parsing (the value stays authoritative: this is not binary mode).",
            "required": ["content-type", "ce_type", "ce_id", "ce_subject"],
            "properties": {
                "content-type": {"type": "string", "const": STRUCTURED_CONTENT_TYPE},
                "ce_type": {"type": "string", "const": contract.TYPE},
                "ce_id": {"type": "string"},
                "ce_subject": {"type": "string"},
                "traceparent": {"type": "string"},
                "tracestate": {"type": "string"},
            },
        },
        "payload": {
            "allOf": [
                {"$ref": _SCHEMAS + "CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": contract.TYPE},
                        "schemaversion": {"const": contract.VERSION},
                        "data": {"$ref": _SCHEMAS + contract.__name__},
                    },
                },
            ]
        },
        "correlationId": {"description": "The aggregate id: one aggregate's events share a partition, in order.", "location": "$message.payload#/subject"},
        "bindings": {"kafka": {"key": {"type": "string", "description": "The envelope's `subject` (the aggregate id)."}, "bindingVersion": KAFKA_BINDING}},
    }


def _data_schemas(events: list[type[Event]]) -> dict[str, Any]:
    _, schemas = models_json_schema([(contract, "validation") for contract in events], ref_template=_SCHEMAS + "{model}")
    return dict(sorted(schemas.get("$defs", {}).items()))


def document() -> dict[str, Any]:
    """The whole AsyncAPI 3.0 document."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    every_event: list[type[Event]] = []
    for module in contract_modules():
        producer, events = producer_of(module), events_of(module)
        every_event += events
        topic = events[0].TOPIC
        channel = _channel_id(topic)
        own = {contract.__name__: {"$ref": f"#/components/messages/{contract.__name__}"} for contract in events}
        messages |= {contract.__name__: _message(contract) for contract in events}
        channels[channel] = {
            "address": topic,
            "title": topic,
            "description": (
                f"Every event of the {producer} service, published through its transactional outbox, at least once. "
                "Keyed by aggregate id, so one aggregate's events keep their order. A consumer applies each event once "
                "(inbox by event id) and parks one it cannot apply as a dead letter, then moves on."
            ),
            "messages": own,
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
        }
        operations[f"{producer}Publishes"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"The {producer} service publishes these events.",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in own],
        }
        for consumer, subscribed in sorted(CONSUMERS.items()):
            wanted = [contract.__name__ for contract in events if contract in subscribed]
            if wanted:
                operations[f"{consumer}Consumes{producer.capitalize()}Events"] = {
                    "action": "receive",
                    "channel": {"$ref": f"#/channels/{channel}"},
                    "summary": f"The {consumer} service applies these events (consumer group `{consumer}`); it skips every other type.",
                    "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in wanted],
                    "bindings": {"kafka": {"groupId": {"type": "string", "enum": [consumer]}, "bindingVersion": KAFKA_BINDING}},
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Smart Upgrade & Exchange events",
            "version": "1.0.0",
            "description": (
                "The Kafka topics the services publish and consume. Each message is a CloudEvents 1.0 event in "
                "structured mode (Kafka protocol binding): header `content-type: application/cloudevents+json`, the "
                "value the whole JSON envelope, the key the aggregate id. Generated from `libs/contracts`."
            ),
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "local": {"host": "127.0.0.1:19092", "protocol": "kafka", "description": "The broker `make run` starts; production sets KAFKA_BOOTSTRAP."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"CloudEvent": CLOUD_EVENT} | _data_schemas(every_event)},
    }


def rendered() -> str:
    """The document as committed in docs/asyncapi.json: stable key order, two-space indent."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--write":
        with open(argv[1], "w", encoding="utf-8") as target:
            target.write(rendered())
        return
    sys.stdout.write(rendered())


if __name__ == "__main__":
    main(sys.argv[1:])
