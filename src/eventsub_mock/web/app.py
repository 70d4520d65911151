"""The aiohttp application: websocket, subscription API and control API on one port."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..config import ServerConfig
from ..core import EventSubCore
from . import control, oauth, subscriptions, websocket
from .responses import api_middleware


def build_app(
    core: EventSubCore,
    config: ServerConfig,
    *,
    info: dict[str, Any],
    record: subscriptions.Recorder | None = None,
    tokens: dict[str, oauth.TokenInfo] | None = None,
) -> web.Application:
    middlewares = [api_middleware]
    if config.control_token:
        middlewares.append(control.token_middleware(config.control_token))
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=middlewares)
    app[oauth.TOKENS_KEY] = tokens if tokens is not None else {}
    websocket.add_routes(app, core, config)
    subscriptions.add_routes(app, core, record)
    oauth.add_routes(app)
    control.add_routes(app, core, info)
    return app
