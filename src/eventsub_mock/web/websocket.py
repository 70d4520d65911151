"""The /ws endpoint: hands each connection to the core and reports what the client does."""

from __future__ import annotations

from aiohttp import WSMsgType, web

from ..config import ServerConfig
from ..core import errors
from ..core.hub import EventSubCore
from .connection import ReadOnlyWebSocketResponse, SocketConnection, protocol_error_code

PATH = "/ws"
# The end of the client's frames: the server closed (CLOSING) or the stream ended (CLOSED).
_END = (WSMsgType.CLOSING, WSMsgType.CLOSED)


def add_routes(app: web.Application, core: EventSubCore, config: ServerConfig) -> None:
    scheme = "wss" if config.ssl else "ws"

    async def websocket(request: web.Request) -> web.StreamResponse:
        ws = ReadOnlyWebSocketResponse(max_msg_size=config.max_frame_bytes)
        if not ws.can_prepare(request).ok:
            raise errors.NotAWebsocketUpgrade()
        core.check_capacity()
        await ws.prepare(request)
        connection = SocketConnection(ws, request, config.max_send_buffer_bytes)
        session = core.open_session(
            connection,
            keepalive_seconds=core.keepalive_for(request.query.get("keepalive_timeout_seconds")),
            ws_url=f"{scheme}://{request.host}{request.path}",
            reconnect_token=request.query.get("reconnect_id"),
        )
        if session is not None:
            try:
                while True:
                    message = await connection.receive()
                    kind = message.type
                    if kind is WSMsgType.PING:
                        connection.pong(message.data)
                    elif kind is WSMsgType.PONG:
                        core.pong_received(session)
                    elif kind is WSMsgType.CLOSE:
                        connection.client_closed()
                        break
                    elif kind in _END:
                        break
                    else:
                        # A data frame, or one aiohttp refused (too big, bad UTF-8, bad framing):
                        # either way, inbound traffic. A refused frame gets the protocol's own
                        # close code (1009/1007/1002) before the core's close could send 4001.
                        if kind is WSMsgType.ERROR and (code := protocol_error_code(message)):
                            connection.fail(code)
                        core.frame_received(session)
                        if kind is WSMsgType.ERROR:
                            break
            finally:
                core.connection_lost(session)  # nothing changes if the core closed it first
        await connection.wait_closed()
        return ws

    app.router.add_get(PATH, websocket)
