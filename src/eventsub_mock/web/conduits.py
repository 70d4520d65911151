"""The conduit API: /eventsub/conduits and /eventsub/conduits/shards (also under the Helix
bases, /helix and /mock)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..core.hub import EventSubCore
from .helix import HELIX_BASES
from .responses import caller_of, json_response, no_content, read_json


def add_routes(app: web.Application, core: EventSubCore) -> None:
    def handler(action: str, status: int = 200, *, with_body: bool = False) -> Any:
        async def handle(request: web.Request) -> web.Response:
            caller = caller_of(core, request)
            body = None
            if with_body and request.can_read_body:
                body = await read_json(request)
            answer = core.conduit_api(action, caller, body, request.query)
            return no_content() if answer is None else json_response(answer, status)

        return handle

    for prefix in ("", *HELIX_BASES):
        path = f"{prefix}/eventsub/conduits"
        app.router.add_get(path, handler("list"), allow_head=False)
        app.router.add_post(path, handler("create", with_body=True))
        app.router.add_patch(path, handler("update", with_body=True))
        app.router.add_delete(path, handler("delete"))
        app.router.add_get(f"{path}/shards", handler("shards"), allow_head=False)
        app.router.add_patch(f"{path}/shards", handler("update_shards", 202, with_body=True))
