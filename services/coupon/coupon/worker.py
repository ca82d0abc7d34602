"""Run only the coupon workers: outbox relay, event consumer and expiry sweep (no HTTP)."""

import asyncio

from coupon.main import create_app
from servicekit.app import run_workers_forever

if __name__ == "__main__":
    asyncio.run(run_workers_forever(create_app()))
