"""The coupon service: 14-day exchange credits, minted once per exchange, redeemed once."""
