"""The control API under /_mock/: every operation of `core.operations`, routed generically."""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from ..core import errors
from ..core.hub import EventSubCore
from ..core.operations import OPERATIONS, PREFIX, Operation
from .responses import json_response, read_json
from .ui import is_dashboard_path


def token_middleware(token: str) -> Any:
    """Refuses control API calls that do not carry the server's control token."""
    expected = f"Bearer {token}"

    @web.middleware
    async def require_token(request: web.Request, handler: Any) -> web.StreamResponse:
        if (
            request.path.startswith(PREFIX)
            and not is_dashboard_path(request.path)  # static files, nothing secret
            and not hmac.compare_digest(request.headers.get("Authorization", ""), expected)
        ):
            raise errors.ControlTokenRequired()
        return await handler(request)

    return require_token


def _handler(core: EventSubCore, operation: Operation) -> Any:
    async def handle(request: web.Request) -> web.Response:
        core.check_control_request(request.method, request.content_type, request.host)
        body: dict[str, Any] = {}
        if request.can_read_body:
            body = await read_json(request)
            if not isinstance(body, dict):
                raise errors.BodyNotObject()
        # Path parameters win over body fields, which win over query parameters.
        fields = {**request.query, **body, **request.match_info}
        return json_response(core.operate(operation.name, fields))

    return handle


def add_routes(app: web.Application, core: EventSubCore) -> None:
    for operation in OPERATIONS:
        app.router.add_route(operation.method, PREFIX + operation.path, _handler(core, operation))
