"""What the Helix action tests share: calling Helix as a bot does, and listening for the
events the calls cause over a real websocket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsub_mock import MockServer

from .conftest import Client

BROADCASTER, MODERATOR, VIEWER = "1234", "5678", "9012"


async def helix(
    client: Client,
    method: str,
    path: str,
    *,
    token: str | None = "any-token",
    params: dict[str, Any] | list[tuple[str, str]] | None = None,
    json: Any = None,
) -> tuple[int, Any]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    kwargs: dict[str, Any] = {"headers": headers}
    if params is not None:
        kwargs["params"] = params
    if json is not None:
        kwargs["json"] = json
    return await client.api(method, path="/helix" + path, **kwargs)


async def listener(
    make_client: Callable[[MockServer], Client],
    server: MockServer,
    *subscriptions: tuple[str, str, dict[str, str]],
) -> Client:
    """A websocket client subscribed to each (type, version, condition)."""
    client = make_client(server)
    await client.connect()
    for sub_type, version, condition in subscriptions:
        await client.subscribe(sub_type, version, condition)
    return client


async def event_of(client: Client, sub_type: str) -> dict[str, Any]:
    """The next notification's event, which must be of `sub_type` (keepalives, which a
    manual clock's advance() may cause, are skipped)."""
    message = await client.receive()
    while message["metadata"]["message_type"] == "session_keepalive":
        message = await client.receive()
    assert message["metadata"]["message_type"] == "notification", message
    assert message["payload"]["subscription"]["type"] == sub_type, message
    return message["payload"]["event"]


def helix_reports(server: MockServer) -> list[dict[str, Any]]:
    """The core's `helix` notifications from now on, as the feed receives them."""
    seen: list[dict[str, Any]] = []

    def observe(kind: str, details: dict[str, Any]) -> None:
        if kind == "helix":
            seen.append(details)

    server.core.observers.append(observe)
    return seen
