"""`python -m notification.db.migrate`: bring the notification database to the newest schema."""

from pathlib import Path

from notification.config import Settings
from servicekit.migrations import upgrade


def main() -> None:
    upgrade(Path(__file__).parent / "migrations", Settings().database_url)


if __name__ == "__main__":
    main()
