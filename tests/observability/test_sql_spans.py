"""The SQL spans a service exports (servicekit.tracing.instrument_engine, opentelemetry-instrumentation-sqlalchemy)
hold statements, never the values bound to them — not even when a statement fails.

In this process, on a scratch SQLite file, with spans kept in memory: the whole platform's trace is
tests/observability/test_trace_across_processes.py.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit import tracing

IMEI = "356938035643809"


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test only: what instrument_engine sees once configure_tracing has run."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing._provider = provider
    try:
        yield exporter
    finally:
        tracing._provider = None
        SQLAlchemyInstrumentor().uninstrument()
        tracing._traced_engines.clear()


def statements(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.CLIENT and span.attributes and "db.statement" in span.attributes]


async def test_each_engine_s_statements_are_spans_with_placeholders_and_a_failure_names_only_its_error(
    exported: InMemorySpanExporter, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'devices.db'}"
    writer, reader = create_async_engine(url), create_async_engine(url)
    try:
        for engine in (writer, reader, writer):  # the writer twice: a second call adds no second span per statement
            tracing.instrument_engine(engine)
        async with writer.begin() as connection:
            await connection.execute(text("CREATE TABLE devices (imei TEXT PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO devices (imei) VALUES (:imei)"), {"imei": IMEI})
        with pytest.raises(IntegrityError):
            async with writer.begin() as connection:
                await connection.execute(text("INSERT INTO devices (imei) VALUES (:imei)"), {"imei": IMEI})
        async with reader.connect() as connection:
            assert (await connection.execute(text("SELECT imei FROM devices WHERE imei = :imei"), {"imei": IMEI})).scalar() == IMEI
    finally:
        await writer.dispose()
        await reader.dispose()

    spans = statements(exported)
    assert [(span.attributes or {})["db.statement"] for span in spans] == [
        "CREATE TABLE devices (imei TEXT PRIMARY KEY)",
        "INSERT INTO devices (imei) VALUES (?)",
        "INSERT INTO devices (imei) VALUES (?)",
        "SELECT imei FROM devices WHERE imei = ?",
    ]
    failed = spans[2]
    # The database's own message is not exported: PostgreSQL's quotes the value (`Key (imei)=(…) already exists`).
    assert failed.status.status_code == StatusCode.ERROR and failed.status.description == "IntegrityError"
    everything = str([(span.name, span.attributes, span.status.description, span.events) for span in exported.get_finished_spans()])
    assert IMEI not in everything
