"""Partner credentials: key id → secret, kind and store (the embedded default reads a JSON file)."""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Partner:
    key_id: str
    secret: str
    kind: str  # retailer | logistics | checkout
    store_id: str | None


def load_partners(path: Path) -> dict[str, Partner]:
    entries = json.loads(path.read_text())
    partners = {}
    for entry in entries:
        if entry["kind"] not in ("retailer", "logistics", "checkout"):
            raise ValueError(f"partner {entry['key_id']}: unknown kind {entry['kind']}")
        partners[entry["key_id"]] = Partner(entry["key_id"], entry["secret"], entry["kind"], entry.get("store_id"))
    return partners
