"""Building a service's relay and consumer from its settings and database, the same way everywhere."""

from sqlalchemy import Table

from eventing.consumer import InboxConsumer, Subscription
from eventing.ops import EventOps
from eventing.outbox import Outbox
from eventing.relay import OutboxRelay
from servicekit.db import Database
from servicekit.settings import ServiceSettings


def outbox_relay(db: Database, outbox: Outbox, topic: str, settings: ServiceSettings) -> OutboxRelay:
    """The relay publishing this service's outbox to its topic."""
    return OutboxRelay(outbox, topic, settings.kafka(), db.reading, db.transaction, db.is_postgres, poll_seconds=settings.relay_poll_seconds)


def inbox_consumer(name: str, db: Database, inbox: Table, subscriptions: dict[str, Subscription], settings: ServiceSettings) -> InboxConsumer:
    """The consumer group `name`, applying each subscribed event once through `inbox`.

    When the service's metadata (the inbox's) has `dead_letters` and `consumer_positions` tables,
    failed events are parked there and lag is recorded there; otherwise on `<topic>.dlq`.
    """
    tables = inbox.metadata.tables
    return InboxConsumer(
        name, subscriptions, inbox, db.transaction, settings.kafka(),
        dead_letters=tables.get("dead_letters"), positions=tables.get("consumer_positions"),
    )


def event_ops(service: str, db: Database, audit: Table, outbox: Outbox | None, consumer: InboxConsumer | None) -> EventOps:
    """The ops tools over this service's outbox, dead letters and consumer positions (routes: servicekit.eventops)."""
    return EventOps(service, db.reading, db.transaction, audit, outbox.table if outbox else None, consumer)
