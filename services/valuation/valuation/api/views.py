"""Rows to response shapes, with what each caller may see."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from servicekit.principal import Principal
from valuation.api.schemas import ExchangeOut, QuoteOut
from valuation.service.quotes import quote_status


def quote_out(data: Mapping[str, Any], now: datetime) -> QuoteOut:
    return QuoteOut.model_validate(dict(data) | {"status": quote_status(data["status"], data["expires_at"], now)})


def exchange_out(data: Mapping[str, Any], principal: Principal) -> ExchangeOut:
    """The coupon code is the owner's alone: partners and ops see the exchange, not the code."""
    shown = dict(data)
    if principal.account_id != data["account_id"]:
        shown["coupon_code"] = None
    return ExchangeOut.model_validate(shown)
