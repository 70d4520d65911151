"""Benchmark websocket clients for eventsub-mock: many sessions in one process, counted cheaply.

Two drivers share one bookkeeping core:

- ``picows`` (C-accelerated, used when installed): frames arrive in a callback, no task per
  session, no copy of the payload beyond the 100-byte head that is inspected.
- ``aiohttp`` (always available, the server's own dependency): one reader task per session.

Notifications are not JSON-decoded: every message the server sends starts with
``{"metadata":{"message_id":"<36 chars>","message_type":"<type>"``, so the message id and the
type are sliced at fixed offsets; anything else (welcome, keepalive, revocation) is parsed.

Run as a script, it is a worker process driven by ``bench/run.py`` with one JSON command per
line on stdin and one JSON reply per line on stdout (see ``Worker.handle``). Imported, the
``Worker`` class is used in-process (trigger latency, subscription API, start-up polling).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections import Counter
from typing import Any

import orjson

try:  # the fast driver is optional: the benchmark falls back to aiohttp
    import picows
except ImportError:  # pragma: no cover - depends on the environment
    picows = None

import aiohttp
from worker_pipe import open_pipe

_PREFIX = b'{"metadata":{"message_id":"'
_EVENT = b'"event":{'
_BROADCASTER = b'"broadcaster_user_id":"'
_EVENT_MESSAGE_ID = b'"message_id":"'
_END_TYPES = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
)


def default_driver() -> str:
    return "picows" if picows is not None else "aiohttp"


def raise_nofile_limit() -> int:
    """Raise this process's open-file soft limit to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class SessionState:
    __slots__ = (
        "close_code",
        "closed",
        "duplicates",
        "handle",
        "index",
        "keepalives",
        "notifications",
        "other",
        "pings",
        "session_id",
        "welcome",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.session_id: str | None = None
        self.welcome: asyncio.Future[str | None] | None = None
        self.handle: Any = None  # picows transport or aiohttp websocket
        self.notifications = 0
        self.duplicates = 0
        self.keepalives = 0
        self.pings = 0
        self.other = 0
        self.closed = False
        self.close_code: int | None = None


class Worker:
    """Sessions of one process and what they received."""

    def __init__(self, driver: str | None = None) -> None:
        self.driver = driver or default_driver()
        if self.driver == "picows" and picows is None:
            raise RuntimeError("the picows driver needs `pip install picows`")
        if self.driver not in ("picows", "aiohttp"):
            raise ValueError(f"unknown driver {self.driver!r}")
        self.sessions: list[SessionState] = []
        self.seen: set[bytes] = set()
        self.target = 0  # notifications each session should get in the current round
        self.done_sessions = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.cpu_at_arm = time.process_time()
        self.done = asyncio.Event()
        # Conduit rounds: each channel (the event's broadcaster_user_id) -> [session index,
        # unique notifications], and the channels that reached more than one session.
        self.channels: dict[bytes, list[int]] | None = None
        self.split: dict[bytes, set[int]] = {}
        # Stamped rounds (Helix chat): each event's own message_id (the one the Helix call
        # answered with) -> [first, last] arrival time over this process's sessions.
        self.stamps: dict[bytes, list[float]] | None = None
        # In-process latency measurement: resolved with the arrival time of the next notification.
        self.waiter: asyncio.Future[float] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- receiving ----------------------------------------------------------------------------

    def on_text(self, state: SessionState, data: bytes) -> None:
        """One text frame. Notifications take the fast path: two slices, no JSON decoding."""
        if data[81:94] == b'notification"' and data[:27] == _PREFIX:
            # count() inlined: this runs for every one of the benchmark's notifications.
            now = time.monotonic()
            state.notifications += 1
            message_id = data[27:63]
            seen = self.seen
            if message_id in seen:
                state.duplicates += 1
            else:
                seen.add(message_id)
                if self.channels is not None:
                    self.note_channel(state, data)
                if self.stamps is not None:
                    self.note_stamp(data, now)
            self.last_at = now
            if not self.first_at:
                self.first_at = now
            if state.notifications - state.duplicates == self.target:
                self.done_sessions += 1
                if self.done_sessions == len(self.sessions):
                    self.done.set()
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(now)
            return
        message = orjson.loads(data)
        metadata = message.get("metadata", {})
        kind = metadata.get("message_type")
        if kind == "notification":  # a layout the fast path does not know: still counted
            self.count(state, str(metadata.get("message_id")).encode(), data)
        elif kind == "session_keepalive":
            state.keepalives += 1
        elif kind == "session_welcome":
            state.session_id = message["payload"]["session"]["id"]
            if state.welcome is not None and not state.welcome.done():
                state.welcome.set_result(state.session_id)
        else:
            state.other += 1

    def count(self, state: SessionState, message_id: bytes, data: bytes = b"") -> None:
        now = time.monotonic()
        state.notifications += 1
        seen = self.seen
        if message_id in seen:
            state.duplicates += 1
        else:
            seen.add(message_id)
            if self.channels is not None:
                self.note_channel(state, data)
            if self.stamps is not None:
                self.note_stamp(data, now)
        if not self.first_at:
            self.first_at = now
        self.last_at = now
        if state.notifications - state.duplicates == self.target:
            self.done_sessions += 1
            if self.done_sessions == len(self.sessions):
                self.done.set()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    def note_channel(self, state: SessionState, data: bytes) -> None:
        """Conduit rounds: which session this notification's channel reached. The channel is
        `payload.event.broadcaster_user_id`, found by byte search (parsed when not found)."""
        assert self.channels is not None
        start = data.find(_EVENT)
        at = data.find(_BROADCASTER, start) if start >= 0 else -1
        if at >= 0:
            at += len(_BROADCASTER)
            channel = data[at : data.find(b'"', at)]
        else:
            event = orjson.loads(data).get("payload", {}).get("event") or {}
            channel = str(event.get("broadcaster_user_id")).encode()
        entry = self.channels.get(channel)
        if entry is None:
            self.channels[channel] = [state.index, 1]
            return
        entry[1] += 1
        if entry[0] != state.index:
            self.split.setdefault(channel, {entry[0]}).add(state.index)

    def note_stamp(self, data: bytes, now: float) -> None:
        """Stamped rounds: when this event (by `payload.event.message_id`, found by byte
        search, parsed when not found) first and last reached one of the sessions."""
        assert self.stamps is not None
        start = data.find(_EVENT)
        at = data.find(_EVENT_MESSAGE_ID, start) if start >= 0 else -1
        if at >= 0:
            at += len(_EVENT_MESSAGE_ID)
            event_id = data[at : data.find(b'"', at)]
        else:
            event = orjson.loads(data).get("payload", {}).get("event") or {}
            event_id = str(event.get("message_id")).encode()
        stamp = self.stamps.get(event_id)
        if stamp is None:
            self.stamps[event_id] = [now, now]
        else:
            stamp[1] = now

    def on_closed(self, state: SessionState, code: int | None) -> None:
        if not state.closed:
            state.closed = True
            state.close_code = code
        if state.welcome is not None and not state.welcome.done():
            state.welcome.set_result(None)  # closed before the welcome

    # --- connecting ---------------------------------------------------------------------------

    async def _open_picows(self, url: str, state: SessionState, timeout: float) -> None:
        assert picows is not None
        worker = self
        on_text = self.on_text
        text, ping, close = picows.WSMsgType.TEXT, picows.WSMsgType.PING, picows.WSMsgType.CLOSE

        class Listener(picows.WSListener):
            def on_ws_frame(self, transport: Any, frame: Any) -> None:
                kind = frame.msg_type
                if kind == text:
                    on_text(state, frame.get_payload_as_bytes())
                elif kind == ping:
                    state.pings += 1
                    transport.send_pong(frame.get_payload_as_bytes())
                elif kind == close:
                    payload = frame.get_payload_as_bytes()
                    code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                    worker.on_closed(state, code)
                    transport.send_close(picows.WSCloseCode.OK)
                    transport.disconnect()
                else:
                    state.other += 1

            def on_ws_disconnected(self, transport: Any) -> None:
                worker.on_closed(state, None)

        transport, _ = await picows.ws_connect(
            Listener,
            url,
            enable_auto_pong=False,
            websocket_handshake_timeout=timeout,
        )
        state.handle = transport

    async def _open_aiohttp(self, url: str, state: SessionState, timeout: float) -> None:
        http = await self.http()
        ws = await http.ws_connect(
            url,
            autoping=False,
            autoclose=False,
            heartbeat=None,
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
            max_msg_size=0,
        )
        state.handle = ws
        task = asyncio.get_running_loop().create_task(self._read_aiohttp(ws, state))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_aiohttp(self, ws: aiohttp.ClientWebSocketResponse, state: SessionState) -> None:
        text, ping = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.PING
        try:
            while True:
                message = await ws.receive()
                kind = message.type
                if kind is text:
                    self.on_text(state, message.data.encode())
                elif kind is ping:
                    state.pings += 1
                    await ws.pong(message.data)
                elif kind in _END_TYPES:
                    if kind is aiohttp.WSMsgType.CLOSE and not ws.closed:
                        with contextlib.suppress(Exception):
                            await ws.close()
                    self.on_closed(state, ws.close_code)
                    return
                else:
                    state.other += 1
        except (asyncio.CancelledError, Exception):
            self.on_closed(state, None)
            raise

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, force_close=False),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return self._http

    async def open_session(self, url: str, timeout: float = 10.0) -> SessionState:
        """Connect and wait for the welcome; the session counts only once welcomed."""
        state = SessionState(len(self.sessions))
        state.welcome = asyncio.get_running_loop().create_future()
        try:
            if self.driver == "picows":
                await self._open_picows(url, state, timeout)
            else:
                await self._open_aiohttp(url, state, timeout)
            session_id = await asyncio.wait_for(asyncio.shield(state.welcome), timeout)
            if session_id is None:
                raise ConnectionError(f"closed before the welcome (code {state.close_code})")
        except BaseException:
            await self._drop(state)
            raise
        state.index = len(self.sessions)  # its position: sessions connect concurrently
        self.sessions.append(state)
        return state

    async def _drop(self, state: SessionState) -> None:
        handle, state.handle = state.handle, None
        if handle is None:
            return
        if self.driver == "picows":
            with contextlib.suppress(Exception):
                handle.disconnect(graceful=False)
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(handle.close(), 1.0)

    async def subscribe(self, api_url: str, client_id: str, state: SessionState, body: Any) -> int:
        http = await self.http()
        body = dict(body, transport={"method": "websocket", "session_id": state.session_id})
        async with http.post(api_url, json=body, headers={"Client-Id": client_id}) as response:
            await response.read()
            return response.status

    async def connect(
        self,
        url: str,
        n: int,
        *,
        concurrency: int = 50,
        timeout: float = 60.0,
        subscribe: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Open `n` sessions (each waits for its welcome), optionally subscribing each
        (`subscribe`: the API's `url`, a `client_id`, and a `body` or a list of `bodies`)."""
        started = time.monotonic()
        deadline = started + timeout
        gate = asyncio.Semaphore(max(1, concurrency))
        errors: Counter[str] = Counter()
        subscribed = 0

        async def one() -> None:
            nonlocal subscribed
            async with gate:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    errors["timeout"] += 1
                    return
                try:
                    state = await self.open_session(url, timeout=min(remaining, 30.0))
                    if subscribe is not None:
                        # One body, or several ("bodies"): a session subscribed to each.
                        bodies = subscribe.get("bodies") or [subscribe["body"]]
                        statuses = [
                            await self.subscribe(
                                subscribe["url"], subscribe["client_id"], state, body
                            )
                            for body in bodies
                        ]
                        if all(status == 202 for status in statuses):
                            subscribed += 1
                        for status in statuses:
                            if status != 202:
                                errors[f"subscribe HTTP {status}"] += 1
                except Exception as exc:
                    errors[type(exc).__name__ + (f": {exc}"[:80] if str(exc) else "")] += 1

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), timeout + 5)
        connected = sum(1 for s in self.sessions if s.session_id and not s.closed)
        return {
            "connected": connected,
            "subscribed": subscribed,
            "errors": dict(errors.most_common(5)),
            "elapsed": time.monotonic() - started,
        }

    # --- rounds -------------------------------------------------------------------------------

    def arm(self, per_session: int | None, channels: bool = False, stamps: bool = False) -> None:
        """Start a round: each session should now receive `per_session` notifications (None:
        no per-session target, as on a conduit; then only `progress` tells how far it got).
        With `channels`, note which session each channel reached; with `stamps`, when each
        event (by its own message_id) first and last arrived."""
        self.seen.clear()
        for state in self.sessions:
            state.notifications = state.duplicates = 0
        self.channels = {} if channels else None
        self.split = {}
        self.stamps = {} if stamps else None
        self.target = -1 if per_session is None else per_session
        self.done_sessions = 0
        self.first_at = self.last_at = 0.0
        self.done = asyncio.Event()
        self.cpu_at_arm = time.process_time()
        if per_session == 0 or not self.sessions:
            self.done.set()

    async def wait(self, timeout: float, settle: float = 0.2) -> dict[str, Any]:
        """Wait until every session has its notifications (or the timeout); then count."""
        timed_out = False
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            timed_out = True
        last_at = self.last_at
        await asyncio.sleep(settle)  # anything arriving now is a duplicate or an extra
        received = sum(s.notifications for s in self.sessions)
        duplicates = sum(s.duplicates for s in self.sessions)
        unique = received - duplicates
        target = max(0, self.target)
        lost = sum(max(0, target - (s.notifications - s.duplicates)) for s in self.sessions)
        extra = sum(max(0, (s.notifications - s.duplicates) - target) for s in self.sessions)
        reply: dict[str, Any] = {
            "sessions": len(self.sessions),
            "expected": self.target * len(self.sessions),
            "received": received,
            "unique": unique,
            "duplicates": duplicates,
            "lost": lost,
            "extra": extra,
            "timed_out": timed_out,
            "first_at": self.first_at,
            "last_at": last_at,
            "closed": sum(1 for s in self.sessions if s.closed),
            "cpu_s": time.process_time() - self.cpu_at_arm,
        }
        if self.target < 0:  # no per-session target: lost and extra are the caller's to judge
            reply["lost"] = reply["extra"] = None
        if self.channels is not None:
            ids = [s.session_id for s in self.sessions]
            reply["channels"] = {c.decode(): [ids[i], n] for c, (i, n) in self.channels.items()}
            reply["split"] = {
                c.decode(): sorted(str(ids[i]) for i in where) for c, where in self.split.items()
            }
        if self.stamps is not None:
            reply["stamps"] = {e.decode(): stamp for e, stamp in self.stamps.items()}
        return reply

    def progress(self) -> dict[str, Any]:
        """Notifications so far in this round, unique and in all (duplicates too), for rounds
        without a per-session target."""
        received = sum(s.notifications for s in self.sessions)
        return {"unique": len(self.seen), "received": received, "last_at": self.last_at}

    def status(self) -> dict[str, Any]:
        sessions = self.sessions
        codes = Counter(str(s.close_code) for s in sessions if s.closed)
        return {
            "sessions": len(sessions),
            "open": sum(1 for s in sessions if not s.closed),
            "closed": sum(1 for s in sessions if s.closed),
            "close_codes": dict(codes),
            "with_keepalive": sum(1 for s in sessions if s.keepalives > 0),
            "keepalives": sum(s.keepalives for s in sessions),
            "with_ping": sum(1 for s in sessions if s.pings > 0),
            "pings": sum(s.pings for s in sessions),
            "other": sum(s.other for s in sessions),
        }

    async def close(self) -> None:
        for state in self.sessions:
            state.closed = True
            await self._drop(state)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- worker-process protocol --------------------------------------------------------------

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        """One command from bench/run.py: connect, session_ids, arm, progress, wait, status
        or quit."""
        name = command.get("cmd")
        if name == "connect":
            return await self.connect(
                command["url"],
                int(command["n"]),
                concurrency=int(command.get("concurrency", 50)),
                timeout=float(command.get("timeout", 60.0)),
                subscribe=command.get("subscribe"),
            )
        if name == "session_ids":
            return {"ids": [s.session_id for s in self.sessions]}
        if name == "arm":
            per_session = command["per_session"]
            self.arm(
                None if per_session is None else int(per_session),
                bool(command.get("channels", False)),
                bool(command.get("stamps", False)),
            )
            return {"armed": self.target}
        if name == "progress":
            return self.progress()
        if name == "wait":
            return await self.wait(float(command["timeout"]), float(command.get("settle", 0.2)))
        if name == "status":
            return self.status()
        if name == "quit":
            await self.close()
            return {"bye": True}
        return {"error": f"unknown command {name!r}"}


async def _serve_commands(driver: str) -> None:
    worker = Worker(driver)
    reader, reply = await open_pipe()

    reply({"ready": True, "driver": worker.driver, "nofile": raise_nofile_limit()})
    try:
        while True:
            line = await reader.readline()
            if not line:
                break  # the driver went away
            try:
                command = json.loads(line)
                result = await worker.handle(command)
            except Exception as exc:
                result = {"error": f"{type(exc).__name__}: {exc}"}
            reply(result)
            if command.get("cmd") == "quit":
                break
    finally:
        await worker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", choices=("picows", "aiohttp"), default=default_driver())
    args = parser.parse_args(argv)
    raise_nofile_limit()
    asyncio.run(_serve_commands(args.driver))
    return 0


if __name__ == "__main__":
    sys.exit(main())
