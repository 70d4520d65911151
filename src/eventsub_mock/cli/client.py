"""A small client of the control API, on the standard library only (so triggers start fast)."""

from __future__ import annotations

import http.client
import json
import os
import ssl
from typing import Any
from urllib.parse import quote, urlsplit

DEFAULT_SERVER = "http://127.0.0.1:8080"
SERVER_ENV = "EVENTSUB_MOCK_SERVER"
TOKEN_ENV = "EVENTSUB_MOCK_CONTROL_TOKEN"


class CliError(Exception):
    """A one-line message for the user; the command exits non-zero."""


def default_server() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


class ControlClient:
    def __init__(self, server: str, token: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(server if "://" in server else f"http://{server}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CliError(f"--server must be an http(s) URL such as {DEFAULT_SERVER}: {server!r}")
        self.server = f"{parts.scheme}://{parts.netloc}"
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            # The mock's own certificate is usually self-made; the control channel is local.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=context
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        connection = self._connection()
        try:
            connection.request(method, "/_mock" + path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise CliError(
                f"cannot reach the eventsub-mock server at {self.server} ({reason}); "
                "is it running? Start it with 'eventsub-mock start-server' or pass --server"
            ) from None
        finally:
            connection.close()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            raise CliError(
                f"{self.server} answered {response.status} with something that is not JSON; "
                "is it an eventsub-mock server?"
            ) from None
        return response.status, payload

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Like request(), but an error status becomes a CliError with the server's message."""
        status, payload = self.request(method, path, body)
        if status >= 400:
            raise CliError(error_message(status, payload))
        return payload


def error_message(status: int, payload: Any) -> str:
    if isinstance(payload, dict) and payload.get("message"):
        return str(payload["message"])
    return f"the server answered {status}"


def quoted(value: str) -> str:
    return quote(value, safe="")
