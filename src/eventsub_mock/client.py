"""`ControlClient`: the control API from any Python program, with the standard library only.

    from eventsub_mock.client import ControlClient

    control = ControlClient("http://127.0.0.1:8080")
    control.trigger("channel.follow", to_user="1234")
    control.close_session(session_id, 4006)

Every method is one request (paths from `core.operations`, the one table of them); a refusal
raises `ControlError` with the server's message and status. The CLI is built on it. It speaks
just enough HTTP/1.1 over a socket for one JSON request, because `http.client` and `urllib`
alone take longer to import than the whole trigger should take (they pull in the email
package); `ssl` is imported only for an https server.
"""

from __future__ import annotations

import json
import os
import socket

from .core.operations import BY_NAME, PREFIX, quoted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

DEFAULT_SERVER = "http://127.0.0.1:8080"
SERVER_ENV = "EVENTSUB_MOCK_SERVER"
TOKEN_ENV = "EVENTSUB_MOCK_CONTROL_TOKEN"


class ControlError(Exception):
    """The server refused (`status` is its HTTP status) or could not be reached (None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def is_scenario_file(target: str) -> bool:
    """Whether `play TARGET` names a scenario file rather than a built-in sequence: sequence
    names have no `/` and no `.toml`."""
    return target.endswith(".toml") or "/" in target or os.sep in target


def play_request(target: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The play request for `target`: a scenario file (read here and sent as TOML), a parsed
    scenario (a mapping), or a sequence name; `options` are the sequence's options, or a
    scenario's `speed` and `seed`."""
    if isinstance(target, dict):
        return {"scenario": target, **options}
    name = os.fspath(target)
    if not is_scenario_file(name):
        return {"sequence": name, **options}
    try:
        with open(name, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ControlError(f"cannot read scenario {name}: {exc}") from None
    return {"scenario": text, "file": name, **options}


def default_server() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def _split_server(server: str) -> tuple[str, str, int]:
    scheme, sep, rest = server.partition("://")
    if not sep:
        scheme, rest = "http", server
    host_port = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not host_port:
        raise ControlError(f"--server must be an http(s) URL such as {DEFAULT_SERVER}: {server!r}")
    if host_port.startswith("["):  # [::1]:8080
        host, _, port_text = host_port[1:].partition("]")
        port_text = port_text.lstrip(":")
    else:
        host, _, port_text = host_port.partition(":")
    try:
        port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    except ValueError:
        raise ControlError(f"--server has an invalid port: {server!r}") from None
    return scheme, host, port


class ControlClient:
    def __init__(self, server: str, token: str | None = None, timeout: float = 30.0) -> None:
        self._scheme, self._host, self._port = _split_server(server)
        host = f"[{self._host}]" if ":" in self._host else self._host
        self.server = f"{self._scheme}://{host}:{self._port}"
        self._host_header = f"{host}:{self._port}"
        self._token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._timeout = timeout

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        if self._scheme == "https":
            import ssl

            # The mock's certificate is usually one it made itself; this channel is local.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=self._host)
        return sock

    def _head(self, method: str, path: str, accept: str, length: int | None) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host_header}",
            f"Accept: {accept}",
            "Connection: close",
        ]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        if length:
            lines.append("Content-Type: application/json")
        if self._token:
            lines.append(f"Authorization: Bearer {self._token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _unreachable(self, exc: OSError) -> ControlError:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return ControlError(
            f"cannot reach the eventsub-mock server at {self.server} ({reason}); "
            "is it running? Start it with 'eventsub-mock start-server' or pass --server"
        )

    def _decoded(self, status: int, raw: bytes) -> Any:
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise ControlError(
                f"{self.server} answered {status} with something that is not JSON; "
                "is it an eventsub-mock server?"
            ) from None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request to `path` (from the server's root); the status and the decoded JSON."""
        data = b"" if body is None else json.dumps(body).encode()
        head = self._head(method, path, "application/json", len(data))
        try:
            with self._open() as sock:
                sock.sendall(head + data)
                status, raw = _read_response(sock)
        except OSError as exc:
            raise self._unreachable(exc) from None
        return status, self._decoded(status, raw)

    def feed(
        self,
        *,
        session: str | None = None,
        subscription: str | None = None,
        type: str | None = None,
        kind: str | None = None,
        since: int | None = None,
        timeout: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The live feed (`GET /_mock/feed`): its items as they happen, until the server ends
        the stream. Filters take a value or comma-separated values; `since=0` first replays
        what the history holds. `timeout`: seconds without a byte (the server sends a
        heartbeat when idle) before giving up (default: wait for ever)."""
        fields = {"session": session, "subscription": subscription, "type": type, "kind": kind}
        if since is not None:
            fields["since"] = str(since)
        query = "&".join(f"{k}={quoted(v)}" for k, v in fields.items() if v is not None)
        path = f"{PREFIX}/feed" + (f"?{query}" if query else "")
        try:
            sock = self._open()
        except OSError as exc:
            raise self._unreachable(exc) from None
        with sock:
            try:
                sock.sendall(self._head("GET", path, "text/event-stream", None))
                sock.settimeout(timeout)
                reader = _Reader(sock)
                status, headers = reader.head()
                if status != 200:
                    payload = self._decoded(status, reader.body(headers))
                    raise ControlError(error_message(status, payload), status)
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    chunks = reader.chunks()
                else:
                    chunks = iter(reader.some, b"")
                for data in _server_sent_events(chunks):
                    yield json.loads(data)
            except OSError as exc:
                raise self._unreachable(exc) from None

    def operation(self, name: str, body: Any = None, **path: str) -> tuple[int, Any]:
        """Run the control operation `name` (see `core.operations`): (status, answer)."""
        operation = BY_NAME[name]
        if operation.method == "POST" and body is None:
            body = {}  # the control API takes JSON bodies only
        return self.request(operation.method, operation.url_path(**path), body)

    def operate(self, name: str, body: Any = None, **path: str) -> Any:
        """Like operation(), but an error status raises ControlError."""
        status, payload = self.operation(name, body, **path)
        if status >= 400:
            raise ControlError(error_message(status, payload), status)
        return payload

    # --- the operations, one method each --------------------------------------------------------

    def info(self) -> dict[str, Any]:
        return self.operate("info")

    def sessions(self) -> list[dict[str, Any]]:
        return self.operate("sessions")["data"]

    def subscriptions(self) -> list[dict[str, Any]]:
        return self.operate("subscriptions")["data"]

    def types(self) -> list[dict[str, Any]]:
        """Every subscription type and version, with its title, description and aliases."""
        return self.operate("types")["data"]

    def preview(self, event: str, **request: Any) -> dict[str, Any]:
        """The event `trigger(event, **request)` would send (`event`, or `events` for a batch),
        `reaches` (how many subscriptions) and the first one's `subscription`; sends nothing."""
        return self.operate("preview", {"type": event, **request})

    def trigger(self, event: str, **request: Any) -> dict[str, Any]:
        """Fire an event: the control API's trigger fields (`version`, `count`, `to_user`...)."""
        return self.operate("trigger", {"type": event, **request})

    def retrigger(self, message_id: str) -> dict[str, Any]:
        """Send a recent notification again with the same message_id (404 when unknown)."""
        return self.operate("retrigger", message_id=message_id)

    def reconnect(self) -> dict[str, Any]:
        return self.operate("reconnect")

    def close_session(
        self, session_id: str, code: int = 4000, *, dirty: bool = False
    ) -> dict[str, Any]:
        body = {"dirty": True} if dirty else {"reason": code}
        return self.operate("close", body, session_id=session_id)

    def set_keepalive(self, session_id: str, enabled: bool) -> dict[str, Any]:
        return self.operate("keepalive", {"enabled": enabled}, session_id=session_id)

    def set_subscription_status(self, subscription_id: str, status: str) -> dict[str, Any]:
        body = {"status": status}
        return self.operate("subscription_status", body, subscription_id=subscription_id)

    def mint_token(self, user_id: str | None = None, **details: Any) -> dict[str, Any]:
        """A new access token: a user token of `user_id` (with a refresh token), else an app
        token. Details: `client_id`, `login`, `scopes`, `expires_in`."""
        body = {"user_id": user_id, **{k: v for k, v in details.items() if v is not None}}
        return self.operate("token", body)

    def revoke_authorization(self, user_id: str, client_id: str | None = None) -> dict[str, Any]:
        """The user disconnects the app: their tokens stop working, their subscriptions are
        revoked (with a `revocation` message)."""
        body = {"client_id": client_id} if client_id else {}
        return self.operate("revoke_authorization", body, user_id=user_id)

    def conduits(self) -> list[dict[str, Any]]:
        return self.operate("conduits")["data"]

    def disable_shard(
        self, conduit_id: str, shard_id: str, status: str = "websocket_disconnected"
    ) -> dict[str, Any]:
        body = {"status": status}
        return self.operate("disable_shard", body, conduit_id=conduit_id, shard_id=shard_id)

    def faults(
        self,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Set delivery faults (`duplicate`, `reorder`, `delay`, `drop`, `chaos`, `seed`...)
        for the server, a session or a subscription; with no options, show them."""
        scope = {"session_id": session_id, "subscription_id": subscription_id}
        body = {**{k: v for k, v in scope.items() if v is not None}, **options}
        return self.operate("faults", body)

    def clear_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        """Clear a session's or a subscription's delivery faults; with neither, every one."""
        return self.faults(session_id=session_id, subscription_id=subscription_id, clear=True)

    def reset(self) -> dict[str, Any]:
        return self.operate("reset")

    def play(self, target: Any, **options: Any) -> dict[str, Any]:
        """Start a built-in sequence (`"gift-bomb"`, with options such as `to_user`, `count`,
        `interval`, `speed`, `seed`) or a scenario file (`"raid.toml"`, with `speed` and
        `seed`); the play as it stands once it first waits, ends or has run its first slice
        of steps. Follow it with `play_status()`."""
        return self.operate("play", play_request(target, options))

    def plays(self) -> list[dict[str, Any]]:
        return self.operate("plays")["data"]

    def play_status(self, play_id: str, after: int = 0) -> dict[str, Any]:
        """A play's state and the results of its steps from index `after` on."""
        query = f"?id={quoted(play_id)}&after={after}"
        status, payload = self.request("GET", BY_NAME["plays"].url_path() + query)
        if status >= 400:
            raise ControlError(error_message(status, payload), status)
        return payload["data"][0]

    def stop_play(self, play_id: str) -> dict[str, Any]:
        return self.operate("stop_play", play_id=play_id)


class _Reader:
    """An HTTP/1.1 response read from a socket as it arrives."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def _fill(self) -> bool:
        chunk = self._sock.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def until(self, marker: bytes) -> bytes | None:
        """Everything up to `marker` (which is consumed); None when the stream ends first."""
        while (end := self._buffer.find(marker)) < 0:
            if not self._fill():
                return None
        data = bytes(self._buffer[:end])
        del self._buffer[: end + len(marker)]
        return data

    def exactly(self, size: int) -> bytes:
        """`size` bytes, or fewer when the stream ends first."""
        while len(self._buffer) < size and self._fill():
            pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def some(self) -> bytes:
        """What has arrived, waiting for something; b"" at the stream's end."""
        if not self._buffer:
            self._fill()
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def rest(self) -> bytes:
        while self._fill():
            pass
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def head(self) -> tuple[int, dict[str, str]]:
        """The status and the headers (names in lower case)."""
        head = self.until(b"\r\n\r\n")
        if head is None:
            raise OSError("the server closed the connection without an answer")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError):
            raise OSError(f"not an HTTP answer: {status_line[:60]!r}") from None
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def chunks(self) -> Iterator[bytes]:
        """A chunked body's chunks as they arrive, until its last chunk or the stream's end."""
        while (size_line := self.until(b"\r\n")) is not None:
            try:
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                raise OSError(f"a malformed chunk size: {size_line[:20]!r}") from None
            if size == 0:
                return
            yield self.exactly(size)
            self.until(b"\r\n")

    def body(self, headers: dict[str, str]) -> bytes:
        """The whole body: chunked, of a Content-Length, or up to the connection's end."""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return b"".join(self.chunks())
        length = int(headers.get("content-length", "-1"))
        return self.rest() if length < 0 else self.exactly(length)


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    reader = _Reader(sock)
    status, headers = reader.head()
    return status, reader.body(headers)


def _server_sent_events(chunks: Iterator[bytes]) -> Iterator[str]:
    """The `data` of each server-sent event in a stream of bytes (comment lines, ids and
    other fields skipped: the feed's items carry their seq)."""
    pending = b""
    data: list[str] = []
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
            elif line.startswith("data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(" ") else value)


def error_message(status: int, payload: Any) -> str:
    if isinstance(payload, dict) and payload.get("message"):
        return str(payload["message"])
    return f"the server answered {status}"
