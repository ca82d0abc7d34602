"""`make imei MODEL=…` (python -m catalog.seed imei): a sample IMEI, or a clear word and the model ids."""

import subprocess
import sys

import pytest

from catalog.seed.__main__ import seed_models
from contracts.imei import is_valid_imei


def imei_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "catalog.seed", "imei", *args], capture_output=True, text=True, timeout=60)


def test_a_seeded_model_gets_a_valid_imei_of_its_sample_tac() -> None:
    model = seed_models()[0]
    done = imei_command(model["id"])
    assert done.returncode == 0, done.stderr
    imei = done.stdout.strip()
    assert is_valid_imei(imei) and imei[:8] == model["tacs"][0]


@pytest.mark.parametrize(("args", "said"), [(("no-such-phone",), "Unknown model id 'no-such-phone'"), (("",), "No model given"), ((), "No model given")])
def test_an_unknown_or_missing_model_says_so_and_lists_the_ids(args: tuple[str, ...], said: str) -> None:
    done = imei_command(*args)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr and done.stdout == ""
    assert all(f"  {model['id']}\n" in done.stderr for model in seed_models())
