"""Twitch's OAuth endpoints: token (client credentials, refresh), validate and revoke.

Under `/oauth2/` as on id.twitch.tv, and under `/auth/` where twurple's mock mode looks.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from ..core.hub import EventSubCore
from .responses import json_response

PREFIXES = ("/oauth2", "/auth")
VALIDATE_PATHS = tuple(f"{prefix}/validate" for prefix in PREFIXES)
_FORM = "application/x-www-form-urlencoded"


async def _params(request: web.Request) -> dict[str, str]:
    """Parameters from the query string and a form body (the clients send either; the body
    wins). Any other body carries none."""
    params = dict(request.query)
    if request.content_type == _FORM and request.can_read_body:
        text = (await request.read()).decode("utf-8", "replace")
        params.update(parse_qsl(text, keep_blank_values=True))
    return params


def add_routes(app: web.Application, core: EventSubCore) -> None:
    async def validate(request: web.Request) -> web.Response:
        headers = request.headers
        body = core.validate_token(headers.get("Authorization"), headers.get("Client-Id"))
        return json_response(body)

    async def token(request: web.Request) -> web.Response:
        return json_response(core.oauth_token(await _params(request)))

    async def revoke(request: web.Request) -> web.Response:
        core.oauth_revoke(await _params(request))
        return web.Response(status=200)  # production answers an empty 200

    for prefix in PREFIXES:
        app.router.add_get(f"{prefix}/validate", validate)
        app.router.add_post(f"{prefix}/token", token)
        app.router.add_post(f"{prefix}/revoke", revoke)
