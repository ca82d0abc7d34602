"""deploy/observability: the scrape config and alert rules are valid, and each alert fires (and stays quiet)
as its unit tests in alerts.test.yml say, checked by promtool from Debian's `prometheus` package.

Without promtool the test tries `apt-get install prometheus` (as root); if that fails too it is skipped with
the reason, except under REQUIRE_PROMTOOL=1 (CI), where it fails.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # The package is a server too; its maintainer scripts do not start one without an init system.
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"]
        if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
            # A fresh machine's package lists may be missing or stale.
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
            subprocess.run(install, env=env, capture_output=True, timeout=600)
        found = shutil.which("promtool")
    if found is None:
        reason = "promtool is not installed and `apt-get install prometheus` could not install it"
        if os.environ.get("REQUIRE_PROMTOOL") == "1":
            pytest.fail(reason + " (REQUIRE_PROMTOOL=1)")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def promtool() -> str:
    return _promtool()


def _run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_alert_rules_are_valid(promtool: str) -> None:
    output = _run([promtool, "check", "rules", "alerts.yml"], OBSERVABILITY)
    assert "SUCCESS: 5 rules found" in output


def test_each_alert_fires_and_stays_quiet_as_its_unit_tests_say(promtool: str) -> None:
    _run([promtool, "test", "rules", "alerts.test.yml"], OBSERVABILITY)


def test_every_alert_has_a_unit_test_and_a_runbook_entry() -> None:
    rules = (OBSERVABILITY / "alerts.yml").read_text()
    tests = (OBSERVABILITY / "alerts.test.yml").read_text()
    runbook = (OBSERVABILITY.parents[1] / "docs" / "observability.md").read_text()
    names = [line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")]
    assert len(names) == 5
    for name in names:
        assert f"alertname: {name}" in tests, f"{name} has no promtool unit test"
        assert f"### {name}" in runbook, f"{name} has no entry in docs/observability.md"


def test_scrape_config_is_valid(promtool: str, tmp_path: Path) -> None:
    # The token file is mounted beside the config in a deployment; promtool insists that it exists.
    for name in ("prometheus.yml", "alerts.yml"):
        shutil.copy(OBSERVABILITY / name, tmp_path / name)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "metrics-token").write_text("not-a-real-token\n")
    output = _run([promtool, "check", "config", "prometheus.yml"], tmp_path)
    assert "is valid prometheus config file syntax" in output
