"""The subscription API: POST, GET and DELETE /eventsub/subscriptions (also under the Helix
bases, /helix and /mock)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..core.hub import EventSubCore
from ..core.model import Caller
from .helix import HELIX_BASES
from .responses import caller_of, json_response, no_content, read_json

Recorder = Callable[[str, Caller, object], None]


def add_routes(app: web.Application, core: EventSubCore, record: Recorder | None) -> None:
    async def create(request: web.Request) -> web.Response:
        caller = caller_of(core, request)
        body = await read_json(request)
        if record is not None:
            record("create", caller, body)
        return json_response(core.create_subscription(caller, body), 202)

    async def list_(request: web.Request) -> web.Response:
        caller = caller_of(core, request)
        if record is not None:
            record("list", caller, dict(request.query))
        return json_response(core.list_subscriptions(caller, request.query))

    async def delete(request: web.Request) -> web.Response:
        caller = caller_of(core, request)
        subscription_id = request.query.get("id")
        if record is not None:
            record("delete", caller, {"id": subscription_id})
        core.delete_subscription(caller, subscription_id)
        return no_content()

    async def preflight(request: web.Request) -> web.Response:
        return web.Response(status=204)

    for prefix in ("", *HELIX_BASES):
        path = f"{prefix}/eventsub/subscriptions"
        app.router.add_post(path, create)
        app.router.add_get(path, list_, allow_head=False)
        app.router.add_delete(path, delete)
        app.router.add_route("OPTIONS", path, preflight)
