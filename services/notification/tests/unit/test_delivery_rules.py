"""Which answers are retried, how long we wait, and which URLs a partner may register."""

from datetime import UTC, datetime, timedelta

import pytest

from notification.domain.retry import Backoff, Outcome, retry_after_seconds
from notification.domain.urls import check_url
from servicekit.refusals import Refused

NOW = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
BACKOFF = Backoff(first_seconds=5, cap_seconds=3600, window_seconds=24 * 3600)


@pytest.mark.parametrize("code", [None, 500, 502, 503, 504, 408, 429])
def test_timeouts_5xx_408_and_429_are_retried(code: int | None) -> None:
    assert BACKOFF.next_attempt(Outcome(code), 1, NOW, NOW) is not None


@pytest.mark.parametrize("code", [301, 302, 400, 401, 403, 404, 410, 413, 422])
def test_other_answers_fail_at_once(code: int) -> None:
    assert BACKOFF.next_attempt(Outcome(code), 1, NOW, NOW) is None


def test_a_host_refused_before_sending_is_not_retried() -> None:
    assert BACKOFF.next_attempt(Outcome(None, "refused", permanent=True), 1, NOW, NOW) is None


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    for attempts in range(1, 20):
        ceiling = min(3600, 5 * 2 ** (attempts - 1))
        assert all(ceiling / 2 <= BACKOFF.delay(attempts) <= ceiling for _ in range(20))


def test_retry_after_is_honoured_in_seconds_or_as_a_date() -> None:
    assert BACKOFF.next_attempt(Outcome(429, retry_after="120"), 1, NOW, NOW) == NOW + timedelta(seconds=120)
    assert retry_after_seconds("Mon, 02 Mar 2026 04:35:00 GMT", NOW) == 300
    assert retry_after_seconds("soon", NOW) is None


def test_retries_stop_at_the_end_of_the_window() -> None:
    late = NOW + timedelta(hours=23, minutes=59, seconds=58)
    assert BACKOFF.next_attempt(Outcome(503, retry_after="10"), 30, NOW, late) is None
    assert BACKOFF.next_attempt(Outcome(503, retry_after="1"), 30, NOW, late) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook", "https://192.168.0.1/hook",
        "https://172.16.5.4/hook", "https://169.254.169.254/", "https://[::1]/hook", "https://[fd00::1]/hook", "https://0.0.0.0/",
        "https://a.localhost/hook", "https://u:p@partner.example/", "https://partner.example/hook#x", "https://partner.example:99999/",
        "javascript:alert(1)", "https://partner.example/a b",
    ],
)  # fmt: skip
def test_production_refuses_urls_into_this_network_or_without_tls(url: str) -> None:
    with pytest.raises(Refused) as refused:
        check_url(url, loopback_allowed=False)
    assert refused.value.code == "validation_error" and refused.value.field == "url"


def test_development_also_accepts_plain_http_to_this_machine_only() -> None:
    assert check_url("http://127.0.0.1:8080/hook", loopback_allowed=True)
    assert check_url("http://localhost:8080/hook", loopback_allowed=True)
    with pytest.raises(Refused):
        check_url("http://10.0.0.1/hook", loopback_allowed=True)
    assert check_url("https://partner.example/hooks?v=1", loopback_allowed=False)
