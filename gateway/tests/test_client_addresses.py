"""Rate limits count against the real client: X-Forwarded-For only from trusted proxies, bounded buckets, failed sign-ins limited."""

import ipaddress
import time

import pytest

from gateway.addresses import client_address, rate_key, trace_parent
from gateway.cli import dev_token
from gateway.config import Settings
from gateway.ratelimit import Limit, MemoryLimiter

MODELS = "/api/v1/catalog/models"
PROXY = [ipaddress.ip_network("10.0.0.0/8")]


@pytest.fixture
def settings_overrides() -> dict:
    return {"rate_anonymous": "0.01/5", "rate_auth_failure": "0.01/4"}


async def test_a_new_forwarded_for_per_request_does_not_escape_the_limit(gateway) -> None:
    statuses = [(await gateway.get(MODELS, headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code for i in range(80)]
    assert statuses.count(200) == 5
    assert statuses.count(429) == 75


async def test_the_service_is_told_the_peer_address_not_the_claimed_one(gateway) -> None:
    response = await gateway.get(MODELS, headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.json()["headers"]["x-forwarded-for"] == "127.0.0.1"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy_and_only_up_to_it() -> None:
    assert client_address("127.0.0.1", b"198.51.100.7", []) == "127.0.0.1"
    assert client_address("192.0.2.1", b"198.51.100.7", PROXY) == "192.0.2.1"
    assert client_address("10.1.1.1", b"198.51.100.7", PROXY) == "198.51.100.7"
    # A client that prepends its own hops is still seen at the first hop the proxies did not add.
    assert client_address("10.1.1.1", b"1.1.1.1, 2.2.2.2, 198.51.100.7, 10.2.2.2", PROXY) == "198.51.100.7"
    assert client_address("10.1.1.1", b"not-an-address", PROXY) == "10.1.1.1"
    assert client_address("10.1.1.1", b"10.3.3.3", PROXY) == "10.1.1.1"


def test_ipv6_clients_share_a_bucket_per_64() -> None:
    assert rate_key("2001:db8:1:2::1") == rate_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("192.0.2.4") == "192.0.2.4"


async def test_failed_sign_ins_are_limited_per_address_and_then_even_good_ones_wait(gateway) -> None:
    bad = [await gateway.get(MODELS, headers={"Authorization": "Bearer forged.token.here"}) for _ in range(4)]
    assert [r.status_code for r in bad] == [401] * 4
    good = {"Authorization": f"Bearer {dev_token(Settings(), 'acc-1', [])}"}
    refused = await gateway.get(MODELS, headers=good)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    signature = await gateway.get(MODELS, headers={"X-Api-Key": "pk_retail", "X-Signature": f"t={int(time.time())},v1={'0' * 64}"})
    assert signature.status_code == 429


async def test_a_credential_sent_twice_is_a_400(gateway) -> None:
    token = dev_token(Settings(), "acc-1", [])
    response = await gateway.get(MODELS, headers=[("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")])
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_credentials"


async def test_an_invalid_traceparent_is_replaced_not_echoed(gateway) -> None:
    for bad in ["00-xyz-abc-01", "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nx: y",
                "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "a" * 500]:
        response = await gateway.get(MODELS, headers={"traceparent": bad})
        sent = response.json()["headers"]["traceparent"]
        assert sent != bad and trace_parent(sent.encode()) == sent
        assert response.headers["traceparent"] == sent


async def test_made_up_keys_cannot_flush_a_bucket_that_is_limiting_someone() -> None:
    limiter = MemoryLimiter(max_keys=100)
    tight = Limit(rate=0.001, burst=2)
    for _ in range(2):
        assert (await limiter.take("ip:abuser", tight)).allowed
    assert not (await limiter.take("ip:abuser", tight)).allowed
    anonymous = Limit(rate=20.0, burst=40)
    for i in range(5_000):
        await limiter.take(f"ip:spoofed-{i}", anonymous)
    assert len(limiter) <= 100
    assert not (await limiter.take("ip:abuser", tight)).allowed
