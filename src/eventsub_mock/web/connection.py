"""One client's socket: the one writer of every frame the server sends on it.

aiohttp reads the client's frames (`ReadOnlyWebSocketResponse`) and never writes: text frames,
pings, pongs and close frames all go from `SocketConnection` to the transport, framed by
`protocol.framing`. Two writers on one socket could interleave or reorder frames.

A session's first frame in a turn of the event loop is written at once (no added latency);
the frames that follow it in the same turn are gathered and written together early in the
next turn (`WriteFlusher`): Helix calls handled in one turn, or a play's slice of steps, cost
a session two writes, two system calls, instead of one each. A burst that gathers 64 KiB is
written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import WebSocketError, WSCloseCode, WSMessage, web
from aiohttp.http import WS_CLOSING_MESSAGE

from ..protocol import close_frame, ping_frame, pong_frame

# Frames are gathered until they come to this many bytes: then they are written at once
# (gathering is for events that come one by one; a trigger's burst is one big write already).
_WRITE_AT_ONCE = 64 * 1024
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


class WriteFlusher:
    """Early in the next turn of the event loop, sends what the connections written to in
    this turn gathered (each connection's in one write), and starts their next turn."""

    def __init__(self) -> None:
        self._waiting: list[SocketConnection] = []

    def add(self, connection: SocketConnection) -> None:
        if not self._waiting:
            asyncio.get_running_loop().call_soon(self._flush)
        self._waiting.append(connection)

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        for connection in waiting:
            connection.flush()


class SocketConnection:
    """Writes a turn's first frame to the transport at once and gathers the rest of the turn
    for one write; a send never waits.

    The transport's buffer (and behind it what is gathered) is the session's bounded queue: a
    client that stops reading lets it grow, and past `max_buffer` bytes the send reports
    failure and the core closes the session. Once this side has sent its close frame (or
    dropped the connection) nothing more is written, and the transport goes as soon as the
    client has taken what is queued.
    """

    def __init__(
        self,
        ws: ReadOnlyWebSocketResponse,
        request: web.Request,
        max_buffer: int,
        flusher: WriteFlusher,
    ) -> None:
        self._ws = ws
        transport = request.transport
        assert transport is not None
        self._transport = transport
        self._max_buffer = max_buffer
        self._flusher = flusher
        # Whether a frame was written in this turn (the flusher then ends the turn), and the
        # frames gathered after it, not yet written to the transport, and their size.
        self._written_this_turn = False
        self._gathered: list[bytes] = []
        self._gathered_bytes = 0
        # Told, once gathered frames are on the socket, that the client did not take them all,
        # and whether it has room for more (the core judges the queue: `EventSubCore.written`).
        self.on_backlog: Callable[[bool], None] | None = None
        # Set once this side has sent its close frame or dropped the connection.
        self._finished = False

    def _room(self) -> bool:
        return self.pending() <= self._max_buffer

    def _writable(self) -> bool:
        return not self._finished and not self._transport.is_closing()

    def _gather(self, wire: bytes) -> None:
        """Write `wire` now if it is the turn's first frame, else gather it (the caller
        checked that the connection is writable, and judges the queue as of now)."""
        if not self._written_this_turn:
            self._written_this_turn = True
            self._flusher.add(self)
            self._transport.write(wire)
        elif self._gathered_bytes + len(wire) >= _WRITE_AT_ONCE:
            self._gathered.append(wire)
            self._write_gathered()
        else:
            self._gathered.append(wire)
            self._gathered_bytes += len(wire)

    def _write_gathered(self) -> None:
        gathered = self._gathered
        if not gathered:
            return
        self._gathered, self._gathered_bytes = [], 0
        if self._writable():
            self._transport.write(gathered[0] if len(gathered) == 1 else b"".join(gathered))

    def flush(self) -> None:
        """End the turn (the flusher calls it): write what it gathered, and report a client
        that did not take it all."""
        self._written_this_turn = False
        if not self._gathered:
            return
        self._write_gathered()
        if self.on_backlog is not None and self._transport.get_write_buffer_size():
            self.on_backlog(self._room())

    # --- what the core asks for (core.sessions.Connection) ---------------------------------------

    def write(self, wire: bytes) -> bool:
        if not self._writable():
            return True  # the session is ending; the core hears of it from the read loop
        self._gather(wire)
        return self._room()

    def ping(self) -> None:
        if self._writable():
            self._gather(_PING_FRAME)

    def close(self, code: int, reason: str) -> None:
        if not self._writable():
            return
        if not self._room():
            self.abort()  # a client that does not read would never get the close frame
            return
        self._gather(close_frame(code, reason))
        self._finish()

    def abort(self) -> None:
        self._gathered, self._gathered_bytes = [], 0
        self._transport.abort()
        self._mark_finished()

    def pending(self) -> int:
        # What this turn gathered waits for the client only behind what it has not taken.
        queued = self._transport.get_write_buffer_size()
        return queued + self._gathered_bytes if queued else 0

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
            self._gather(pong_frame(payload))

    def client_closed(self) -> None:
        """The client sent its close frame: answer it, unless ours went first, and go."""
        if self._writable():
            self._gather(_CLOSE_REPLY)
        self._finish()

    def fail(self, code: int) -> None:
        """The client broke the protocol: close with `code` (RFC 6455 section 7.1.7)."""
        self.close(code, "")

    async def wait_closed(self) -> None:
        """The handler is done with the socket: whatever ended it, the transport goes now."""
        self._finish()

    # --- ending -------------------------------------------------------------------------------

    def _mark_finished(self) -> None:
        self._finished = True

    def _finish(self) -> None:
        """Send what is queued, then end the TCP connection; a client that has not taken it
        all within _CLOSE_TIMEOUT is dropped."""
        self._write_gathered()
        self._mark_finished()
        if not self._transport.is_closing():
            self._transport.close()
            asyncio.get_running_loop().call_later(_CLOSE_TIMEOUT, self._drop_if_unsent)

    def _drop_if_unsent(self) -> None:
        if self._transport.get_write_buffer_size():
            self._transport.abort()
