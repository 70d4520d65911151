"""`eventsub-mock tail`: the server's live feed in the terminal, one readable line per item
(colour on a terminal unless NO_COLOR is set), or each item's JSON with --json."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..client import ControlClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

_RESET = "\033[0m"
_DIM = "\033[2m"
# Kinds by what they mean to a reader: new things, ends and failures, changes, traffic.
_GREEN, _RED, _YELLOW, _CYAN, _MAGENTA, _BLUE = (
    "\033[32m",
    "\033[31m",
    "\033[33m",
    "\033[36m",
    "\033[35m",
    "\033[34m",
)
_KIND_COLOURS = {
    "session_opened": _GREEN,
    "subscription_created": _GREEN,
    "conduit_created": _GREEN,
    "session_closed": _RED,
    "subscription_deleted": _RED,
    "conduit_deleted": _RED,
    "fault": _RED,
    "missed": _RED,
    "session_handed_off": _YELLOW,
    "reconnect_started": _YELLOW,
    "subscription_status": _YELLOW,
    "conduit_updated": _YELLOW,
    "shard_status": _YELLOW,
    "message_sent": _CYAN,
    "webhook_delivery": _CYAN,
    "control": _MAGENTA,
    "play": _MAGENTA,
    "request": _BLUE,
    "helix": _BLUE,
}
_KIND_WIDTH = 20
# Fields every item has, left out of the generic summary.
_COMMON = ("seq", "time", "kind")


def add_tail_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--session", help="only items about this session (or ID,ID,...)")
    parser.add_argument("--subscription", help="only items about this subscription")
    parser.add_argument("-t", "--type", help="only items about this subscription type")
    parser.add_argument(
        "-k", "--kind", help="only these kinds of item, e.g. message_sent,session_closed"
    )
    parser.add_argument(
        "--since",
        type=int,
        metavar="SEQ",
        help="first replay the items after SEQ that the server still holds (0: all of them)",
    )


def run_tail(args: argparse.Namespace, client: ControlClient, out: TextIO | None = None) -> int:
    """Print items until Ctrl+C (exit 0) or until the server ends the feed (exit 1)."""
    out = out or sys.stdout
    if args.json:
        show: Callable[[dict[str, Any]], str] = _as_json
    else:
        colour = out.isatty() and not os.environ.get("NO_COLOR")
        show = lambda item: format_item(item, colour=colour)  # noqa: E731
    items = client.feed(
        session=args.session,
        subscription=args.subscription,
        type=args.type,
        kind=args.kind,
        since=args.since,
    )
    try:
        for item in items:
            out.write(show(item) + "\n")
            out.flush()
    except KeyboardInterrupt:
        return 0
    finally:
        items.close()
    print("eventsub-mock: the server ended the feed (it stopped)", file=sys.stderr)
    return 1


def _as_json(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def format_item(item: dict[str, Any], *, colour: bool = False) -> str:
    """One line: the time of day (UTC, as the messages' timestamps), the kind, the
    essentials."""
    kind = str(item.get("kind", "?"))
    clock = str(item.get("time", ""))[11:23]
    summary = _SUMMARIES.get(kind, _generic)(item)
    if not colour:
        return f"{clock} {kind:<{_KIND_WIDTH}} {summary}".rstrip()
    tint = _KIND_COLOURS.get(kind, "")
    return f"{_DIM}{clock}{_RESET} {tint}{kind:<{_KIND_WIDTH}}{_RESET} {summary}".rstrip()


# --- the essentials of each kind ------------------------------------------------------------------


def _subscription(item: dict[str, Any]) -> str:
    sub = item.get("subscription") or {}
    transport = sub.get("transport") or {}
    where = transport.get("session_id") or transport.get("callback") or transport.get("conduit_id")
    via = f" {transport.get('method')} {where}" if where else ""
    return f"{sub.get('id')} {sub.get('type')} v{sub.get('version')} {sub.get('status')}{via}"


def _session_opened(item: dict[str, Any]) -> str:
    return f"{item.get('session_id')} keepalive {item.get('keepalive_timeout_seconds')}s"


def _session_closed(item: dict[str, Any]) -> str:
    code = item.get("code")
    how = "by the client or the network" if code is None else f"{code} {item.get('reason') or ''}"
    return f"{item.get('session_id')} {how.rstrip()} -> {item.get('status')}"


def _handed_off(item: dict[str, Any]) -> str:
    return (
        f"{item.get('old_session_id')} -> {item.get('new_session_id')} "
        f"({item.get('subscriptions')} subscription(s))"
    )


def _reconnect(item: dict[str, Any]) -> str:
    return f"generation {item.get('generation')}, {item.get('sessions')} session(s) told to move"


def _message_sent(item: dict[str, Any]) -> str:
    message_type = item.get("message_type")
    head = f"{item.get('session_id')} {message_type}"
    payload = (item.get("message") or {}).get("payload") or {}
    if message_type in ("notification", "revocation"):
        status = (payload.get("subscription") or {}).get("status")
        tail = f" {status}" if message_type == "revocation" else ""
        return (
            f"{head} {item.get('subscription_type')} {item.get('message_id')} "
            f"(subscription {item.get('subscription_id')}){tail}"
        )
    session = payload.get("session") or {}
    if message_type == "session_reconnect":
        return f"{head} -> {session.get('reconnect_url')}"
    if message_type == "session_welcome":
        return f"{head} keepalive {session.get('keepalive_timeout_seconds')}s"
    return head


def _webhook(item: dict[str, Any]) -> str:
    answer = item.get("status") if item.get("status") is not None else item.get("reason")
    line = (
        f"{item.get('callback')} {item.get('message_type')} {item.get('subscription_type')} "
        f"{item.get('message_id')} -> {item.get('outcome')} ({answer})"
    )
    if item.get("attempt"):
        line += f", retry {item['attempt']}"
    if item.get("retry_in") is not None:
        line += f", again in {item['retry_in']:g}s"
    return line


def _conduit(item: dict[str, Any]) -> str:
    return f"{item.get('conduit_id')} {item.get('shard_count')} shard(s)"


def _shard(item: dict[str, Any]) -> str:
    transport = item.get("transport") or {}
    where = transport.get("session_id") or transport.get("callback") or ""
    return (
        f"{item.get('conduit_id')} shard {item.get('shard_id')} -> {item.get('status')} {where}"
    ).rstrip()


def _control(item: dict[str, Any]) -> str:
    request = json.dumps(item.get("request"), ensure_ascii=False, separators=(",", ":"))
    outcome = f"{item.get('status')}" + (f" {item['error']}" if item.get("error") else "")
    return f"{item.get('operation')} {_cut(request)} -> {outcome}"


def _request(item: dict[str, Any]) -> str:
    return f"{item.get('method')} {item.get('path')} -> {item.get('status')}"


def _missed(item: dict[str, Any]) -> str:
    return f"{item.get('count')} item(s) skipped: this viewer fell behind the server's history"


def _generic(item: dict[str, Any]) -> str:
    parts = []
    for key, value in item.items():
        if key in _COMMON or value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        parts.append(f"{key}={_cut(text)}")
    return " ".join(parts)


def _cut(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "session_opened": _session_opened,
    "session_closed": _session_closed,
    "session_handed_off": _handed_off,
    "reconnect_started": _reconnect,
    "subscription_created": _subscription,
    "subscription_deleted": _subscription,
    "subscription_status": _subscription,
    "message_sent": _message_sent,
    "webhook_delivery": _webhook,
    "conduit_created": _conduit,
    "conduit_updated": _conduit,
    "conduit_deleted": _conduit,
    "shard_status": _shard,
    "control": _control,
    "request": _request,
    "missed": _missed,
}
