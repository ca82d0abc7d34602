"""A customer's own messages and reminder preference."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from notification.api.schemas import MessageOut, MessagePage, Preferences
from notification.service import preferences, queries
from servicekit.clock import ClockDep
from servicekit.pagination import Keyset, NewestFirst, PageRequest
from servicekit.principal import CustomerDep

router = APIRouter(prefix="/api/v1/me/notifications", tags=["notifications"])

NEWEST = Keyset[NewestFirst](NewestFirst)
NewestPage = Annotated[PageRequest[NewestFirst], Depends(NEWEST.requests(default_limit=50))]


@router.get("", response_model=MessagePage, summary="What was sent to me, newest first")
async def my_notifications(request: Request, principal: CustomerDep, page: NewestPage) -> MessagePage:
    rows = await queries.messages_of(request.app.state.db, principal.subject or "", page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda m: (m.sent_at or m.created_at, m.id))
    return MessagePage(items=[MessageOut.of(m) for m in items], next_cursor=next_cursor)


@router.get("/preferences", response_model=Preferences, summary="Whether I get reminders")
async def my_preferences(request: Request, principal: CustomerDep) -> Preferences:
    return Preferences(reminders=await queries.reminders_wanted(request.app.state.db, principal.subject or ""))


@router.put("/preferences", response_model=Preferences, summary="Turn reminders on or off (transactional messages are always sent)")
async def set_preferences(body: Preferences, request: Request, principal: CustomerDep, clock: ClockDep) -> Preferences:
    return Preferences(reminders=await preferences.set_reminders(request.app.state.db, principal.subject or "", body.reminders, clock.now()))
