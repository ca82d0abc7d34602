"""Production refuses development settings; each refusal code has its status."""

import pytest

from notification.config import Settings
from notification.service import errors
from servicekit.refusals import Refused
from servicekit.settings import Refused as SettingRefused

PRODUCTION = {
    "ENV": "production", "INTERNAL_SECRET": "x" * 40, "METRICS_TOKEN": "m" * 40, "NOTIFICATION_SECRETS_KEY": "k" * 40,
    "NOTIFICATION_DATABASE_URL": "postgresql://n:p@db/notification", "NOTIFICATION_CHANNEL": "smtp",
}  # fmt: skip


def test_production_starts_with_its_own_settings() -> None:
    assert Settings.model_validate(PRODUCTION).loopback_webhooks is False


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"NOTIFICATION_SECRETS_KEY": ""}, "NOTIFICATION_SECRETS_KEY"),
        ({"NOTIFICATION_SECRETS_KEY": "short"}, "NOTIFICATION_SECRETS_KEY"),
        ({"NOTIFICATION_CHANNEL": "local"}, "NOTIFICATION_CHANNEL"),
        ({"NOTIFICATION_CLOCK_OFFSET_SECONDS": "86400"}, "NOTIFICATION_CLOCK_OFFSET_SECONDS"),
    ],
)
def test_production_refuses_development_settings(override: dict[str, str], named: str) -> None:
    with pytest.raises((SettingRefused, ValueError), match=named):
        Settings.model_validate(PRODUCTION | override)


def test_development_allows_loopback_receivers() -> None:
    assert Settings(INTERNAL_SECRET="x" * 40, NOTIFICATION_SECRETS_KEY="k").loopback_webhooks is True


@pytest.mark.parametrize(("code", "status"), [("validation_error", 422), ("not_found", 404), ("webhook_endpoint_exists", 409)])
def test_refusals_become_problems_with_their_status(code: str, status: int) -> None:
    assert errors.problem_of(Refused(code, "no")).status == status
