"""The control operations (`core.operations` lists them): each reads a request's fields,
checks them, and answers in JSON. The HTTP control API calls these; `MockServer` calls the
core's typed methods they are built on, so both refuse the same things the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..digits import whole_number
from ..protocol import REVOCATION_STATUSES, CloseCode
from . import errors
from .faults import FaultSettings
from .hosts import host_name, is_loopback_name
from .operations import OPERATIONS, PREFIX

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


@dataclass(frozen=True)
class FaultsRequest:
    """A `faults` request, checked: it clears the scope's faults, sets them (`settings`), or,
    with neither, only shows them. The scope is a session, a subscription or the server."""

    clear: bool
    settings: FaultSettings | None
    session_id: str | None
    subscription_id: str | None

    @classmethod
    def parse(cls, request: Request) -> FaultsRequest:
        options = {k: v for k, v in request.items() if k not in FAULTS_REQUEST_KEYS}
        session_id = _optional_string(request, "session_id")
        subscription_id = _optional_string(request, "subscription_id")
        clear = request.get("clear", False)
        if not isinstance(clear, bool):
            raise errors.InvalidControlRequest(reason="clear must be true or false")
        if clear and options:
            raise errors.InvalidControlRequest(
                reason="clear takes no fault options: " + ", ".join(options)
            )
        settings = FaultSettings.from_options(options) if options else None
        return cls(clear, settings, session_id, subscription_id)


def check_control_request(method: str, content_type: str, host_header: str, bound_to: str) -> None:
    """Only the user's own tools may drive the mock, not a page open in their browser: a body
    must be JSON (so a browser has to ask first, and is refused), and a server on loopback
    answers only requests addressed to a loopback name (no DNS rebinding)."""
    if method not in ("GET", "HEAD") and content_type != "application/json":
        raise errors.ControlNeedsJson()
    if is_loopback_name(bound_to) and not is_loopback_name(host_name(host_header)):
        raise errors.ControlFromForeignHost(host=host_header)


class Control:
    def __init__(self, core: EventSubCore) -> None:
        self._core = core

    def info(self, request: Request) -> dict[str, Any]:
        """The server, and the choices its controls take (the dashboard offers these)."""
        return {
            "server": "eventsub-mock",
            "require_subscription": self._core.config.require_subscription,
            "close_codes": [{"code": int(code), "reason": code.reason} for code in CloseCode],
            "revocation_statuses": sorted(REVOCATION_STATUSES),
            # The routes, from the one table, so that the page names operations, not paths.
            "operations": {
                op.name: {"method": op.method, "path": PREFIX + op.path} for op in OPERATIONS
            },
        }

    def sessions(self, request: Request) -> dict[str, Any]:
        return {"data": self._core.describe_sessions()}

    def subscriptions(self, request: Request) -> dict[str, Any]:
        return {"data": self._core.describe_subscriptions()}

    def conduits(self, request: Request) -> dict[str, Any]:
        return {"data": self._core.conduits.describe()}

    def disable_shard(self, request: Request) -> dict[str, Any]:
        status = request.get("status", "websocket_disconnected")
        if not isinstance(status, str):
            raise errors.InvalidControlRequest(reason="status must be a string")
        shard = self._core.disable_shard(request["conduit_id"], request["shard_id"], status)
        return {"data": [shard]}

    def types(self, request: Request) -> dict[str, Any]:
        from ..catalog.listing import describe_types  # the catalogue loads on first use

        return {"data": describe_types()}

    def preview(self, request: Request) -> dict[str, Any]:
        return self._core.preview(request)

    def trigger(self, request: Request) -> dict[str, Any]:
        """Fire an event; a trigger that reaches nobody is refused with the reason."""
        result = self._core.trigger(request)
        if not result.delivered:
            session_id = request.get("session")
            raise self._core.nothing_delivered(
                result, session_id if isinstance(session_id, str) else None
            )
        return result.as_dict()

    def retrigger(self, request: Request) -> dict[str, Any]:
        """Send a recorded notification again; refused when it can reach nobody now."""
        message_id = request["message_id"]
        result = self._core.retrigger(message_id)
        if not result.delivered:
            raise errors.NothingDelivered(
                reason=f"notification {message_id} was for a subscription or session that "
                "is no longer enabled and connected"
            )
        return {**result.as_dict(), "message_id": message_id}

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

    def play(self, request: Request) -> dict[str, Any]:
        """Start a sequence or scenario; it answers once the play first waits or ends (or
        has run its first slice of steps: `play.SLICE_STEPS`)."""
        return self._core.player.start(request).describe()

    def plays(self, request: Request) -> dict[str, Any]:
        """Every play kept; or the play `id` with its steps' results from index `after` on
        (what a viewer following it has not seen yet)."""
        play_id = request.get("id")
        if play_id is None:
            return {"data": [run.describe(None) for run in self._core.player.runs.values()]}
        after = request.get("after", 0)
        if isinstance(after, str):
            after = whole_number(after)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise errors.InvalidControlRequest(reason="after must be a whole number")
        return {"data": [self._core.player.find(str(play_id)).describe(after)]}

    def stop_play(self, request: Request) -> dict[str, Any]:
        return self._core.player.stop(request["play_id"]).describe(None)

    def faults(self, request: Request) -> dict[str, Any]:
        """Delivery faults: `{"clear": true}` clears them, fault options set them, neither
        shows them; `session_id` or `subscription_id` names the scope (default: the server)."""
        parsed = FaultsRequest.parse(request)
        scope = {"session_id": parsed.session_id, "subscription_id": parsed.subscription_id}
        if parsed.clear:
            return self._core.clear_faults(**scope)
        if parsed.settings is None:
            return self._core.describe_faults(**scope)
        return self._core.set_faults(parsed.settings, **scope)

    def reset(self, request: Request) -> dict[str, Any]:
        self._core.reset()
        return {"reset": True}

    def token(self, request: Request) -> dict[str, Any]:
        user_id = _optional_string(request, "user_id")
        scopes = request.get("scopes")
        if isinstance(scopes, str):
            scopes = scopes.replace(",", " ").split()
        if scopes is not None and (
            not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)
        ):
            raise errors.InvalidControlRequest(reason="scopes must be a list of strings")
        expires_in = request.get("expires_in")
        if expires_in is not None and (
            isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 1
        ):
            raise errors.InvalidControlRequest(reason="expires_in must be a positive integer")
        token = self._core.mint_token(
            user_id,
            client_id=_optional_string(request, "client_id"),
            login=_optional_string(request, "login"),
            scopes=scopes,
            expires_in=expires_in,
        )
        body: dict[str, Any] = {
            "access_token": token.value,
            "token_type": "bearer",
            "client_id": token.client_id,
            "user_id": token.user_id,
            "scope": list(token.granted),
        }
        if token.user_id is not None:
            body["refresh_token"] = token.refresh_token
            body["login"] = token.user_login  # the login events and /oauth2/validate give
        return body

    def revoke_authorization(self, request: Request) -> dict[str, Any]:
        return self._core.revoke_authorization(
            request["user_id"], _optional_string(request, "client_id")
        )


# The fields of a `faults` request that are not fault options.
FAULTS_REQUEST_KEYS = frozenset({"clear", "session_id", "subscription_id"})


def _optional_string(request: Request, key: str) -> str | None:
    value = request.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise errors.InvalidControlRequest(reason=f"{key} must be a non-empty string")
    return value
