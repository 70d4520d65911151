"""Benchmark of eventsub-mock as users run it (issue 8).

    python bench/run.py [--quick] [--runs N] [--json out.json] [--only fanout,capacity,...]

The server is started as `eventsub-mock start-server --port P` (a subprocess on a free port)
and driven from other processes with real websocket clients (bench/client.py). Workloads:

- fanout:   N sessions, each with a channel.follow v2 subscription; one
            `eventsub-mock trigger channel.follow --version 2 --count E` (the CLI, a subprocess):
            time from the command's start to the last of the N x E notifications.
- feed:     the first fan-out size unwatched and then watched by a live-feed viewer process
            reading GET /_mock/feed (bench/viewer.py), side by side.
- capacity: many idle sessions: connect time, server RSS per session, server CPU while idle
            for a keepalive window (keepalives and pings run), every session still open.
- latency:  single triggers through the CLI, the control API and the in-process Python API.
- subapi:   subscription creates and lists on kept-alive connections.
- startup:  spawn to the first accepted websocket; import time of the CLI.
- conduits: one conduit whose S shards are websocket sessions, C conduit subscriptions (one
            channel each): the time to create them; one `trigger --count E`: C x E
            notifications through the conduit, each channel always on one shard.
- webhooks: C callbacks (webhook subscriptions) on a local receiver process that verifies every
            signature; one `eventsub-mock trigger ... --count E`: time to the last of the
            C x E signed deliveries. Also `eventsub-mock trigger -F URL` (no server), and
            `twitch event trigger -F` when a `twitch` binary is installed.
- helix:    the chat loop: N sessions subscribed to one channel's channel.chat.message, M
            `POST /helix/chat/messages` over C connections: calls/s, events/s, and each
            message's latency from its POST to the first and to the last client (by the
            message_id the call answered with); then one caller's round trips.
- play:     `gift-bomb` with N gifted subs at interval 0 to S subscribed sessions (control
            API `POST /_mock/plays`): time to the last of the S x (2 + 2N) notifications.
- faults:   the S x E fan-out with no fault, then with duplicate 1.0, drop 0.5 and reorder 10
            (server-wide, seeded): server CPU per notification through the faulted path.

Every run checks correctness (each notification delivered once, none lost, no session
closed) and says so. `--runs N` repeats everything and reports medians. The table is printed
and the results are written as JSON (default bench/results/latest.json).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import ctypes
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

import eventsub_mock
from eventsub_mock.client import ControlClient, ControlError
from eventsub_mock.core.operations import BY_NAME

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from client import Worker, default_driver, raise_nofile_limit  # noqa: E402
from receiver import secret_for  # noqa: E402

CLIENT_SCRIPT = BENCH_DIR / "client.py"
RECEIVER_SCRIPT = BENCH_DIR / "receiver.py"
VIEWER_SCRIPT = BENCH_DIR / "viewer.py"
DEFAULT_JSON = BENCH_DIR / "results" / "latest.json"
HOST = "127.0.0.1"  # the benchmark only ever connects here
CLIENT_ID = "eventsub-mock-bench"
FOLLOW = {"type": "channel.follow", "version": "2"}
FOLLOW_CONDITION = {"broadcaster_user_id": "1", "moderator_user_id": "1"}
KEEPALIVE_SECONDS = 10  # the shortest keepalive production allows
WORKLOADS = (
    "fanout",
    "feed",
    "capacity",
    "latency",
    "subapi",
    "startup",
    "webhooks",
    "conduits",
    "helix",
    "play",
    "faults",
)
# The Helix chat loop and the play: one channel, read by a bot that also sends.
CHAT_CHANNEL = "1234"
CHAT_BOT = "4242"
CHAT_PATH = "/helix/chat/messages"
CHAT_SUBSCRIPTION = {
    "type": "channel.chat.message",
    "version": "1",
    "condition": {"broadcaster_user_id": CHAT_CHANNEL, "user_id": CHAT_BOT},
}
# An open server takes any bearer token; the request's own user acts.
HELIX_HEADERS = {
    "Client-Id": CLIENT_ID,
    "Authorization": "Bearer bench-token",
    "Content-Type": "application/json",
}
# While a play runs, another connection lists the plays this often (seconds), from the moment
# the request that starts it is sent until it has ended: a play must not hold those up.
PLAY_PROBE_INTERVAL = 0.02
# What a gift bomb sends: the gift, the subs, and their chat notifications.
GIFT_BOMB_SUBSCRIPTIONS = [
    {
        "type": "channel.subscription.gift",
        "version": "1",
        "condition": {"broadcaster_user_id": CHAT_CHANNEL},
    },
    {
        "type": "channel.subscribe",
        "version": "1",
        "condition": {"broadcaster_user_id": CHAT_CHANNEL},
    },
    {
        "type": "channel.chat.notification",
        "version": "1",
        "condition": {"broadcaster_user_id": CHAT_CHANNEL, "user_id": CHAT_BOT},
    },
]
# The faulted fan-out's rounds (the first with none: the baseline), server-wide and seeded.
FAULT_ROUNDS: tuple[tuple[str, dict[str, float]], ...] = (
    ("none", {}),
    ("duplicate 1.0", {"duplicate": 1.0}),
    ("drop 0.5", {"drop": 0.5}),
    ("reorder 10", {"reorder": 10}),
)
FAULT_SEED = 17
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


# --- sizes ------------------------------------------------------------------------------------


@dataclass
class Sizes:
    fanout: list[tuple[int, int]]  # (sessions, events per session)
    capacity_sessions: int
    idle_seconds: float
    cli_triggers: int
    api_triggers: int
    inproc_triggers: int
    baseline_samples: int
    sub_creates: int
    sub_lists: int
    sub_sessions: int
    sub_concurrency: int
    startup_samples: int
    webhooks: list[tuple[int, int]]  # (callbacks, events per callback)
    forward_count: int  # messages of `trigger -F` (and `twitch event trigger -F`)
    conduit_shards: int  # websocket sessions bound as the conduit's shards
    conduit_channels: int  # conduit subscriptions, one channel (broadcaster id) each
    conduit_events: int  # events per channel: one `trigger --count E`
    helix_clients: int  # sessions subscribed to the channel's channel.chat.message
    helix_messages: int  # POST /helix/chat/messages over helix_concurrency connections
    helix_concurrency: int
    helix_single: int  # then one caller's messages, one at a time
    play_sessions: int  # sessions subscribed to what a gift bomb sends
    play_count: int  # the gift bomb's gifted subs: 2 + 2 x count events per session
    faults: tuple[int, int]  # the faulted fan-out: (sessions, events per session)


FULL = Sizes(
    fanout=[(1000, 200), (100, 2000)],
    capacity_sessions=5000,
    idle_seconds=KEEPALIVE_SECONDS + 2.5,
    cli_triggers=200,
    api_triggers=1000,
    inproc_triggers=1000,
    baseline_samples=30,
    sub_creates=3000,
    sub_lists=3000,
    sub_sessions=10,
    sub_concurrency=4,
    startup_samples=3,
    webhooks=[(1, 10_000), (100, 100)],
    forward_count=2000,
    conduit_shards=1000,
    conduit_channels=10_000,
    conduit_events=50,
    helix_clients=100,
    helix_messages=2000,
    helix_concurrency=8,
    helix_single=500,
    play_sessions=100,
    play_count=1000,
    faults=(1000, 200),
)
QUICK = Sizes(
    fanout=[(50, 20), (10, 200)],
    capacity_sessions=200,
    idle_seconds=KEEPALIVE_SECONDS + 2.5,
    cli_triggers=20,
    api_triggers=100,
    inproc_triggers=100,
    baseline_samples=5,
    sub_creates=300,
    sub_lists=300,
    sub_sessions=10,
    sub_concurrency=4,
    startup_samples=1,
    webhooks=[(1, 200), (10, 20)],
    forward_count=50,
    conduit_shards=50,
    conduit_channels=500,
    conduit_events=20,
    helix_clients=10,
    helix_messages=200,
    helix_concurrency=4,
    helix_single=50,
    play_sessions=10,
    play_count=100,
    faults=(50, 20),
)


@dataclass
class Context:
    sizes: Sizes
    driver: str
    client_procs: int
    connect_concurrency: int
    cli: list[str]
    logs: Path
    webhook_concurrency: int | None = None
    py_spy: Path | None = None
    profiled: set[str] = field(default_factory=set)


# --- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One workload's outcome in one run: ordered metrics and correctness checks."""

    name: str
    title: str
    metrics: list[tuple[str, str, str, float | int | None]] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def add(self, key: str, label: str, unit: str, value: float | int | None) -> None:
        self.metrics.append((key, label, unit, value))

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, bool(ok), detail))

    @property
    def ok(self) -> bool:
        return self.error is None and all(ok for _, ok, _ in self.checks)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


# --- processes --------------------------------------------------------------------------------

_children: list[subprocess.Popen[bytes]] = []


def _child_setup() -> None:
    """In every child: a high open-file limit, and die with the benchmark (PR_SET_PDEATHSIG)."""
    raise_nofile_limit()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _kill_children() -> None:
    for proc in _children:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(Exception):
                proc.wait(5)


def cli_command() -> list[str]:
    """How to run `eventsub-mock`: the script next to this interpreter, else from PATH."""
    beside = Path(sys.executable).parent / "eventsub-mock"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("eventsub-mock")
    if found:
        return [found]
    return [sys.executable, "-m", "eventsub_mock"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def read_rss_kb(pid: int, field_name: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise BenchError(f"no {field_name} for pid {pid}")


def read_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class ServerProcess:
    """`eventsub-mock start-server --port P` as a subprocess, killed on the way out."""

    def __init__(self, ctx: Context, *extra: str) -> None:
        self.ctx = ctx
        self.extra = extra
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = ctx.logs / f"server-{self.port}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}/ws"

    @property
    def subscriptions_url(self) -> str:
        return f"{self.base_url}/eventsub/subscriptions"

    def spawn(self) -> float:
        """Start the process; returns the monotonic time just before the spawn."""
        args = [*self.ctx.cli, "start-server", "--ip", HOST, "--port", str(self.port), *self.extra]
        with open(self.log, "wb") as log:
            started = time.monotonic()
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_child_setup,
            )
        _children.append(self.proc)
        return started

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        control = ControlClient(f"http://{HOST}:{self.port}", timeout=2.0)
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise BenchError(f"the server exited early:\n{_tail(self.log)}")
            with contextlib.suppress(ControlError):
                await asyncio.to_thread(control.info)
                return
            await asyncio.sleep(0.01)
        raise BenchError(f"the server did not answer within {timeout:g} s:\n{_tail(self.log)}")

    def rss_kb(self) -> int:
        return read_rss_kb(self.pid)

    def peak_rss_kb(self) -> int:
        return read_rss_kb(self.pid, "VmHWM")

    def cpu_seconds(self) -> float:
        return read_cpu_seconds(self.pid)

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8.0
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)

    async def __aenter__(self) -> ServerProcess:
        self.spawn()
        try:
            await self.wait_ready()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, exc_type: object = None, *exc_info: object) -> None:
        if exc_type is not None and self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a failure or an interrupt: no graceful shutdown
        await self.stop()


class WorkerProcess:
    """One bench/client.py process, driven by JSON lines."""

    def __init__(self, ctx: Context, index: int) -> None:
        self.ctx = ctx
        self.index = index
        self.proc: asyncio.subprocess.Process | None = None
        self.log = ctx.logs / f"client-{os.getpid()}-{id(self)}.log"
        self.hello: dict[str, Any] = {}

    async def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(CLIENT_SCRIPT),
                "--driver",
                self.ctx.driver,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                limit=1 << 24,
                preexec_fn=_child_setup,
            )
        self.hello = await self._read(30.0)

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise BenchError(f"client process {self.index} exited:\n{_tail(self.log)}")
        reply = json.loads(line)
        if "error" in reply:
            raise BenchError(f"client process {self.index}: {reply['error']}")
        return reply

    async def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        await self.proc.stdin.drain()
        return await self._read(timeout)

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.request({"cmd": "quit"}, 20.0)
        try:
            await asyncio.wait_for(proc.wait(), 10.0)
        except TimeoutError:
            proc.kill()
            await proc.wait()


class WorkerPool:
    def __init__(self, ctx: Context, count: int) -> None:
        self.workers = [WorkerProcess(ctx, i) for i in range(max(1, count))]

    def __len__(self) -> int:
        return len(self.workers)

    async def each(self, commands: Sequence[dict[str, Any]], timeout: float) -> list[dict]:
        return list(
            await asyncio.gather(
                *(w.request(c, timeout) for w, c in zip(self.workers, commands, strict=True))
            )
        )

    async def all(self, command: dict[str, Any], timeout: float) -> list[dict]:
        return await self.each([command] * len(self.workers), timeout)

    async def __aenter__(self) -> WorkerPool:
        try:
            await asyncio.gather(*(w.start() for w in self.workers))
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, exc_type: object = None, *exc_info: object) -> None:
        if exc_type is None:
            await asyncio.gather(*(w.stop() for w in self.workers), return_exceptions=True)
            return
        for worker in self.workers:  # a failure or an interrupt: no goodbyes
            proc = worker.proc
            if proc is not None and proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait(), 5.0)


def split_evenly(total: int, parts: int) -> list[int]:
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def reported_delivered(code: int, out: bytes) -> int | None:
    """How many notifications the `trigger --json` command says it delivered (None: it failed,
    or printed something else)."""
    if code != 0:
        return None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return json.loads(out)["delivered"]
    return None


def check_trigger(result: Result, code: int, out: bytes, err: bytes) -> int | None:
    """Check that the trigger command succeeded; return what it says it delivered."""
    result.check(
        "trigger command succeeded", code == 0, err.decode(errors="replace").strip()[-300:]
    )
    return reported_delivered(code, out)


@dataclass
class Totals:
    """A round's `wait` replies from every client process, added up."""

    received: int
    unique: int
    duplicates: int
    lost: int  # 0 where the round has no per-session target: then the caller judges
    extra: int  # likewise
    closed: int
    first_at: float  # monotonic; 0.0 when nothing arrived
    last_at: float
    cpu_s: float

    @classmethod
    def of(cls, waits: Sequence[dict[str, Any]]) -> Totals:
        return cls(
            received=sum(w["received"] for w in waits),
            unique=sum(w["unique"] for w in waits),
            duplicates=sum(w["duplicates"] for w in waits),
            lost=sum(w["lost"] or 0 for w in waits),
            extra=sum(w["extra"] or 0 for w in waits),
            closed=sum(w["closed"] for w in waits),
            first_at=min((w["first_at"] for w in waits if w["first_at"]), default=0.0),
            last_at=max((w["last_at"] for w in waits if w["last_at"]), default=0.0),
            cpu_s=sum(w["cpu_s"] for w in waits),
        )

    def first_after(self, t0: float) -> float | None:
        """Seconds from t0 to the first notification (None: none arrived)."""
        return self.first_at - t0 if self.first_at else None

    def last_after(self, t0: float) -> float | None:
        """Seconds from t0 to the last notification (None: none arrived)."""
        return self.last_at - t0 if self.last_at else None


async def trigger_follows(
    ctx: Context, server: ServerProcess, events: int, timeout: float
) -> tuple[int, bytes, bytes]:
    """`eventsub-mock trigger channel.follow --version 2 --count EVENTS`, as users run it."""
    return await run_cli(
        ctx,
        "trigger",
        "channel.follow",
        "--version",
        "2",
        "--count",
        str(events),
        "--server",
        server.base_url,
        "--json",
        timeout=timeout,
    )


async def run_cli(
    ctx: Context,
    *args: str,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    program: Sequence[str] | None = None,
) -> tuple[int, bytes, bytes]:
    command = [*(ctx.cli if program is None else program), *args]
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise BenchError(f"`{' '.join(command)}` took over {timeout:g} s") from None
    return proc.returncode or 0, out, err


class ReceiverProcess(WorkerProcess):
    """bench/receiver.py: the webhook receiver, a process of its own, driven by JSON lines."""

    async def start(self) -> None:
        self.log = self.ctx.logs / f"receiver-{os.getpid()}-{id(self)}.log"
        with open(self.log, "wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(RECEIVER_SCRIPT),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                limit=1 << 24,
                preexec_fn=_child_setup,
            )
        self.hello = await self._read(30.0)

    @property
    def port(self) -> int:
        return int(self.hello["port"])

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def __aenter__(self) -> ReceiverProcess:
        try:
            await self.start()
        except BaseException:
            await self.__aexit__(True)
            raise
        return self

    async def __aexit__(self, exc_type: object = None, *exc_info: object) -> None:
        proc = self.proc
        if exc_type is None:
            await self.stop()
        elif proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), 5.0)


class ViewerProcess(ReceiverProcess):
    """bench/viewer.py: a live-feed viewer reading `GET /_mock/feed`, a process of its own."""

    def __init__(self, ctx: Context, server: ServerProcess) -> None:
        super().__init__(ctx, 0)
        self.server = server

    async def start(self) -> None:
        self.log = self.ctx.logs / f"viewer-{os.getpid()}-{id(self)}.log"
        with open(self.log, "wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(VIEWER_SCRIPT),
                self.server.base_url,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=_child_setup,
            )
        self.hello = await self._read(30.0)

    async def __aenter__(self) -> ViewerProcess:
        await super().__aenter__()
        return self


# --- profiling (optional) ---------------------------------------------------------------------


class PySpy:
    """`py-spy record` attached to the server for the duration of a block (--py-spy)."""

    def __init__(self, ctx: Context, pid: int, name: str) -> None:
        self.ctx = ctx
        self.pid = pid
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.raw: Path | None = None

    def __enter__(self) -> PySpy:
        if self.ctx.py_spy is None or self.name in self.ctx.profiled:
            return self
        exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(exe).exists():
            print("  (py-spy not found: no profile)", flush=True)
            return self
        self.ctx.profiled.add(self.name)
        self.ctx.py_spy.mkdir(parents=True, exist_ok=True)
        self.raw = self.ctx.py_spy / f"{self.name}.collapsed.txt"
        command = [exe, "record", "--pid", str(self.pid), "--rate", "500", "--format", "raw"]
        command += ["--output", str(self.raw), "--nonblocking"]
        with open(self.ctx.logs / "py-spy.log", "wb") as log:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log
            )
        _children.append(self.proc)
        time.sleep(0.5)  # let it attach before the workload starts
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.raw is not None and self.raw.exists():
            print(summarize_profile(self.raw), flush=True)


def summarize_profile(path: Path, top: int = 15) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [re.sub(r"\s*\(.*?([^/]+/[^/]+\.py):\d+\)", r" (\1)", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    if not total:
        return f"  profile {path}: no samples"
    lines = [f"  profile of the server ({total} samples, {path}):", "    self%  incl%  function"]
    for name, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(
            f"    {100 * count / total:5.1f}  {100 * inclusive[name] / total:5.1f}  {name[:110]}"
        )
    lines.append("    top inclusive:")
    for name, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {'':5}  {100 * count / total:5.1f}  {name[:110]}")
    return "\n".join(lines)


# --- workloads --------------------------------------------------------------------------------


async def fanout(ctx: Context, sessions: int, events: int, *, watch: bool = False) -> Result:
    """N sessions x E notifications from one trigger; with `watch`, while a viewer process
    reads the live feed (`GET /_mock/feed`) from before the trigger until it has caught up."""
    result = Result(f"fanout_{sessions}x{events}", f"fan-out {sessions:,} x {events:,}")
    expected = sessions * events
    procs = max(1, min(ctx.client_procs, sessions))
    result.info.update(client_processes=procs, driver=ctx.driver)
    viewed: dict[str, Any] = {}
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        subscribe = {
            "url": server.subscriptions_url,
            "client_id": CLIENT_ID,
            "body": {**FOLLOW, "condition": FOLLOW_CONDITION},
        }
        started = time.monotonic()
        setup_timeout = 60.0 + sessions / 20
        replies = await pool.each(
            [
                {
                    "cmd": "connect",
                    "url": server.ws_url,
                    "n": n,
                    "concurrency": ctx.connect_concurrency,
                    "timeout": setup_timeout,
                    "subscribe": subscribe,
                }
                for n in split_evenly(sessions, procs)
            ],
            setup_timeout + 30,
        )
        setup = time.monotonic() - started
        connected = sum(r["connected"] for r in replies)
        subscribed = sum(r["subscribed"] for r in replies)
        errors = [r["errors"] for r in replies if r["errors"]]
        result.check("all sessions connected", connected == sessions, f"{connected}/{sessions}")
        result.check("all sessions subscribed", subscribed == sessions, f"{subscribed} {errors}")
        await pool.all({"cmd": "arm", "per_session": events}, 10.0)

        async with contextlib.AsyncExitStack() as stack:
            viewer = await stack.enter_async_context(ViewerProcess(ctx, server)) if watch else None
            cpu_before = server.cpu_seconds()
            wait_timeout = min(600.0, 30.0 + expected / 5_000)
            with PySpy(ctx, server.pid, result.name):
                t0 = time.monotonic()
                code, out, err = await trigger_follows(ctx, server, events, wait_timeout)
                cli_exit = time.monotonic() - t0
                waits = await pool.all({"cmd": "wait", "timeout": wait_timeout}, wait_timeout + 30)
            cpu_used = server.cpu_seconds() - cpu_before
            if viewer is not None:
                viewed = await viewer.request({"cmd": "settle", "idle": 0.5, "timeout": 30}, 60)
        peak_rss = server.peak_rss_kb()

    delivered = check_trigger(result, code, out, err)
    got = Totals.of(waits)
    unique, lost, duplicated, extra = got.unique, got.lost, got.duplicates, got.extra
    elapsed = got.last_after(t0)

    result.check("server reports all delivered", delivered == expected, f"{delivered}/{expected}")
    result.check("none lost", lost == 0 and unique == expected, f"lost {lost}")
    result.check("none duplicated", duplicated == 0 and extra == 0, f"dup {duplicated} +{extra}")
    result.check("no session closed", got.closed == 0, f"{got.closed} closed")

    result.add("setup_s", "setup: connect + subscribe", "s", setup)
    result.add("first_ms", "start -> first notification", "ms", ms(got.first_after(t0)))
    result.add("cli_exit_s", "start -> trigger command exits", "s", cli_exit)
    result.add("elapsed_s", "start -> last notification", "s", elapsed)
    result.add("per_s", "notifications/s", "/s", (unique / elapsed) if elapsed and unique else None)
    result.add("received", "notifications received", "", got.received)
    result.add("lost", "lost", "", lost)
    result.add("duplicated", "duplicated", "", duplicated + extra)
    result.add("server_cpu_s", "server CPU during fan-out", "s", cpu_used)
    result.add("client_cpu_s", "client CPU (all processes)", "s", got.cpu_s)
    result.add("server_peak_rss_mb", "server peak RSS", "MB", peak_rss / 1024)
    if watch:
        result.add("viewer_items", "feed viewer: items received", "", viewed.get("events"))
        result.add("viewer_messages", "feed viewer: message_sent items", "", viewed.get("messages"))
        result.add("viewer_missed", "feed viewer: items skipped (missed)", "", viewed.get("missed"))
        result.add("viewer_cpu_s", "feed viewer: CPU while reading", "s", viewed.get("cpu_s"))
        result.check(
            "the viewer saw the fan-out (notifications, or a missed item for them)",
            bool(viewed.get("messages")) and not viewed.get("ended"),
            json.dumps(viewed),
        )
    return result


async def feed(ctx: Context, sessions: int, events: int) -> Result:
    """The same fan-out unwatched and then watched by a live-feed viewer, side by side."""
    result = Result(
        f"feed_{sessions}x{events}", f"fan-out {sessions:,} x {events:,}: unwatched vs feed watched"
    )
    rounds = {
        "unwatched": await fanout(ctx, sessions, events),
        "watched": await fanout(ctx, sessions, events, watch=True),
    }
    for name, round_ in rounds.items():
        metrics = {key: value for key, _, _, value in round_.metrics}
        result.add(
            f"{name}_elapsed_s", f"{name}: start -> last notification", "s", metrics["elapsed_s"]
        )
        result.add(f"{name}_per_s", f"{name}: notifications/s", "/s", metrics["per_s"])
        result.add(f"{name}_server_cpu_s", f"{name}: server CPU", "s", metrics["server_cpu_s"])
        for check, ok, detail in round_.checks:
            result.check(f"{name}: {check}", ok, detail)
        result.info[name] = round_.info
    watched = {key: value for key, _, _, value in rounds["watched"].metrics}
    unwatched_rate = {k: v for k, _, _, v in rounds["unwatched"].metrics}["per_s"]
    ratio = watched["per_s"] / unwatched_rate if watched["per_s"] and unwatched_rate else None
    result.add(
        "watched_ratio_pct",
        "watched / unwatched throughput",
        "%",
        None if ratio is None else 100 * ratio,
    )
    for key in ("viewer_items", "viewer_messages", "viewer_missed", "viewer_cpu_s"):
        label, unit = next((lb, u) for k, lb, u, _ in rounds["watched"].metrics if k == key)
        result.add(key, label, unit, watched[key])
    return result


async def capacity(ctx: Context) -> Result:
    n = ctx.sizes.capacity_sessions
    idle = ctx.sizes.idle_seconds
    result = Result("capacity", f"capacity: {n:,} idle sessions")
    procs = max(1, min(ctx.client_procs, n))
    result.info.update(client_processes=procs, driver=ctx.driver, idle_seconds=idle)
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        await asyncio.sleep(0.2)
        rss_before = server.rss_kb()
        url = f"{server.ws_url}?keepalive_timeout_seconds={KEEPALIVE_SECONDS}"
        timeout = 60.0 + n / 50
        cpu_start = server.cpu_seconds()
        started = time.monotonic()
        replies = await pool.each(
            [
                {
                    "cmd": "connect",
                    "url": url,
                    "n": k,
                    "concurrency": ctx.connect_concurrency,
                    "timeout": timeout,
                }
                for k in split_evenly(n, procs)
            ],
            timeout + 30,
        )
        connect_s = time.monotonic() - started
        connect_cpu = server.cpu_seconds() - cpu_start
        rss_after = server.rss_kb()
        connected = sum(r["connected"] for r in replies)
        errors = [r["errors"] for r in replies if r["errors"]]
        result.check("all sessions connected", connected == n, f"{connected}/{n} {errors}")

        with PySpy(ctx, server.pid, "capacity_idle"):
            cpu0, wall0 = server.cpu_seconds(), time.monotonic()
            await asyncio.sleep(idle)
            cpu1, wall1 = server.cpu_seconds(), time.monotonic()
        rss_idle = server.rss_kb()
        statuses = await pool.all({"cmd": "status"}, 30.0)

    still_open = sum(s["open"] for s in statuses)
    closed = sum(s["closed"] for s in statuses)
    with_keepalive = sum(s["with_keepalive"] for s in statuses)
    with_ping = sum(s["with_ping"] for s in statuses)
    codes: dict[str, int] = {}
    for s in statuses:
        for code, count in s["close_codes"].items():
            codes[code] = codes.get(code, 0) + count
    result.check("every session open after the window", still_open == n, f"{still_open}/{n}")
    result.check("no close", closed == 0, f"{closed} closed {codes}")
    result.check("every session got a keepalive", with_keepalive == n, f"{with_keepalive}/{n}")
    result.check("every session answered a ping", with_ping == n, f"{with_ping}/{n}")

    result.add("connect_s", f"connect {n:,} sessions", "s", connect_s)
    result.add("connect_per_s", "connections/s", "/s", n / connect_s if connect_s else None)
    result.add("connect_cpu_pct", "server CPU while connecting", "%", 100 * connect_cpu / connect_s)
    result.add("rss_before_mb", "server RSS before", "MB", rss_before / 1024)
    result.add("rss_after_mb", "server RSS connected", "MB", rss_after / 1024)
    result.add("rss_idle_mb", "server RSS after the idle window", "MB", rss_idle / 1024)
    result.add("rss_per_session_kb", "server RSS per session", "KB", (rss_after - rss_before) / n)
    result.add("idle_window_s", "idle window measured", "s", wall1 - wall0)
    result.add("idle_cpu_pct", "server CPU while idle", "%", 100 * (cpu1 - cpu0) / (wall1 - wall0))
    result.add("keepalives", "keepalives received", "", sum(s["keepalives"] for s in statuses))
    result.add("pings", "pings answered", "", sum(s["pings"] for s in statuses))
    result.add("open_after", "sessions open after the window", "", still_open)
    return result


async def _subscribed_client(ctx: Context, ws_url: str, api_url: str) -> Worker:
    worker = Worker(ctx.driver)
    subscribe = {
        "url": api_url,
        "client_id": CLIENT_ID,
        "body": {**FOLLOW, "condition": FOLLOW_CONDITION},
    }
    reply = await worker.connect(ws_url, 1, timeout=20.0, subscribe=subscribe)
    if reply["connected"] != 1 or reply["subscribed"] != 1:
        await worker.close()
        raise BenchError(f"could not connect and subscribe a client: {reply}")
    worker.arm(10**9)  # never "done": this client only counts
    return worker


async def _timed(
    worker: Worker, fire: Callable[[], Awaitable[float | None]], timeout: float
) -> tuple[float, float | None]:
    """(latency to the notification, the fire call's own duration or None)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[float] = loop.create_future()
    worker.waiter = waiter
    t0 = time.monotonic()
    fired = await fire()
    arrived = await asyncio.wait_for(waiter, timeout)
    worker.waiter = None
    return arrived - t0, (fired - t0) if fired is not None else None


def _latency_metrics(result: Result, key: str, label: str, samples: list[float]) -> None:
    result.add(f"{key}_p50_ms", f"{label} p50", "ms", ms(percentile(samples, 50)))
    result.add(f"{key}_p99_ms", f"{label} p99", "ms", ms(percentile(samples, 99)))


async def latency(ctx: Context) -> Result:
    sizes = ctx.sizes
    result = Result("latency", "trigger latency (one subscribed session)")
    cli_lat: list[float] = []
    cli_exit: list[float] = []
    api_lat: list[float] = []
    api_rtt: list[float] = []
    async with ServerProcess(ctx) as server:
        worker = await _subscribed_client(ctx, server.ws_url, server.subscriptions_url)
        try:
            trigger_args = ("trigger", "channel.follow", "--version", "2")
            loop = asyncio.get_running_loop()
            for _ in range(sizes.cli_triggers):
                waiter: asyncio.Future[float] = loop.create_future()
                worker.waiter = waiter
                t0 = time.monotonic()
                proc = await asyncio.create_subprocess_exec(
                    *ctx.cli,
                    *trigger_args,
                    "--server",
                    server.base_url,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    arrived = await asyncio.wait_for(waiter, 15.0)
                    code = await asyncio.wait_for(proc.wait(), 15.0)
                finally:
                    if proc.returncode is None:
                        proc.kill()
                        await proc.wait()
                cli_exit.append(time.monotonic() - t0)
                if code != 0:
                    raise BenchError(f"eventsub-mock trigger exited with {code}")
                cli_lat.append(arrived - t0)
            worker.waiter = None

            body = orjson.dumps({**FOLLOW, "count": 1})
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1, force_close=False)
            ) as http:
                url = server.base_url + BY_NAME["trigger"].url_path()

                async def fire_api() -> float:
                    headers = {"Content-Type": "application/json"}
                    async with http.post(url, data=body, headers=headers) as response:
                        await response.read()
                        if response.status != 200:
                            raise BenchError(f"control API trigger answered {response.status}")
                    return time.monotonic()

                for _ in range(sizes.api_triggers):
                    lat, rtt = await _timed(worker, fire_api, 5.0)
                    api_lat.append(lat)
                    if rtt is not None:
                        api_rtt.append(rtt)
            counted = await worker.wait(0.0, settle=0.3)
        finally:
            await worker.close()

    from eventsub_mock import MockServer

    inproc_lat: list[float] = []
    async with MockServer(port=0) as mock:
        worker = await _subscribed_client(ctx, mock.ws_url, mock.subscriptions_url)
        try:

            async def fire_inproc() -> float:
                await mock.trigger("channel.follow", version="2")
                return time.monotonic()

            for _ in range(sizes.inproc_triggers):
                lat, _ = await _timed(worker, fire_inproc, 5.0)
                inproc_lat.append(lat)
            counted_inproc = await worker.wait(0.0, settle=0.2)
        finally:
            await worker.close()

    baseline: list[float] = []
    helps: list[float] = []
    for _ in range(sizes.baseline_samples):
        t0 = time.monotonic()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
        await asyncio.wait_for(proc.wait(), 15.0)
        baseline.append(time.monotonic() - t0)
    for _ in range(max(1, sizes.baseline_samples // 3)):
        t0 = time.monotonic()
        await run_cli(ctx, "--help", timeout=15.0)
        helps.append(time.monotonic() - t0)

    want = sizes.cli_triggers + sizes.api_triggers
    result.check(
        "server process: each trigger delivered once",
        counted["unique"] == want and counted["duplicates"] == 0,
        f"{counted['unique']}/{want}, dup {counted['duplicates']}",
    )
    result.check(
        "in-process: each trigger delivered once",
        counted_inproc["unique"] == sizes.inproc_triggers and counted_inproc["duplicates"] == 0,
        f"{counted_inproc['unique']}/{sizes.inproc_triggers}",
    )
    _latency_metrics(result, "cli", f"CLI subprocess x{len(cli_lat)}", cli_lat)
    result.add(
        "cli_exit_p50_ms", "CLI process spawn -> exit p50", "ms", ms(percentile(cli_exit, 50))
    )
    _latency_metrics(result, "api", f"control API x{len(api_lat)}", api_lat)
    result.add("api_rtt_p50_ms", "control API response p50", "ms", ms(percentile(api_rtt, 50)))
    _latency_metrics(result, "inproc", f"in-process API x{len(inproc_lat)}", inproc_lat)
    result.add(
        "python_pass_p50_ms", "bare `python -c pass` p50", "ms", ms(percentile(baseline, 50))
    )
    result.add("help_p50_ms", "`eventsub-mock --help` p50", "ms", ms(percentile(helps, 50)))
    return result


class KeepAliveHttp:
    """A minimal HTTP/1.1 client on one kept-alive connection: the request bytes are built in
    advance and the response is read by Content-Length, so the client costs little next to
    the server it measures (aiohttp's client would be the bottleneck on two cores)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connections = 0

    def build(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.connections += 1
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.partition(b"\r\n")
        status = int(status_line.split(None, 2)[1])
        length = 0
        close = False
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise BenchError("chunked responses are not expected from the subscription API")
            elif name == b"connection" and b"close" in value.lower():
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None


async def subapi(ctx: Context) -> Result:
    sizes = ctx.sizes
    sessions_needed = max(sizes.sub_sessions, math.ceil(sizes.sub_creates / 300))
    lanes_count = sizes.sub_concurrency
    result = Result("subapi", "subscription API")
    result.info.update(concurrency=lanes_count, sessions=sessions_needed, client_id=CLIENT_ID)
    async with ServerProcess(ctx) as server:
        worker = Worker(ctx.driver)
        lanes = [KeepAliveHttp(HOST, server.port) for _ in range(lanes_count)]
        try:
            reply = await worker.connect(server.ws_url, sessions_needed, timeout=60.0)
            if reply["connected"] != sessions_needed:
                raise BenchError(f"could not connect the sessions: {reply}")
            session_ids = [s.session_id for s in worker.sessions]
            path = "/eventsub/subscriptions"
            post_headers = {"Client-Id": CLIENT_ID, "Content-Type": "application/json"}
            creates = []
            for i in range(sizes.sub_creates):
                broadcaster = str(10_000 + i)  # distinct conditions: none is a duplicate
                body = {
                    **FOLLOW,
                    "condition": {"broadcaster_user_id": broadcaster, "moderator_user_id": "1"},
                    "transport": {
                        "method": "websocket",
                        "session_id": session_ids[i % len(session_ids)],
                    },
                }
                creates.append(lanes[0].build("POST", path, post_headers, orjson.dumps(body)))
            list_request = lanes[0].build("GET", path, {"Client-Id": CLIENT_ID})
            lists = [list_request] * sizes.sub_lists

            async def phase(
                requests: list[bytes], name: str
            ) -> tuple[float, list[float], dict[int, int], float]:
                latencies: list[float] = []
                statuses: dict[int, int] = {}
                queue = iter(requests)

                async def lane(http: KeepAliveHttp) -> None:
                    for request in queue:
                        t = time.perf_counter()
                        status, _ = await http.send(request)
                        latencies.append(time.perf_counter() - t)
                        statuses[status] = statuses.get(status, 0) + 1

                for http in lanes:  # connect before the clock starts
                    await http.send(list_request)
                with PySpy(ctx, server.pid, f"subapi_{name}"):
                    cpu0 = server.cpu_seconds()
                    t0 = time.monotonic()
                    await asyncio.wait_for(
                        asyncio.gather(*(lane(http) for http in lanes)),
                        120.0 + len(requests) / 20,
                    )
                    wall = time.monotonic() - t0
                    cpu = server.cpu_seconds() - cpu0
                return wall, latencies, statuses, 100 * cpu / wall

            c_wall, c_lat, c_status, c_cpu = await phase(creates, "create")
            l_wall, l_lat, l_status, l_cpu = await phase(lists, "list")
            status, raw = await lanes[0].send(list_request)
            listing = orjson.loads(raw) if status == 200 else {}
            connections = sum(http.connections for http in lanes)
        finally:
            for http in lanes:
                await http.close()
            await worker.close()

    created = c_status.get(202, 0)
    listed = l_status.get(200, 0)
    result.check("every create answered 202", created == sizes.sub_creates, f"{c_status}")
    result.check("every list answered 200", listed == sizes.sub_lists, f"{l_status}")
    result.check(
        "GET total equals creates",
        listing.get("total") == sizes.sub_creates,
        f"total {listing.get('total')}",
    )
    result.check("connections kept alive", connections == lanes_count, f"{connections} connections")
    result.add(
        "create_per_s", f"creates/s ({sizes.sub_creates:,})", "/s", sizes.sub_creates / c_wall
    )
    _latency_metrics(result, "create", "create", c_lat)
    result.add("create_server_cpu_pct", "server CPU during creates", "%", c_cpu)
    result.add(
        "list_per_s",
        f"lists/s ({sizes.sub_lists:,}, 100 per page)",
        "/s",
        sizes.sub_lists / l_wall,
    )
    _latency_metrics(result, "list", "list", l_lat)
    result.add("list_server_cpu_pct", "server CPU during lists", "%", l_cpu)
    return result


async def startup(ctx: Context) -> Result:
    result = Result("startup", "start-up")
    samples: list[float] = []
    for _ in range(ctx.sizes.startup_samples):
        server = ServerProcess(ctx)
        worker = Worker(ctx.driver)
        try:
            t0 = server.spawn()
            deadline = t0 + 30.0
            connected_at = None
            while time.monotonic() < deadline:
                if server.proc is not None and server.proc.poll() is not None:
                    raise BenchError(f"the server exited early:\n{_tail(server.log)}")
                try:
                    await worker.open_session(server.ws_url, timeout=5.0)
                    connected_at = time.monotonic()
                    break
                except (OSError, TimeoutError, ConnectionError):
                    await asyncio.sleep(0.002)
                except Exception as exc:  # e.g. a handshake error while the app starts
                    if "refused" not in str(exc).lower():
                        raise
                    await asyncio.sleep(0.002)
            if connected_at is None:
                raise BenchError("no websocket connection was accepted within 30 s")
            samples.append(connected_at - t0)
        finally:
            await worker.close()
            await server.stop()
    result.add(
        "first_ws_ms", "spawn -> first accepted websocket", "ms", ms(statistics.median(samples))
    )

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-X",
        "importtime",
        "-c",
        "import eventsub_mock.cli, eventsub_mock.cli.commands",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30.0)
    package_us = 0
    everything_us = 0
    for line in err.decode(errors="replace").splitlines():
        match = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\| ( *)(\S+)", line)
        if not match or match.group(3):  # keep top-level imports only
            continue
        cumulative = int(match.group(2))
        everything_us += cumulative
        if match.group(4).startswith("eventsub_mock"):
            package_us += cumulative
    result.check("importtime parsed", package_us > 0, "")
    result.add("cli_import_ms", "import eventsub_mock.cli (+ .commands)", "ms", package_us / 1000)
    result.add("all_imports_ms", "all imports of that interpreter", "ms", everything_us / 1000)
    return result


async def webhooks(ctx: Context, callbacks: int, events: int) -> Result:
    """C webhook subscriptions (one per callback) on the receiver; one trigger of E events."""
    name = f"webhooks_{callbacks}x{events}"
    result = Result(name, f"webhooks {callbacks:,} callback(s) x {events:,}")
    expected = callbacks * events
    extra = []
    if ctx.webhook_concurrency is not None:
        extra = ["--webhook-concurrency", str(ctx.webhook_concurrency)]
    result.info.update(callbacks=callbacks, events=events, server_args=extra)
    async with ReceiverProcess(ctx, 0) as receiver, ServerProcess(ctx, *extra) as server:
        result.info["receiver_loop"] = receiver.hello.get("loop")
        http = KeepAliveHttp(HOST, server.port)
        control = ControlClient(server.base_url, timeout=10.0)
        statuses: dict[int, int] = {}
        try:
            started = time.monotonic()
            headers = {"Client-Id": CLIENT_ID, "Content-Type": "application/json"}
            for n in range(callbacks):
                path = f"/cb/{n}"
                body = {
                    **FOLLOW,
                    "condition": FOLLOW_CONDITION,
                    "transport": {
                        "method": "webhook",
                        "callback": receiver.url(path),
                        "secret": secret_for(path),
                    },
                }
                request = http.build("POST", "/eventsub/subscriptions", headers, orjson.dumps(body))
                status, _ = await asyncio.wait_for(http.send(request), 10.0)
                statuses[status] = statuses.get(status, 0) + 1
            # Enabled once the receiver answered the challenge: poll, bounded.
            enabled = 0
            deadline = time.monotonic() + 30.0 + callbacks / 10
            while time.monotonic() < deadline:
                subs = await asyncio.to_thread(control.subscriptions)
                enabled = sum(1 for sub in subs if sub.get("status") == "enabled")
                if enabled >= callbacks:
                    break
                await asyncio.sleep(0.02)
            setup = time.monotonic() - started
        finally:
            await http.close()
        before = await receiver.request({"cmd": "status"}, 10.0)
        result.check("every create answered 202", statuses.get(202, 0) == callbacks, f"{statuses}")
        result.check(
            "every subscription enabled (challenge answered)",
            enabled == callbacks and before["challenges"] == callbacks,
            f"{enabled}/{callbacks} enabled, {before['challenges']} challenges",
        )
        await receiver.request({"cmd": "arm", "expected": expected}, 10.0)

        cpu_before = server.cpu_seconds()
        wait_timeout = min(600.0, 30.0 + expected / 500)
        with PySpy(ctx, server.pid, name):
            t0 = time.monotonic()
            code, out, err = await trigger_follows(ctx, server, events, wait_timeout)
            cli_exit = time.monotonic() - t0
            got = await receiver.request(
                {"cmd": "wait", "timeout": wait_timeout, "settle": 0.3}, wait_timeout + 30
            )
        cpu_used = server.cpu_seconds() - cpu_before
        peak_rss = server.peak_rss_kb()

    delivered = check_trigger(result, code, out, err)
    unique, duplicated = got["unique"], got["duplicates"]
    lost = expected - unique
    elapsed = got["last_at"] - t0 if got["last_at"] else None
    result.check("server reports all delivered", delivered == expected, f"{delivered}/{expected}")
    result.check("none lost", lost == 0, f"lost {lost}")
    result.check("none duplicated", duplicated == 0, f"dup {duplicated}")
    result.check(
        "every callback got its share",
        got["paths"] == callbacks and got["min_per_path"] == got["max_per_path"] == events,
        f"{got['paths']} callbacks, {got['min_per_path']}..{got['max_per_path']} each",
    )
    result.check(
        "every signature valid, every request well-formed",
        got["bad_signature"] == 0 and got["bad_request"] == 0,
        f"{got['bad_signature']} bad signatures, {got['bad_request']} bad requests",
    )
    result.check(
        "no revocation, nothing else",
        got["revocations"] == 0 and got["other"] == 0,
        f"{got['revocations']} revocations, {got['other']} other",
    )

    result.add("setup_s", "setup: subscribe + challenges", "s", setup)
    first = got["first_at"] - t0 if got["first_at"] else None
    result.add("first_ms", "start -> first delivery", "ms", ms(first))
    result.add("cli_exit_s", "start -> trigger command exits", "s", cli_exit)
    result.add("elapsed_s", "start -> last signed delivery", "s", elapsed)
    per_s = (unique / elapsed) if elapsed and unique else None
    result.add("per_s", "signed deliveries/s", "/s", per_s)
    steady = got["last_at"] - got["first_at"] if got["first_at"] else None
    result.add(
        "steady_per_s",
        "deliveries/s, first -> last delivery",
        "/s",
        (unique - 1) / steady if steady and unique > 1 else None,
    )
    result.add("received", "deliveries received", "", got["received"])
    result.add("lost", "lost", "", lost)
    result.add("duplicated", "duplicated", "", duplicated)
    result.add("server_cpu_s", "server CPU during deliveries", "s", cpu_used)
    cpu_pct = 100 * cpu_used / elapsed if elapsed else None
    result.add("server_cpu_pct", "server CPU / elapsed", "%", cpu_pct)
    result.add("receiver_cpu_s", "receiver CPU (whole run)", "s", got["cpu_s"])
    result.add("connections", "connections opened during deliveries", "", got["connections"])
    result.add("server_peak_rss_mb", "server peak RSS", "MB", peak_rss / 1024)
    return result


async def forward(ctx: Context) -> Result:
    """`eventsub-mock trigger -F URL -s SECRET --count N`: the CLI posts straight to the
    receiver, no server (the Twitch CLI's way); and `twitch event trigger -F` if installed."""
    n = ctx.sizes.forward_count
    result = Result("webhooks_cli", f"webhooks from the CLI: trigger -F x {n:,}")
    twitch = shutil.which("twitch")
    result.info["twitch"] = twitch or "not installed"
    # The CLI keeps what it forwarded for retrigger: in a scratch config dir, not the user's.
    env = {**os.environ, "XDG_CONFIG_HOME": str(ctx.logs / "config")}
    async with ReceiverProcess(ctx, 0) as receiver:
        tools: list[tuple[str, str, list[str], list[str]]] = [
            (
                "cli",
                "eventsub-mock trigger -F",
                list(ctx.cli),
                ["trigger", "channel.follow", "--version", "2", "-D", "--count", str(n)],
            )
        ]
        if twitch:
            tools.append(
                (
                    "twitch",
                    "twitch event trigger -F",
                    [twitch],
                    ["event", "trigger", "channel.follow", "--count", str(n)],
                )
            )
        else:
            print("    twitch event trigger -F: not installed (no `twitch` on PATH)", flush=True)
        for key, label, program, args in tools:
            path = f"/{key}"
            await receiver.request({"cmd": "arm", "expected": n}, 10.0)
            timeout = 60.0 + n / 20
            t0 = time.monotonic()
            code, _, err = await run_cli(
                ctx,
                *args,
                "-F",
                receiver.url(path),
                "-s",
                secret_for(path),
                timeout=timeout,
                env=env,
                program=program,
            )
            exited = time.monotonic() - t0
            got = await receiver.request({"cmd": "wait", "timeout": 10.0, "settle": 0.2}, 40.0)
            elapsed = got["last_at"] - t0 if got["last_at"] else None
            result.check(
                f"{label} succeeded", code == 0, err.decode(errors="replace").strip()[-300:]
            )
            result.check(
                f"{label}: each delivered once, signed",
                got["unique"] == n
                and got["duplicates"] == 0
                and got["bad_signature"] == 0
                and got["bad_request"] == 0,
                f"{got['unique']}/{n}, dup {got['duplicates']}, "
                f"{got['bad_signature']} bad signatures, {got['bad_request']} bad requests",
            )
            result.add(f"{key}_elapsed_s", f"{label}: start -> last delivery", "s", elapsed)
            result.add(f"{key}_exit_s", f"{label}: start -> exit", "s", exited)
            result.add(
                f"{key}_per_s",
                f"{label}: deliveries/s",
                "/s",
                n / elapsed if elapsed and got["unique"] else None,
            )
            result.add(f"{key}_lost", f"{label}: lost", "", n - got["unique"])
            result.add(f"{key}_duplicated", f"{label}: duplicated", "", got["duplicates"])
        if not twitch:
            result.add("twitch_per_s", "twitch event trigger -F: not installed", "/s", None)
    return result


async def conduits(ctx: Context) -> Result:
    """One conduit with S websocket shards and C channel.follow subscriptions, one channel
    each: the time to create them, then one `trigger --count E` through the conduit."""
    sizes = ctx.sizes
    shards, channels, events = sizes.conduit_shards, sizes.conduit_channels, sizes.conduit_events
    name = f"conduits_{shards}x{channels}"
    result = Result(name, f"conduit: {shards:,} shards, {channels:,} channels x {events:,} events")
    expected = channels * events
    procs = max(1, min(ctx.client_procs, shards))
    lanes_count = sizes.sub_concurrency
    batch = 100  # shards per PATCH /eventsub/conduits/shards
    result.info.update(client_processes=procs, driver=ctx.driver, lanes=lanes_count, batch=batch)
    channel_ids = [str(100_000 + i) for i in range(channels)]  # distinct: none is a duplicate
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        lanes = [KeepAliveHttp(HOST, server.port) for _ in range(lanes_count)]
        trigger: asyncio.Future[tuple[int, bytes, bytes]] | None = None
        try:
            # Shards: S sessions across the client processes, bound to a new conduit.
            timeout = 60.0 + shards / 20
            started = time.monotonic()
            replies = await pool.each(
                [
                    {
                        "cmd": "connect",
                        "url": server.ws_url,
                        "n": n,
                        "concurrency": ctx.connect_concurrency,
                        "timeout": timeout,
                    }
                    for n in split_evenly(shards, procs)
                ],
                timeout + 30,
            )
            connect_s = time.monotonic() - started
            connected = sum(r["connected"] for r in replies)
            errors = [r["errors"] for r in replies if r["errors"]]
            if connected != shards:
                raise BenchError(f"connected {connected}/{shards} sessions {errors}")
            session_ids = [
                i for r in await pool.all({"cmd": "session_ids"}, 30.0) for i in r["ids"]
            ]
            http = lanes[0]
            headers = {"Client-Id": CLIENT_ID, "Content-Type": "application/json"}
            conduits_path = "/helix/eventsub/conduits"
            status, raw = await http.send(
                http.build("POST", conduits_path, headers, orjson.dumps({"shard_count": shards}))
            )
            if status != 200:
                raise BenchError(f"creating the conduit answered {status}: {raw[:300]!r}")
            conduit_id = orjson.loads(raw)["data"][0]["id"]
            bound, bind_errors = 0, []
            started = time.monotonic()
            for first in range(0, shards, batch):
                body = {
                    "conduit_id": conduit_id,
                    "shards": [
                        {"id": str(n), "transport": {"method": "websocket", "session_id": sid}}
                        for n, sid in enumerate(session_ids[first : first + batch], first)
                    ],
                }
                status, raw = await http.send(
                    http.build("PATCH", conduits_path + "/shards", headers, orjson.dumps(body))
                )
                answer = orjson.loads(raw) if status == 202 else {}
                bound += len(answer.get("data", []))
                bind_errors += answer.get("errors", []) if status == 202 else [status]
            bind_s = time.monotonic() - started
            result.check(
                "every shard bound",
                bound == shards and not bind_errors,
                f"{bound} {bind_errors[:3]}",
            )

            # Subscriptions: C creates over the kept-alive lanes, timed.
            path = "/eventsub/subscriptions"
            creates = [
                http.build(
                    "POST",
                    path,
                    headers,
                    orjson.dumps(
                        {
                            **FOLLOW,
                            "condition": {"broadcaster_user_id": c, "moderator_user_id": c},
                            "transport": {"method": "conduit", "conduit_id": conduit_id},
                        }
                    ),
                )
                for c in channel_ids
            ]
            done_at: list[float] = []
            statuses: dict[int, int] = {}
            queue = iter(creates)

            async def lane(http: KeepAliveHttp) -> None:
                for request in queue:
                    status, _ = await http.send(request)
                    done_at.append(time.monotonic())
                    statuses[status] = statuses.get(status, 0) + 1

            for http in lanes:  # connect before the clock starts
                await http.send(http.build("GET", conduits_path, {"Client-Id": CLIENT_ID}))
            with PySpy(ctx, server.pid, f"{name}_create"):
                cpu0 = server.cpu_seconds()
                t0 = time.monotonic()
                await asyncio.wait_for(
                    asyncio.gather(*(lane(http) for http in lanes)), 120.0 + channels / 20
                )
                create_s = time.monotonic() - t0
                create_cpu = server.cpu_seconds() - cpu0
            created = statuses.get(202, 0)
            result.check("every create answered 202", created == channels, f"{statuses}")
            tenth = max(1, channels // 10)
            done_at.sort()
            first_tenth = done_at[tenth - 1] - t0
            last_tenth = done_at[-1] - done_at[-tenth - 1] if channels > tenth else None

            # Notifications: one trigger of E events for every channel.
            await pool.all({"cmd": "arm", "per_session": None, "channels": True}, 10.0)
            cpu_before = server.cpu_seconds()
            wait_timeout = min(600.0, 30.0 + expected / 5_000)
            with PySpy(ctx, server.pid, f"{name}_notify"):
                t0 = time.monotonic()
                trigger = asyncio.ensure_future(trigger_follows(ctx, server, events, wait_timeout))
                deadline = t0 + wait_timeout
                unique = 0
                while time.monotonic() < deadline:  # bounded: until all arrived or the deadline
                    progress = await pool.all({"cmd": "progress"}, 30.0)
                    unique = sum(p["unique"] for p in progress)
                    if unique >= expected or (trigger.done() and trigger.exception()):
                        break
                    await asyncio.sleep(0.05)
                code, out, err = await trigger
                cli_exit = time.monotonic() - t0
                waits = await pool.all({"cmd": "wait", "timeout": 0.0, "settle": 0.3}, 60.0)
            cpu_used = server.cpu_seconds() - cpu_before
            peak_rss = server.peak_rss_kb()
            statuses_after = await pool.all({"cmd": "status"}, 30.0)
        finally:
            for http in lanes:
                await http.close()
            if trigger is not None and not trigger.done():
                trigger.cancel()

    delivered = check_trigger(result, code, out, err)
    got = Totals.of(waits)
    unique, duplicated = got.unique, got.duplicates
    closed = sum(s["closed"] for s in statuses_after)
    elapsed = got.last_after(t0)

    # Each channel: on one shard only, with exactly E notifications; shards bound are ours.
    landed: dict[str, str] = {}
    counts: dict[str, int] = {}
    split: dict[str, set[str]] = {}
    for w in waits:
        for channel, where in w["split"].items():
            split.setdefault(channel, set()).update(where)
        for channel, (session_id, n) in w["channels"].items():
            counts[channel] = counts.get(channel, 0) + n
            if landed.setdefault(channel, session_id) != session_id:
                split.setdefault(channel, {landed[channel]}).add(session_id)
    wanted = set(channel_ids)
    missing = len(wanted - set(counts))
    unknown = len(set(counts) - wanted)
    wrong = sum(1 for c in wanted & set(counts) if counts[c] != events)
    per_shard: dict[str, int] = dict.fromkeys(session_ids, 0)
    for session_id in landed.values():
        per_shard[session_id] = per_shard.get(session_id, 0) + 1
    foreign = len(set(per_shard) - set(session_ids))

    result.check("server reports all delivered", delivered == expected, f"{delivered}/{expected}")
    result.check(
        "none lost", unique == expected and missing == 0, f"{unique}/{expected}, {missing} channels"
    )
    result.check("none duplicated (by message id)", duplicated == 0, f"dup {duplicated}")
    result.check(
        "every channel got exactly E",
        wrong == 0 and unknown == 0,
        f"{wrong} wrong, {unknown} unknown",
    )
    result.check(
        "each channel on one shard",
        not split,
        f"{len(split)} split, e.g. {next(iter(split.items()), None)}",
    )
    result.check("only the conduit's shards", foreign == 0, f"{foreign} other sessions")
    result.check("no session closed", closed == 0, f"{closed} closed")

    result.add("connect_s", f"connect {shards:,} sessions", "s", connect_s)
    result.add("bind_s", f"bind {shards:,} shards ({batch} per PATCH)", "s", bind_s)
    result.add("create_s", f"create {channels:,} conduit subscriptions", "s", create_s)
    result.add("create_per_s", "subscription creates/s", "/s", channels / create_s)
    result.add("create_first_per_s", "  creates/s, first tenth", "/s", tenth / first_tenth)
    result.add(
        "create_last_per_s",
        "  creates/s, last tenth",
        "/s",
        tenth / last_tenth if last_tenth else None,
    )
    result.add("create_server_cpu_s", "server CPU during creates", "s", create_cpu)
    result.add("first_ms", "start -> first notification", "ms", ms(got.first_after(t0)))
    result.add("cli_exit_s", "start -> trigger command exits", "s", cli_exit)
    result.add("elapsed_s", "start -> last notification", "s", elapsed)
    result.add("per_s", "notifications/s", "/s", (unique / elapsed) if elapsed and unique else None)
    spread = got.last_at - got.first_at if got.first_at and got.last_at > got.first_at else None
    result.add(
        "spread_per_s", "notifications/s, first -> last", "/s", unique / spread if spread else None
    )
    result.add("received", "notifications received", "", got.received)
    result.add("lost", "lost", "", expected - unique if unique <= expected else 0)
    result.add("duplicated", "duplicated", "", duplicated)
    result.add("split_channels", "channels on more than one shard", "", len(split))
    result.add(
        "shards_used", "shards that got channels", "", sum(1 for n in per_shard.values() if n)
    )
    result.add("per_shard_max", "channels per shard, max", "", max(per_shard.values(), default=0))
    result.add("server_cpu_s", "server CPU during notifications", "s", cpu_used)
    result.add("client_cpu_s", "client CPU (all processes)", "s", got.cpu_s)
    result.add("server_peak_rss_mb", "server peak RSS", "MB", peak_rss / 1024)
    return result


# --- Helix chat, plays, delivery faults (issues 17 and 18) ------------------------------------


def helix_title(sizes: Sizes) -> str:
    return f"Helix chat: {sizes.helix_clients:,} clients x {sizes.helix_messages:,} messages"


def play_title(sizes: Sizes) -> str:
    return f"play gift-bomb x {sizes.play_count:,} to {sizes.play_sessions:,} sessions"


def faults_name_title(sizes: Sizes) -> tuple[str, str]:
    sessions, events = sizes.faults
    rounds = " / ".join(label for label, _ in FAULT_ROUNDS)
    return f"faults_{sessions}x{events}", f"faults: fan-out {sessions:,} x {events:,}, {rounds}"


async def _connect_subscribed(
    ctx: Context, server: ServerProcess, pool: WorkerPool, sessions: int, bodies: list[dict]
) -> tuple[int, int, list[dict]]:
    """`sessions` websocket sessions across the pool, each subscribed to every one of
    `bodies`: (connected, fully subscribed, errors)."""
    subscribe = {"url": server.subscriptions_url, "client_id": CLIENT_ID, "bodies": bodies}
    timeout = 60.0 + sessions * len(bodies) / 20
    replies = await pool.each(
        [
            {
                "cmd": "connect",
                "url": server.ws_url,
                "n": n,
                "concurrency": ctx.connect_concurrency,
                "timeout": timeout,
                "subscribe": subscribe,
            }
            for n in split_evenly(sessions, len(pool))
        ],
        timeout + 30,
    )
    connected = sum(r["connected"] for r in replies)
    subscribed = sum(r["subscribed"] for r in replies)
    return connected, subscribed, [r["errors"] for r in replies if r["errors"]]


@dataclass
class ChatRound:
    """One round of chat messages sent through Helix and what the clients received."""

    started: float = 0.0
    wall: float = 0.0
    round_trips: list[float] = field(default_factory=list)  # POST -> answered
    to_first: list[float] = field(default_factory=list)  # POST -> the first client has it
    to_all: list[float] = field(default_factory=list)  # POST -> the last client has it
    statuses: dict[int, int] = field(default_factory=dict)
    unsent: int = 0  # answered is_sent: false
    unmatched: int = 0  # events that are no message a call answered with, or calls without one
    unique: int = 0
    duplicated: int = 0
    last_at: float = 0.0


def chat_message(n: int, mention: bool = False) -> bytes:
    """A chat message's request body: text and an emote, and with `mention` an @login that
    no user has (the mock looks for it among the users it knows and the recent messages)."""
    text = f"message {n} @nobody{n} Kappa" if mention else f"message {n} Kappa"
    return orjson.dumps({"broadcaster_id": CHAT_CHANNEL, "sender_id": CHAT_BOT, "message": text})


async def chat_round(
    pool: WorkerPool, lanes: list[KeepAliveHttp], bodies: list[bytes], timeout: float
) -> ChatRound:
    """Send the chat messages over the lanes (each lane one request at a time) and wait until
    every client has every message; each message's latency is taken by its message_id."""
    result = ChatRound()
    sent_at: dict[str, float] = {}
    queue = iter([lanes[0].build("POST", CHAT_PATH, HELIX_HEADERS, body) for body in bodies])

    async def lane(http: KeepAliveHttp) -> None:
        for request in queue:
            t = time.monotonic()
            status, raw = await http.send(request)
            result.round_trips.append(time.monotonic() - t)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status != 200:
                continue
            sent = orjson.loads(raw)["data"][0]
            if sent.get("is_sent"):
                sent_at[sent["message_id"]] = t
            else:
                result.unsent += 1

    await pool.all({"cmd": "arm", "per_session": len(bodies), "stamps": True}, 10.0)
    result.started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(lane(http) for http in lanes)), timeout)
    result.wall = time.monotonic() - result.started
    waits = await pool.all({"cmd": "wait", "timeout": timeout}, timeout + 30)
    got = Totals.of(waits)
    result.unique = got.unique
    result.duplicated = got.duplicates + got.extra
    result.last_at = got.last_at
    # Each event's first and last arrival over all the client processes.
    stamps: dict[str, tuple[float, float]] = {}
    for w in waits:
        for event_id, (first, last) in w["stamps"].items():
            seen = stamps.get(event_id, (first, last))
            stamps[event_id] = (min(seen[0], first), max(seen[1], last))
    result.unmatched = len(set(stamps) ^ set(sent_at))
    for message_id, t in sent_at.items():
        if message_id in stamps:
            result.to_first.append(stamps[message_id][0] - t)
            result.to_all.append(stamps[message_id][1] - t)
    return result


async def helix(ctx: Context) -> Result:
    """The chat loop: N sessions subscribed to one channel's channel.chat.message; M
    `POST /helix/chat/messages` over C kept-alive connections, each message reaching all N.
    Then one caller's messages, one at a time: plain, and with an @mention of an unknown
    login."""
    sizes = ctx.sizes
    clients, messages = sizes.helix_clients, sizes.helix_messages
    lanes_count, single = sizes.helix_concurrency, sizes.helix_single
    result = Result("helix", helix_title(sizes))
    procs = max(1, min(ctx.client_procs, clients))
    result.info.update(client_processes=procs, driver=ctx.driver, concurrency=lanes_count)
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        started = time.monotonic()
        connected, subscribed, errors = await _connect_subscribed(
            ctx, server, pool, clients, [CHAT_SUBSCRIPTION]
        )
        setup = time.monotonic() - started
        result.check("all sessions connected", connected == clients, f"{connected}/{clients}")
        result.check("all sessions subscribed", subscribed == clients, f"{subscribed} {errors}")
        lanes = [KeepAliveHttp(HOST, server.port) for _ in range(lanes_count)]
        try:
            warm = lanes[0].build("GET", f"/helix/users?id={CHAT_BOT}", HELIX_HEADERS)
            for http in lanes:  # connect before the clock starts (a call that sends nothing)
                status, _ = await http.send(warm)
                if status != 200:
                    raise BenchError(f"GET /helix/users?id={CHAT_BOT} answered {status}")
            timeout = min(600.0, 60.0 + clients * messages / 2_000)
            with PySpy(ctx, server.pid, "helix"):
                cpu0 = server.cpu_seconds()
                many = await chat_round(
                    pool, lanes, [chat_message(n) for n in range(messages)], timeout
                )
                cpu_used = server.cpu_seconds() - cpu0
            one = await chat_round(
                pool, lanes[:1], [chat_message(n) for n in range(single)], timeout
            )
            mentions = await chat_round(
                pool, lanes[:1], [chat_message(n, mention=True) for n in range(single)], timeout
            )
            statuses_after = await pool.all({"cmd": "status"}, 30.0)
        finally:
            for http in lanes:
                await http.close()

    closed = sum(s["closed"] for s in statuses_after)
    for label, chat, sent in (
        ("", many, messages),
        ("one caller: ", one, single),
        ("one caller, @mention: ", mentions, single),
    ):
        result.check(
            f"{label}every message answered 200, sent",
            chat.statuses.get(200) == sent and chat.unsent == 0,
            f"{chat.statuses}, {chat.unsent} not sent",
        )
        result.check(
            f"{label}every message reached every client once",
            chat.unique == clients * sent and chat.duplicated == 0,
            f"{chat.unique}/{clients * sent}, dup {chat.duplicated}",
        )
        result.check(
            f"{label}every event is the message its call answered with",
            chat.unmatched == 0,
            f"{chat.unmatched} differ",
        )
    result.check("no session closed", closed == 0, f"{closed} closed")

    elapsed = many.last_at - many.started if many.last_at else None
    result.add("setup_s", "setup: connect + subscribe", "s", setup)
    result.add(
        "calls_per_s", f"Helix calls/s ({lanes_count} connections)", "/s", messages / many.wall
    )
    _latency_metrics(result, "call", "call answered", many.round_trips)
    result.add("elapsed_s", "start -> last notification", "s", elapsed)
    result.add(
        "events_per_s", "events delivered/s", "/s", many.unique / elapsed if elapsed else None
    )
    _latency_metrics(result, "first", "POST -> first client", many.to_first)
    _latency_metrics(result, "all", f"POST -> all {clients:,} clients", many.to_all)
    result.add("server_cpu_s", "server CPU", "s", cpu_used)
    result.add("received", "notifications received", "", many.unique)
    result.add(
        "single_call_p50_ms",
        f"one caller x{single}: call answered p50",
        "ms",
        ms(percentile(one.round_trips, 50)),
    )
    result.add(
        "single_first_p50_ms",
        f"one caller x{single}: POST -> first client p50",
        "ms",
        ms(percentile(one.to_first, 50)),
    )
    result.add(
        "mention_call_p50_ms",
        f"one caller x{single}, @unknown login: call answered p50",
        "ms",
        ms(percentile(mentions.round_trips, 50)),
    )
    return result


async def _probe_while_playing(
    http: KeepAliveHttp, answered: asyncio.Event
) -> tuple[dict[str, Any], list[float]]:
    """List the plays every PLAY_PROBE_INTERVAL seconds until the play's request has been
    answered and the play has ended (the caller bounds the time): the play's last state, and
    how long each of those requests took to be answered."""
    request = http.build("GET", BY_NAME["plays"].url_path(), {})
    probes: list[float] = []
    while True:
        sent = time.monotonic()
        code, raw = await http.send(request)
        probes.append(time.monotonic() - sent)
        if code != 200:
            raise BenchError(f"GET /_mock/plays: HTTP {code}: {raw[:200]!r}")
        plays = orjson.loads(raw)["data"]
        if answered.is_set() and plays and plays[-1]["state"] != "running":
            return plays[-1], probes
        await asyncio.sleep(PLAY_PROBE_INTERVAL)


async def play(ctx: Context) -> Result:
    """A built-in sequence at scale: gift-bomb with N gifted subs, its pacing at 0, to S
    sessions subscribed to the channel's gifts, subs and chat notifications."""
    sizes = ctx.sizes
    sessions, count = sizes.play_sessions, sizes.play_count
    per_session = 2 + 2 * count  # the gift, its chat notice, then a sub and a notice per gift
    expected = sessions * per_session
    result = Result("play", play_title(sizes))
    procs = max(1, min(ctx.client_procs, sessions))
    result.info.update(client_processes=procs, driver=ctx.driver, events_per_session=per_session)
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        started = time.monotonic()
        connected, subscribed, errors = await _connect_subscribed(
            ctx, server, pool, sessions, GIFT_BOMB_SUBSCRIPTIONS
        )
        setup = time.monotonic() - started
        result.check("all sessions connected", connected == sessions, f"{connected}/{sessions}")
        result.check(
            "all sessions subscribed (3 types)", subscribed == sessions, f"{subscribed} {errors}"
        )
        http = KeepAliveHttp(HOST, server.port)
        probe_http = KeepAliveHttp(HOST, server.port)
        probing: asyncio.Task[tuple[dict[str, Any], list[float]]] | None = None
        try:
            body = {
                "sequence": "gift-bomb",
                "to_user": CHAT_CHANNEL,
                "count": count,
                "interval": 0,
                "seed": 1,
            }
            request = http.build(
                "POST",
                BY_NAME["play"].url_path(),
                {"Content-Type": "application/json"},
                orjson.dumps(body),
            )
            for connection in (http, probe_http):  # connect
                await connection.send(http.build("GET", BY_NAME["plays"].url_path(), {}))
            await pool.all({"cmd": "arm", "per_session": per_session}, 10.0)
            wait_timeout = min(600.0, 30.0 + expected / 5_000)
            answered_event = asyncio.Event()
            with PySpy(ctx, server.pid, "play"):
                cpu0 = server.cpu_seconds()
                t0 = time.monotonic()
                probing = asyncio.create_task(
                    asyncio.wait_for(_probe_while_playing(probe_http, answered_event), wait_timeout)
                )
                status, raw = await asyncio.wait_for(http.send(request), wait_timeout)
                answered = time.monotonic() - t0
                answered_event.set()
                final, probes = await probing
                waits = await pool.all({"cmd": "wait", "timeout": wait_timeout}, wait_timeout + 30)
                cpu_used = server.cpu_seconds() - cpu0
            statuses_after = await pool.all({"cmd": "status"}, 30.0)
        finally:
            if probing is not None and not probing.done():
                probing.cancel()
            await http.close()
            await probe_http.close()

    got = Totals.of(waits)
    unique, lost, duplicated = got.unique, got.lost, got.duplicates + got.extra
    closed = sum(s["closed"] for s in statuses_after)
    elapsed = got.last_after(t0)
    result.check(
        "the play is done",
        status == 200 and final.get("state") == "done",
        f"HTTP {status}: {raw[:300]!r}; then {str(final)[:300]}",
    )
    result.check(
        "server reports all delivered",
        final.get("delivered") == expected,
        f"{final.get('delivered')}/{expected}",
    )
    result.check("none lost", lost == 0 and unique == expected, f"{unique}/{expected}")
    result.check("none duplicated", duplicated == 0, f"dup {duplicated}")
    result.check("no session closed", closed == 0, f"{closed} closed")

    result.add("setup_s", "setup: connect + 3 subscriptions each", "s", setup)
    result.add("events", "events per session", "", per_session)
    result.add("answered_s", "start -> play request answered", "s", answered)
    result.add("probes", "plays listed while it ran (every 20 ms)", "", len(probes))
    result.add("probe_p50_ms", "list plays while it ran p50", "ms", ms(percentile(probes, 50)))
    result.add("probe_max_ms", "list plays while it ran max", "ms", ms(max(probes, default=None)))
    result.add("first_ms", "start -> first notification", "ms", ms(got.first_after(t0)))
    result.add("elapsed_s", "start -> last notification", "s", elapsed)
    result.add("per_s", "events delivered/s", "/s", unique / elapsed if elapsed else None)
    result.add("received", "notifications received", "", unique)
    result.add("server_cpu_s", "server CPU", "s", cpu_used)
    result.add("response_kb", "play response size", "KB", len(raw) / 1024)
    return result


async def faults(ctx: Context) -> Result:
    """The fan-out of S sessions x E events once with no fault and then once with each of
    FAULT_ROUNDS (server-wide, seeded): what the per-notification path costs."""
    sessions, events = ctx.sizes.faults
    expected = sessions * events
    name, title = faults_name_title(ctx.sizes)
    result = Result(name, title)
    procs = max(1, min(ctx.client_procs, sessions))
    result.info.update(client_processes=procs, driver=ctx.driver, seed=FAULT_SEED)
    rounds: dict[str, dict[str, Any]] = {}
    async with ServerProcess(ctx) as server, WorkerPool(ctx, procs) as pool:
        control = ControlClient(server.base_url, timeout=30.0)
        started = time.monotonic()
        connected, subscribed, errors = await _connect_subscribed(
            ctx, server, pool, sessions, [{**FOLLOW, "condition": FOLLOW_CONDITION}]
        )
        result.add("setup_s", "setup: connect + subscribe", "s", time.monotonic() - started)
        result.check("all sessions connected", connected == sessions, f"{connected}/{sessions}")
        result.check("all sessions subscribed", subscribed == sessions, f"{subscribed} {errors}")
        wait_timeout = min(600.0, 30.0 + 2 * expected / 5_000)
        for label, options in FAULT_ROUNDS:
            if options:
                await asyncio.to_thread(control.faults, **options, seed=FAULT_SEED)
            else:
                await asyncio.to_thread(control.clear_faults)
            before = (await asyncio.to_thread(control.faults))["injected"]
            await pool.all({"cmd": "arm", "per_session": None}, 10.0)
            with PySpy(ctx, server.pid, f"{name}_{label.split()[0]}"):
                cpu0 = server.cpu_seconds()
                t0 = time.monotonic()
                code, out, err = await trigger_follows(ctx, server, events, wait_timeout)
                after = (await asyncio.to_thread(control.faults))["injected"]
                injected = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                # What the clients should get: every notification, less the dropped ones,
                # and again for each duplicate.
                want = expected - injected.get("drop", 0) + injected.get("duplicate", 0)
                deadline = t0 + wait_timeout
                while time.monotonic() < deadline:  # bounded: until all arrived or the deadline
                    progress = await pool.all({"cmd": "progress"}, 30.0)
                    if sum(p["received"] for p in progress) >= want:
                        break
                    await asyncio.sleep(0.05)
                waits = await pool.all({"cmd": "wait", "timeout": 0.0, "settle": 0.3}, 60.0)
                cpu_used = server.cpu_seconds() - cpu0
            rounds[label] = {
                "code": code,
                "out": out,
                "err": err,
                "injected": injected,
                "want": want,
                "t0": t0,
                "waits": waits,
                "cpu": cpu_used,
            }
        await asyncio.to_thread(control.clear_faults)
        statuses_after = await pool.all({"cmd": "status"}, 30.0)

    closed = sum(s["closed"] for s in statuses_after)
    result.check("no session closed", closed == 0, f"{closed} closed")
    baseline_cpu: float | None = None
    for label, options in FAULT_ROUNDS:
        r = rounds[label]
        key = label.split()[0]
        waits, injected = r["waits"], r["injected"]
        got = Totals.of(waits)
        received, unique, duplicates = got.received, got.unique, got.duplicates
        dropped = injected.get("drop", 0)
        elapsed = got.last_after(r["t0"])
        delivered = reported_delivered(r["code"], r["out"])
        result.check(
            f"{key}: trigger command succeeded",
            r["code"] == 0 and delivered == expected,
            f"{delivered}/{expected} " + r["err"].decode(errors="replace").strip()[-300:],
        )
        result.check(
            f"{key}: each notification arrived as its faults say",
            received == r["want"]
            and unique == expected - dropped
            and duplicates == injected.get("duplicate", 0),
            f"received {received}/{r['want']}, unique {unique}, dup {duplicates}, {injected}",
        )
        fault = next(iter(options), None)
        if fault is not None:
            count = injected.get(fault, 0)
            if fault in ("drop", "duplicate"):  # about RATE of them: within 5 deviations
                rate = options[fault]
                spread = 5 * math.sqrt(expected * rate * (1 - rate))
                injected_ok = abs(count - rate * expected) <= spread + 0.5
            else:  # reordered: those that left their place in a window
                injected_ok = count > 0
            result.check(f"{key}: faults injected", injected_ok, f"{count} of {expected}")
        if baseline_cpu is None:
            baseline_cpu = r["cpu"]
        result.add(f"{key}_elapsed_s", f"{label}: start -> last notification", "s", elapsed)
        result.add(
            f"{key}_per_s",
            f"{label}: notifications sent/s",
            "/s",
            received / elapsed if elapsed else None,
        )
        result.add(f"{key}_received", f"{label}: notifications received", "", received)
        result.add(f"{key}_server_cpu_s", f"{label}: server CPU", "s", r["cpu"])
        # Per notification triggered (each went through the faults, whatever they did to it).
        result.add(
            f"{key}_cpu_us",
            f"{label}: server CPU per notification",
            "us",
            1e6 * r["cpu"] / expected,
        )
        if fault is not None:
            result.add(
                f"{key}_cpu_vs_none",
                f"{label}: server CPU / no faults",
                "x",
                r["cpu"] / baseline_cpu if baseline_cpu else None,
            )
    return result


# --- running ----------------------------------------------------------------------------------


async def run_once(ctx: Context, selected: Sequence[str], budget: float) -> list[Result]:
    plan: list[tuple[str, str, Callable[[], Awaitable[Result]]]] = []
    if "fanout" in selected:
        for sessions, events in ctx.sizes.fanout:
            plan.append(
                (
                    f"fanout_{sessions}x{events}",
                    f"fan-out {sessions:,} x {events:,}",
                    lambda s=sessions, e=events: fanout(ctx, s, e),
                )
            )
    if "feed" in selected:
        sessions, events = ctx.sizes.fanout[0]
        plan.append(
            (
                f"feed_{sessions}x{events}",
                f"fan-out {sessions:,} x {events:,}: unwatched vs feed watched",
                lambda: feed(ctx, sessions, events),
            )
        )
    titles = {
        "capacity": (f"capacity: {ctx.sizes.capacity_sessions:,} idle sessions", capacity),
        "latency": ("trigger latency (one subscribed session)", latency),
        "subapi": ("subscription API", subapi),
        "startup": ("start-up", startup),
    }
    for name in ("capacity", "latency", "subapi", "startup"):
        if name in selected:
            title, fn = titles[name]
            plan.append((name, title, lambda fn=fn: fn(ctx)))
    if "conduits" in selected:
        sizes = ctx.sizes
        plan.append(
            (
                f"conduits_{sizes.conduit_shards}x{sizes.conduit_channels}",
                f"conduit: {sizes.conduit_shards:,} shards, {sizes.conduit_channels:,} channels"
                f" x {sizes.conduit_events:,} events",
                lambda: conduits(ctx),
            )
        )
    if "webhooks" in selected:
        for callbacks, events in ctx.sizes.webhooks:
            plan.append(
                (
                    f"webhooks_{callbacks}x{events}",
                    f"webhooks {callbacks:,} callback(s) x {events:,}",
                    lambda c=callbacks, e=events: webhooks(ctx, c, e),
                )
            )
        plan.append(
            (
                "webhooks_cli",
                f"webhooks from the CLI: trigger -F x {ctx.sizes.forward_count:,}",
                lambda: forward(ctx),
            )
        )

    if "helix" in selected:
        plan.append(("helix", helix_title(ctx.sizes), lambda: helix(ctx)))
    if "play" in selected:
        plan.append(("play", play_title(ctx.sizes), lambda: play(ctx)))
    if "faults" in selected:
        plan.append((*faults_name_title(ctx.sizes), lambda: faults(ctx)))

    results = []
    for name, title, make in plan:
        print(f"  {title} ...", flush=True)
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(make(), budget)
        except Exception as exc:
            result = Result(name, title, error=f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
        verdict = "ok" if result.ok else "FAILED"
        print(f"    {verdict} in {time.monotonic() - started:.1f} s", flush=True)
        results.append(result)
    return results


def _fmt(value: float | int | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "/s" or (isinstance(value, int) and not isinstance(value, bool)):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 1 or value == 0 else f"{value:.3f}"


def aggregate(runs: list[list[Result]]) -> list[dict[str, Any]]:
    """Per workload: every metric's median over the runs, and whether every run was correct."""
    order: list[str] = []
    by_name: dict[str, list[Result]] = {}
    for results in runs:
        for result in results:
            if result.name not in by_name:
                order.append(result.name)
                by_name[result.name] = []
            by_name[result.name].append(result)
    summary = []
    for name in order:
        results = by_name[name]
        metrics: dict[str, dict[str, Any]] = {}
        for result in results:
            for key, label, unit, value in result.metrics:
                entry = metrics.setdefault(key, {"label": label, "unit": unit, "runs": []})
                entry["runs"].append(value)
        for entry in metrics.values():
            values = [v for v in entry["runs"] if v is not None]
            entry["median"] = statistics.median(values) if values else None
        checks: dict[str, dict[str, Any]] = {}
        for result in results:
            for check, ok, detail in result.checks:
                entry = checks.setdefault(check, {"ok": True, "details": []})
                entry["ok"] = entry["ok"] and ok
                if not ok:
                    entry["details"].append(detail)
        summary.append(
            {
                "name": name,
                "title": results[0].title,
                "ok": all(r.ok for r in results),
                "errors": [r.error for r in results if r.error],
                "metrics": metrics,
                "checks": checks,
                "info": results[-1].info,
            }
        )
    return summary


def print_table(summary: list[dict[str, Any]], runs: int) -> None:
    label_width = max([len(e["label"]) for w in summary for e in w["metrics"].values()] + [30])
    header = f"{'metric':<{label_width}}  {'median' if runs > 1 else 'value':>12}  unit"
    if runs > 1:
        header += "  runs"
    print()
    print(header)
    print("-" * len(header))
    for workload in summary:
        status = "correct" if workload["ok"] else "INCORRECT"
        print(f"[{workload['title']}]  ({status})")
        for entry in workload["metrics"].values():
            line = (
                f"  {entry['label']:<{label_width - 2}}  {_fmt(entry['median'], entry['unit']):>12}"
            )
            line += f"  {entry['unit']:<4}"
            if runs > 1:
                line += " " + " ".join(_fmt(v, entry["unit"]) for v in entry["runs"])
            print(line.rstrip())
        for error in workload["errors"]:
            print(f"  ERROR: {error}")
        for check, entry in workload["checks"].items():
            if not entry["ok"]:
                print(f"  CHECK FAILED: {check}: {'; '.join(entry['details'])}")
    print()


def package_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in ("eventsub-mock", "aiohttp", "orjson", "picows", "aiofastnet"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py", description="Benchmark eventsub-mock (issue 8)."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: well under a minute")
    parser.add_argument("--runs", type=int, default=1, help="repeat N times; report medians")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"results file (default {DEFAULT_JSON})"
    )
    parser.add_argument(
        "--only",
        default=",".join(WORKLOADS),
        help=f"comma-separated workloads out of {','.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument(
        "--driver",
        choices=("picows", "aiohttp"),
        default=default_driver(),
        help="websocket client (default: picows when installed, else aiohttp)",
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=2,
        help="client processes for fan-out and capacity (default 2)",
    )
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=50,
        help="connections each client process opens at once (default 50)",
    )
    parser.add_argument(
        "--fanout",
        metavar="SxE[,SxE]",
        help="override the fan-out sizes, e.g. 1000x200,100x2000",
    )
    parser.add_argument("--sessions", type=int, help="override the capacity session count")
    parser.add_argument(
        "--webhooks",
        metavar="CxE[,CxE]",
        help="override the webhook sizes (callbacks x events), e.g. 1x5000,100x100",
    )
    parser.add_argument(
        "--forward-count", type=int, help="override the messages of `trigger -F` (webhooks)"
    )
    parser.add_argument(
        "--conduit",
        metavar="SxCxE",
        help="override the conduit size (shards x channels x events), e.g. 1000x10000x50",
    )
    parser.add_argument(
        "--helix",
        metavar="CxM",
        help="override the Helix chat size (clients x messages), e.g. 100x2000",
    )
    parser.add_argument(
        "--play",
        metavar="SxN",
        help="override the play size (sessions x gifted subs, at most 1000), e.g. 100x1000",
    )
    parser.add_argument(
        "--faults",
        metavar="SxE",
        help="override the faulted fan-out size (sessions x events), e.g. 1000x200",
    )
    parser.add_argument(
        "--webhook-concurrency",
        type=int,
        help="start the server with --webhook-concurrency N (default: the server's own)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile the server with py-spy (fan-outs, the idle phase, subscription API phases; "
        "first run only); collapsed stacks go to DIR",
    )
    parser.add_argument(
        "--budget", type=float, default=900.0, help="seconds allowed per workload (default 900)"
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl+C and SIGTERM unwind through the workloads' cleanup (even when started in the
    # background, where SIGINT starts out ignored); children also die with this process.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    nofile = raise_nofile_limit()
    # Measure the commands as an installed package runs them: with its bytecode cached (pip
    # compiles it at install). Some shells set PYTHONDONTWRITEBYTECODE, which would make every
    # CLI call compile eventsub-mock's modules again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(Path(eventsub_mock.__file__).parent), quiet=1)
    sizes = QUICK if args.quick else FULL
    if args.fanout:
        pairs = [p.lower().split("x") for p in args.fanout.split(",")]
        sizes.fanout = [(int(s), int(e)) for s, e in pairs]
    if args.sessions:
        sizes.capacity_sessions = args.sessions
    if args.webhooks:
        pairs = [p.lower().split("x") for p in args.webhooks.split(",")]
        sizes.webhooks = [(int(c), int(e)) for c, e in pairs]
    if args.forward_count:
        sizes.forward_count = args.forward_count
    if args.conduit:
        shards, channels, events = (int(n) for n in args.conduit.lower().split("x"))
        sizes.conduit_shards, sizes.conduit_channels, sizes.conduit_events = (
            shards,
            channels,
            events,
        )
    if args.helix:
        sizes.helix_clients, sizes.helix_messages = (int(n) for n in args.helix.lower().split("x"))
        sizes.helix_single = min(sizes.helix_single, sizes.helix_messages)
    if args.play:
        sizes.play_sessions, sizes.play_count = (int(n) for n in args.play.lower().split("x"))
    if args.faults:
        sessions, events = (int(n) for n in args.faults.lower().split("x"))
        sizes.faults = (sessions, events)
    if nofile < sizes.capacity_sessions + 1000:
        print(f"warning: open-file limit {nofile} is low for {sizes.capacity_sessions} sessions")
    selected = args.only.split(",")
    logs = Path(tempfile.mkdtemp(prefix="eventsub-mock-bench-"))
    ctx = Context(
        sizes=sizes,
        driver=args.driver,
        client_procs=args.client_procs,
        connect_concurrency=args.connect_concurrency,
        cli=cli_command(),
        logs=logs,
        webhook_concurrency=args.webhook_concurrency,
        py_spy=args.py_spy,
    )
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "runs": args.runs,
        "driver": args.driver,
        "client_processes": args.client_procs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "nofile_limit": nofile,
        "cli": ctx.cli,
    }
    print(
        f"eventsub-mock benchmark ({meta['mode']}, {args.runs} run(s), client driver "
        f"{args.driver}, {os.cpu_count()} CPUs, Python {meta['python']})",
        flush=True,
    )
    runs: list[list[Result]] = []
    interrupted = False
    try:
        for index in range(args.runs):
            print(f"run {index + 1}/{args.runs}", flush=True)
            runs.append(asyncio.run(run_once(ctx, selected, args.budget)))
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: the server and the clients were stopped", file=sys.stderr)
    finally:
        _kill_children()

    summary = aggregate(runs)
    print(
        f"\nclient driver: {args.driver} ({args.client_procs} client processes for fan-out and "
        f"capacity); server: {' '.join(ctx.cli)} start-server; {len(runs)} run(s)"
        + (", medians" if len(runs) > 1 else "")
    )
    print_table(summary, len(runs))
    ok = bool(summary) and all(w["ok"] for w in summary) and len(runs) == args.runs
    if ok:
        print(
            "correctness: OK - every notification arrived exactly once (none lost, none "
            "duplicated), no session closed, every request answered as expected"
            + ("; with faults on, exactly as the faults say" if "faults" in selected else "")
        )
        shutil.rmtree(logs, ignore_errors=True)
    elif interrupted:
        print(f"correctness: not established (interrupted; logs in {logs})")
    else:
        print(f"correctness: FAILED (see above; server and client logs in {logs})")

    document = {
        "meta": meta,
        "ok": ok,
        "workloads": summary,
        "runs": [
            [
                {
                    "name": r.name,
                    "ok": r.ok,
                    "error": r.error,
                    "metrics": {k: v for k, _, _, v in r.metrics},
                    "checks": [{"name": c, "ok": o, "detail": d} for c, o, d in r.checks],
                    "info": r.info,
                }
                for r in results
            ]
            for results in runs
        ],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results written to {args.json}")
    if interrupted:
        return 130
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
