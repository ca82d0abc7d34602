"""Use cases on webhook endpoints: register, rotate the secret, disable, enable, redeliver."""

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db import deliveries, endpoints
from notification.domain import signing
from notification.domain.audience import check_event_types
from notification.domain.records import DELIVERING, ENABLED, Delivery, Endpoint
from notification.domain.urls import check_url
from notification.service.access import endpoint_for, own_endpoint
from notification.service.secrets import SecretBox
from servicekit.db import Database
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.refusals import Refused

# Signatures per delivery at most: the current secret and those replaced within their overlap.
MAX_SIGNING_SECRETS = 4


async def register(
    db: Database, box: SecretBox, principal: Principal, url: str, event_types: list[str], description: str, *,
    loopback_allowed: bool, now: datetime,
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (returned this once)."""
    try:
        return await _register(db, box, principal, url, event_types, description, loopback_allowed=loopback_allowed, now=now)
    except IntegrityError:
        # The same URL registered by a concurrent request (PostgreSQL): answered as the retry it is.
        raise Refused("webhook_endpoint_exists", "This URL is already registered; rotate its secret if it was lost.", "url") from None


async def _register(
    db: Database, box: SecretBox, principal: Principal, url: str, event_types: list[str], description: str, *,
    loopback_allowed: bool, now: datetime,
) -> tuple[Endpoint, str]:
    async with db.transaction() as session:
        check_url(url, loopback_allowed)
        try:
            chosen = check_event_types(event_types)
        except ValueError as exc:
            raise Refused("validation_error", str(exc), "event_types") from None
        partner_key_id = principal.subject or ""
        existing = await endpoints.by_partner_and_url(session, partner_key_id, url)
        if existing is not None:
            raise Refused(
                "webhook_endpoint_exists", "This URL is already registered; rotate its secret if it was lost.", "url", endpoint_id=existing.id
            )
        endpoint = Endpoint(
            id=new_id("whe"), partner_key_id=partner_key_id, store_id=principal.store_id, url=url, event_types=chosen, description=description,
            status=ENABLED, disabled_reason=None, disabled_at=None, failing_since=None, previous_secret_until=None, created_at=now, updated_at=now,
        )  # fmt: skip
        secret = signing.new_secret()
        await endpoints.add(session, endpoint, box.seal(secret))
        return endpoint, secret


async def rotate_secret(db: Database, box: SecretBox, principal: Principal, endpoint_id: str, overlap: timedelta, now: datetime) -> tuple[Endpoint, str]:
    """A new secret; the old one keeps signing beside it for `overlap`, so receivers can switch without a gap.

    Secrets replaced earlier and still within their overlap keep signing too (up to MAX_SIGNING_SECRETS
    in all): a rotation retried after its answer was lost leaves the partner's secret working.
    """
    async with db.transaction() as session:
        endpoint = await own_endpoint(session, endpoint_id, principal, lock=True)
        current, previous = await endpoints.secrets_of(session, endpoint_id)
        still_signing = [(sealed, until) for sealed, until in previous if until > now]
        secret = signing.new_secret()
        kept = [(current, now + overlap), *still_signing][:MAX_SIGNING_SECRETS - 1]
        await endpoints.rotate(session, endpoint_id, box.seal(secret), kept, now)
        return replace(endpoint, previous_secret_until=now + overlap, updated_at=now), secret


async def disable(db: Database, principal: Principal, endpoint_id: str, reason: str | None, now: datetime) -> Endpoint:
    async with db.transaction() as session:
        await endpoint_for(session, endpoint_id, principal, lock=True)
        who = "ops" if principal.is_ops else "the partner"
        await endpoints.disable(session, endpoint_id, f"disabled by {who}" + (f": {reason}" if reason else ""), now)
        return await _reread(session, endpoint_id)


async def enable(db: Database, principal: Principal, endpoint_id: str, now: datetime) -> Endpoint:
    """Back on: deliveries that waited while it was off go out again (those past their window stay failed)."""
    async with db.transaction() as session:
        await own_endpoint(session, endpoint_id, principal, lock=True)
        await endpoints.enable(session, endpoint_id, now)
        return await _reread(session, endpoint_id)


async def redeliver(db: Database, principal: Principal, endpoint_id: str, delivery_id: str, now: datetime) -> Delivery:
    async with db.transaction() as session:
        await endpoint_for(session, endpoint_id, principal)
        found = await deliveries.get(session, endpoint_id, delivery_id)
        if found is None:
            raise Refused("not_found", "No such delivery.")
        if found.status != DELIVERING:
            await deliveries.redeliver(session, delivery_id, now)
        again = await deliveries.get(session, endpoint_id, delivery_id)
        assert again is not None
        return again


async def _reread(session: AsyncSession, endpoint_id: str) -> Endpoint:
    found = await endpoints.get(session, endpoint_id)
    assert found is not None
    return found
