"""`MockServerThread`: the mock in a background thread, for code under test that is not async.

with MockServerThread() as server:
    bot = MyBot(ws_url=server.ws_url, api_url=server.api_url)
    bot.start()
    server.wait_for_subscription("channel.follow")
    server.trigger("channel.follow")
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from ..core.delivery import DeliveryResult
from ..core.model import Subscription
from ..core.sessions import Session
from .server import MockServer

T = TypeVar("T")


class MockServerThread:
    """Runs a `MockServer` in its own event loop on a daemon thread; every method blocks."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: MockServer | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> MockServerThread:
        if self._thread is not None:
            raise RuntimeError("already started")
        ready: Future[MockServer] = Future()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)

            async def boot() -> None:
                try:
                    server = MockServer(**self._options)
                    await server.start()
                except BaseException as exc:
                    ready.set_exception(exc)
                    return
                ready.set_result(server)

            loop.run_until_complete(boot())
            if ready.exception() is None:
                loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="eventsub-mock", daemon=True)
        self._thread.start()
        self._server = ready.result(timeout=30)
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._server is None:
            return
        server, self._server = self._server, None
        asyncio.run_coroutine_threadsafe(server.stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None

    def __enter__(self) -> MockServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- plumbing -----------------------------------------------------------------------------

    @property
    def server(self) -> MockServer:
        """The server itself; touch its state only through this class's methods."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return self._server

    def _run(self, make: Callable[[], Awaitable[T]], timeout: float | None = 60) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(_call(make), self._loop).result(timeout)

    def _call(self, function: Callable[[], T]) -> T:
        async def wrapped() -> T:
            return function()

        return self._run(wrapped)

    # --- the MockServer API, blocking -----------------------------------------------------------

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port

    ws_url = property(lambda self: self.server.ws_url)
    base_url = property(lambda self: self.server.base_url)
    api_url = property(lambda self: self.server.api_url)
    subscriptions_url = property(lambda self: self.server.subscriptions_url)
    control_url = property(lambda self: self.server.control_url)

    def trigger(self, name: str, /, **request: Any) -> DeliveryResult:
        return self._run(lambda: self.server.trigger(name, **request))

    def reconnect(self) -> dict[str, Any]:
        return self._call(self.server.reconnect)

    def close_session(self, session_id: str, code: int = 4000, *, dirty: bool = False) -> None:
        self._call(lambda: self.server.close_session(session_id, code, dirty=dirty))

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        return self._call(lambda: self.server.set_subscription_status(subscription_id, status))

    def set_keepalive(self, session_id: str, enabled: bool) -> None:
        self._call(lambda: self.server.set_keepalive(session_id, enabled))

    @property
    def sessions(self) -> list[Session]:
        return self._call(lambda: self.server.sessions)

    @property
    def subscriptions(self) -> list[Subscription]:
        return self._call(lambda: self.server.subscriptions)

    @property
    def requests(self) -> list[Any]:
        return self._call(lambda: list(self.server.requests))

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        return self._call(lambda: self.server.messages(session_id))

    def reset(self) -> None:
        self._call(self.server.reset)

    def advance(self, seconds: float) -> None:
        self._run(lambda: self.server.advance(seconds))

    def wait_for_session(
        self, predicate: Callable[[Session], bool] | None = None, *, timeout: float = 5.0
    ) -> Session:
        return self._run(lambda: self.server.wait_for_session(predicate, timeout=timeout), None)

    def wait_for_subscription(
        self, type: str | None = None, version: str | None = None, *, timeout: float = 5.0
    ) -> Subscription:
        return self._run(
            lambda: self.server.wait_for_subscription(type, version, timeout=timeout), None
        )

    def wait_for_close(self, session_id: str, *, timeout: float = 5.0) -> int | None:
        return self._run(lambda: self.server.wait_for_close(session_id, timeout=timeout), None)


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
