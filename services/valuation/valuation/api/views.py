"""Rows to response shapes, with what each caller may see."""

from datetime import datetime

from servicekit.principal import Principal
from valuation.api.schemas import ExchangeOut, QuoteOut
from valuation.service.quotes import quote_status


def quote_out(row, now: datetime) -> QuoteOut:  # type: ignore[no-untyped-def]
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    return QuoteOut.model_validate(data | {"status": quote_status(row if hasattr(row, "status") else _Obj(data), now)})


def exchange_out(row, principal: Principal) -> ExchangeOut:  # type: ignore[no-untyped-def]
    """The coupon code is the owner's alone: partners and ops see the exchange, not the code."""
    data = dict(row._mapping)
    if principal.kind != "customer" or principal.subject != row.account_id:
        data["coupon_code"] = None
    return ExchangeOut.model_validate(data)


class _Obj:
    def __init__(self, data: dict) -> None:
        self.__dict__.update(data)
