"""`GET /_mock/feed`: the core's feed as server-sent events.

Each item is one event, `id: <seq>` and `data: <the item's JSON>`; an idle stream sends a
comment line every `feed_heartbeat` seconds. The control API's rules apply (loopback Host,
the control token when the server has one). A viewer is the feed's cursor, so one that
stalls costs nothing but its place in the history: while its socket takes nothing, its write
waits, and when it reads again it has skipped ahead to what the history still holds (a
`missed` item says how much it lost). Delivery to clients never waits for a viewer.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from ..config import ServerConfig
from ..core.feed import Viewer, parse_query, parse_since
from ..core.hub import EventSubCore
from ..core.operations import PREFIX

PATH = PREFIX + "/feed"
# Items per write: a viewer yields the event loop between writes, so delivery goes on while
# it catches up.
_ITEMS_PER_WRITE = 256
_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # a proxy in front must not hold events back
}


def events(items: list[tuple[int, bytes]]) -> bytes:
    """Items as server-sent events."""
    return b"".join(b"id: %d\ndata: %s\n\n" % (seq, data) for seq, data in items)


class _Streams:
    """The open streams, so that a server shutting down can end them at once."""

    def __init__(self) -> None:
        self.stopping = False
        self.wakes: set[asyncio.Event] = set()

    async def stop(self, app: web.Application) -> None:
        self.stopping = True
        for wake in self.wakes:
            wake.set()


async def _stream(
    response: web.StreamResponse,
    core: EventSubCore,
    viewer: Viewer,
    streams: _Streams,
    heartbeat: float,
) -> None:
    wake = asyncio.Event()
    streams.wakes.add(wake)
    try:
        while not streams.stopping:
            items = viewer.read(_ITEMS_PER_WRITE)
            if items:
                await response.write(events(items))
            if items or viewer.behind:  # a filtered viewer reads in bounded steps
                await asyncio.sleep(0)  # let delivery (and other viewers) run
                continue
            wake.clear()
            core.feed.wake_on_add(viewer, wake.set)
            try:
                await asyncio.wait_for(wake.wait(), heartbeat)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
    finally:
        streams.wakes.discard(wake)
        viewer.close()


def add_routes(app: web.Application, core: EventSubCore, config: ServerConfig) -> None:
    streams = _Streams()
    app.on_shutdown.append(streams.stop)

    async def feed(request: web.Request) -> web.StreamResponse:
        core.check_control_request(request.method, request.content_type, request.host)
        query = request.query
        filters, since = parse_query({name: ",".join(query.getall(name)) for name in query})
        last_event_id = request.headers.get("Last-Event-ID")
        if since is None and last_event_id:
            since = parse_since(last_event_id)  # an EventSource reconnecting
        viewer = core.feed.viewer(filters, since)
        response = web.StreamResponse(headers=_HEADERS)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(b": eventsub-mock feed\n\n")  # the headers go out now
            await _stream(response, core, viewer, streams, config.feed_heartbeat)
        return response

    app.router.add_get(PATH, feed, allow_head=False)
