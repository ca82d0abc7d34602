"""`python -m <svc>.worker` on SIGTERM: the event in hand is finished, clients close, the process exits 0."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from eventing.testing import poll

WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from servicekit.app import create_service_app, run_workers_forever
    from servicekit.settings import ServiceSettings

    marks = Path(sys.argv[1])

    def mark(line):
        with marks.open("a") as file:
            file.write(line + "\\n")

    class Consumer:
        '''Stands in for the relay and the consumers: it has stop(), and an event takes a while.'''

        def __init__(self):
            self.stopping = asyncio.Event()

        def stop(self):
            mark("asked to stop")
            self.stopping.set()

        async def run(self):
            n = 0
            while not self.stopping.is_set():
                n += 1
                mark(f"event {n} started")
                await asyncio.sleep(0.5)  # applying it
                mark(f"event {n} committed")
            mark("consumer returned")

    async def sweep():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            mark("sweep cancelled")
            raise

    consumer = Consumer()
    database_url = f"sqlite+aiosqlite:///{marks.parent / 'worker.db'}"
    app = create_service_app("test", ServiceSettings(), [], database_url=database_url, workers=lambda app: [consumer.run, sweep])
    asyncio.run(run_workers_forever(app))
    mark("exited cleanly")
    """
)


def test_sigterm_finishes_the_event_in_hand_stops_the_rest_and_exits_0(tmp_path: Path) -> None:
    script, marks = tmp_path / "worker.py", tmp_path / "marks.txt"
    script.write_text(WORKER)
    marks.touch()
    process = subprocess.Popen([sys.executable, str(script), str(marks)], env=dict(os.environ, RUN_WORKERS="true"))
    try:
        poll(lambda: "event 1 started" in marks.read_text(), timeout=30.0, interval=0.02)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lines = marks.read_text().splitlines()
    stop = lines.index("asked to stop")
    last_started = [line for line in lines if line.endswith("started")][-1]
    assert lines.index(last_started) < stop, "no event is started once the stop came"
    assert lines[-3:] == [last_started.replace("started", "committed"), "consumer returned", "exited cleanly"]
    assert "sweep cancelled" in lines[stop:]
