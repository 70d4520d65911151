"""A webhook receiver for the benchmark: a minimal HTTP/1.1 server on 127.0.0.1 that checks
every message the way an app must, and counts notifications by message id.

Each request is a POST to `/cb/N` (a callback of the mock server) or `/cli` (the CLI's
`trigger -F`). The secret of a path is `secret_for(path)`, so every callback has its own.
For every request the receiver:

- verifies `Twitch-Eventsub-Message-Signature` with HMAC-SHA256 over message id + timestamp +
  body (a bad or missing signature is counted and answered 403);
- answers `webhook_callback_verification` with the challenge (200, text/plain);
- answers a notification 204 and counts it by `Twitch-Eventsub-Message-Id` (a second arrival of
  an id is a duplicate) and by path.

The HTTP parsing is hand-written (asyncio protocol, uvloop when installed): requests with a
Content-Length on kept-alive connections, which is what aiohttp's client and http.client send.
Anything else (chunked bodies, a malformed head) is answered 400 and counted as bad, so it
fails the benchmark's checks rather than passing unnoticed.

Run as a script, it prints `{"port": P, ...}` and then takes one JSON command per line on stdin
(`arm`, `wait`, `status`, `quit`) and answers each with one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import resource
import sys
import time
from collections import Counter
from typing import Any

import orjson
from worker_pipe import open_pipe

HOST = "127.0.0.1"
SECRET_PREFIX = "eventsub-mock-bench-secret:"
MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024

_OK_EMPTY = b"HTTP/1.1 204 No Content\r\n\r\n"
_FORBIDDEN = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
_BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def secret_for(path: str) -> str:
    """The HMAC secret of a callback path (10-100 characters, as Twitch requires)."""
    return SECRET_PREFIX + path


class Counts:
    def __init__(self) -> None:
        self.reset(0)

    def reset(self, expected: int) -> None:
        self.expected = expected
        self.seen: set[str] = set()
        self.duplicates = 0
        self.by_path: Counter[str] = Counter()
        self.challenges = 0
        self.revocations = 0
        self.bad_signature = 0
        self.bad_request = 0
        self.other = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.connections = 0
        self.done = asyncio.Event()
        if expected <= 0:
            self.done.set()

    def snapshot(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "unique": len(self.seen),
            "duplicates": self.duplicates,
            "received": sum(self.by_path.values()),
            "paths": len(self.by_path),
            "min_per_path": min(self.by_path.values(), default=0),
            "max_per_path": max(self.by_path.values(), default=0),
            "challenges": self.challenges,
            "revocations": self.revocations,
            "bad_signature": self.bad_signature,
            "bad_request": self.bad_request,
            "other": self.other,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "connections": self.connections,
            "cpu_s": _cpu_seconds(),
        }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class HttpReceiver(asyncio.Protocol):
    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.head: tuple[str, dict[bytes, bytes], int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport
        self.counts.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            if self.head is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buffer) > MAX_HEAD:
                        self._bad()
                    return
                head = bytes(self.buffer[:end])
                del self.buffer[: end + 4]
                parsed = self._parse_head(head)
                if parsed is None:
                    self._bad()
                    return
                self.head = parsed
            path, headers, length = self.head
            if len(self.buffer) < length:
                return
            body = bytes(self.buffer[:length])
            del self.buffer[:length]
            self.head = None
            self.transport.write(self._handle(path, headers, body))
            if headers.get(b"connection", b"").lower() == b"close":
                self.transport.close()
                self.transport = None

    @staticmethod
    def _parse_head(head: bytes) -> tuple[str, dict[bytes, bytes], int] | None:
        request_line, _, rest = head.partition(b"\r\n")
        parts = request_line.split(b" ")
        if len(parts) != 3 or parts[0] != b"POST":
            return None
        headers: dict[bytes, bytes] = {}
        for line in rest.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                return None
            headers[name.strip().lower()] = value.strip()
        if b"transfer-encoding" in headers:
            return None  # not expected from the clients measured here
        try:
            length = int(headers.get(b"content-length", b"0"))
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        return parts[1].decode("latin-1"), headers, length

    def _handle(self, path: str, headers: dict[bytes, bytes], body: bytes) -> bytes:
        counts = self.counts
        message_id = headers.get(b"twitch-eventsub-message-id", b"")
        timestamp = headers.get(b"twitch-eventsub-message-timestamp", b"")
        signature = headers.get(b"twitch-eventsub-message-signature", b"")
        expected = hmac.new(
            secret_for(path).encode(), message_id + timestamp + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(b"sha256=" + expected.encode(), signature):
            counts.bad_signature += 1
            return _FORBIDDEN
        kind = headers.get(b"twitch-eventsub-message-type", b"")
        if kind == b"notification":
            now = time.monotonic()
            ident = message_id.decode("latin-1")
            if ident in counts.seen:
                counts.duplicates += 1
            else:
                counts.seen.add(ident)
            counts.by_path[path] += 1
            if not counts.first_at:
                counts.first_at = now
            counts.last_at = now
            if len(counts.seen) >= counts.expected:
                counts.done.set()
            return _OK_EMPTY
        if kind == b"webhook_callback_verification":
            counts.challenges += 1
            challenge = orjson.loads(body)["challenge"].encode()
            return (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(challenge)).encode()
                + b"\r\n\r\n"
                + challenge
            )
        if kind == b"revocation":
            counts.revocations += 1
        else:
            counts.other += 1
        return _OK_EMPTY

    def _bad(self) -> None:
        self.counts.bad_request += 1
        if self.transport is not None:
            self.transport.write(_BAD)
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _wait(counts: Counts, timeout: float, settle: float) -> dict[str, Any]:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(counts.done.wait(), timeout)
    if settle > 0:
        await asyncio.sleep(settle)  # late duplicates would show here
    return counts.snapshot()


async def serve() -> None:
    counts = Counts()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpReceiver(counts), HOST, 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    reader, reply = await open_pipe()

    reply({"port": port, "loop": type(loop).__module__.split(".")[0]})
    try:
        while True:
            line = await reader.readline()
            if not line:
                break  # the benchmark went away
            command: dict[str, Any] = {}
            try:
                command = json.loads(line)
                name = command.get("cmd")
                if name == "arm":
                    counts.reset(int(command["expected"]))
                    result: dict[str, Any] = {"armed": counts.expected}
                elif name == "wait":
                    result = await _wait(
                        counts, float(command["timeout"]), float(command.get("settle", 0.2))
                    )
                elif name == "status":
                    result = counts.snapshot()
                elif name == "quit":
                    result = {"bye": True}
                else:
                    result = {"error": f"unknown command {name!r}"}
            except Exception as exc:
                result = {"error": f"{type(exc).__name__}: {exc}"}
            reply(result)
            if command.get("cmd") == "quit":
                break
    finally:
        server.close()


def main() -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - depends on the environment
        asyncio.run(serve())
    else:
        uvloop.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
