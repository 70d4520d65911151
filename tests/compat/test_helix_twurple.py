"""twurple's own Helix methods (`@twurple/api`), unmodified, against eventsub-mock: a chat
message, a ban and a poll, each coming back through `@twurple/eventsub-ws` as the event
production sends.

`twurple/helix.mjs` runs the whole scenario in one Node process and prints what twurple's calls
returned and what its listener parsed. twurple's mock mode sends these calls under `/mock/`, as
to the Twitch CLI's mock-api, where the mock serves Helix too.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from typing import Any

from eventsub_mock import MockServer

from .support import CLIENT_ID, TOKEN, TOKENS, USER_ID, notifications_for
from .test_twurple import HERE, _node_ready

VIEWER = "9012"
# Seconds for Node to start, connect, subscribe and run the three calls.
RUN_TIMEOUT = 30


async def run_script(server: MockServer) -> dict[str, Any]:
    """Run helix.mjs against `server`: its result line, which must report success."""
    env = {
        **os.environ,
        "TWURPLE_MOCK_API_PORT": str(server.port),
        "COMPAT_CLIENT_ID": CLIENT_ID,
        "COMPAT_TOKEN": TOKEN,
        "COMPAT_USER_ID": USER_ID,
        "COMPAT_VIEWER_ID": VIEWER,
    }
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node",
        "helix.mjs",
        cwd=HERE,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"twurple's Helix scenario did not end in {RUN_TIMEOUT} s") from None
    lines = output.decode(errors="replace").splitlines()
    results = [json.loads(line[3:]) for line in lines if line.startswith("@@ ")]
    assert results, "twurple printed no result:\n" + "\n".join(lines)
    result: dict[str, Any] = results[-1]
    assert result["ok"], "twurple failed:\n" + "\n".join(lines)
    return result


async def test_chat_ban_and_poll_come_back_as_events() -> None:
    _node_ready()
    async with MockServer(port=0, tokens=TOKENS, record=True) as server:
        result = await run_script(server)
        sent_events = {
            sub.type: notifications_for(server.messages(sub.session_id), sub.id)[-1]["payload"][
                "event"
            ]
            for sub in server.subscriptions
        }

    sent, chat = result["sent"], result["chat"]
    assert sent["is_sent"]
    assert chat["message_id"] == sent["message_id"]
    assert chat["chatter_user_id"] == USER_ID
    assert chat["message"]["text"] == "hello Kappa"
    assert [f["type"] for f in chat["message"]["fragments"]] == ["text", "emote"]
    assert sent_events["channel.chat.message"]["message_id"] == sent["message_id"]

    assert result["ban"] == {"user_id": VIEWER, "moderator_id": USER_ID, "end_time": None}
    assert result["banned"] == {
        "user_id": VIEWER,
        "moderator_user_id": USER_ID,
        "reason": "spam",
        "is_permanent": True,
    }

    poll, begun = result["poll"], result["begun"]
    assert begun == poll
    assert poll["title"] == "Best snack?"
    assert [c["title"] for c in poll["choices"]] == ["chips", "fruit"]
    assert sent_events["channel.poll.begin"]["id"] == poll["id"]
