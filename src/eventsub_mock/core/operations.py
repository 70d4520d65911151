"""The control operations: one table that the HTTP control API routes, the CLI's help reads,
and `ControlClient` calls. Each name is a method of `core.control.Control`.

Standard library only (the CLI imports it to build its help without loading the server).
"""

from __future__ import annotations

PREFIX = "/_mock"

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def quoted(value: str) -> str:
    """`value` as one URL path segment."""
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


class Operation:
    __slots__ = ("changes", "method", "name", "path", "summary")

    def __init__(
        self, name: str, method: str, path: str, summary: str, *, changes: bool | None = None
    ) -> None:
        self.name = name
        self.method = method
        # Under PREFIX; `{name}` segments are the operation's path parameters.
        self.path = path
        self.summary = summary
        # Whether it changes the mock (and so is an item of the feed): POSTs do, unless they
        # only compute an answer from a body (`preview`).
        self.changes = method != "GET" if changes is None else changes

    def url_path(self, **params: str) -> str:
        """The path of a request, path parameters filled in and quoted."""
        return PREFIX + self.path.format(**{k: quoted(v) for k, v in params.items()})


OPERATIONS = (
    Operation("info", "GET", "", "describe the server"),
    Operation("sessions", "GET", "/sessions", "list the connected sessions"),
    Operation("subscriptions", "GET", "/subscriptions", "list all subscriptions"),
    Operation("conduits", "GET", "/conduits", "list the conduits and their shards"),
    Operation("types", "GET", "/types", "list the subscription types in the catalogue"),
    Operation("trigger", "POST", "/trigger", "fire an event at the connected sessions"),
    Operation(
        "preview",
        "POST",
        "/preview",
        "show the event a trigger would send, sending nothing",
        changes=False,
    ),
    Operation(
        "retrigger",
        "POST",
        "/notifications/{message_id}/retrigger",
        "send a notification again, same message_id",
    ),
    Operation("reconnect", "POST", "/reconnect", "start a reconnect handoff"),
    Operation("close", "POST", "/sessions/{session_id}/close", "close a session with a close code"),
    Operation(
        "keepalive",
        "POST",
        "/sessions/{session_id}/keepalive",
        "stop or resume a session's keepalives",
    ),
    Operation(
        "subscription_status",
        "POST",
        "/subscriptions/{subscription_id}/status",
        "set a subscription's status",
    ),
    Operation(
        "disable_shard",
        "POST",
        "/conduits/{conduit_id}/shards/{shard_id}/disable",
        "disable a conduit's shard with a status",
    ),
    Operation("play", "POST", "/plays", "play a built-in sequence or a scenario"),
    Operation("plays", "GET", "/plays", "list the plays and what their steps did"),
    Operation("stop_play", "POST", "/plays/{play_id}/stop", "stop a running play"),
    Operation("faults", "POST", "/faults", "set, clear or show delivery faults"),
    Operation("reset", "POST", "/reset", "close every session and forget every subscription"),
    Operation("token", "POST", "/tokens", "mint an access token: a user token, or an app token"),
    Operation(
        "revoke_authorization",
        "POST",
        "/users/{user_id}/revoke-authorization",
        "revoke a user's authorization of the app",
    ),
)

BY_NAME = {operation.name: operation for operation in OPERATIONS}
