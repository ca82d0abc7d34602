"""A relay publishes an event as soon as the transaction that wrote it commits, in whichever process."""

import pytest

from eventing.outbox import Outbox
from eventing.relay import OutboxRelay
from eventing.testing import eventually, running, running_broker
from servicekit.db import Database

from .conftest import outbox_table

# Far longer than any wait below: only a wake, never the poll, can explain a publication in time.
LONG_POLL = 30.0


def long_polling_relay(plumbing) -> OutboxRelay:
    return OutboxRelay(
        plumbing.outbox, "catalog.events", plumbing.kafka, plumbing.db.reading, plumbing.db.transaction, plumbing.db.is_postgres,
        poll_seconds=LONG_POLL, epoch_check_seconds=LONG_POLL,
    )


async def test_a_commit_in_the_relays_own_process_wakes_it(plumbing, sample_model) -> None:
    with running_broker(plumbing.broker_port):
        async with running(long_polling_relay(plumbing)):
            for srp in (1, 2):  # the second proves the relay went back to waiting and was woken again
                async with plumbing.db.transaction() as session:
                    await plumbing.outbox.add(session, sample_model(srp=srp))
                await eventually(_all_published(plumbing), timeout=LONG_POLL / 2, what=f"event {srp} to be published before the poll")


async def test_a_commit_in_another_process_wakes_the_relay_on_postgresql(plumbing, sample_model) -> None:
    if not plumbing.db.is_postgres:
        pytest.skip("SQLite has one process per database: the commit wakes its relay directly")
    # Another process's writer: its own engine and its own Outbox, so no in-process callback reaches the relay.
    other_process = Database(plumbing.db.url)
    try:
        with running_broker(plumbing.broker_port):
            async with running(long_polling_relay(plumbing)):
                # The relay is listening once it has published something it was woken for.
                async with plumbing.db.transaction() as session:
                    await plumbing.outbox.add(session, sample_model(srp=1))
                await eventually(_all_published(plumbing), timeout=LONG_POLL / 2, what="the first event to be published")
                for srp in (2, 3):
                    async with other_process.transaction() as session:
                        await Outbox(outbox_table, "/catalog").add(session, sample_model(srp=srp))
                    await eventually(_all_published(plumbing), timeout=LONG_POLL / 2, what=f"event {srp}, committed elsewhere, to be published before the poll")
    finally:
        await other_process.dispose()


async def test_a_rolled_back_transaction_publishes_nothing(plumbing, sample_model) -> None:
    with running_broker(plumbing.broker_port):
        async with running(long_polling_relay(plumbing)):
            with pytest.raises(RuntimeError):
                async with plumbing.db.transaction() as session:
                    await plumbing.outbox.add(session, sample_model(srp=1))
                    raise RuntimeError("the use case failed")
            async with plumbing.db.transaction() as session:
                await plumbing.outbox.add(session, sample_model(srp=2))
            await eventually(_all_published(plumbing), timeout=LONG_POLL / 2, what="the committed event to be published")
            async with plumbing.db.reading() as session:
                rows = (await session.execute(outbox_table.select())).all()
            assert len(rows) == 1 and '"srp_paise":2,' in rows[0].envelope


def _all_published(plumbing):
    async def check() -> bool:
        async with plumbing.db.reading() as session:
            return bool(await session.scalar(outbox_table.select().with_only_columns(outbox_table.c.id).limit(1))) and await plumbing.unpublished() == 0

    return check
