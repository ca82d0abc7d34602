"""`make run` (python -m launcher run): a service that crashes is restarted while the rest keep serving; Ctrl-C stops everything."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from eventing.testing import free_port, poll
from gateway.cli import dev_token
from gateway.config import Settings
from launcher.stack import REPO, SERVICES
from launcher.testing import TEST_ENV


def bearer(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(Settings(), account, [])}"}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_service_is_restarted_while_the_others_keep_serving_and_ctrl_c_stops_all(tmp_path: Path) -> None:
    ports = {"GATEWAY_PORT": free_port(), "BROKER_PORT": free_port()} | {f"{name.upper()}_PORT": free_port() for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")} | TEST_ENV | {k: str(v) for k, v in ports.items()}
    env["VAR_DIR"] = str(tmp_path)
    gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"

    def state() -> dict:
        try:
            return json.loads((tmp_path / "processes.json").read_text())["processes"]
        except (FileNotFoundError, ValueError):
            return {}

    def healthy() -> bool:
        return _answers(f"{gateway}/api/v1/health")

    with (tmp_path / "launcher.log").open("wb") as log:
        launcher = subprocess.Popen([sys.executable, "-m", "launcher", "run"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        poll(healthy, timeout=90.0, interval=0.2)
        before = state()
        # (The catalog, as any service would: a consumer that has just restarted only stops once its group has let it
        # join, which on Tansu takes seconds the test need not spend; tests/scaled kills a coupon worker.)
        os.kill(before["catalog"]["pid"], signal.SIGKILL)
        poll(lambda: state()["catalog"]["pid"] is None or state()["catalog"]["restarts"] == 1, timeout=90.0, interval=0.2)
        mine = httpx.get(f"{gateway}/api/v1/me/coupons", headers=bearer("acc-1"), timeout=5)
        assert mine.status_code == 200  # the rest still serve
        after = poll(lambda: (s := state())["catalog"]["restarts"] == 1 and s["catalog"]["pid"] and s, timeout=90.0, interval=0.2)
        assert {n: after[n]["pid"] for n in after if n != "catalog"} == {n: before[n]["pid"] for n in before if n != "catalog"}
        poll(lambda: _answers(f"{gateway}/api/v1/catalog/models/mi-10-8gb-128gb"), timeout=90.0, interval=0.2)  # the new catalog process serves
        pids = [entry["pid"] for entry in state().values()]
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(60) == 0
    finally:
        if launcher.poll() is None:
            launcher.kill()
            for entry in state().values():
                if entry["pid"] and alive(entry["pid"]):
                    os.kill(entry["pid"], signal.SIGKILL)
    assert not any(alive(pid) for pid in pids)
    assert f"catalog (pid {before['catalog']['pid']}) was killed by SIGKILL" in (tmp_path / "launcher.log").read_text()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False
