"""Who may see and change an endpoint: the partner that registered it, and ops (to list and disable)."""

from sqlalchemy.ext.asyncio import AsyncSession

from notification.db import endpoints
from notification.domain.records import Endpoint
from servicekit.principal import Principal
from servicekit.refusals import Refused


def not_found() -> Refused:
    return Refused("not_found", "No such webhook endpoint.")


async def endpoint_for(session: AsyncSession, endpoint_id: str, principal: Principal, *, lock: bool = False) -> Endpoint:
    """The endpoint, when the principal is its partner or ops; 404 for anyone else (its existence is not told)."""
    found = await endpoints.get(session, endpoint_id, lock=lock)
    if found is None or not (principal.is_ops or (principal.is_partner and principal.subject == found.partner_key_id)):
        raise not_found()
    return found


async def own_endpoint(session: AsyncSession, endpoint_id: str, principal: Principal, *, lock: bool = False) -> Endpoint:
    """Only the partner itself (secrets, re-enabling): ops get 404 too."""
    found = await endpoint_for(session, endpoint_id, principal, lock=lock)
    if principal.subject != found.partner_key_id or not principal.is_partner:
        raise not_found()
    return found
