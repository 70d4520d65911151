"""Churn benchmark of eventsub-mock (issue 7): sessions come and go every way while events fire.

    python bench/churn.py [--sessions 10000] [--concurrency 2000] [--in-process] [--json FILE]

The server is started as `eventsub-mock start-server --port 0 -S` (a subprocess, strict mode;
or in this process with --in-process) on 127.0.0.1. Hand-written websocket clients (raw TCP, a
few hundred lines below) connect, subscribe to channel.follow v2 (one to three subscriptions
each, some deleted again), live for a moment, and end one of these ways:

- client_close           a close frame; the client reads on until the server's close frame
- client_abort           the TCP connection is aborted, after the client caught up
- client_abort_midstream aborted at once, events possibly still in flight
- server_close           the control API closes it with a random code 4000-4007
- server_drop            the control API drops it without a close frame, after the client caught up
- server_drop_midstream  dropped at once
- stay                   open until the end; the server's shutdown closes it (1001)

Meanwhile triggers (`POST /_mock/trigger`, one at a time) fire bursts of channel.follow. Each
trigger's answer names the subscriptions it delivered to, which gives the expected count per
subscription. Checks: every notification arrives exactly once (deduplicated by message id) for
the endings that keep their data (all but the midstream ones, where only "no duplicate and no
more than fired" holds), nothing goes to a session that does not hold the subscription, and
every subscription ends in the status its session's end calls for (enabled while open).

Figures printed: sessions churned, events delivered/lost/duplicated, requests made, peak server
RSS (VmHWM of the subprocess), duration. Exit status 0 when every check passed.

tests/test_churn.py runs the same churn, smaller, against an in-process server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import orjson

from eventsub_mock.core.operations import BY_NAME

HOST = "127.0.0.1"  # the churn only ever connects here
CLIENT_ID = "eventsub-mock-churn"
FOLLOW = {"type": "channel.follow", "version": "2"}

# The documented mapping from close code to the status of the session's subscriptions.
CLOSE_STATUS = {
    4000: "websocket_internal_error",
    4001: "websocket_received_inbound_traffic",
    4002: "websocket_failed_ping_pong",
    4003: "websocket_connection_unused",
    4004: "websocket_failed_to_reconnect",
    4005: "websocket_network_timeout",
    4006: "websocket_network_error",
    4007: "websocket_failed_to_reconnect",
}
DISCONNECTED = "websocket_disconnected"
# The server lists a disabled subscription for 120 s (a system clock's); a long run may outlive it.
RETENTION_MARGIN = 100.0
DROPPED = "websocket_network_error"

ENDINGS = {
    "client_close": 3,
    "client_abort": 2,
    "client_abort_midstream": 1,
    "server_close": 3,
    "server_drop": 1,
    "server_drop_midstream": 1,
    "stay": 1,
}
MIDSTREAM = frozenset({"client_abort_midstream", "server_drop_midstream"})


@dataclass
class ChurnConfig:
    sessions: int = 1500  # sessions through, in all
    concurrency: int = 300  # churning at once (sessions that stay are on top, up to half this)
    # Handshakes in flight at once. The server's listen queue holds 128 (aiohttp's default
    # backlog): a bigger burst overflows it and clients wait seconds for SYN retransmits.
    connect_burst: int = 100
    lifetime: tuple[float, float] = (0.05, 0.8)  # seconds a session lives
    subscriptions: tuple[int, ...] = (1, 1, 2, 3)  # drawn per session
    delete_ratio: float = 0.25  # sessions that delete one of their subscriptions mid-life
    trigger_interval: float = 0.03  # seconds between triggers
    max_count: int = 3  # events per trigger: 1..max_count
    seed: int | None = None
    time_limit: float = 120.0  # the whole run, including the ends


@dataclass
class ChurnReport:
    sessions_churned: int = 0
    sessions_stayed: int = 0
    peak_concurrent: int = 0
    endings: dict[str, int] = field(default_factory=dict)
    server_close_codes: dict[str, int] = field(default_factory=dict)
    subscriptions_created: int = 0
    subscriptions_deleted: int = 0
    triggers: int = 0
    events_fired: int = 0  # notifications the server says it sent
    events_expected: int = 0  # of those, the ones each client must have received
    events_delivered: int = 0  # notifications clients received (distinct message ids)
    lost: int = 0
    duplicated: int = 0
    extra: int = 0  # more notifications for a subscription than were fired to it
    misrouted: int = 0  # notifications for a subscription the session does not hold
    cut_midstream: int = 0  # not received by clients cut off while events were in flight
    after_client_vanished: int = 0  # fired before the server noticed a client abort (allowed)
    status_mismatches: int = 0
    purged_after_retention: int = 0  # disabled long enough ago to be forgotten (allowed)
    requests: dict[str, int] = field(default_factory=dict)
    requests_total: int = 0
    duration_s: float = 0.0
    peak_server_rss_bytes: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.extra
            or self.misrouted
            or self.status_mismatches
            or self.problems
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


# --- a raw websocket client -------------------------------------------------------------------

_PREFIX = b'{"metadata":{"message_id":"'
_NOTIFICATION = b'","message_type":"notification"'
_SUB_ID = b'"subscription":{"id":"'


def _masked(opcode: int, payload: bytes) -> bytes:
    key = os.urandom(4)
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )
    return bytes((0x80 | opcode, 0x80 | len(payload))) + key + body


class ChurnClient(asyncio.Protocol):
    """One session: reads every frame as it comes, counts notifications per subscription."""

    def __init__(self, index: int, path: str) -> None:
        loop = asyncio.get_running_loop()
        self.index = index
        self._key = base64.b64encode(os.urandom(16)).decode()
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self._key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self.welcome: asyncio.Future[str] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.session_id = ""
        self.received: Counter[str] = Counter()
        self._seen: set[bytes] | None = set()
        self.duplicates = 0
        self.other: Counter[str] = Counter()
        self.close_code: int | None = None  # of the server's close frame, if one came
        self._sent_close = False
        self.ending = ""
        self.server_code: int | None = None
        self.subscriptions: list[str] = []
        self.deleted: set[str] = set()
        self.ended_at: float | None = None
        # A cut (abort or drop after catching up) runs from A to B. Events of triggers completed
        # before A must have arrived (snapshot); triggers running between A and B may or may not
        # have reached it (uncertain); later triggers must not be delivered (only an aborted
        # client's server may not know yet: after_client_vanished).
        self.snapshot: dict[str, int] | None = None
        self.first_uncertain = 0  # trigger numbers, from 1
        self.last_uncertain: int | None = None
        self.uncertain: Counter[str] = Counter()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(buffer[: buffer.find(b"\r\n")])
            if b" 101 " not in status_line:
                self._fail(f"handshake refused: {status_line!r}")
                return
            del buffer[: end + 4]
            self._upgraded = True
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - position < 4:
                    break
                length, head = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, head = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            if size - position < head + length:
                break
            start = position + head
            payload = bytes(buffer[start : start + length])
            position = start + length
            self._frame(first & 0x0F, payload)
        if position:
            del buffer[:position]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(ConnectionError("closed before the welcome"))
        if not self.done.done():
            self.done.set_result(None)

    # frames

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x1:
            self._message(payload)
        elif opcode == 0x9:  # ping: answer it (the server closes clients that do not, 4002)
            self._write(_masked(0xA, payload))
        elif opcode == 0x8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self._sent_close:
                self._sent_close = True
                self._write(_masked(0x8, payload[:2]))
            if self.transport is not None:
                self.transport.close()
        elif opcode != 0xA:
            self.other[f"opcode {opcode}"] += 1

    def _message(self, payload: bytes) -> None:
        # Fast path: notifications start with the id and the type at fixed places.
        if payload.startswith(_PREFIX) and payload.startswith(_NOTIFICATION, 63):
            at = payload.find(_SUB_ID, 63)
            if at > 0:
                self._notification(payload[27:63], payload[at + 22 : at + 58].decode())
                return
        message = orjson.loads(payload)
        metadata = message["metadata"]
        kind = metadata["message_type"]
        if kind == "notification":
            subscription_id = message["payload"]["subscription"]["id"]
            self._notification(metadata["message_id"].encode(), subscription_id)
        elif kind == "session_welcome":
            self.session_id = message["payload"]["session"]["id"]
            if not self.welcome.done():
                self.welcome.set_result(self.session_id)
        else:
            self.other[kind] += 1

    def _notification(self, message_id: bytes, subscription_id: str) -> None:
        seen = self._seen
        if seen is not None:
            if message_id in seen:
                self.duplicates += 1
                return
            seen.add(message_id)
        self.received[subscription_id] += 1

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _fail(self, why: str) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.abort()

    # what the churn does with it

    def close(self) -> None:
        """A clean close: our close frame, then read on until the server's."""
        if not self._sent_close:
            self._sent_close = True
            self._write(_masked(0x8, struct.pack("!H", 1000)))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def forget_message_ids(self) -> None:
        self._seen = None  # the run is over for it: free the memory


# --- the churn --------------------------------------------------------------------------------


class Churn:
    def __init__(
        self,
        base_url: str,
        config: ChurnConfig,
        *,
        stop_server: Callable[[], Awaitable[None]],
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", base_url)
        if match is None:
            raise ValueError(f"the churn only talks to http://127.0.0.1:PORT, not {base_url}")
        self.port = int(match.group(1))
        self.base_url = base_url
        self.config = config
        self.stop_server = stop_server
        self.log = log
        self.rng = random.Random(config.seed)
        self.report = ChurnReport()
        self.expected: Counter[str] = Counter()  # subscription id -> events fired to it
        # Triggers run one at a time: number `started` is in flight while completed < started.
        self.started = 0
        self.completed = 0
        self.cutting: set[ChurnClient] = set()
        self.owner: dict[str, ChurnClient] = {}
        self.clients: list[ChurnClient] = []
        self.staying: list[ChurnClient] = []
        self.requests: Counter[str] = Counter()
        self._active = 0
        self._handshakes = asyncio.Semaphore(config.connect_burst)
        self._http: aiohttp.ClientSession | None = None
        self._trigger_http: aiohttp.ClientSession | None = None  # its own, never queued
        self._deadline = 0.0

    # HTTP

    async def _call(
        self, kind: str, method: str, path: str, json_body: Any = None
    ) -> tuple[int, Any]:
        http = self._trigger_http if kind == "trigger" else self._http
        assert http is not None
        self.requests[kind] += 1
        async with http.request(
            method,
            self.base_url + path,
            json=json_body,
            headers={"Client-Id": CLIENT_ID},
        ) as response:
            raw = await response.read()
            return response.status, (orjson.loads(raw) if raw else None)

    # the run

    async def run(self) -> ChurnReport:
        config, report = self.config, self.report
        started = time.monotonic()
        self._deadline = started + config.time_limit
        connector = aiohttp.TCPConnector(limit=64)
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as trigger_http,
        ):
            self._http, self._trigger_http = http, trigger_http
            stop_triggers = asyncio.Event()
            triggers = asyncio.create_task(self._trigger_loop(stop_triggers))
            queue: asyncio.Queue[int] = asyncio.Queue()
            for index in range(config.sessions):
                queue.put_nowait(index)
            workers = [asyncio.create_task(self._worker(queue)) for _ in range(config.concurrency)]
            try:
                await asyncio.wait_for(
                    asyncio.gather(*workers), max(1.0, self._deadline - time.monotonic())
                )
            except TimeoutError:
                report.problems.append("the churn did not finish within its time limit")
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
            stop_triggers.set()
            await triggers
            await self._check_server_state()
            await self.stop_server()
            await self._wait_for_staying()
            self._http = self._trigger_http = None
        self._tally()
        report.duration_s = round(time.monotonic() - started, 2)
        return report

    async def _worker(self, queue: asyncio.Queue[int]) -> None:
        while not queue.empty():
            index = queue.get_nowait()
            try:
                await self._one_session(index)
            except Exception as exc:  # a problem to report, not a crash of the whole run
                self.report.problems.append(f"session {index}: {type(exc).__name__}: {exc}")

    async def _one_session(self, index: int) -> None:
        config, rng = self.config, self.rng
        loop = asyncio.get_running_loop()
        client = ChurnClient(index, "/ws?keepalive_timeout_seconds=600")
        self.clients.append(client)
        async with self._handshakes:
            await loop.create_connection(lambda: client, HOST, self.port)
            try:
                await asyncio.wait_for(client.welcome, 10)
            except TimeoutError:
                client.abort()
                raise AssertionError("no welcome within 10 s") from None
        self._active += 1
        self.report.peak_concurrent = max(self.report.peak_concurrent, self._active)
        try:
            for number in range(rng.choice(config.subscriptions)):
                condition = f"{index}{number:02d}"
                status, body = await self._call(
                    "create",
                    "POST",
                    "/eventsub/subscriptions",
                    {
                        **FOLLOW,
                        "condition": {
                            "broadcaster_user_id": condition,
                            "moderator_user_id": condition,
                        },
                        "transport": {"method": "websocket", "session_id": client.session_id},
                    },
                )
                if status != 202:
                    raise AssertionError(f"create answered {status}: {body}")
                subscription_id = body["data"][0]["id"]
                client.subscriptions.append(subscription_id)
                self.owner[subscription_id] = client
                self.report.subscriptions_created += 1
            lifetime = rng.uniform(*config.lifetime)
            if client.subscriptions and rng.random() < config.delete_ratio:
                await asyncio.sleep(lifetime / 2)
                lifetime /= 2
                victim = rng.choice(client.subscriptions)
                status, body = await self._call(
                    "delete", "DELETE", f"/eventsub/subscriptions?id={victim}"
                )
                if status != 204:
                    raise AssertionError(f"delete answered {status}: {body}")
                client.deleted.add(victim)
                self.report.subscriptions_deleted += 1
            await asyncio.sleep(lifetime)
            ending = rng.choices(list(ENDINGS), weights=list(ENDINGS.values()))[0]
            if ending == "stay" and len(self.staying) >= config.concurrency // 2:
                ending = "client_close"
            client.ending = ending
            client.ended_at = time.monotonic()
            if ending == "stay":
                self.staying.append(client)
                return
            await self._end(client, ending)
            try:
                await asyncio.wait_for(asyncio.shield(client.done), 10)
            except TimeoutError:
                raise AssertionError(f"{ending}: the connection did not end within 10 s") from None
            client.forget_message_ids()
        finally:
            self._active -= 1

    async def _end(self, client: ChurnClient, ending: str) -> None:
        if ending == "client_close":
            client.close()
        elif ending == "client_abort":
            await self._catch_up(client)
            self._cut_starts(client)
            client.abort()
            self._cut_ends(client)
        elif ending == "client_abort_midstream":
            client.abort()
        elif ending == "server_close":
            code = self.rng.randrange(4000, 4008)
            client.server_code = code
            await self._server_close(client, {"reason": code})
        elif ending == "server_drop":
            await self._catch_up(client)
            self._cut_starts(client)
            await self._server_close(client, {"dirty": True})
            self._cut_ends(client)
        elif ending == "server_drop_midstream":
            await self._server_close(client, {"dirty": True})
        else:  # pragma: no cover
            raise ValueError(ending)

    async def _server_close(self, client: ChurnClient, body: dict[str, Any]) -> None:
        status, answer = await self._call(
            "close", "POST", BY_NAME["close"].url_path(session_id=client.session_id), body
        )
        if status != 200:
            raise AssertionError(f"close answered {status}: {answer}")

    def _cut_starts(self, client: ChurnClient) -> None:
        client.snapshot = {s: self.expected[s] for s in client.subscriptions}
        client.first_uncertain = self.completed + 1
        self.cutting.add(client)

    def _cut_ends(self, client: ChurnClient) -> None:
        client.last_uncertain = self.started
        if self.completed >= client.last_uncertain:
            self.cutting.discard(client)

    def _trigger_completed(self, number: int, delivered: set[str], count: int) -> None:
        self.completed = number
        for client in list(self.cutting):
            last = client.last_uncertain
            if client.first_uncertain <= number and (last is None or number <= last):
                for subscription_id in client.subscriptions:
                    if subscription_id in delivered:
                        client.uncertain[subscription_id] += count
            if last is not None and number >= last:
                self.cutting.discard(client)

    async def _catch_up(self, client: ChurnClient, timeout: float = 10.0) -> None:
        """Wait until the client has every event fired to it so far."""
        deadline = time.monotonic() + timeout
        while any(client.received[s] < self.expected[s] for s in client.subscriptions):
            if time.monotonic() > deadline or client.done.done():
                return  # _tally() reports what is missing
            await asyncio.sleep(0.002)

    async def _trigger_loop(self, stop: asyncio.Event) -> None:
        config, rng, report = self.config, self.rng, self.report
        while not stop.is_set():
            count = rng.randint(1, config.max_count)
            self.started += 1
            status, body = await self._call(
                "trigger", "POST", BY_NAME["trigger"].url_path(), {**FOLLOW, "count": count}
            )
            delivered: set[str] = set()
            if status == 200:
                delivered = set(body["subscriptions"])
                for subscription_id in delivered:
                    self.expected[subscription_id] += count
                report.triggers += 1
                report.events_fired += body["delivered"]
            elif status != 404:  # 404: nobody subscribed at that moment (strict mode)
                report.problems.append(f"trigger answered {status}: {body}")
            self._trigger_completed(self.started, delivered, count)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), config.trigger_interval)

    async def _check_server_state(self) -> None:
        """Every subscription's status agrees with how its session ended; only stayers open."""
        report = self.report
        staying = {c.session_id for c in self.staying}
        deadline = time.monotonic() + 5
        while True:  # client aborts reach the server a moment after they happen
            _, sessions = await self._call("list", "GET", BY_NAME["sessions"].url_path())
            open_sessions = {s["id"] for s in sessions["data"]}
            if open_sessions == staying or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        if open_sessions != staying:
            report.problems.append(
                f"open sessions: {len(open_sessions - staying)} unexpected, "
                f"{len(staying - open_sessions)} missing"
            )
        _, listing = await self._call("list", "GET", BY_NAME["subscriptions"].url_path())
        statuses = {s["id"]: s["status"] for s in listing["data"]}
        examples: list[str] = []
        for client in self.clients:
            for subscription_id in client.subscriptions:
                want = self._status_for(client, subscription_id)
                have = statuses.get(subscription_id)
                if (
                    have is None
                    and want not in (None, "enabled")
                    and client.ended_at is not None
                    and time.monotonic() - client.ended_at > RETENTION_MARGIN
                ):
                    report.purged_after_retention += 1
                elif have != want:
                    report.status_mismatches += 1
                    if len(examples) < 5:
                        examples.append(f"{client.ending}: {have} (want {want})")
        if examples:
            report.problems.append("subscription statuses: " + "; ".join(examples))

    @staticmethod
    def _status_for(client: ChurnClient, subscription_id: str) -> str | None:
        if subscription_id in client.deleted:
            return None  # deleted: no longer listed
        ending = client.ending
        if ending == "stay":
            return "enabled"
        if ending.startswith("client_"):
            return DISCONNECTED
        if ending == "server_close":
            assert client.server_code is not None
            return CLOSE_STATUS[client.server_code]
        return DROPPED

    async def _wait_for_staying(self) -> None:
        if not self.staying:
            return
        pending = [asyncio.shield(c.done) for c in self.staying]
        try:
            await asyncio.wait_for(asyncio.gather(*pending), 10)
        except TimeoutError:
            self.report.problems.append("sessions still open 10 s after the server stopped")

    def _tally(self) -> None:
        report = self.report
        endings: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        for client in self.clients:
            endings[client.ending or "never_started"] += 1
            report.duplicated += client.duplicates
            report.events_delivered += sum(client.received.values())
            want_close = self._close_code_for(client)
            if want_close is not False and client.close_code != want_close:
                report.problems.append(
                    f"{client.ending}: close code {client.close_code}, want {want_close}"
                )
            if client.ending == "server_close":
                codes[str(client.server_code)] += 1
            for subscription_id, got in client.received.items():
                if self.owner.get(subscription_id) is not client:
                    report.misrouted += got
            for subscription_id in client.subscriptions:
                fired = self.expected[subscription_id]
                got = client.received[subscription_id]
                if client.snapshot is not None:  # cut after catching up: see ChurnClient
                    before = client.snapshot[subscription_id]
                    maybe = client.uncertain[subscription_id]
                    later = fired - before - maybe
                    if client.ending == "client_abort":
                        report.after_client_vanished += later
                    elif later:
                        report.problems.append(
                            f"{later} events delivered to a dropped session after its drop"
                        )
                    report.events_expected += before
                    report.lost += max(0, before - got)
                    report.cut_midstream += max(0, min(before + maybe, fired) - max(got, before))
                    report.extra += max(0, got - before - maybe)
                    continue
                if client.ending in MIDSTREAM:
                    report.cut_midstream += max(0, fired - got)
                else:
                    report.events_expected += fired
                    report.lost += max(0, fired - got)
                report.extra += max(0, got - fired)
            if client.other:
                report.problems.append(f"{client.ending} got {dict(client.other)}")
            client.forget_message_ids()
        report.sessions_churned = sum(n for e, n in endings.items() if e != "stay")
        report.sessions_stayed = endings.get("stay", 0)
        report.endings = dict(sorted(endings.items()))
        report.server_close_codes = dict(sorted(codes.items()))
        report.requests = dict(sorted(self.requests.items()))
        report.requests_total = sum(self.requests.values())
        del report.problems[20:]  # enough to go on

    @staticmethod
    def _close_code_for(client: ChurnClient) -> int | bool | None:
        """The close frame the client must have seen; False where that is not determined."""
        ending = client.ending
        if ending == "client_close":
            return 1000
        if ending == "server_close":
            return client.server_code
        if ending == "stay":
            return 1001  # the server's shutdown
        if ending in ("server_drop", "server_drop_midstream"):
            return None  # dropped: no close frame
        return False  # the client cut the connection itself


async def run_churn(
    base_url: str,
    config: ChurnConfig,
    *,
    stop_server: Callable[[], Awaitable[None]],
    log: Callable[[str], None] = lambda line: None,
) -> ChurnReport:
    return await Churn(base_url, config, stop_server=stop_server, log=log).run()


def raise_nofile_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < min(target, wanted):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(target, wanted), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- the standalone script --------------------------------------------------------------------


def _status_kib(pid: int, field_name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class ServerProcess:
    """`eventsub-mock start-server --port 0 -S` as a subprocess; its URL from its stdout."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.peak_rss: int | None = None

    def start(self, timeout: float = 20.0) -> str:
        script = shutil.which("eventsub-mock", path=os.path.dirname(sys.executable))
        command = [script] if script else [sys.executable, "-m", "eventsub_mock"]
        command += ["start-server", "--ip", HOST, "--port", "0", "--require-subscription"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: raise_nofile_limit(1 << 20),
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"ws://127\.0\.0\.1:(\d+)/ws", line)
            if match:
                self.base_url = f"http://{HOST}:{match.group(1)}"
                return self.base_url
        self.kill()
        raise RuntimeError("the server did not print its URL:\n" + "".join(seen))

    def sample(self) -> None:
        if self.process is not None:
            peak = _status_kib(self.process.pid, "VmHWM")
            if peak is not None:
                self.peak_rss = max(self.peak_rss or 0, peak)

    async def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.sample()  # VmHWM: the peak over the whole run
        process.send_signal(signal.SIGINT)
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(None, process.wait), 10)
        except TimeoutError:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def _main(args: argparse.Namespace) -> ChurnReport:
    config = ChurnConfig(
        sessions=args.sessions,
        concurrency=args.concurrency,
        connect_burst=args.connect_burst,
        lifetime=(args.min_life, args.max_life),
        trigger_interval=args.trigger_interval,
        max_count=args.max_count,
        seed=args.seed,
        time_limit=args.time_limit,
    )
    raise_nofile_limit(4 * (config.concurrency * 3 // 2) + 1024)
    if args.in_process:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
        from eventsub_mock import MockServer

        server = MockServer(
            host=HOST, port=0, require_subscription=True, max_sessions=config.sessions + 10
        )
        await server.start()
        report = await run_churn(server.base_url, config, stop_server=server.stop)
        report.peak_server_rss_bytes = _status_kib(os.getpid(), "VmHWM")
        return report

    process = ServerProcess()
    base_url = process.start()

    async def sample_rss() -> None:
        while True:
            process.sample()
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    try:
        report = await run_churn(base_url, config, stop_server=process.stop)
    finally:
        sampler.cancel()
        process.kill()
    report.peak_server_rss_bytes = process.peak_rss
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2_000)
    parser.add_argument("--connect-burst", type=int, default=100, help="handshakes in flight")
    parser.add_argument("--min-life", type=float, default=1.0)
    parser.add_argument("--max-life", type=float, default=8.0)
    parser.add_argument("--trigger-interval", type=float, default=0.05)
    parser.add_argument("--max-count", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--in-process", action="store_true", help="run the server in this process")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    report = asyncio.run(_main(args))
    figures = report.as_dict()
    rss = report.peak_server_rss_bytes
    print(
        f"sessions churned:      {report.sessions_churned} (+{report.sessions_stayed} to the end)"
    )
    print(f"peak concurrent:       {report.peak_concurrent}")
    print(f"endings:               {report.endings}")
    print(
        f"subscriptions:         {report.subscriptions_created} created, "
        f"{report.subscriptions_deleted} deleted"
    )
    print(f"triggers:              {report.triggers} ({report.events_fired} notifications sent)")
    print(f"events delivered:      {report.events_delivered}")
    print(
        f"lost / duplicated:     {report.lost} / {report.duplicated} "
        f"(extra {report.extra}, misrouted {report.misrouted})"
    )
    print(
        f"cut off (allowed):     {report.cut_midstream} midstream, "
        f"{report.after_client_vanished} after a client vanished"
    )
    print(f"status mismatches:     {report.status_mismatches}")
    print(f"requests made:         {report.requests_total} {report.requests}")
    print(f"peak server RSS:       {rss / 2**20:.1f} MiB" if rss else "peak server RSS: n/a")
    print(f"duration:              {report.duration_s} s")
    for problem in report.problems:
        print(f"problem: {problem}")
    print(f"correctness: {'OK' if report.ok else 'FAILED'}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
