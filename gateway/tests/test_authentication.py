"""Customer tokens and partner signatures are checked at the edge; identity is forwarded signed."""

import time
from typing import Any

import httpx
import jwt

from gateway.cli import dev_token
from gateway.config import Settings
from gateway.routes import service_for
from servicekit.principal import Principal, PrincipalVerifier
from servicekit.replay import MemoryReplayGuard
from smartupgrade_partner.signing import sign_request

MODELS = "/api/v1/catalog/models"


async def forwarded_principal(response: httpx.Response) -> Principal:
    """The principal as the service the request went to verifies it: bound to its method, path and body (anonymous if none)."""
    echoed = response.json()
    token = echoed["headers"].get("x-principal")
    service = service_for(echoed["path"].split("?")[0])
    assert service is not None
    verifier = PrincipalVerifier(Settings().internal_secret, service, MemoryReplayGuard(30))
    return await verifier.verify(token, echoed["method"], echoed["path"], echoed["body"].encode("latin-1"))


def token(**changes: Any) -> str:
    settings = Settings()
    claims = {"sub": "acc-1", "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "exp": int(time.time()) + 600} | changes
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


async def test_a_valid_customer_token_reaches_the_service_as_a_signed_principal(gateway) -> None:
    response = await gateway.get(MODELS, headers={"Authorization": f"Bearer {dev_token(Settings(), 'acc-1', [])}"})
    assert response.status_code == 200
    principal = await forwarded_principal(response)
    assert (principal.kind, principal.subject) == ("customer", "acc-1")
    assert "authorization" not in response.json()["headers"]


async def test_an_ops_token_forwards_the_ops_role(gateway) -> None:
    response = await gateway.get(MODELS, headers={"Authorization": f"Bearer {dev_token(Settings(), 'ops-1', ['ops'])}"})
    assert (await forwarded_principal(response)).kind == "ops"


async def test_bad_tokens_are_refused_with_401(gateway) -> None:
    settings = Settings()
    unsigned = jwt.encode({"sub": "acc-1", "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "exp": int(time.time()) + 600}, "", algorithm="none")
    valid = token()
    tampered = valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB")
    for bad in [token(exp=int(time.time()) - 10), token(aud="someone-else"), token(iss="elsewhere"), tampered, unsigned, "not-a-jwt"]:
        response = await gateway.get(MODELS, headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad
        assert response.json()["code"] == "unauthorized"
        assert response.headers["content-type"] == "application/problem+json"
    assert (await gateway.get(MODELS, headers={"Authorization": "Basic abc"})).status_code == 401


async def test_a_client_sent_identity_header_is_dropped(gateway) -> None:
    forged = {"X-Principal": "forged", "X-Account-Id": "acc-victim", "X-User": "admin"}
    response = await gateway.get(MODELS, headers=forged)
    sent = {k.lower() for k in response.json()["headers"]}
    assert response.status_code == 200
    assert not {"x-principal", "x-account-id", "x-user"} & sent


async def test_a_signed_partner_request_is_forwarded_as_that_partner(gateway) -> None:
    path = "/api/v1/quotes?account_id=acc-1"
    body = b'{"imei": "990008010000011"}'
    response = await gateway.post(path, content=body, headers=sign_request("pk_retail", "retail-secret", "POST", path, body))
    principal = await forwarded_principal(response)
    assert (principal.kind, principal.subject, principal.partner_kind, principal.store_id) == ("partner", "pk_retail", "retailer", "store-1")
    assert not {"x-api-key", "x-signature"} & {k.lower() for k in response.json()["headers"]}


async def test_wrong_stale_future_and_replayed_partner_signatures_are_refused(gateway) -> None:
    path = "/api/v1/quotes"
    body = b"{}"
    cases = {
        "wrong secret": sign_request("pk_retail", "not-the-secret", "POST", path, body),
        "unknown key": sign_request("pk_nobody", "retail-secret", "POST", path, body),
        "stale": sign_request("pk_retail", "retail-secret", "POST", path, body, now=time.time() - 301),
        "future": sign_request("pk_retail", "retail-secret", "POST", path, body, now=time.time() + 301),
        "other body": sign_request("pk_retail", "retail-secret", "POST", path, b"{ }"),
        "other path": sign_request("pk_retail", "retail-secret", "POST", "/api/v1/quotes?x=1", body),
        "no signature": {"X-Api-Key": "pk_retail"},
        "garbled": {"X-Api-Key": "pk_retail", "X-Signature": "v1=abc"},
    }
    for name, headers in cases.items():
        response = await gateway.post(path, content=body, headers=headers)
        assert response.status_code == 401, name
    fresh = sign_request("pk_retail", "retail-secret", "POST", path, body)
    assert (await gateway.post(path, content=body, headers=fresh)).status_code == 200
    replay = await gateway.post(path, content=body, headers=fresh)
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]


async def test_signatures_within_the_tolerance_are_accepted(gateway) -> None:
    path = "/api/v1/quotes"
    for skew in (-290, 290):
        headers = sign_request("pk_retail", "retail-secret", "POST", path, b"{}", now=time.time() + skew)
        assert (await gateway.post(path, content=b"{}", headers=headers)).status_code == 200


async def test_only_an_exact_ops_role_makes_an_ops_principal(gateway) -> None:
    for roles, kind in [(["ops"], "ops"), ("staff ops", "ops"), ("shops", "customer"), (["operations"], "customer"), ({"ops": 1}, "customer")]:
        response = await gateway.get(MODELS, headers={"Authorization": f"Bearer {token(roles=roles)}"})
        assert (await forwarded_principal(response)).kind == kind, roles


async def test_a_signature_that_is_not_hex_is_refused_with_401_not_a_crash(gateway) -> None:
    for bad in ["t=1,v1=\u00e9\u00e9", f"t={int(time.time())},v1=" + "\u00ff" * 64, f"t={int(time.time())},v1=" + "A" * 64]:
        response = await gateway.post("/api/v1/quotes", content=b"{}", headers={"X-Api-Key": "pk_retail", "X-Signature": bad.encode().decode("unicode_escape").encode("latin-1")})
        assert response.status_code == 401 and response.json()["code"] == "unauthorized"
