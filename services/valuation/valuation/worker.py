"""Run only valuation's event workers: the outbox relay and the inbox consumer (scaled apart from the API)."""

import asyncio

from servicekit.app import run_workers_forever
from valuation.main import create_app

if __name__ == "__main__":
    asyncio.run(run_workers_forever(create_app()))
