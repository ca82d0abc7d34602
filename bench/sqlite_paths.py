"""What one small SQLite write transaction costs through each layer, in CPU microseconds (docs/performance.md).

One process, a scratch database, `--rounds` transactions each of: begin, one INSERT, one SELECT by an
indexed column, commit. Printed per way, alternated over `--repeats` passes so a noisy machine shows as
spread rather than as a difference:

- `aiosqlite, async engine`: SQLAlchemy's asyncio layer over aiosqlite's thread (the services before);
- `in place (Database)`: servicekit's Database on SQLite, statements built per call (as most code is);
- `in place, built once`: the same with the statements built once with bindparam() (the hot paths);
- `sync engine`: SQLAlchemy's plain engine over the standard library's driver, built once;
- `driver alone`: sqlite3 with the SQL written out.

    .venv/bin/python bench/sqlite_paths.py [--rounds 2000] [--repeats 3]
"""

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, create_engine, event, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.db import Database

metadata = MetaData()
rows = Table("rows", metadata, Column("id", String, primary_key=True), Column("n", Integer), Column("tag", String, index=True))
ADD = insert(rows)
BY_TAG = select(rows.c.n).where(rows.c.tag == bindparam("tag"))
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")  # as servicekit/db.py sets them


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    counter = iter(range(10**9))

    def row() -> dict:
        i = next(counter)
        return {"id": f"r{i}", "n": i, "tag": f"t{i % 97}"}

    # The services' settings: WAL, BEGIN IMMEDIATE on the one writer (servicekit/db.py).
    threaded = create_async_engine(f"sqlite+aiosqlite:///{work / 'a.db'}", pool_size=1, max_overflow=0)
    async with threaded.connect() as connection:
        for pragma in PRAGMAS:
            await connection.exec_driver_sql(pragma)
        await connection.run_sync(metadata.create_all)
        await connection.commit()

    async def through_aiosqlite() -> None:
        async with threaded.begin() as connection:
            await connection.execute(ADD, row())
            (await connection.execute(BY_TAG, {"tag": "t1"})).first()

    database = Database(f"sqlite:///{work / 'b.db'}")
    await database.run_sync(metadata.create_all)

    async def in_place_built_per_call() -> None:
        values = row()
        async with database.transaction() as session:
            await session.execute(insert(rows).values(**values))
            (await session.execute(select(rows.c.n).where(rows.c.tag == "t1"))).first()

    async def in_place_built_once() -> None:
        async with database.transaction() as session:
            await session.execute(ADD, row())
            (await session.execute(BY_TAG, {"tag": "t1"})).first()

    engine = create_engine(f"sqlite:///{work / 'c.db'}")
    event.listen(engine, "connect", lambda dbapi_connection, _: [dbapi_connection.execute(pragma) for pragma in PRAGMAS])
    metadata.create_all(engine)

    async def sync_engine() -> None:
        with engine.begin() as connection:
            connection.execute(ADD, row())
            connection.execute(BY_TAG, {"tag": "t1"}).first()

    driver = sqlite3.connect(work / "d.db", isolation_level=None)
    for pragma in PRAGMAS:
        driver.execute(pragma)
    driver.execute("CREATE TABLE rows (id TEXT PRIMARY KEY, n INTEGER, tag TEXT)")
    driver.execute("CREATE INDEX ix_rows_tag ON rows (tag)")

    async def driver_alone() -> None:
        values = row()
        driver.execute("BEGIN IMMEDIATE")
        driver.execute("INSERT INTO rows (id, n, tag) VALUES (?, ?, ?)", (values["id"], values["n"], values["tag"]))
        driver.execute("SELECT n FROM rows WHERE tag = ?", ("t1",)).fetchone()
        driver.execute("COMMIT")

    ways: dict[str, Callable[[], Awaitable[None]]] = {
        "aiosqlite, async engine": through_aiosqlite,
        "in place (Database)": in_place_built_per_call,
        "in place, built once": in_place_built_once,
        "sync engine": sync_engine,
        "driver alone": driver_alone,
    }
    figures: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.repeats):
        for name, transaction in ways.items():
            for _ in range(100):  # warm: caches, pools, the WAL
                await transaction()
            started = time.process_time()
            for _ in range(args.rounds):
                await transaction()
            figures[name].append(1e6 * (time.process_time() - started) / args.rounds)
    print(f"CPU µs per transaction (begin, insert, select, commit), {args.rounds} each, {args.repeats} passes:")
    for name, values in figures.items():
        print(f"  {name:<26} " + "  ".join(f"{v:7.0f}" for v in values))
    await threaded.dispose()
    await database.dispose()
    engine.dispose()
    driver.close()


if __name__ == "__main__":
    asyncio.run(main())
