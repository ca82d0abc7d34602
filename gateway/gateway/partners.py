"""Partner credentials: key id → secret, kind and store (the embedded default reads a JSON file)."""

import json
from dataclasses import dataclass
from pathlib import Path

from servicekit.environment import PUBLISHED_SECRETS, fingerprint
from servicekit.principal import PartnerKind
from servicekit.settings import MIN_SECRET_LENGTH, Refused

DEV_PARTNERS_FILE = Path("deploy/local/partners.json")
# The key ids of deploy/local/partners.json (a test keeps them in step); production refuses them.
DEV_PARTNER_KEY_IDS = frozenset({"pk_retail_mihome_koramangala", "pk_retail_mistudio_andheri", "pk_logistics_swiftship", "pk_checkout_mistore"})


@dataclass(frozen=True)
class Partner:
    key_id: str
    secret: str
    kind: PartnerKind
    store_id: str | None


def load_partners(path: Path) -> dict[str, Partner]:
    entries = json.loads(path.read_text())
    partners = {}
    for entry in entries:
        if entry["kind"] not in ("retailer", "logistics", "checkout"):
            raise ValueError(f"partner {entry['key_id']}: unknown kind {entry['kind']}")
        partners[entry["key_id"]] = Partner(entry["key_id"], entry["secret"], entry["kind"], entry.get("store_id"))
    return partners


def refuse_dev_partners(path: Path, partners: dict[str, Partner]) -> None:
    """Production: not the dev partners file, no key id or secret from it, no short secret."""
    if path.resolve().parts[-3:] == DEV_PARTNERS_FILE.parts:
        raise Refused(f"PARTNERS_FILE is the development file {DEV_PARTNERS_FILE}; ENV=production needs the real partners' credentials")
    for partner in partners.values():
        if partner.key_id in DEV_PARTNER_KEY_IDS or fingerprint(partner.secret) in PUBLISHED_SECRETS:
            raise Refused(f"PARTNERS_FILE holds the development partner {partner.key_id!r}; ENV=production refuses it")
        if len(partner.secret) < MIN_SECRET_LENGTH:
            raise Refused(f"PARTNERS_FILE: partner {partner.key_id!r} has a secret shorter than {MIN_SECRET_LENGTH} characters")
