"""The coupon's rules as plain Python: validity, which order line it pays for, and held time."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.refusals import Refused

ACTIVE, REDEEMED, EXPIRED, VOID = "active", "redeemed", "expired", "void"


class CouponNotActive(Refused):
    """The coupon was voided, or is otherwise not available for use."""

    def __init__(self, status: str) -> None:
        super().__init__("coupon_not_active", f"The coupon is {status}.", status_now=status)


class CouponExpired(Refused):
    """The coupon's expiry instant has passed (whether or not the sweep has marked it)."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__("coupon_expired", f"The coupon expired at {expires_at.isoformat()}.", expires_at=expires_at.isoformat())


class NoEligibleItem(Refused):
    """No line of the order is a product the coupon may be spent on."""

    def __init__(self) -> None:
        super().__init__("no_eligible_item", "The order has no Mi or Redmi smartphone this coupon can be spent on.")


@dataclass(frozen=True)
class Coupon:
    id: str
    code: str
    exchange_id: str
    account_id: str
    amount_paise: int
    status: str
    issued_at: datetime
    expires_at: datetime
    void_reason: str | None = None
    exchange_cancelled_reason: str | None = None

    def status_at(self, now: datetime) -> str:
        """The status a user sees: an active coupon is expired from its expires_at on, sweep or no sweep."""
        if self.status == ACTIVE and now >= self.expires_at:
            return EXPIRED
        return self.status

    def check_redeemable(self, now: datetime) -> None:
        """Raise unless the coupon can pay for an order right now."""
        status = self.status_at(now)
        if status == EXPIRED:
            raise CouponExpired(self.expires_at)
        if status != ACTIVE:
            raise CouponNotActive(status)


def expiry_of(issued_at: datetime, validity_days: int) -> datetime:
    return issued_at + timedelta(days=validity_days)


def expiry_after_release(expires_at: datetime, held_from: datetime, released_at: datetime) -> datetime:
    """The validity does not run while an order holds the coupon: the held time is added back."""
    return expires_at + max(released_at - held_from, timedelta(0))


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    model_id: str
    unit_price_paise: int
    quantity: int


@dataclass(frozen=True)
class CatalogEntry:
    """What the catalog says a model is (brand and category), never what the order claims."""

    model_id: str
    brand: str
    category: str


@dataclass(frozen=True)
class Eligibility:
    """The products a coupon may be spent on (SPEC §7: Mi and Redmi smartphones; configurable)."""

    brands: frozenset[str]
    categories: frozenset[str]

    @classmethod
    def of(cls, brands: Iterable[str], categories: Iterable[str]) -> "Eligibility":
        return cls(frozenset(b.casefold() for b in brands), frozenset(c.casefold() for c in categories))

    def allows(self, entry: CatalogEntry | None) -> bool:
        return entry is not None and entry.brand.casefold() in self.brands and entry.category.casefold() in self.categories


@dataclass(frozen=True)
class Discount:
    line: OrderLine
    discount_paise: int
    forfeited_paise: int


def apply_to_order(amount_paise: int, lines: Iterable[OrderLine], catalog: Mapping[str, CatalogEntry], eligibility: Eligibility) -> Discount:
    """One unit of the dearest eligible line; whatever the unit price does not absorb is forfeited."""
    eligible = [line for line in lines if line.quantity > 0 and eligibility.allows(catalog.get(line.model_id))]
    if not eligible:
        raise NoEligibleItem()
    # max() keeps the first of equal prices, so the choice is stable for a given order.
    line = max(eligible, key=lambda item: item.unit_price_paise)
    discount = min(amount_paise, line.unit_price_paise)
    return Discount(line, discount, amount_paise - discount)


@dataclass(frozen=True)
class Redemption:
    """An order's use of a coupon; `released_at` is set once the order gave it back."""

    id: str
    coupon_id: str
    order_id: str
    account_id: str
    line_id: str
    model_id: str
    unit_price_paise: int
    discount_paise: int
    forfeited_paise: int
    redeemed_by: str
    redeemed_at: datetime
    released_by: str | None = None
    released_at: datetime | None = None
