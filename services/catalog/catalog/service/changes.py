"""Use cases that change the catalog: each runs in the caller's one transaction and writes ModelUpserted."""

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db import repository
from catalog.domain.model import ModelRuleBroken, PhoneModel, SrpPoint, check
from catalog.events.outbound import model_upserted
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.problems import Problem


def _refuse(broken: ModelRuleBroken) -> Problem:
    return Problem(422, "validation_error", str(broken), [{"field": broken.field, "message": str(broken)}])


async def upsert_model(session: AsyncSession, outbox: Outbox, clock: Clock, model: PhoneModel) -> bool:
    """Create or replace a model; returns True when it is new."""
    try:
        check(model)
    except ModelRuleBroken as broken:
        raise _refuse(broken) from broken
    taken = {tac: owner for tac, owner in (await repository.owners_of(session, model.tacs)).items() if owner != model.id}
    if taken:
        tac, owner = next(iter(taken.items()))
        raise Problem(409, "tac_conflict", f"TAC {tac} already identifies model {owner}.")
    existed = await repository.get(session, model.id) is not None
    await repository.save(session, model, clock.now())
    await outbox.add(session, model_upserted(model, model.srp_on(clock.today())), clock.now())
    return not existed


async def add_price(session: AsyncSession, outbox: Outbox, clock: Clock, model_id: str, point: SrpPoint) -> PhoneModel:
    """Add an SRP taking effect on a date (replacing one already set for that date)."""
    model = await repository.get(session, model_id)
    if model is None:
        raise Problem(404, "not_found", f"No model {model_id}.")
    model.with_price(point)
    await repository.save(session, model, clock.now())
    await outbox.add(session, model_upserted(model, model.srp_on(clock.today())), clock.now())
    return model
