"""A scratch database with an outbox, an inbox and an effects table, and a real broker."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from eventing.consumer import InboxConsumer, subscription
from eventing.kafka import KafkaSettings
from eventing.outbox import Outbox
from eventing.relay import OutboxRelay
from eventing.tables import add_inbox, add_outbox
from eventing.testing import caught_up, free_port
from servicekit.db import Database
from servicekit.testing import backends, scratch_database

metadata = MetaData()
outbox_table = add_outbox(metadata)
inbox_table = add_inbox(metadata)
effects = Table("effects", metadata, Column("n", Integer, primary_key=True, autoincrement=True), Column("model_id", String(100)), Column("srp_paise", Integer))


@dataclass
class Plumbing:
    db: Database
    outbox: Outbox
    kafka: KafkaSettings
    broker_port: int

    async def effect_count(self, srp_paise: int | None = None) -> int:
        """Effects applied (of events carrying this SRP, if given)."""
        query = select(func.count()).select_from(effects)
        if srp_paise is not None:
            query = query.where(effects.c.srp_paise == srp_paise)
        async with self.db.reading() as session:
            return int(await session.scalar(query) or 0)

    async def unpublished(self) -> int:
        async with self.db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))) or 0)

    async def settled(self, consumer: str = "test-consumer") -> bool:
        """Every outbox event is published and the consumer group has applied everything on the topic.

        From then on nothing more can happen: a duplicate, had there been one, has taken effect.
        """
        return await self.unpublished() == 0 and await caught_up(self.kafka.bootstrap, consumer, ["catalog.events"])

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.outbox, "catalog.events", self.kafka, self.db.reading, self.db.transaction, self.db.is_postgres, poll_seconds=0.2, epoch_check_seconds=0.5)

    def consumer(self, name: str = "test-consumer") -> InboxConsumer:
        async def apply(session: AsyncSession, event: ModelUpserted) -> None:
            await session.execute(insert(effects).values(model_id=event.id, srp_paise=event.srp_paise))

        return InboxConsumer(name, {ModelUpserted.TYPE: subscription(ModelUpserted, apply)}, inbox_table, self.db.transaction, self.kafka, backoff_seconds=0.05)


@pytest.fixture(params=backends())
async def plumbing(request, tmp_path) -> AsyncIterator[Plumbing]:
    async with scratch_database(request.param, tmp_path) as url:
        db = Database(url)
        await db.run_sync(metadata.create_all)
        port = free_port()
        kafka = KafkaSettings(f"127.0.0.1:{port}", partitions=2, session_timeout_ms=6000, heartbeat_interval_ms=1000, retry_seconds=0.2)
        try:
            yield Plumbing(db, Outbox(outbox_table, "/catalog"), kafka, port)
        finally:
            await db.dispose()


@pytest.fixture
def sample_model():
    """A ModelUpserted for the Redmi 9 Prime, with the SRP you give it."""
    from datetime import date

    from contracts.catalog import ExchangeTerms, SmartUpgradeTerms, SrpPoint

    def make(srp: int = 999900) -> ModelUpserted:
        return ModelUpserted(
            id="redmi-9-prime-4gb-64gb", brand="Redmi", name="Redmi 9 Prime", ram_gb=4, storage_gb=64, category="smartphone",
            launch_date=date(2020, 8, 6), srp_paise=srp, srp_history=[SrpPoint(effective_from=date(2020, 8, 6), srp_paise=srp)],
            tacs=["99000301"], smart_upgrade=SmartUpgradeTerms(eligible=True, fee_paise=39900), exchange=ExchangeTerms(eligible=True),
        )

    return make
