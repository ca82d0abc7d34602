"""`python -m valuation.seed` loads the seed market prices once (run after `python -m valuation.db.migrate`)."""

import asyncio

from valuation.config import Settings
from valuation.seed import load_once


def main() -> None:
    loaded = asyncio.run(load_once(Settings().database_url))
    print(f"valuation seed: {loaded} market prices loaded" if loaded else "valuation seed: already loaded")


if __name__ == "__main__":
    main()
