"""`python -m enrolment.db.migrate`: bring the enrolment database to the newest schema."""

from pathlib import Path

from enrolment.config import Settings
from servicekit.migrations import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    upgrade(MIGRATIONS, Settings().database_url)


if __name__ == "__main__":
    main()
