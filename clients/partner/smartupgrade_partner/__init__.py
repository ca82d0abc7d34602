"""A small client for partner retailers, logistics partners and checkouts of the Smart Upgrade & Exchange API."""

from smartupgrade_partner.signing import sign_request

__all__ = ["sign_request"]
