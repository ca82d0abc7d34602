"""Test support: a real broker on a free loopback port, started and stopped by PID."""

import contextlib
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from eventing.broker import broker_command

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from eventing.consumer import InboxConsumer
    from eventing.relay import OutboxRelay

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def start_broker(port: int) -> subprocess.Popen:
    process = subprocess.Popen(broker_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, by its PID."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def running_broker(port: int | None = None) -> Iterator[str]:
    """A fresh in-memory broker for the block; yields its bootstrap address."""
    port = port or free_port()
    process = start_broker(port)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


def poll(check: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.1) -> T:
    """The blocking twin of `eventually`: call `check` until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"not within {timeout}s; last: {result!r}"
        time.sleep(interval)
    return result


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 30.0, interval: float = 0.1, what: str = "the condition") -> T:
    """Poll an async check until it returns something truthy (and return that), or fail at the deadline.

    The check must be the condition the test goes on to assert, not a first sign of progress: a
    count polled for truthiness returns at 1, before a second effect (or a duplicate) lands.
    """
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {result!r})")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running(*workers: "OutboxRelay | InboxConsumer") -> AsyncIterator[None]:
    """Run workers' `run()` loops for the block, then cancel them."""
    import asyncio

    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def caught_up(bootstrap: str, group: str, topics: list[str]) -> bool:
    """Whether consumer group `group` has committed past every record now on `topics`, i.e. has applied them all.

    A consumer commits a record's offset only after the transaction that applied it, so once this
    holds, anything the group would do with those records (a duplicate included) has been done.
    A topic the broker does not know yet counts as not caught up.
    """
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    # group_id without a subscription: reads the group's committed offsets without joining the group.
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    await asyncio.sleep(0)  # let the consumer's background task start: aiokafka cannot stop it before it ran
    try:
        partitions = []
        for topic in topics:
            numbers = reader.partitions_for_topic(topic)
            if not numbers:
                return False
            partitions += [TopicPartition(topic, n) for n in sorted(numbers)]
        ends = await _end_offsets(reader, partitions)
        for partition in partitions:
            if (await reader.committed(partition) or 0) < ends[partition]:
                return False
        return True
    finally:
        await reader.stop()


async def read_to_end(bootstrap: str, topic: str, timeout: float = 30.0) -> list:
    """Every record on `topic`, from the beginning to (at least) its end as of this call."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await reader.start()
    await asyncio.sleep(0)  # let the consumer's background task start: aiokafka cannot stop it before it ran
    try:
        partitions = [TopicPartition(topic, n) for n in sorted(reader.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        ends = await _end_offsets(reader, partitions)
        await reader.seek_to_beginning(*partitions)
        records: list = []
        deadline = asyncio.get_running_loop().time() + timeout
        while [p for p in partitions if await reader.position(p) < ends[p]]:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"could not read {topic} to its end offsets {ends} within {timeout}s")
            for batch in (await reader.getmany(*partitions, timeout_ms=200)).values():
                records += batch
        return records
    finally:
        await reader.stop()


async def _end_offsets(reader: "AIOKafkaConsumer", partitions: list["TopicPartition"], timeout: float = 30.0) -> dict["TopicPartition", int]:
    """The offset each partition's next record will get: its high watermark, as a fetch reports it.

    Tansu answers a "latest offset" request with the base offset of the partition's last record batch
    plus one, not the offset after its last record, whenever a producer sent several records in one
    batch (the relay does); the high watermark in a fetch response is right. So the last batch is
    fetched. The reader is left assigned to `partitions`.
    """
    import asyncio

    reported = await reader.end_offsets(partitions)
    reader.assign(partitions)
    ends = {}
    deadline = asyncio.get_running_loop().time() + timeout
    for partition in partitions:
        if reported[partition] == 0:  # no record batch at all
            ends[partition] = 0
            continue
        reader.seek(partition, reported[partition] - 1)
        while not (await reader.getmany(partition, timeout_ms=200)).get(partition):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"could not fetch the last record batch of {partition} within {timeout}s")
        ends[partition] = reader.highwater(partition)
    return ends
