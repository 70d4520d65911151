"""The control API under /_mock/: what the CLI, the Python API and other languages' tests use."""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from ..core import ApiError, EventSubCore, parse_close_code
from .responses import json_response, read_json

PREFIX = "/_mock"


async def _object_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


def token_middleware(token: str) -> Any:
    """Refuses control API calls that do not carry the server's control token."""
    expected = f"Bearer {token}"

    @web.middleware
    async def require_token(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(PREFIX) and not hmac.compare_digest(
            request.headers.get("Authorization", ""), expected
        ):
            raise ApiError(
                401, "the control API needs 'Authorization: Bearer <control token>' on this server"
            )
        return await handler(request)

    return require_token


def add_routes(app: web.Application, core: EventSubCore, info: dict[str, Any]) -> None:
    routes = web.RouteTableDef()

    @routes.get(f"{PREFIX}")
    async def server_info(request: web.Request) -> web.Response:
        return json_response({**info, "require_subscription": core.config.require_subscription})

    @routes.get(f"{PREFIX}/sessions")
    async def sessions(request: web.Request) -> web.Response:
        return json_response({"data": core.describe_sessions()})

    @routes.get(f"{PREFIX}/subscriptions")
    async def subscriptions(request: web.Request) -> web.Response:
        return json_response({"data": core.describe_subscriptions()})

    @routes.post(f"{PREFIX}/trigger")
    async def trigger(request: web.Request) -> web.Response:
        from .. import triggering  # the catalogue loads on first use: faster start-up

        delivery = triggering.delivery_from_request(await _object_body(request), core.clock)
        result = core.deliver(delivery)
        if not result.delivered:
            raise ApiError(404, triggering.nothing_delivered_message(core, delivery))
        body = {**result.as_dict(), "type": delivery.type, "version": delivery.version}
        return json_response(body)

    @routes.post(f"{PREFIX}/reconnect")
    async def reconnect(request: web.Request) -> web.Response:
        await _object_body(request)
        return json_response(core.start_reconnect())

    @routes.post(f"{PREFIX}/sessions/{{session_id}}/close")
    async def close(request: web.Request) -> web.Response:
        body = await _object_body(request)
        session = core.find_session(request.match_info["session_id"])
        if body.get("dirty") is True:
            core.drop_session(session)
            return json_response({"session": session.id, "dirty": True})
        code = parse_close_code(body.get("reason", body.get("code")))
        core.close_session(session, code)
        return json_response({"session": session.id, "code": int(code), "reason": code.reason})

    @routes.post(f"{PREFIX}/sessions/{{session_id}}/keepalive")
    async def keepalive(request: web.Request) -> web.Response:
        body = await _object_body(request)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise ApiError(400, "enabled must be true or false")
        session = core.find_session(request.match_info["session_id"])
        core.set_keepalive(session, enabled)
        return json_response({"session": session.id, "keepalive_enabled": enabled})

    @routes.post(f"{PREFIX}/subscriptions/{{subscription_id}}/status")
    async def subscription_status(request: web.Request) -> web.Response:
        body = await _object_body(request)
        status = body.get("status")
        if not isinstance(status, str):
            raise ApiError(400, "status must be a string")
        sub = core.set_subscription_status(request.match_info["subscription_id"], status)
        return json_response({"data": [sub.to_helix()]})

    @routes.post(f"{PREFIX}/reset")
    async def reset(request: web.Request) -> web.Response:
        await _object_body(request)
        core.reset()
        return json_response({"reset": True})

    app.add_routes(routes)
