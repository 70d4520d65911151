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
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from ..config import ServerConfig
from ..core.auth import Token
from ..core.delivery import DeliveryResult
from ..core.model import Subscription
from ..core.play import PlayResult
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

    def retrigger(self, message_id: str) -> DeliveryResult:
        return self._call(lambda: self.server.retrigger(message_id))

    def mint_token(self, user_id: str | None = None, **details: Any) -> Token:
        return self._call(lambda: self.server.mint_token(user_id, **details))

    @property
    def conduits(self) -> list[dict[str, Any]]:
        return self._call(lambda: self.server.conduits)

    def disable_shard(
        self, conduit_id: str, shard_id: str, status: str = "websocket_disconnected"
    ) -> dict[str, Any]:
        return self._call(lambda: self.server.disable_shard(conduit_id, shard_id, status))

    def revoke_authorization(self, user_id: str, client_id: str | None = None) -> dict[str, Any]:
        return self._call(lambda: self.server.revoke_authorization(user_id, client_id))

    def reconnect(self) -> dict[str, Any]:
        return self._call(self.server.reconnect)

    def play(self, target: Any, /, **options: Any) -> PlayResult:
        """`MockServer.play`, blocking until the play ends."""
        return self._run(lambda: self.server.play(target, **options), None)

    def close_session(self, session_id: str, code: int = 4000, *, dirty: bool = False) -> None:
        self._call(lambda: self.server.close_session(session_id, code, dirty=dirty))

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        return self._call(lambda: self.server.set_subscription_status(subscription_id, status))

    def set_keepalive(self, session_id: str, enabled: bool) -> None:
        self._call(lambda: self.server.set_keepalive(session_id, enabled))

    def faults(
        self,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        return self._call(
            lambda: self.server.faults(
                session_id=session_id, subscription_id=subscription_id, **options
            )
        )

    def clear_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        return self._call(
            lambda: self.server.clear_faults(session_id=session_id, subscription_id=subscription_id)
        )

    @property
    def injected_faults(self) -> list[dict[str, Any]]:
        return self._call(lambda: self.server.injected_faults)

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

    def feed(self, **filters: Any) -> list[dict[str, Any]]:
        """The feed's items its history holds (`MockServer.feed`'s filters and `since`)."""
        return self._call(lambda: self.server.feed(**filters))

    def add_token(self, token: str, entry: str | Mapping[str, Any]) -> None:
        self._call(lambda: self.server.add_token(token, entry))

    def reset(self, *, tokens: bool = False) -> None:
        self._call(lambda: self.server.reset(tokens=tokens))

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


class AsyncView:
    """A `MockServerThread` seen from async code in another event loop: the `MockServer` API
    with the same call shapes (awaitable where `MockServer`'s methods are), run on the thread.

    Waits must not block the caller's loop (the client that would end them may run there), so
    they are awaited through `asyncio.wrap_future`; the quick calls block for one round trip to
    the server's thread, which never needs the caller's loop. asyncio only (anyio's asyncio
    backend included), as is `MockServer`.
    """

    def __init__(self, thread: MockServerThread) -> None:
        self.thread = thread

    async def _await(self, make: Callable[[], Awaitable[T]]) -> T:
        loop = self.thread._loop
        assert loop is not None
        # Cancelling the wrapped future (a test's timeout) cancels the wait on the thread too.
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_call(make), loop))

    @property
    def server(self) -> MockServer:
        return self.thread.server

    @property
    def config(self) -> ServerConfig:
        return self.thread.server.config

    @property
    def port(self) -> int:
        return self.thread.port

    ws_url = property(lambda self: self.thread.ws_url)
    base_url = property(lambda self: self.thread.base_url)
    api_url = property(lambda self: self.thread.api_url)
    subscriptions_url = property(lambda self: self.thread.subscriptions_url)
    control_url = property(lambda self: self.thread.control_url)

    async def trigger(self, name: str, /, **request: Any) -> DeliveryResult:
        return await self._await(lambda: self.server.trigger(name, **request))

    def retrigger(self, message_id: str) -> DeliveryResult:
        return self.thread.retrigger(message_id)

    def reconnect(self) -> dict[str, Any]:
        return self.thread.reconnect()

    async def play(self, target: Any, /, **options: Any) -> PlayResult:
        return await self._await(lambda: self.server.play(target, **options))

    def close_session(self, session_id: str, code: int = 4000, *, dirty: bool = False) -> None:
        self.thread.close_session(session_id, code, dirty=dirty)

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        return self.thread.set_subscription_status(subscription_id, status)

    def set_keepalive(self, session_id: str, enabled: bool) -> None:
        self.thread.set_keepalive(session_id, enabled)

    def faults(
        self,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        return self.thread.faults(session_id=session_id, subscription_id=subscription_id, **options)

    def clear_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        return self.thread.clear_faults(session_id=session_id, subscription_id=subscription_id)

    @property
    def injected_faults(self) -> list[dict[str, Any]]:
        return self.thread.injected_faults

    def add_token(self, token: str, entry: str | Mapping[str, Any]) -> None:
        self.thread.add_token(token, entry)

    @property
    def sessions(self) -> list[Session]:
        return self.thread.sessions

    @property
    def subscriptions(self) -> list[Subscription]:
        return self.thread.subscriptions

    @property
    def requests(self) -> list[Any]:
        return self.thread.requests

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        return self.thread.messages(session_id)

    def feed(self, **filters: Any) -> list[dict[str, Any]]:
        return self.thread.feed(**filters)

    def reset(self, *, tokens: bool = False) -> None:
        self.thread.reset(tokens=tokens)

    async def advance(self, seconds: float) -> None:
        await self._await(lambda: self.server.advance(seconds))

    async def wait_for_session(
        self, predicate: Callable[[Session], bool] | None = None, *, timeout: float = 5.0
    ) -> Session:
        return await self._await(lambda: self.server.wait_for_session(predicate, timeout=timeout))

    async def wait_for_subscription(
        self, type: str | None = None, version: str | None = None, *, timeout: float = 5.0
    ) -> Subscription:
        return await self._await(
            lambda: self.server.wait_for_subscription(type, version, timeout=timeout)
        )

    async def wait_for_close(self, session_id: str, *, timeout: float = 5.0) -> int | None:
        return await self._await(lambda: self.server.wait_for_close(session_id, timeout=timeout))


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
