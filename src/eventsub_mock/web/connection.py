"""One client's socket: the one writer of every frame the server sends on it.

aiohttp reads the client's frames (`ReadOnlyWebSocketResponse`) and never writes: text frames,
pings, pongs and close frames all go from `SocketConnection` to the transport, framed by
`protocol.framing`. Two writers on one socket could interleave or reorder frames.
"""

from __future__ import annotations

import asyncio

from aiohttp import WebSocketError, WSCloseCode, WSMessage, web
from aiohttp.http import WS_CLOSING_MESSAGE

from ..protocol import close_frame, ping_frame, pong_frame

# Seconds a closing connection gets to take what is queued before it is dropped.
_CLOSE_TIMEOUT = 5.0
_PING_FRAME = ping_frame()
# The answer to a client's close frame: a normal closure (what aiohttp answered before).
_CLOSE_REPLY = close_frame(WSCloseCode.OK)


class ReadOnlyWebSocketResponse(web.WebSocketResponse):
    """aiohttp's websocket endpoint, used only to read the client's frames.

    aiohttp answers pings and close frames itself unless told not to, and it closes the
    websocket by itself through close(): at the end of the stream, on a protocol error and when
    the handler returns. Here it answers nothing and close() writes nothing; SocketConnection
    sends whatever each of those cases calls for.
    """

    def __init__(self, *, max_msg_size: int) -> None:
        super().__init__(
            autoping=False,  # pongs are news for the core; the connection answers pings
            autoclose=False,  # the connection answers the client's close frame
            heartbeat=None,
            compress=False,
            max_msg_size=max_msg_size,
        )

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        return False


def protocol_error_code(message: WSMessage) -> int | None:
    """The close code for a frame aiohttp refused (too big, bad UTF-8, bad framing), or None
    when the read failed for another reason (the connection is gone: nothing to say)."""
    error = message.data
    return error.code if isinstance(error, WebSocketError) else None


class SocketConnection:
    """Writes frames straight to the transport so that a send never waits.

    The transport's buffer is the session's bounded queue: a client that stops reading lets it
    grow, and past `max_buffer` bytes the send reports failure and the core closes the session.
    Once this side has sent its close frame (or dropped the connection) nothing more is
    written, and the transport goes as soon as the client has taken what is queued.
    """

    def __init__(
        self, ws: ReadOnlyWebSocketResponse, request: web.Request, max_buffer: int
    ) -> None:
        self._ws = ws
        transport = request.transport
        assert transport is not None
        self._transport = transport
        self._max_buffer = max_buffer
        # Set once this side has sent its close frame or dropped the connection.
        self._finished = False

    def _room(self) -> bool:
        return self._transport.get_write_buffer_size() <= self._max_buffer

    def _writable(self) -> bool:
        return not self._finished and not self._transport.is_closing()

    # --- what the core asks for (core.sessions.Connection) ---------------------------------------

    def write(self, wire: bytes) -> bool:
        if not self._writable():
            return True  # the session is ending; the core hears of it from the read loop
        self._transport.write(wire)
        return self._room()

    def ping(self) -> None:
        if self._writable():
            self._transport.write(_PING_FRAME)

    def close(self, code: int, reason: str) -> None:
        if not self._writable():
            return
        if not self._room():
            self.abort()  # a client that does not read would never get the close frame
            return
        self._transport.write(close_frame(code, reason))
        self._finish()

    def abort(self) -> None:
        self._transport.abort()
        self._finished = True

    def pending(self) -> int:
        return self._transport.get_write_buffer_size()

    # --- what the read loop reports -----------------------------------------------------------

    async def receive(self) -> WSMessage:
        """The client's next frame, or CLOSING once this side has closed: what the client says
        after that no longer matters. A read waiting when this side closes ends as the
        transport goes (at once, or once the client took what is queued, or after
        _CLOSE_TIMEOUT), so a client that sends nothing cannot hold the handler."""
        if self._finished:
            return WS_CLOSING_MESSAGE
        message = await self._ws.receive()
        return WS_CLOSING_MESSAGE if self._finished else message

    def pong(self, payload: bytes) -> None:
        """Answer the client's ping with its payload."""
        if self._writable():
            self._transport.write(pong_frame(payload))

    def client_closed(self) -> None:
        """The client sent its close frame: answer it, unless ours went first, and go."""
        if self._writable():
            self._transport.write(_CLOSE_REPLY)
        self._finish()

    def fail(self, code: int) -> None:
        """The client broke the protocol: close with `code` (RFC 6455 section 7.1.7)."""
        self.close(code, "")

    async def wait_closed(self) -> None:
        """The handler is done with the socket: whatever ended it, the transport goes now."""
        self._finish()

    # --- ending -------------------------------------------------------------------------------

    def _finish(self) -> None:
        """Send what is queued, then end the TCP connection; a client that has not taken it
        all within _CLOSE_TIMEOUT is dropped."""
        self._finished = True
        if not self._transport.is_closing():
            self._transport.close()
            asyncio.get_running_loop().call_later(_CLOSE_TIMEOUT, self._drop_if_unsent)

    def _drop_if_unsent(self) -> None:
        if self._transport.get_write_buffer_size():
            self._transport.abort()
