"""A quote: an itemised offer for one phone, valid 72 hours. No I/O."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from valuation.domain.condition import Condition
from valuation.domain.pricing import Offer
from valuation.domain.refusal import Refused

# `expired` is not stored: an offered quote past its expiry simply is expired.
QuoteStatus = Literal["offered", "accepted", "expired"]


@dataclass(frozen=True)
class Quote:
    id: str
    account_id: str
    partner_key: str | None  # the partner that asked for it, if any
    imei: str
    model_id: str
    condition: Condition
    offer: Offer
    accepted: bool
    expires_at: datetime
    created_at: datetime

    def status_at(self, now: datetime) -> QuoteStatus:
        if self.accepted:
            return "accepted"
        return "expired" if now >= self.expires_at else "offered"

    def check_open(self, now: datetime) -> None:
        """Only an offered quote within its 72 hours may be accepted."""
        status = self.status_at(now)
        if status == "accepted":
            raise Refused("exchange_already_open", "This quote was already accepted.")
        if status == "expired":
            raise Refused("quote_expired", "This quote has expired; ask for a new one.")

    def offer_at_accept(self, floor_stands: bool, minimum_paise: int) -> Offer:
        """What accepting it pays: the quote as offered, or — its plan no longer backing the floor — its market offer.

        A floored quote whose plan has lapsed (or been cancelled or redeemed) since keeps its market
        offer: that is the valuation of the phone itself, valid for the quote's 72 hours whatever
        became of the plan (program `exchange`, no `assured`). A market offer under the minimum is
        no offer (`device_not_eligible`, `no_value`).
        """
        if self.offer.assured is None or floor_stands:
            return self.offer
        return self.offer.without_floor(minimum_paise)
