"""Run only the notification workers: event consumer, webhook deliveries and customer messages (no HTTP)."""

import asyncio

from notification.main import create_app
from servicekit.app import run_workers_forever

if __name__ == "__main__":
    asyncio.run(run_workers_forever(create_app()))
