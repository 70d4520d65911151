"""The conduit API: /eventsub/conduits and /eventsub/conduits/shards (also under /helix)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..core.hub import EventSubCore
from ..core.model import Caller
from .responses import json_response, no_content, read_json

# The body's parameters that Helix also takes from the query string, as TwitchIO sends them
# (`POST ?shard_count=2`, `PATCH ?id=...&shard_count=3`, `PATCH /shards?conduit_id=...`).
_QUERY_PARAMETERS = ("id", "conduit_id", "shard_count")


async def read_parameters(request: web.Request) -> Any:
    """The JSON body, with the parameters it lacks taken from the query string."""
    from_query: dict[str, Any] = {}
    for name in _QUERY_PARAMETERS:
        value = request.query.get(name)
        if value is not None:
            from_query[name] = int(value) if name == "shard_count" and value.isdigit() else value
    if from_query and not request.can_read_body:
        return from_query
    body = await read_json(request)
    if isinstance(body, dict):
        return {**from_query, **body}
    return body


def add_routes(app: web.Application, core: EventSubCore) -> None:
    def caller_of(request: web.Request) -> Caller:
        headers = request.headers
        return core.caller(headers.get("Client-Id"), headers.get("Authorization"))

    async def list_(request: web.Request) -> web.Response:
        return json_response(core.conduit_api("list", caller_of(request), None))

    async def create(request: web.Request) -> web.Response:
        caller = caller_of(request)
        return json_response(core.conduit_api("create", caller, await read_parameters(request)))

    async def update(request: web.Request) -> web.Response:
        caller = caller_of(request)
        return json_response(core.conduit_api("update", caller, await read_parameters(request)))

    async def delete(request: web.Request) -> web.Response:
        core.conduit_api("delete", caller_of(request), request.query.get("id"))
        return no_content()

    async def shards(request: web.Request) -> web.Response:
        return json_response(core.conduit_api("shards", caller_of(request), request.query))

    async def update_shards(request: web.Request) -> web.Response:
        caller = caller_of(request)
        body = core.conduit_api("update_shards", caller, await read_parameters(request))
        return json_response(body, 202)

    for prefix in ("", "/helix"):
        path = f"{prefix}/eventsub/conduits"
        app.router.add_get(path, list_, allow_head=False)
        app.router.add_post(path, create)
        app.router.add_patch(path, update)
        app.router.add_delete(path, delete)
        app.router.add_get(f"{path}/shards", shards, allow_head=False)
        app.router.add_patch(f"{path}/shards", update_shards)
