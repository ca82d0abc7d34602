"""Outbox, inbox, dead-letter, consumer-position and ops-audit tables, added to each service's own
metadata and migrations."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def add_outbox(metadata: MetaData) -> Table:
    """Events waiting to be published (published_at null) and those kept 7 days for replay."""
    return Table(
        "outbox",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_unpublished", "published_at", "id"),
    )


def add_inbox(metadata: MetaData) -> Table:
    """Ids of events a consumer has applied; a second delivery finds its id here and is skipped."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )


def add_dead_letters(metadata: MetaData) -> Table:
    """Events a consumer could not apply, parked for ops: listed, replayed through the inbox or discarded.

    One row per Kafka record (consumer, topic, partition, offset): a record delivered again after
    it was parked (its offset commit was lost) finds its row and is not parked twice.
    """
    return Table(
        "dead_letters",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("key", String(200), nullable=True),
        # Null when the record was not an envelope at all (then it can only be discarded).
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(200), nullable=True),
        Column("envelope", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("first_failed_at", DateTime(timezone=True), nullable=False),
        Column("last_failed_at", DateTime(timezone=True), nullable=False),
        Column("status", String(20), nullable=False),  # pending | replayed | discarded
        Column("acted_by", String(200), nullable=True),
        Column("acted_at", DateTime(timezone=True), nullable=True),
        Column("reason", Text, nullable=True),
        UniqueConstraint("consumer", "topic", "partition", "offset", name="uq_dead_letters_record"),
        Index("ix_dead_letters_status", "consumer", "status", "id"),
    )


def add_consumer_positions(metadata: MetaData) -> Table:
    """Each partition's position and high watermark as the worker consuming it last saw them.

    Written by the worker on its housekeeping tick, read by the API's ops routes: the API process
    has no consumer of its own, and a table works the same with one SQLite worker or many on PostgreSQL.
    """
    return Table(
        "consumer_positions",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("topic", String(200), primary_key=True),
        Column("partition", Integer, primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("high_watermark", BigInteger, nullable=False),
        Column("member", String(200), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


def add_ops_audit(metadata: MetaData) -> Table:
    """Every ops action on the event flow: who (the ops principal's subject), what, on what, why, with what outcome."""
    return Table(
        "ops_audit",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(50), nullable=False),
        Column("target", String(200), nullable=False),
        Column("reason", Text, nullable=True),
        Column("outcome", Text, nullable=False),
    )
