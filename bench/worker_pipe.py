"""How a benchmark worker process (client.py, receiver.py, viewer.py) talks to bench/run.py:
one JSON command a line on its stdin, one JSON reply a line on its stdout."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

Reply = Callable[[dict[str, Any]], None]


async def open_pipe() -> tuple[asyncio.StreamReader, Reply]:
    """The reader of stdin's command lines, and the function that writes one reply line."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)  # command lines may pass the default 64 KiB
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer

    def reply(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload).encode() + b"\n")
        out.flush()

    return reader, reply
