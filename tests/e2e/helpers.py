"""Who the end-to-end tests act as: dev tokens and the dev partners of deploy/local/partners.json."""

import json
from pathlib import Path

import httpx

from gateway.cli import dev_token
from gateway.config import Settings
from smartupgrade_partner.signing import sign_request

PARTNERS = {p["kind"]: p for p in json.loads((Path(__file__).resolve().parents[2] / "deploy/local/partners.json").read_text())}


def bearer(account: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(Settings(), account, list(roles))}"}


def as_partner(
    client: httpx.Client, kind: str, method: str, path: str, json_body: object | None = None, headers: dict | None = None, now: float | None = None
) -> httpx.Response:
    """Send a request signed as the dev partner of that kind (a retry must be signed at another second)."""
    body = json.dumps(json_body).encode() if json_body is not None else b""
    partner = PARTNERS[kind]
    signed = sign_request(partner["key_id"], partner["secret"], method, path, body, now=now)
    return client.request(method, path, content=body, headers={"content-type": "application/json", **signed, **(headers or {})})
