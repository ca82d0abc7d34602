"""`python -m valuation.db.migrate`: bring the valuation database to the newest schema."""

from pathlib import Path

from servicekit.migrations import upgrade
from valuation.config import Settings


def main() -> None:
    upgrade(Path(__file__).parent / "migrations", Settings().database_url)


if __name__ == "__main__":
    main()
