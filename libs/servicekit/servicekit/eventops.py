"""The ops routes of the event flow, mounted by each service at `/api/v1/ops/<service>/…` (ops role only).

Dead letters (list, show, replay one or all, discard with a reason), the outbox backlog and
re-publish of an id range, and consumer lag. The tools themselves are `eventing.ops.EventOps`,
kept on `app.state.event_ops` by the service's startup; these routes only parse and answer.

The mutating routes are naturally idempotent rather than keyed: replaying or discarding an entry
that is no longer pending changes nothing and answers 409 `dead_letter_not_pending` (saying who
acted); a replayed event goes through the inbox, so it is never applied twice; re-publishing a
range again only sends copies that consumers drop by event id.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from eventing.ops import REPLAY_BATCH, REPUBLISH_MAX_IDS, DeadLetter, EventOps, OpsRefusal, ReplayOutcome, parsed_envelope
from servicekit.inputs import PRINTABLE
from servicekit.pagination import InSequence, Keyset, PageRequest
from servicekit.principal import OpsDep, Principal
from servicekit.problems import Problem

DeadLetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A dead letter's id")]
DEAD_LETTERS = Keyset[InSequence](InSequence)
DeadLetterPage = Annotated[PageRequest[InSequence], Depends(DEAD_LETTERS.requests(default_limit=50))]


class DeadLetterOut(BaseModel):
    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    status: Literal["pending", "replayed", "discarded"]
    acted_by: str | None
    acted_at: datetime | None
    reason: str | None


class DeadLetterDetail(DeadLetterOut):
    envelope: dict[str, Any] | str | None = Field(description="The parked CloudEvent as received (raw text when it was not JSON)")


class DeadLetterList(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None
    pending: int


class ReplayOut(BaseModel):
    id: int
    outcome: Literal["applied", "already_applied"]
    dead_letter: DeadLetterOut


class ReplayFailure(BaseModel):
    code: str
    detail: str


class ReplayAllOut(BaseModel):
    results: list[ReplayOut | ReplayFailure]
    remaining: int = Field(description="Entries still pending after this batch (failures included)")


class ReplayAllBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(REPLAY_BATCH, ge=1, le=REPLAY_BATCH, description=f"At most this many entries in this call ({REPLAY_BATCH} max)")


class DiscardBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500, pattern=PRINTABLE, description="Why it is dropped (kept with the entry and in the audit)")


class TopicBacklogOut(BaseModel):
    topic: str
    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float
    first_pending_id: int | None
    last_pending_id: int | None


class BacklogOut(BaseModel):
    pending: int
    oldest_pending_age_seconds: float
    retained: int = Field(description="Outbox rows kept (unpublished, and published within 7 days): what can be re-published")
    first_id: int | None
    last_id: int | None
    topics: list[TopicBacklogOut]


class RepublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_id: int = Field(ge=1, le=2**63 - 1)
    last_id: int = Field(ge=1, le=2**63 - 1)

    @model_validator(mode="after")
    def _a_range(self) -> "RepublishBody":
        if self.last_id < self.first_id:
            raise ValueError("last_id must not be below first_id")
        if self.last_id - self.first_id + 1 > REPUBLISH_MAX_IDS:
            raise ValueError(f"at most {REPUBLISH_MAX_IDS} ids at once")
        return self


class RepublishOut(BaseModel):
    republished: int = Field(description="Published rows marked unpublished; the relay sends them again within a second")


class PartitionLagOut(BaseModel):
    topic: str
    partition: int
    position: int
    high_watermark: int
    lag: int
    member: str
    updated_at: datetime
    age_seconds: float = Field(description="How old this reading is; the worker refreshes it every 5 s")


class ConsumerLagOut(BaseModel):
    consumer: str | None
    total_lag: int
    partitions: list[PartitionLagOut]


def _ops(request: Request) -> EventOps:
    ops: EventOps = request.app.state.event_ops
    return ops


def _actor(principal: Principal) -> str:
    return principal.subject or "ops"


def _out(entry: DeadLetter) -> DeadLetterOut:
    return DeadLetterOut.model_validate({k: v for k, v in entry.__dict__.items() if k != "envelope"})


def _replay_out(outcome: ReplayOutcome) -> ReplayOut:
    return ReplayOut.model_validate({"id": outcome.id, "outcome": outcome.outcome, "dead_letter": _out(outcome.dead_letter)})


@contextmanager
def _answered_as_problem() -> Iterator[None]:
    """An OpsRefusal from the tools becomes the problem+json answer it describes."""
    try:
        yield
    except OpsRefusal as refusal:
        raise Problem(refusal.status, refusal.code, refusal.detail) from refusal


def event_ops_router(service: str) -> APIRouter:
    """The ops routes for `service`, at `/api/v1/ops/<service>`."""
    router = APIRouter(prefix=f"/api/v1/ops/{service}", tags=[f"{service} event ops"])

    @router.get("/dlq", response_model=DeadLetterList, summary="Dead letters, oldest first (ops)")
    async def list_dead_letters(
        request: Request, _: OpsDep, page: DeadLetterPage,
        status: Annotated[Literal["pending", "replayed", "discarded"] | None, Query(description="Only entries in this status")] = None,
    ) -> DeadLetterList:
        ops = _ops(request)
        with _answered_as_problem():
            after = page.after[0] if page.after is not None else None
            rows = await ops.list_dead_letters(status, after, page.fetch)
            pending = await ops.pending_count()
        items, cursor = page.page(rows, lambda entry: (entry.id,))
        return DeadLetterList(items=[_out(entry) for entry in items], next_cursor=cursor, pending=pending)

    @router.get("/dlq/{dead_letter_id}", response_model=DeadLetterDetail, summary="One dead letter with its event (ops)")
    async def show_dead_letter(dead_letter_id: DeadLetterId, request: Request, _: OpsDep) -> DeadLetterDetail:
        with _answered_as_problem():
            entry = await _ops(request).dead_letter(dead_letter_id)
        return DeadLetterDetail(**_out(entry).model_dump(), envelope=parsed_envelope(entry))

    @router.post("/dlq/replay", response_model=ReplayAllOut, summary="Replay pending dead letters, a bounded batch (ops)")
    async def replay_all(request: Request, principal: OpsDep, body: Annotated[ReplayAllBody | None, Body()] = None) -> ReplayAllOut:
        limit = (body or ReplayAllBody()).limit
        with _answered_as_problem():
            outcomes, remaining = await _ops(request).replay_pending(_actor(principal), limit)
        results: list[ReplayOut | ReplayFailure] = [
            _replay_out(o) if isinstance(o, ReplayOutcome) else ReplayFailure(code=o.code, detail=o.detail) for o in outcomes
        ]
        return ReplayAllOut(results=results, remaining=remaining)

    @router.post(
        "/dlq/{dead_letter_id}/replay", response_model=ReplayOut, summary="Apply a dead letter once, through the inbox (ops)",
        openapi_extra={"x-problem-codes": {"409": ["dead_letter_not_pending", "not_replayable", "replay_failed"]}},
    )
    async def replay(dead_letter_id: DeadLetterId, request: Request, principal: OpsDep) -> ReplayOut:
        with _answered_as_problem():
            return _replay_out(await _ops(request).replay(dead_letter_id, _actor(principal)))

    @router.post(
        "/dlq/{dead_letter_id}/discard", response_model=DeadLetterOut, summary="Drop a dead letter, with a reason (ops)",
        openapi_extra={"x-problem-codes": {"409": ["dead_letter_not_pending"]}},
    )
    async def discard(dead_letter_id: DeadLetterId, body: DiscardBody, request: Request, principal: OpsDep) -> DeadLetterOut:
        with _answered_as_problem():
            return _out(await _ops(request).discard(dead_letter_id, _actor(principal), body.reason))

    @router.get("/outbox", response_model=BacklogOut, summary="Outbox backlog, per topic (ops)")
    async def backlog(request: Request, _: OpsDep) -> BacklogOut:
        with _answered_as_problem():
            found = await _ops(request).backlog()
        return BacklogOut(
            pending=found.pending, oldest_pending_age_seconds=found.oldest_pending_age_seconds, retained=found.retained,
            first_id=found.first_id, last_id=found.last_id, topics=[TopicBacklogOut(**t.__dict__) for t in found.topics],
        )

    @router.post("/outbox/republish", response_model=RepublishOut, summary="Send a range of outbox events again (ops)")
    async def republish(body: RepublishBody, request: Request, principal: OpsDep) -> RepublishOut:
        with _answered_as_problem():
            return RepublishOut(republished=await _ops(request).republish(body.first_id, body.last_id, _actor(principal)))

    @router.get("/consumers", response_model=ConsumerLagOut, summary="Consumer lag per partition (ops)")
    async def consumers(request: Request, _: OpsDep) -> ConsumerLagOut:
        ops = _ops(request)
        partitions = await ops.lag()
        return ConsumerLagOut(
            consumer=ops.consumer.name if ops.consumer else None, total_lag=sum(p.lag for p in partitions),
            partitions=[PartitionLagOut(**{k: v for k, v in p.__dict__.items() if k != "consumer"}) for p in partitions],
        )

    return router
