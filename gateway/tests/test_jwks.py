"""Production tokens: RS256/ES256 from a JWKS URL, keys cached and refetched on an unknown kid."""

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eventing.testing import free_port

ISSUER = "https://accounts.smartupgrade.test"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEYS: dict[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] = {"k1": rsa_key(), "k2": rsa_key(), "k9": rsa_key(), "e1": ec.generate_private_key(ec.SECP256R1())}
PUBLISHED = {"kids": ["k1", "e1"]}


def jwk(kid: str) -> dict[str, Any]:
    key = KEYS[kid].public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        public, algorithm = jwt.algorithms.ECAlgorithm.to_jwk(key), "ES256"
    else:
        public, algorithm = jwt.algorithms.RSAAlgorithm.to_jwk(key), "RS256"
    return json.loads(public) | {"kid": kid, "use": "sig", "alg": algorithm}


@pytest.fixture
async def jwks_url() -> AsyncIterator[str]:
    async def serve(_: web.Request) -> web.Response:
        return web.json_response({"keys": [jwk(kid) for kid in PUBLISHED["kids"]]})

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/.well-known/jwks.json"
    await runner.cleanup()


@pytest.fixture
def settings_overrides(jwks_url: str) -> dict[str, Any]:
    return {"jwks_url": jwks_url, "jwt_algorithms": ["RS256", "ES256"], "jwt_issuer": ISSUER, "jwt_audience": "smartupgrade-api", "jwks_refetch_cooldown_seconds": 0}


def token(kid: str, algorithm: str = "RS256", **claims: Any) -> str:
    body = {"sub": "acc-7", "iss": ISSUER, "aud": "smartupgrade-api", "exp": int(time.time()) + 300} | claims
    return jwt.encode(body, KEYS[kid], algorithm=algorithm, headers={"kid": kid})


async def status(gateway: httpx.AsyncClient, bearer: str) -> int:
    return (await gateway.get("/api/v1/catalog/models", headers={"Authorization": f"Bearer {bearer}"})).status_code


async def test_valid_rs256_and_es256_tokens_are_accepted(gateway) -> None:
    PUBLISHED["kids"] = ["k1", "e1"]
    assert await status(gateway, token("k1")) == 200
    assert await status(gateway, token("e1", "ES256")) == 200


async def test_a_rotated_key_is_fetched_when_its_kid_is_first_seen(gateway) -> None:
    PUBLISHED["kids"] = ["k1", "e1"]
    assert await status(gateway, token("k1")) == 200
    PUBLISHED["kids"] = ["k2"]
    assert await status(gateway, token("k2")) == 200


async def test_unknown_keys_wrong_algorithms_and_expired_tokens_are_refused(gateway) -> None:
    PUBLISHED["kids"] = ["k1", "e1"]
    assert await status(gateway, token("k9")) == 401
    assert await status(gateway, token("k1", "RS512")) == 401
    public_pem_as_secret = jwt.encode({"sub": "acc-7", "iss": ISSUER, "aud": "smartupgrade-api", "exp": int(time.time()) + 300}, "k1-secret-padded-to-32-bytes-or-more", algorithm="HS256", headers={"kid": "k1"})
    assert await status(gateway, public_pem_as_secret) == 401
    assert await status(gateway, token("k1", exp=int(time.time()) - 5)) == 401
