"""One client's socket as the core sees it: non-blocking sends, pings, closes."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

# Seconds a closing connection may take to go away before it is dropped.
_CLOSE_TIMEOUT = 5.0
_PING_FRAME = b"\x89\x00"


class SocketConnection:
    """Writes frames straight to the transport so that a send never waits.

    The transport's buffer is the session's bounded queue: a client that stops reading lets it
    grow, and past `max_buffer` bytes the send reports failure and the core closes the session.
    """

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, max_buffer: int) -> None:
        self._ws = ws
        transport = request.transport
        assert transport is not None
        self._transport = transport
        self._max_buffer = max_buffer
        self._closing: asyncio.Task[bool] | None = None

    def _room(self) -> bool:
        return self._transport.get_write_buffer_size() <= self._max_buffer

    def write(self, wire: bytes) -> bool:
        if self._transport.is_closing():
            return True  # the session is ending; the core hears of it from the read loop
        self._transport.write(wire)
        return self._room()

    def ping(self) -> None:
        if not self._transport.is_closing():
            self._transport.write(_PING_FRAME)

    def close(self, code: int, reason: str) -> None:
        if not self._room():
            self.abort()  # a client that does not read would never get the close frame
            return
        loop = asyncio.get_running_loop()
        self._closing = loop.create_task(
            self._ws.close(code=code, message=reason.encode(), drain=False)
        )
        loop.call_later(_CLOSE_TIMEOUT, self._abort_if_open)

    def abort(self) -> None:
        self._transport.abort()

    def _abort_if_open(self) -> None:
        if not self._transport.is_closing():
            self._transport.abort()

    async def wait_closed(self) -> None:
        if self._closing is not None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await self._closing
