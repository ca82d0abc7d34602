"""ENV is a closed set, and in production the gateway refuses every development credential, naming the setting."""

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.config import DEV_ISSUER, Settings
from gateway.partners import DEV_PARTNER_KEY_IDS
from servicekit.environment import PUBLISHED_SECRETS, Environment, fingerprint

REPO = Path(__file__).resolve().parents[2]
DEV_PARTNERS = json.loads((REPO / "deploy/local/partners.json").read_text())
ISSUER = "https://accounts.example.test/"


def real_partners(tmp_path: Path, *extra: dict) -> Path:
    path = tmp_path / f"partners-{secrets.token_hex(4)}.json"
    partners = [{"key_id": "pk_live_retail_1", "secret": secrets.token_urlsafe(32), "kind": "retailer", "store_id": "s-1"}, *extra]
    path.write_text(json.dumps(partners))
    return path


def production(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "env": "production", "internal_secret": secrets.token_urlsafe(32), "jwks_url": "http://127.0.0.1:1/jwks",
        "jwt_algorithms": ["RS256"], "jwt_issuer": ISSUER, "partners_file": real_partners(tmp_path),
    }
    return values | changes


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)
    return str(refused.value)


@pytest.mark.parametrize("spelling", ["production", "Production", "PRODUCTION", "prod", "PROD", "production ", " Prod\t"])
def test_every_spelling_of_production_is_production(spelling: str, tmp_path: Path) -> None:
    assert Settings(**production(tmp_path, env=spelling)).env is Environment.PRODUCTION
    assert "JWT_ISSUER" in refusal(**production(tmp_path, env=spelling, jwt_issuer=DEV_ISSUER))


@pytest.mark.parametrize("unknown", ["staging", "prd", "production1", "", "live"])
def test_an_unknown_environment_refuses_to_start(unknown: str) -> None:
    assert "is not an environment" in refusal(env=unknown)


def test_a_complete_production_configuration_starts(tmp_path: Path) -> None:
    assert Settings(**production(tmp_path))


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"internal_secret": ""}, "INTERNAL_SECRET"),
        ({"internal_secret": "short"}, "INTERNAL_SECRET"),
        ({"internal_secret": "dev-internal-secret-change-me-not-for-production"}, "INTERNAL_SECRET"),
        ({"jwks_url": None}, "JWKS_URL"),
        ({"jwt_issuer": DEV_ISSUER}, "JWT_ISSUER"),
        ({"jwt_algorithms": ["RS256", "HS256"]}, "JWT_ALGORITHMS"),
        ({"partners_file": REPO / "deploy/local/partners.json"}, "PARTNERS_FILE"),
    ],
)
def test_production_refuses_each_development_setting_by_name(changes: dict, named: str, tmp_path: Path) -> None:
    assert named in refusal(**production(tmp_path, **changes))


@pytest.mark.parametrize("dev_partner", DEV_PARTNERS, ids=lambda p: p["key_id"])
def test_production_refuses_any_key_or_secret_from_the_dev_partners_file(dev_partner: dict, tmp_path: Path) -> None:
    copied_whole = real_partners(tmp_path, dev_partner)
    assert dev_partner["key_id"] in refusal(**production(tmp_path, partners_file=copied_whole))
    renamed = real_partners(tmp_path, dev_partner | {"key_id": "pk_live_renamed"})
    assert "pk_live_renamed" in refusal(**production(tmp_path, partners_file=renamed))


def test_production_refuses_short_partner_secrets(tmp_path: Path) -> None:
    weak = real_partners(tmp_path, {"key_id": "pk_live_weak", "secret": "letmein", "kind": "checkout", "store_id": None})
    assert "pk_live_weak" in refusal(**production(tmp_path, partners_file=weak))


def test_the_published_fingerprints_cover_the_dev_partners_file() -> None:
    """If someone adds a dev partner, production must learn to refuse it too."""
    assert {p["key_id"] for p in DEV_PARTNERS} == DEV_PARTNER_KEY_IDS
    assert {fingerprint(p["secret"]) for p in DEV_PARTNERS} <= PUBLISHED_SECRETS


def test_no_secret_has_a_default_even_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERNAL_SECRET", raising=False)
    assert "INTERNAL_SECRET" in refusal()
    monkeypatch.setenv("INTERNAL_SECRET", secrets.token_urlsafe(32))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    assert "JWT_SECRET" in refusal()
