"""`eventsub-mock trigger`: the Twitch CLI's trigger flags, sent as one control API request."""

from __future__ import annotations

import argparse
import json

from . import settings
from .errors import CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# (flags, destination, help). The destination is the control API's trigger parameter name.
_STRING_FLAGS: list[tuple[tuple[str, ...], str, str]] = [
    (("-f", "--from-user"), "from_user", "id of the acting user (follower, chatter, raider...)"),
    (("-t", "--to-user"), "to_user", "id of the receiving broadcaster or user"),
    (("--from-user-name",), "from_user_name", "display name of the acting user"),
    (("--to-user-name",), "to_user_name", "display name of the receiving user"),
    (("-g", "--gift-user"), "gift_user", "id of the gifted user (subscribe events)"),
    (("--moderator-user",), "moderator_user", "id of the moderator"),
    (("--tier",), "tier", "subscription tier: 1000, 2000 or 3000"),
    (("--timestamp",), "timestamp", "RFC3339 time used for the event's timestamps"),
    (("-d", "--description"), "description", "title / description (polls, goals, updates)"),
    (("-i", "--item-id"), "item_id", "reward, redemption, product or category id"),
    (("-n", "--item-name"), "item_name", "reward title, category or product name"),
    (("-G", "--game-id"), "game_id", "category id"),
    (("-S", "--event-status"), "event_status", "the event's status, e.g. fulfilled (redemptions)"),
    (("--ban-start",), "ban_start", "RFC3339 time of the ban"),
    (("--ban-end",), "ban_end", "end of a timeout: RFC3339, seconds, or e.g. 1h30m"),
    (("--client-id",), "client_id", "client id for extension and authorization events"),
]
_INT_FLAGS: list[tuple[tuple[str, ...], str, str]] = [
    (("-C", "--cost"), "cost", "bits, channel points, gift count or months"),
    (("--charity-current-value",), "charity_current_value", "charity amount raised (cents)"),
    (("--charity-target-value",), "charity_target_value", "charity target (cents)"),
]


TRANSPORTS = ("websocket", "webhook")


def add_transport_arguments(parser: argparse.ArgumentParser) -> None:
    """The Twitch CLI's webhook flags, shared by trigger, retrigger and verify-subscription."""
    parser.add_argument(
        "-F",
        "--forward-address",
        help="webhook: POST the messages straight to this URL (no server needed)",
    )
    parser.add_argument(
        "-s", "--secret", help="webhook: sign with this HMAC secret, 10-100 characters"
    )
    parser.add_argument(
        "-D", "--no-config", action="store_true", help="ignore the saved defaults (configure)"
    )


def add_trigger_arguments(parser: argparse.ArgumentParser, *, webhook: bool = True) -> None:
    """The trigger's options; `webhook=False` leaves out posting to a callback (`preview`)."""
    parser.add_argument("event", help="a subscription type (channel.follow) or alias (follow)")
    parser.add_argument("-v", "--version", help="subscription version, when a type has several")
    if webhook:
        parser.add_argument(
            "-T",
            "--transport",
            help="websocket (the default: through the server) or webhook (POST to -F or the "
            "saved forward address); -F alone means webhook",
        )
        add_transport_arguments(parser)
    parser.add_argument("--session", help="deliver to this session only")
    parser.add_argument("--conduit", help="deliver to this conduit's subscriptions only")
    parser.add_argument(
        "-u",
        "--subscription-id",
        help="deliver through this subscription; if none has this id, the stand-in "
        "subscription of sessions that hold none carries it (lenient mode)",
    )
    parser.add_argument(
        "-I",
        "--event-id",
        dest="message_id",
        help="the notifications' message_id (every one of them, with --count)",
    )
    parser.add_argument(
        "-r",
        "--subscription-status",
        dest="subscription_status",
        help="a revoking status (authorization_revoked, user_removed, ...): the matching "
        "subscriptions take it and get a revocation instead",
    )
    parser.add_argument("-c", "--count", type=int, default=1, help="how many events to fire")
    parser.add_argument("-a", "--anonymous", action="store_true", help="anonymous gift or cheer")
    parser.add_argument("--seed", type=int, help="make the generated values reproducible")
    for flags, dest, help_text in _STRING_FLAGS:
        parser.add_argument(*flags, dest=dest, help=help_text)
    for flags, dest, help_text in _INT_FLAGS:
        parser.add_argument(*flags, dest=dest, type=int, help=help_text)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="set any event field, e.g. --set message.text=hi (VALUE parsed as JSON if it is)",
    )
    parser.add_argument(
        "--overrides", metavar="JSON", help="event fields as a JSON object, e.g. '{\"bits\": 5}'"
    )
    parser.add_argument("--raw", metavar="JSON", help="send this JSON event as given")


def check_transport(args: argparse.Namespace) -> None:
    """The transport is one we know; the secret is checked as the Twitch CLI does (for a
    websocket trigger it signs nothing)."""
    transport = getattr(args, "transport", None)
    if transport is not None and transport not in TRANSPORTS:
        raise CliError(f"unknown transport {transport!r}: websocket or webhook")
    secret = args.secret
    if secret is None and not args.no_config:
        secret = settings.load().get("secret")
    if secret is not None:
        settings.check_secret(secret)


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def trigger_request(args: argparse.Namespace) -> dict[str, Any]:
    """The control API's trigger request for the trigger options (`trigger`, `preview`)."""
    request: dict[str, Any] = {"type": args.event, "count": args.count}
    for key in (
        "version",
        "session",
        "conduit",
        "subscription_id",
        "seed",
        "message_id",
        "subscription_status",
    ):
        value = getattr(args, key)
        if value is not None:
            request[key] = value
    if args.anonymous:
        request["anonymous"] = True
    for _, dest, _ in _STRING_FLAGS + _INT_FLAGS:
        value = getattr(args, dest)
        if value is not None:
            request[dest] = value
    overrides: dict[str, Any] = {}
    if args.overrides:
        try:
            parsed = json.loads(args.overrides)
        except ValueError as exc:
            raise CliError(f"--overrides is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise CliError("--overrides must be a JSON object of field paths and values")
        overrides.update(parsed)
    for item in args.set:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise CliError(f"--set takes PATH=VALUE, e.g. --set message.text=hi; got {item!r}")
        overrides[path.strip()] = _json_value(value)
    if overrides:
        request["overrides"] = overrides
    if args.raw is not None:
        try:
            request["event"] = json.loads(args.raw)
        except ValueError as exc:
            raise CliError(f"--raw is not valid JSON: {exc}") from None
    return request
