"""Run only the catalog's outbox relay (for deployments that scale workers apart from the API)."""

import asyncio

from catalog.main import create_app
from servicekit.app import run_workers_forever

if __name__ == "__main__":
    asyncio.run(run_workers_forever(create_app()))
