"""JSON responses in Twitch's shape, and the middleware that makes every error one of them."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from ..core import errors
from ..core.errors import ApiError, error_body
from ..core.hub import EventSubCore
from ..core.model import Caller, Subscription
from ..core.operations import PREFIX as CONTROL_PREFIX

log = logging.getLogger("eventsub_mock")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Helix sends these on every response; twurple's rate limiter waits when they are missing.
RATELIMIT_LIMIT = 800
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Accept, Accept-Language, Authorization, Client-Id, Content-Type, X-Requested-With"
    ),
    "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
    "Access-Control-Max-Age": "600",
}


def _encode(value: Any) -> Any:
    if isinstance(value, Subscription):
        return value.helix_json()  # encoded once per change, not once per listing
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(body, default=_encode, option=orjson.OPT_PASSTHROUGH_DATACLASS),
        status=status,
        content_type="application/json",
    )


def error_response(status: int, message: str) -> web.Response:
    return json_response(error_body(status, message), status)


def no_content() -> web.Response:
    # A 204 has no body and so no content type: some clients decode a body they are told of.
    return web.Response(status=204)


def caller_of(core: EventSubCore, request: web.Request) -> Caller:
    """Who makes an API request: its Client-Id and Authorization headers, as the core reads them."""
    headers = request.headers
    return core.caller(headers.get("Client-Id"), headers.get("Authorization"))


async def read_json(request: web.Request) -> Any:
    """The request body as JSON; a 400 when it is not JSON, a 413 when over the size cap."""
    try:
        raw = await request.read()
    except RequestPayloadError as exc:  # e.g. "gzip" that is not gzip
        request.content.feed_eof()  # or aiohttp reads it again and logs the error
        raise errors.UnreadableBody(
            reason=f"the request body could not be decoded: {exc}"
        ) from None
    except ConnectionResetError:
        raise errors.UnreadableBody(
            reason="the connection closed before the request body was complete"
        ) from None
    if not raw:
        raise errors.EmptyBody()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.BodyNotJson(reason=exc) from None


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every HTTP answer: Twitch's error shape, rate-limit and CORS headers. Never a 500 leak."""
    try:
        response = await handler(request)
    except ApiError as exc:
        response = json_response(exc.body(), exc.status)
        if isinstance(exc, errors.UnreadableBody):
            response.force_close()  # the rest of the body is still on the connection
    except web.HTTPException as exc:  # aiohttp's own: no route, wrong method, body too large
        if exc.status == 101:
            raise
        if exc.status == 413:
            response = json_response(errors.BodyTooLarge().body(), 413)
        else:
            response = error_response(exc.status, exc.reason)
        if exc.status == 405:
            response.headers["Allow"] = exc.headers.get("Allow", "")
    except Exception:
        log.exception("unexpected error handling %s %s", request.method, request.path)
        response = error_response(500, "the mock server failed to handle this request")
    if not response.prepared:
        headers = response.headers
        headers["Ratelimit-Limit"] = str(RATELIMIT_LIMIT)
        headers["Ratelimit-Remaining"] = str(RATELIMIT_LIMIT - 1)
        headers["Ratelimit-Reset"] = str(int(time.time()) + 1)
        if not request.path.startswith(CONTROL_PREFIX):
            # Browser overlays call the subscription API as they call Twitch's; no web page
            # may drive the control API.
            headers.update(CORS_HEADERS)
    return response
