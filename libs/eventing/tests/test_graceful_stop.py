"""Stopping a worker cleanly: the event in hand is finished and committed, the relay's batch is published."""

import asyncio

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from eventing.consumer import InboxConsumer, by_type, subscription
from eventing.testing import caught_up, eventually, running_broker

from .conftest import effects, inbox_table


async def test_a_consumer_stopped_while_applying_an_event_finishes_it_commits_and_returns(plumbing, sample_model) -> None:
    entered, gate = asyncio.Event(), asyncio.Event()

    async def slow_apply(session: AsyncSession, event: ModelUpserted) -> None:
        entered.set()
        await gate.wait()  # the event in hand when the stop comes
        await session.execute(insert(effects).values(model_id=event.id, srp_paise=event.srp_paise))

    consumer = InboxConsumer("stopping", by_type(subscription(ModelUpserted, slow_apply)), inbox_table, plumbing.db.transaction, plumbing.kafka)
    relay = plumbing.relay()
    with running_broker(plumbing.broker_port):
        relay_task, consumer_task = asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())
        try:
            async with plumbing.db.transaction() as session:
                await plumbing.outbox.add(session, sample_model())
            await asyncio.wait_for(entered.wait(), timeout=30)
            consumer.stop()
            relay.stop()
            gate.set()
            await asyncio.wait_for(asyncio.gather(consumer_task, relay_task), timeout=30)  # they return; nobody cancelled them
            assert await plumbing.effect_count() == 1
            assert await plumbing.unpublished() == 0
            assert await eventually(lambda: caught_up(plumbing.kafka.bootstrap, "stopping", ["catalog.events"]), what="the offset commit")
        finally:
            for task in (relay_task, consumer_task):
                task.cancel()
            await asyncio.gather(relay_task, consumer_task, return_exceptions=True)
