"""A small client for partner retailers, logistics partners and checkouts of the Smart Upgrade & Exchange API."""

from smartupgrade_partner.client import Checklist, Condition, OrderLine, PartnerApiError, PartnerClient
from smartupgrade_partner.signing import sign_request

__all__ = ["Checklist", "Condition", "OrderLine", "PartnerApiError", "PartnerClient", "sign_request"]
