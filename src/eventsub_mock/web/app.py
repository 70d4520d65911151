"""The aiohttp application: websocket, subscription API, Helix actions, OAuth, the control API,
its live feed and the dashboard on one port."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..config import ServerConfig
from ..core.hub import EventSubCore
from ..core.operations import PREFIX as CONTROL_PREFIX
from . import conduits, control, feed, helix, oauth, subscriptions, ui, websocket
from .responses import api_middleware

# Paths that are not REST requests of the mocked APIs: the websocket endpoint (the feed has
# its sessions) and the mock's own control API (the feed has its actions).
_UNREPORTED = (websocket.PATH, CONTROL_PREFIX)


def request_reporter(core: EventSubCore) -> Any:
    """Tells the core of every Helix, OAuth (and unknown) request and the status it got."""

    @web.middleware
    async def report(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        if not request.path.startswith(_UNREPORTED):
            core.request_served(request.method, request.path, response.status)
        return response

    return report


def build_app(
    core: EventSubCore,
    config: ServerConfig,
    *,
    record: subscriptions.Recorder | None = None,
) -> web.Application:
    # The reporter is outermost: it sees the status every error was answered with.
    middlewares = [request_reporter(core), api_middleware]
    if config.control_token:
        middlewares.append(control.token_middleware(config.control_token))
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=middlewares)
    websocket.add_routes(app, core, config)
    subscriptions.add_routes(app, core, record)
    conduits.add_routes(app, core)
    helix.add_routes(app, core)
    oauth.add_routes(app, core)
    control.add_routes(app, core)
    feed.add_routes(app, core, config)
    ui.add_routes(app)
    return app
