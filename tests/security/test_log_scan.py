"""No process log of a whole cross-service run holds a live coupon code, a full IMEI, a token, a signature or a secret.

Reported (security point 6): codes sent lowercase, undashed or spaced were accepted and logged in full,
e.g. in the access-log path `/api/v1/coupons/7kq4m2zd9xwbh3rt`, and a dashed IMEI was not masked.
This runs last (`runs_last`), after every other test of the session has used the shared platform,
so it reads the logs of the whole run. It first drives a short flow itself so that the logs certainly
hold the material; then it takes every coupon code from the coupon database and every IMEI from the
valuation and enrolment databases, and looks for each, in any form, in every log.
"""

import importlib
import json
import re
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import unquote_plus

import httpx
import pytest

from catalog.seed.__main__ import sample_imei
from launcher.stack import Stack
from smartupgrade_partner.signing import sign_request

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

ACCOUNT = "acc-log-scan"
MODEL = "oneplus-8-6gb-128gb"  # exchange eligible
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}
JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+")
HEX_SIGNATURE = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def signed(api: httpx.Client, kind: str, method: str, path: str, body: object | None = None, **extra: str) -> tuple[httpx.Response, str]:
    """A request signed as the dev partner of that kind, and the signature (hex) it carried."""
    raw = json.dumps(body).encode() if body is not None else b""
    partner = helpers.PARTNERS[kind]
    headers = sign_request(partner["key_id"], partner["secret"], method, path, raw)
    response = api.request(method, path, content=raw, headers={"content-type": "application/json", **headers, **extra})
    return response, headers["X-Signature"].split("v1=")[1]


def drive_a_flow_that_logs_every_kind_of_secret(api: httpx.Client) -> dict[str, list[str]]:
    """Quote → accept → coupon; the code looked up in loose forms, a dashed IMEI, partner-signed requests.

    The last request to the catalog and to the coupon service carry request ids of ours (`last`): once
    both are in the logs, so is everything before them.
    """
    sent: dict[str, list[str]] = {"imeis": [], "signatures": [], "tokens": [], "last": [uuid.uuid4().hex, uuid.uuid4().hex]}
    token = helpers.bearer(ACCOUNT)
    sent["tokens"].append(token["Authorization"].split()[1])

    imei = sample_imei(MODEL, 7401)
    quote = conftest.poll(lambda: (r := api.post("/api/v1/quotes", json={"imei": imei, "condition": FLAWLESS}, headers=token)).status_code == 201 and r.json())
    accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=token)
    assert accepted.status_code == 201, accepted.text
    exchange_id = accepted.json()["id"]
    code = conftest.poll(lambda: api.get(f"/api/v1/exchanges/{exchange_id}", headers=token).json().get("coupon_code"))

    groups = code.split("-")
    for form in (code.lower(), code.replace("-", ""), code.replace("-", "").lower(), " ".join(groups), " ".join(groups).lower(), code.replace("-", " - ")):
        looked_up = api.get(f"/api/v1/coupons/{form}", headers=token)
        assert looked_up.status_code == 200 and looked_up.json()["code"] == code, (looked_up.status_code, looked_up.text)
    assert api.get(f"/api/v1/coupons/{code.replace('-', '').lower()}/events", headers=token).status_code == 200

    # A dashed, a spaced and a slashed IMEI: refused (an IMEI is 15 digits), but in the logs all the same.
    other = sample_imei(MODEL, 7402)
    sent["imeis"].append(other)
    dashed = f"{other[:2]}-{other[2:8]}-{other[8:14]}-{other[14]}"
    assert api.post("/api/v1/quotes", json={"imei": dashed, "condition": FLAWLESS}, headers=token).status_code == 422
    for written in (dashed, dashed.replace("-", " "), dashed.replace("-", "/"), f"{other[:8]}-{other[8:]}"):
        assert api.get(f"/api/v1/catalog/devices/{written}").status_code in (404, 422)
    assert api.get(f"/api/v1/catalog/devices/{imei}", headers={"X-Request-ID": sent["last"][0]}).status_code == 200

    # Partner-signed: the checkout looks the coupon up by its undashed code, a retailer quotes for the customer.
    response, signature = signed(api, "retailer", "POST", "/api/v1/quotes", {"imei": dashed, "condition": FLAWLESS, "account_id": ACCOUNT})
    assert response.status_code == 422, response.text
    sent["signatures"].append(signature)
    response, signature = signed(api, "checkout", "GET", f"/api/v1/coupons/{code.replace('-', '').lower()}", **{"X-Request-ID": sent["last"][1]})
    assert response.status_code == 200, response.text
    sent["signatures"].append(signature)
    return sent


def column_values(database: Path, wanted: re.Pattern[str]) -> set[str]:
    """Every non-empty value of every column whose name matches, in every table of a SQLite database."""
    values: set[str] = set()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for column in [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if wanted.fullmatch(row[1])]:
                values |= {str(v) for (v,) in db.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')}
    return values


def readable(line: str) -> str:
    """A log line as it would be read: its JSON strings decoded, URL escapes (even doubled) undone."""
    try:
        entry = json.loads(line)
        text = " ".join(str(value) for value in entry.values()) if isinstance(entry, dict) else line
    except ValueError:
        text = line
    for _ in range(3):
        text = unquote_plus(text)
    return text


def squeezed(text: str) -> str:
    """Case folded, separators removed, look-alikes read as the digits they stand for: how codes and IMEIs are typed."""
    return re.sub(r"[\s\-_+/.:,;]", "", text).upper().translate(LOOK_ALIKES)


def secrets_of_the_run(stack: Stack, sent: dict[str, list[str]]) -> dict[str, set[str]]:
    partners = json.loads((Path(__file__).resolve().parents[2] / "deploy/local/partners.json").read_text())
    named = {value for name, value in stack.env().items() if re.search(r"SECRET|TOKEN|PASSWORD", name) and len(value) >= 8}
    secrets_file = stack.var_dir / "secrets.env"
    if secrets_file.exists():
        named |= {line.split("=", 1)[1].strip() for line in secrets_file.read_text().splitlines() if "=" in line and len(line.split("=", 1)[1].strip()) >= 8}
    return {
        "coupon code": {code.replace("-", "") for code in column_values(stack.var_dir / "coupon.db", re.compile(r"code"))},
        "IMEI": {
            imei
            for name in ("valuation", "enrolment")
            for imei in column_values(stack.var_dir / f"{name}.db", re.compile(r".*imei.*"))
            if re.fullmatch(r"[0-9]{15}", imei)
        } | set(sent["imeis"]),
        "bearer token": set(sent["tokens"]),
        "partner signature": set(sent["signatures"]),
        "secret": {p["secret"] for p in partners} | named,
    }


def findings(logs: list[Path], secrets: dict[str, set[str]]) -> list[str]:
    found = []
    for log in logs:
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            text = readable(line)
            flat = squeezed(text)
            where = f"{log.name}:{number}"
            found += [f"{where}: a live coupon code" for code in secrets["coupon code"] if code in flat]
            found += [f"{where}: a full IMEI" for imei in secrets["IMEI"] if imei in flat]
            if JWT.search(line) or JWT.search(text) or any(token in line for token in secrets["bearer token"]):
                found.append(f"{where}: a bearer token")
            if any(s in line or s in text for s in secrets["partner signature"]) or HEX_SIGNATURE.search(text):
                found.append(f"{where}: a signature")
            found += [f"{where}: a secret" for secret in secrets["secret"] if secret in line or secret in text]
    return found


@pytest.mark.runs_last
def test_no_log_of_the_run_holds_a_code_imei_token_signature_or_secret(platform, api) -> None:
    sent = drive_a_flow_that_logs_every_kind_of_secret(api)
    logs = sorted(platform.logs.glob("*.log"))
    conftest.poll(lambda: all(any(rid in log.read_text() for log in logs) for rid in sent["last"]))  # access lines follow responses
    secrets = secrets_of_the_run(platform.stack, sent)
    assert secrets["coupon code"] and secrets["IMEI"] and secrets["partner signature"], "the run left nothing to look for"

    found = findings(logs, secrets)
    assert not found, f"{len(found)} leaks in {platform.logs}:\n" + "\n".join(found[:50])

    # The material was there, masked: the lookups by code and the device lookups by IMEI were logged.
    coupon_log = (platform.logs / "coupon.log").read_text()
    catalog_log = (platform.logs / "catalog.log").read_text()
    assert coupon_log.count("/api/v1/coupons/****-****-****-") >= 8
    assert catalog_log.count("/api/v1/catalog/devices/***********" + sent["imeis"][0][-4:]) >= 4
