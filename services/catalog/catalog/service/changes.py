"""Use cases that change the catalog: each writes the change and its ModelUpserted in one transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db import repository
from catalog.domain.model import PhoneModel, SrpPoint, check
from catalog.events.outbound import model_upserted
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.refusals import Refused


async def upsert_model(db: Database, outbox: Outbox, clock: Clock, model: PhoneModel) -> bool:
    """Create or replace a model; returns True when it is new."""
    async with db.transaction() as session:
        return await _save(session, outbox, clock, model)


async def add_price(session: AsyncSession, outbox: Outbox, clock: Clock, model_id: str, point: SrpPoint) -> PhoneModel:
    """Add an SRP taking effect on a date (replacing one already set for that date).

    The effect Idempotency.run executes, in the transaction that also stores the response.
    """
    model = await repository.get(session, model_id)
    if model is None:
        raise Refused("not_found", f"No model {model_id}.")
    model.with_price(point)
    await repository.save(session, model, clock.now())
    await outbox.add(session, model_upserted(model, model.srp_on(clock.today())), clock.now())
    return model


async def load_seed(db: Database, outbox: Outbox, clock: Clock, models: list[PhoneModel]) -> int:
    """Every seed model with its ModelUpserted, in one transaction, into an empty catalog only; returns how many."""
    async with db.transaction() as session:
        if not await repository.is_empty(session):
            return 0
        for model in models:
            await _save(session, outbox, clock, model)
    return len(models)


async def _save(session: AsyncSession, outbox: Outbox, clock: Clock, model: PhoneModel) -> bool:
    check(model)
    taken = {tac: owner for tac, owner in (await repository.owners_of(session, model.tacs)).items() if owner != model.id}
    if taken:
        tac, owner = next(iter(taken.items()))
        raise Refused("tac_conflict", f"TAC {tac} already identifies model {owner}.")
    existed = await repository.get(session, model.id) is not None
    await repository.save(session, model, clock.now())
    await outbox.add(session, model_upserted(model, model.srp_on(clock.today())), clock.now())
    return not existed
