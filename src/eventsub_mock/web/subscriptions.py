"""The subscription API: POST, GET and DELETE /eventsub/subscriptions (also under /helix)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..core import ApiError, Caller, EventSubCore
from .oauth import TOKENS_KEY, authorization
from .responses import json_response, no_content, read_json

Recorder = Callable[[str, Caller, object], None]


def caller_of(request: web.Request) -> Caller:
    """Who is calling, from the Client-Id header (required) and the bearer token (optional)."""
    client_id = request.headers.get("Client-Id", "").strip()
    if not client_id:
        raise ApiError(401, "Client-Id header required")
    auth = authorization(request)
    user_id = None
    if auth is not None:
        scheme, token = auth
        if scheme != "bearer" or not token:  # Helix takes only bearer tokens
            raise ApiError(
                401, "Invalid OAuth token: the Authorization header must be 'Bearer <token>'"
            )
        info = request.app[TOKENS_KEY].get(token)
        user_id = info.user_id if info is not None else None
    return Caller(client_id, user_id)


def add_routes(app: web.Application, core: EventSubCore, record: Recorder | None) -> None:
    async def create(request: web.Request) -> web.Response:
        caller = caller_of(request)
        body = await read_json(request)
        if record is not None:
            record("create", caller, body)
        return json_response(core.create_subscription(caller, body), 202)

    async def list_(request: web.Request) -> web.Response:
        caller = caller_of(request)
        if record is not None:
            record("list", caller, dict(request.query))
        return json_response(core.list_subscriptions(caller, request.query))

    async def delete(request: web.Request) -> web.Response:
        caller = caller_of(request)
        subscription_id = request.query.get("id")
        if record is not None:
            record("delete", caller, {"id": subscription_id})
        core.delete_subscription(caller, subscription_id)
        return no_content()

    async def preflight(request: web.Request) -> web.Response:
        return web.Response(status=204)

    for prefix in ("", "/helix"):
        path = f"{prefix}/eventsub/subscriptions"
        app.router.add_post(path, create)
        app.router.add_get(path, list_, allow_head=False)
        app.router.add_delete(path, delete)
        app.router.add_route("OPTIONS", path, preflight)
