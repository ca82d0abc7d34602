"""`python -m catalog.seed` loads the seed once; `python -m catalog.seed imei <model_id>` prints a sample IMEI."""

import asyncio
import json
import sys
from pathlib import Path

from catalog.api.schemas import ModelBody
from catalog.config import Settings
from catalog.db.tables import outbox
from catalog.service.changes import load_seed
from contracts.imei import luhn_check_digit
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.db import Database

SEED_FILE = Path(__file__).parent / "models.json"


def seed_models() -> list[dict]:
    return json.loads(SEED_FILE.read_text())["models"]


class UnknownModel(LookupError):
    """No seeded model has this id."""


def sample_imei(model_id: str, serial: int = 1) -> str:
    """A valid IMEI with the model's first sample TAC (for trying the API, never a real phone)."""
    model = next((m for m in seed_models() if m["id"] == model_id), None)
    if model is None:
        raise UnknownModel(model_id)
    body = f"{model['tacs'][0]}{serial:06d}"
    return body + str(luhn_check_digit(body))


async def load_once(database_url: str) -> int:
    """Load every seed model (with its ModelUpserted) into an empty catalog; returns how many."""
    models = [ModelBody.model_validate({k: v for k, v in raw.items() if k != "id"}).to_model(raw["id"]) for raw in seed_models()]
    db = Database(database_url)
    try:
        return await load_seed(db, Outbox(outbox, source="/catalog"), Clock(), models)
    finally:
        await db.dispose()


def print_sample_imei(model_id: str) -> int:
    """`make imei MODEL=…`: the IMEI on stdout (exit 0), or why not and the model ids on stderr (exit 2, a usage error)."""
    try:
        print(sample_imei(model_id))
        return 0
    except UnknownModel:
        said = f"Unknown model id {model_id!r}." if model_id else "No model given."
        ids = "\n".join(f"  {m['id']}" for m in seed_models())
        print(f"{said} Run: make imei MODEL=<model id>, with one of the seeded models:\n{ids}", file=sys.stderr)
        return 2


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "imei":
        sys.exit(print_sample_imei(sys.argv[2].strip() if len(sys.argv) >= 3 else ""))
    loaded = asyncio.run(load_once(Settings().database_url))
    print(f"catalog seed: {loaded} models loaded" if loaded else "catalog seed: already loaded")


if __name__ == "__main__":
    main()
