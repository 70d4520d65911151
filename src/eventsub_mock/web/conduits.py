"""The conduit API: /eventsub/conduits and /eventsub/conduits/shards (also under /helix)."""

from __future__ import annotations

from aiohttp import web

from ..core.hub import EventSubCore
from ..core.model import Caller
from .responses import json_response, no_content, read_json


def add_routes(app: web.Application, core: EventSubCore) -> None:
    def caller_of(request: web.Request) -> Caller:
        headers = request.headers
        return core.caller(headers.get("Client-Id"), headers.get("Authorization"))

    async def list_(request: web.Request) -> web.Response:
        return json_response(core.conduit_api("list", caller_of(request), None))

    async def create(request: web.Request) -> web.Response:
        caller = caller_of(request)
        return json_response(core.conduit_api("create", caller, await read_json(request)))

    async def update(request: web.Request) -> web.Response:
        caller = caller_of(request)
        return json_response(core.conduit_api("update", caller, await read_json(request)))

    async def delete(request: web.Request) -> web.Response:
        core.conduit_api("delete", caller_of(request), request.query.get("id"))
        return no_content()

    async def shards(request: web.Request) -> web.Response:
        return json_response(core.conduit_api("shards", caller_of(request), request.query))

    async def update_shards(request: web.Request) -> web.Response:
        caller = caller_of(request)
        body = core.conduit_api("update_shards", caller, await read_json(request))
        return json_response(body, 202)

    for prefix in ("", "/helix"):
        path = f"{prefix}/eventsub/conduits"
        app.router.add_get(path, list_, allow_head=False)
        app.router.add_post(path, create)
        app.router.add_patch(path, update)
        app.router.add_delete(path, delete)
        app.router.add_get(f"{path}/shards", shards, allow_head=False)
        app.router.add_patch(f"{path}/shards", update_shards)
