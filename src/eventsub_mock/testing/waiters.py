"""Awaitable conditions on the core's state, so that tests wait for events instead of sleeping."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from ..core.hub import EventSubCore
from ..core.model import Subscription
from ..core.sessions import Session

T = TypeVar("T")

# Closed sessions kept for `wait_for_close` and message records; the oldest are forgotten.
_CLOSED_KEPT = 1000


class WaitTimeout(AssertionError):
    """Raised when a wait ends without its condition; an AssertionError so tests read well."""


class Waiters:
    def __init__(self, core: EventSubCore) -> None:
        self._core = core
        self._pending: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self.closed: OrderedDict[str, Session] = OrderedDict()
        core.observers.append(self._on_change)

    def _on_change(self, kind: str, details: dict[str, Any]) -> None:
        if kind == "session_closed":
            session: Session = details["session"]
            self.closed[session.id] = session
            while len(self.closed) > _CLOSED_KEPT:
                self.closed.popitem(last=False)
        if not self._pending:
            return
        still: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        for probe, future in self._pending:
            if future.done():
                continue
            value = probe()
            if value is None:
                still.append((probe, future))
            else:
                future.set_result(value)
        self._pending = still

    async def until(self, probe: Callable[[], T | None], timeout: float | None, what: str) -> T:
        """Wait until `probe()` returns something other than None, and return it (for ever
        when `timeout` is None)."""
        value = probe()
        if value is not None:
            return value
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((probe, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what}") from None

    # --- the waits tests need ------------------------------------------------------------------

    async def session(
        self, predicate: Callable[[Session], bool] | None = None, timeout: float = 5.0
    ) -> Session:
        def probe() -> Session | None:
            for session in self._core.sessions.values():
                if session.delivering and (predicate is None or predicate(session)):
                    return session
            return None

        return await self.until(probe, timeout, "a session to connect")

    async def subscription(
        self,
        sub_type: str | None = None,
        version: str | None = None,
        timeout: float = 5.0,
    ) -> Subscription:
        def probe() -> Subscription | None:
            for sub in self._core.subscriptions.values():
                if (
                    sub.enabled
                    and (sub_type is None or sub.type == sub_type)
                    and (version is None or sub.version == version)
                ):
                    return sub
            return None

        what = f"a {sub_type or 'any'} subscription to be created"
        return await self.until(probe, timeout, what)

    async def close(self, session_id: str, timeout: float = 5.0) -> int | None:
        """The code the session closed with (None when the client closed it)."""
        sentinel = _Closed

        def probe() -> Any:
            session = self.closed.get(session_id)
            if session is None:
                return None
            return sentinel(session.close_code)

        closed = await self.until(probe, timeout, f"session {session_id} to close")
        return closed.code


class _Closed:
    __slots__ = ("code",)

    def __init__(self, code: int | None) -> None:
        self.code = code
