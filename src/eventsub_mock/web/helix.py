"""Helix actions under /helix: one aiohttp route per row of `core.helix.routes.ROUTES`, also
under /mock (see `HELIX_BASES`)."""

from __future__ import annotations

from aiohttp import web

from ..core.helix.routes import PREFIX, ROUTES, Route
from ..core.hub import EventSubCore
from .responses import caller_of, json_response, no_content, read_json

_WITH_BODY = frozenset({"POST", "PATCH", "PUT"})
# Where the server answers Helix: Twitch's /helix, and /mock, where the Twitch CLI's mock-api
# serves it and so where clients made for that one send it (twurple's TWURPLE_MOCK_API_PORT
# mode sends every call but /eventsub/subscriptions there).
CLI_MOCK_PREFIX = "/mock"
HELIX_BASES = (PREFIX, CLI_MOCK_PREFIX)


def add_routes(app: web.Application, core: EventSubCore) -> None:
    def handler(route: Route) -> web.RequestHandler:
        async def handle(request: web.Request) -> web.Response:
            caller = caller_of(core, request)
            body = None
            if route.method in _WITH_BODY and request.body_exists:
                body = await read_json(request)
            query = {key: request.query.getall(key) for key in request.query}
            status, result = core.helix.call(route, caller, query, body)
            return no_content() if status == 204 else json_response(result, status)

        return handle

    for route in ROUTES:
        for base in HELIX_BASES:
            app.router.add_route(route.method, base + route.path, handler(route))
