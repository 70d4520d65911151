"""A live-feed viewer for the benchmark: reads `GET /_mock/feed` (server-sent events) as a
dashboard or `eventsub-mock tail` would, in a process of its own, and counts what it got.

    python bench/viewer.py http://127.0.0.1:PORT

It prints `{"connected": true}` once the stream is open, then takes one JSON command per line
on stdin and answers each with one JSON line: `settle` (wait until the stream has been quiet
for `idle` seconds, at most `timeout`, then report), `status` (report now), `quit`. A report
counts the events, the `message_sent` items among them, the `missed` items and the items they
said were skipped, and the bytes read. Items are not decoded, except `missed` ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

import aiohttp


class Counts:
    def __init__(self) -> None:
        self.events = 0
        self.messages = 0
        self.missed_items = 0
        self.missed = 0
        self.bytes = 0
        self.last_seq = 0
        self.last_at = time.monotonic()
        self.ended = False

    def take(self, lines: list[bytes]) -> None:
        for line in lines:
            if line.startswith(b"id: "):
                self.last_seq = int(line[4:])
            elif line.startswith(b"data: "):
                self.events += 1
                if b'"kind":"message_sent"' in line:
                    self.messages += 1
                elif b'"kind":"missed"' in line:
                    self.missed_items += 1
                    self.missed += int(json.loads(line[6:])["count"])

    def report(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "messages": self.messages,
            "missed_items": self.missed_items,
            "missed": self.missed,
            "bytes": self.bytes,
            "last_seq": self.last_seq,
            "ended": self.ended,
        }


async def read_feed(response: aiohttp.ClientResponse, counts: Counts) -> None:
    pending = b""
    async for chunk in response.content.iter_any():
        counts.bytes += len(chunk)
        counts.last_at = time.monotonic()
        *lines, pending = (pending + chunk).split(b"\n")
        counts.take(lines)
    counts.ended = True


async def settle(counts: Counts, idle: float, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not counts.ended:
        quiet = time.monotonic() - counts.last_at
        if quiet >= idle:
            break
        await asyncio.sleep(min(idle - quiet, 0.05))
    return counts.report()


async def serve(url: str) -> None:
    counts = Counts()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer

    def reply(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload).encode() + b"\n")
        out.flush()

    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"{url}/_mock/feed", headers={"Accept": "text/event-stream"}) as response,
    ):
        if response.status != 200:
            reply({"error": f"the feed answered {response.status}: {await response.text()}"})
            return
        first = await response.content.readuntil(b"\n\n")  # the stream's opening comment
        counts.bytes += len(first)
        task = asyncio.create_task(read_feed(response, counts))
        reply({"connected": True})
        try:
            while line := await reader.readline():
                command = json.loads(line)
                name = command.get("cmd")
                if name == "settle":
                    result = await settle(
                        counts, float(command.get("idle", 0.3)), float(command["timeout"])
                    )
                elif name in ("status", "quit"):
                    result = counts.report()
                else:
                    result = {"error": f"unknown command {name!r}"}
                reply(result)
                if name == "quit":
                    break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def main() -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - depends on the environment
        asyncio.run(serve(sys.argv[1]))
    else:
        uvloop.run(serve(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
