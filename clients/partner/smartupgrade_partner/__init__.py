"""Sync and async clients for partner retailers, logistics partners and checkouts of the Smart Upgrade & Exchange API."""

from smartupgrade_partner.asynchronous import AsyncPartnerClient
from smartupgrade_partner.client import PartnerClient
from smartupgrade_partner.operations import Checklist, Condition, OrderLine
from smartupgrade_partner.policy import PartnerApiError
from smartupgrade_partner.signing import sign_request
from smartupgrade_partner.webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "AsyncPartnerClient", "Checklist", "Condition", "OrderLine", "PartnerApiError", "PartnerClient", "WebhookVerificationError", "sign_request",
    "verify_webhook",
]
