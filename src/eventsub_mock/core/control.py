"""The control operations (`core.operations` lists them): each reads a request's fields,
checks them, and answers in JSON. The HTTP control API calls these; `MockServer` calls the
core's typed methods they are built on, so both refuse the same things the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..protocol import CloseCode
from . import errors

if TYPE_CHECKING:
    from .hub import EventSubCore

Request = Mapping[str, Any]


def parse_close_code(value: Any) -> CloseCode:
    """A close code from a request (4006 or "4006"); only the EventSub codes 4000-4007."""
    codes = ", ".join(str(int(c)) for c in CloseCode)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise errors.InvalidControlRequest(reason=f"reason must be a close code: one of {codes}")
    try:
        return CloseCode(int(value))
    except ValueError:
        raise errors.InvalidControlRequest(
            reason=f"unsupported close code {value!r}: one of {codes}"
        ) from None


class Control:
    def __init__(self, core: EventSubCore) -> None:
        self._core = core

    def info(self, request: Request) -> dict[str, Any]:
        return {
            "server": "eventsub-mock",
            "require_subscription": self._core.config.require_subscription,
        }

    def sessions(self, request: Request) -> dict[str, Any]:
        return {"data": self._core.describe_sessions()}

    def subscriptions(self, request: Request) -> dict[str, Any]:
        return {"data": self._core.describe_subscriptions()}

    def trigger(self, request: Request) -> dict[str, Any]:
        """Fire an event; a trigger that reaches nobody is refused with the reason."""
        result = self._core.trigger(request)
        if not result.delivered:
            session_id = request.get("session")
            raise self._core.nothing_delivered(
                result, session_id if isinstance(session_id, str) else None
            )
        return result.as_dict()

    def reconnect(self, request: Request) -> dict[str, Any]:
        return self._core.start_reconnect()

    def close(self, request: Request) -> dict[str, Any]:
        session_id = request["session_id"]
        if request.get("dirty") is True:
            self._core.close_session(session_id, dirty=True)
            return {"session": session_id, "dirty": True}
        self._core.find_session(session_id)  # an unknown session is a 404 before a bad code
        code = parse_close_code(request.get("reason", request.get("code")))
        self._core.close_session(session_id, code)
        return {"session": session_id, "code": int(code), "reason": code.reason}

    def keepalive(self, request: Request) -> dict[str, Any]:
        enabled = request.get("enabled")
        if not isinstance(enabled, bool):
            raise errors.InvalidControlRequest(reason="enabled must be true or false")
        session = self._core.set_keepalive(request["session_id"], enabled)
        return {"session": session.id, "keepalive_enabled": enabled}

    def subscription_status(self, request: Request) -> dict[str, Any]:
        status = request.get("status")
        if not isinstance(status, str):
            raise errors.InvalidControlRequest(reason="status must be a string")
        sub = self._core.set_subscription_status(request["subscription_id"], status)
        return {"data": [sub.to_helix()]}

    def reset(self, request: Request) -> dict[str, Any]:
        self._core.reset()
        return {"reset": True}
