"""Run only enrolment's workers: outbox relay, event consumer and lapse sweep (scaled apart from the API)."""

import asyncio

from enrolment.main import create_app
from servicekit.app import run_workers_forever

if __name__ == "__main__":
    asyncio.run(run_workers_forever(create_app()))
