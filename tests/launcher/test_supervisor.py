"""The launchers' supervisor: a process that dies is restarted with backoff while the others keep running; Ctrl-C stops all, in order."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from eventing.testing import poll

SUPERVISED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from launcher.supervisor import Program, Supervisor

    here = Path(sys.argv[1])
    child = '''
    import os, signal, sys, time
    from pathlib import Path
    def stopped(*_):
        with open(sys.argv[2], "a") as f:
            f.write(sys.argv[1] + "\\\\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stopped)
    while True:
        time.sleep(0.05)
    '''
    programs = [
        Program("front", [sys.executable, "-c", child, "front", str(here / "stops.txt")], {}, stop_rank=0),
        Program("back", [sys.executable, "-c", child, "back", str(here / "stops.txt")], {}, stop_rank=1),
        Program("crashing", [sys.executable, "-c", "import sys; print('failing'); sys.exit(3)"], {}, stop_rank=0),
    ]
    sys.exit(Supervisor(programs, state_file=here / "processes.json", stable_seconds=5).run())
    """
)


def state(here: Path) -> dict:
    try:
        return json.loads((here / "processes.json").read_text())["processes"]
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_process_is_restarted_the_others_keep_running_and_ctrl_c_stops_all_in_order(tmp_path: Path) -> None:
    script, log = tmp_path / "supervise.py", tmp_path / "out.log"
    script.write_text(SUPERVISED)
    with log.open("w") as out:
        supervisor = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=out, stderr=subprocess.STDOUT)
    try:
        first = poll(lambda: (s := state(tmp_path)) and s["front"]["pid"] and s["back"]["pid"] and s, interval=0.05)
        os.kill(first["back"]["pid"], signal.SIGKILL)
        restarted = poll(lambda: (s := state(tmp_path))["back"]["restarts"] == 1 and s["back"]["pid"] and s, interval=0.05)
        assert restarted["back"]["pid"] != first["back"]["pid"]
        assert restarted["front"]["pid"] == first["front"]["pid"] and alive(first["front"]["pid"])
        assert f"back (pid {first['back']['pid']}) was killed by SIGKILL" in log.read_text()
        # A process that keeps failing at once waits longer each time.
        poll(lambda: "crashing (pid" in log.read_text() and "restarting in 2.0 s" in log.read_text(), interval=0.05)
        pids = [p["pid"] for p in state(tmp_path).values() if p["pid"]]
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(30) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert not any(alive(pid) for pid in pids)
    assert (tmp_path / "stops.txt").read_text().split() == ["front", "back"]
    output = log.read_text()
    assert "crashing         | failing" in output
    assert "restarting in 1.0 s" in output
