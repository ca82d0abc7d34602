"""Kafka client set-up: explicit topic creation and clients that wait for the broker to come up."""

import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from aiokafka.helpers import create_ssl_context
from tenacity import AsyncRetrying, retry_if_exception_type, wait_fixed

log = logging.getLogger("eventing.kafka")

TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str
    partitions: int = 3
    replication_factor: int = 1
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    retry_seconds: float = 1.0
    fetch_max_wait_ms: int = 50
    # How clients reach a real cluster: PLAINTEXT locally; SASL_SSL (SCRAM or PLAIN) in production.
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None

    def connection(self) -> dict[str, Any]:
        """Keyword arguments every aiokafka client of ours takes: where the brokers are and how to talk to them."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap, "security_protocol": self.security_protocol}
        if self.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = create_ssl_context(cafile=self.ssl_cafile)
        if self.security_protocol.startswith("SASL"):
            options |= {"sasl_mechanism": self.sasl_mechanism or "SCRAM-SHA-512", "sasl_plain_username": self.sasl_username,
                        "sasl_plain_password": self.sasl_password}
        return options


async def start_when_up(client: AIOKafkaProducer | AIOKafkaConsumer | AIOKafkaAdminClient, retry_seconds: float) -> None:
    """Start a client, retrying without limit while the broker is not reachable (it may start after us)."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((KafkaError, OSError)),
        wait=wait_fixed(retry_seconds),
        before_sleep=lambda state: log.warning("broker not reachable yet, retrying", extra={"error": str(state.outcome.exception() if state.outcome else "")}),
        reraise=True,
    )
    await retrying(client.start)


async def ensure_topics(settings: KafkaSettings, topics: dict[str, int]) -> set[str]:
    """Create the topics that do not exist (name → partitions); returns those newly created.

    Topics are created explicitly because a broker's auto-created topics get its default
    partition count, not ours.
    """
    admin = AIOKafkaAdminClient(**settings.connection(), request_timeout_ms=10_000)
    await start_when_up(admin, settings.retry_seconds)
    try:
        response = await admin.create_topics(
            [NewTopic(name, count, settings.replication_factor) for name, count in topics.items()]
        )
    finally:
        await admin.close()
    created = set()
    for name, error_code, *_ in response.topic_errors:
        if error_code == 0:
            created.add(name)
        elif error_code != TOPIC_ALREADY_EXISTS:
            raise KafkaError(f"could not create topic {name}: error {error_code}")
    return created


def new_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    # acks=all and no idempotent producer: duplicates are possible and consumers drop them.
    return AIOKafkaProducer(**settings.connection(), acks="all", linger_ms=2, request_timeout_ms=15_000)


def new_consumer(settings: KafkaSettings, group_id: str) -> AIOKafkaConsumer:
    """A group member that has not subscribed yet (the caller subscribes, with a rebalance listener)."""
    # Offsets are committed by hand after the effect's transaction; a new group reads from the start.
    return AIOKafkaConsumer(
        **settings.connection(),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        max_poll_records=100,
        # How long the broker holds a fetch that found nothing new. The embedded broker (Tansu) answers
        # only when that wait ends, not when a record arrives, so an idle consumer adds half of it to
        # each event's delivery on average: aiokafka's 500 ms default made accept → coupon p50 ~250 ms.
        # 50 ms costs an idle member ~20 empty fetches a second (~2 % of a core; 20 ms cost ~5 %).
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
    )
