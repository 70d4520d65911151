"""The aiohttp application: websocket, subscription API, Helix actions, OAuth, control API
and dashboard on one port."""

from __future__ import annotations

from aiohttp import web

from ..config import ServerConfig
from ..core.hub import EventSubCore
from . import conduits, control, helix, oauth, subscriptions, ui, websocket
from .responses import api_middleware


def build_app(
    core: EventSubCore,
    config: ServerConfig,
    *,
    record: subscriptions.Recorder | None = None,
) -> web.Application:
    middlewares = [api_middleware]
    if config.control_token:
        middlewares.append(control.token_middleware(config.control_token))
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=middlewares)
    websocket.add_routes(app, core, config)
    subscriptions.add_routes(app, core, record)
    conduits.add_routes(app, core)
    helix.add_routes(app, core)
    oauth.add_routes(app, core)
    control.add_routes(app, core)
    ui.add_routes(app)
    return app
