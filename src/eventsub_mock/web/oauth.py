"""Twitch's OAuth endpoints: `GET /oauth2/validate` (and twurple's mock-mode `/auth/validate`)."""

from __future__ import annotations

from aiohttp import web

from ..core.hub import EventSubCore
from .responses import json_response

VALIDATE_PATHS = ("/oauth2/validate", "/auth/validate")


def add_routes(app: web.Application, core: EventSubCore) -> None:
    async def validate(request: web.Request) -> web.Response:
        headers = request.headers
        return json_response(
            core.validate_token(headers.get("Authorization"), headers.get("Client-Id"))
        )

    for path in VALIDATE_PATHS:
        app.router.add_get(path, validate)
