"""The `eventsub-mock` command.

Only `start-server` loads the server; every other command is a standard-library client of the
control API, so a trigger starts about as fast as Python does.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..client import DEFAULT_SERVER, SERVER_ENV, ControlError
from ..core.operations import BY_NAME
from .arguments import finite_float, seed_int
from .errors import CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

PROG = "eventsub-mock"


def _add_server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        default=None,
        help="the mock server's base URL (default: $EVENTSUB_MOCK_SERVER or http://127.0.0.1:8080)",
    )
    parser.add_argument(
        "--control-token",
        default=None,
        help="token for a server started with --control-token ($EVENTSUB_MOCK_CONTROL_TOKEN)",
    )


def _add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _start_server(start: argparse.ArgumentParser) -> None:
    start.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    start.add_argument("-p", "--port", type=int, default=8080, help="port (default 8080; 0: any)")
    start.add_argument(
        "-S",
        "--require-subscription",
        action="store_true",
        help="strict mode: close sessions that do not subscribe within their keepalive window "
        "(4003) and deliver events only to subscribers",
    )
    start.add_argument("--ssl", action="store_true", help="serve wss:// and https://")
    start.add_argument("--ssl-cert", help="certificate (PEM) for --ssl; default: a generated one")
    start.add_argument("--ssl-key", help="private key (PEM) for --ssl-cert")
    start.add_argument("--debug", action="store_true", help="log every session and message")
    start.add_argument(
        "--reconnect-grace",
        type=finite_float,
        default=30.0,
        metavar="SECONDS",
        help="how long an old socket may stay open after session_reconnect (default 30)",
    )
    start.add_argument(
        "--keepalive-timeout",
        type=int,
        default=10,
        metavar="SECONDS",
        help="keepalive for sessions whose URL asks for none (default 10)",
    )
    start.add_argument(
        "--keepalive-min",
        type=int,
        default=10,
        metavar="SECONDS",
        help="the least keepalive a client may ask for (production: 10)",
    )
    start.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN=USER_ID[:SCOPES]",
        help="an access token clients may use (repeatable): a user token of USER_ID with the "
        "comma-separated SCOPES (default: every EventSub scope), or TOKEN=app for an app "
        "token. Configuring one turns production's authorization rules on",
    )
    start.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="CLIENT_ID:SECRET",
        help="register an application (repeatable): /oauth2/token grants it tokens, and tokens "
        "given without a client belong to it when it is the only one",
    )
    start.add_argument(
        "--allow-callback-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a webhook callback host beyond loopback the mock may call (repeatable)",
    )
    start.add_argument(
        "--callback-map",
        action="append",
        default=[],
        metavar="ADVERTISED=LOCAL",
        help="deliver to LOCAL what is subscribed for callbacks starting with ADVERTISED, e.g. "
        "https://bot.example=http://127.0.0.1:8081 (repeatable)",
    )
    start.add_argument(
        "--require-https-callbacks",
        action="store_true",
        help="production's rule: webhook callbacks must be https on port 443",
    )
    start.add_argument(
        "--webhook-timeout",
        type=finite_float,
        default=10.0,
        metavar="SECONDS",
        help="how long a callback may take to answer (default 10)",
    )
    start.add_argument(
        "--webhook-retry-delays",
        default="1,2,4,8",
        metavar="SECONDS,...",
        help="delays before each retry of a failed notification (default 1,2,4,8)",
    )
    start.add_argument(
        "--webhook-max-failures",
        type=int,
        default=10,
        metavar="N",
        help="failed attempts in a row that revoke a subscription with "
        "notification_failures_exceeded (default 10)",
    )
    start.add_argument(
        "--webhook-concurrency",
        type=int,
        default=4,
        metavar="N",
        help="requests in flight to one callback (default 4)",
    )
    start.add_argument(
        "--require-auth",
        action="store_true",
        help="production's token and scope rules even with no token or client configured",
    )
    start.add_argument("--ping-interval", type=finite_float, default=10.0, metavar="SECONDS")
    start.add_argument("--ping-timeout", type=finite_float, default=10.0, metavar="SECONDS")
    start.add_argument(
        "--enforce-cost-limits",
        action="store_true",
        help="apply production's max_total_cost, 3 websockets per user and 3 subscriptions "
        "per type and condition",
    )
    start.add_argument("--max-sessions", type=int, default=50_000)
    start.add_argument(
        "--drain-timeout",
        type=finite_float,
        default=10.0,
        metavar="SECONDS",
        help="close a client with 4005 when it takes nothing of its queue for this long "
        "(default 10)",
    )
    start.add_argument(
        "--feed-history",
        type=int,
        default=10_000,
        metavar="N",
        help="items the live feed keeps for viewers that fall behind or replay (default 10000)",
    )
    start.add_argument(
        "--control-token",
        help="require this bearer token on the control API (default: none on loopback, a "
        "generated one when --ip is wider)",
    )


def _trigger(trigger: argparse.ArgumentParser) -> None:
    from .trigger import add_trigger_arguments

    add_trigger_arguments(trigger)
    _add_server_option(trigger)
    _add_json_option(trigger)


def _preview(preview: argparse.ArgumentParser) -> None:
    from .trigger import add_trigger_arguments

    add_trigger_arguments(preview, webhook=False)
    _add_server_option(preview)


def _retrigger(retrigger: argparse.ArgumentParser) -> None:
    from .twitch import add_retrigger_arguments

    add_retrigger_arguments(retrigger)
    _add_server_option(retrigger)


def _event(event: argparse.ArgumentParser) -> None:
    from .twitch import add_event_commands

    add_event_commands(event, _add_server_option, _add_json_option)


def _types(types: argparse.ArgumentParser) -> None:
    _add_json_option(types)


def _close(close: argparse.ArgumentParser) -> None:
    close.add_argument("-s", "--session", required=True, help="the session id")
    close.add_argument("--reason", help="close code 4000-4007 (default 4000)", default="4000")
    close.add_argument(
        "--dirty", action="store_true", help="drop the TCP connection without a close frame"
    )
    _add_server_option(close)


def _subscription(status: argparse.ArgumentParser) -> None:
    status.add_argument("--subscription", required=True, help="the subscription id")
    status.add_argument("--status", required=True, help="e.g. authorization_revoked or enabled")
    _add_server_option(status)


def _keepalive(keepalive: argparse.ArgumentParser) -> None:
    keepalive.add_argument("-s", "--session", required=True, help="the session id")
    keepalive.add_argument("--enabled", required=True, help="true or false")
    _add_server_option(keepalive)


def _token(token: argparse.ArgumentParser) -> None:
    token.add_argument(
        "-u", "--user-token", action="store_true", help="a user token (default: an app token)"
    )
    token.add_argument("--user-id", help="the token's user (with -u; default: a made-up one)")
    token.add_argument("--login", help="the user's login (with -u)")
    token.add_argument(
        "-s", "--scopes", help="space- or comma-separated scopes (default: every EventSub scope)"
    )
    token.add_argument("--client-id", help="the application (default: the only registered one)")
    token.add_argument("--expires-in", type=int, metavar="SECONDS")
    _add_server_option(token)
    _add_json_option(token)


def _disable_shard(disable: argparse.ArgumentParser) -> None:
    disable.add_argument("--conduit", required=True, help="the conduit id")
    disable.add_argument("--shard", required=True, help="the shard id (0, 1, ...)")
    disable.add_argument(
        "--status", default="websocket_disconnected", help="e.g. websocket_network_error"
    )
    _add_server_option(disable)


def _revoke_authorization(revoke: argparse.ArgumentParser) -> None:
    revoke.add_argument("--user", required=True, metavar="USER_ID", help="the user")
    revoke.add_argument("--client-id", help="the application (default: every one)")
    _add_server_option(revoke)


def _play(play: argparse.ArgumentParser) -> None:
    from .play import add_play_arguments

    add_play_arguments(play)
    _add_server_option(play)
    parser_json = "print each step and the final state as JSON lines"
    play.add_argument("--json", action="store_true", help=parser_json)


def _stop_play(stop: argparse.ArgumentParser) -> None:
    stop.add_argument("play_id", metavar="PLAY_ID", help="the play's id (play and plays show it)")
    _add_server_option(stop)


def _faults(faults: argparse.ArgumentParser) -> None:
    faults.description = (
        "Set delivery faults for the server, a session or a subscription (replacing that "
        "scope's), clear them with --clear, or show them with no options. Rates are per "
        "notification, from 0 to 1."
    )
    faults.add_argument(
        "--duplicate",
        type=finite_float,
        metavar="RATE",
        help="send notifications again, same message_id",
    )
    faults.add_argument(
        "--duplicate-delay",
        type=finite_float,
        metavar="SECONDS",
        help="how long after the first a duplicate follows (default 0: right after)",
    )
    faults.add_argument(
        "--reorder",
        type=int,
        metavar="WINDOW",
        help="send every WINDOW notifications to a destination shuffled",
    )
    faults.add_argument(
        "--reorder-wait",
        type=finite_float,
        metavar="SECONDS",
        help="send a window that is not full after this long (default 1)",
    )
    faults.add_argument(
        "--delay", type=finite_float, metavar="SECONDS", help="hold every notification"
    )
    faults.add_argument(
        "--drop", type=finite_float, metavar="RATE", help="never send notifications"
    )
    faults.add_argument(
        "--chaos",
        type=finite_float,
        metavar="RATE",
        help="close a session with a random close code, drop it, or send it a reconnect",
    )
    faults.add_argument(
        "--seed", type=seed_int, metavar="N", help="make the faults reproducible (default: random)"
    )
    scope = faults.add_mutually_exclusive_group()
    scope.add_argument("-s", "--session", metavar="ID", help="only this session's notifications")
    scope.add_argument("--subscription", metavar="ID", help="only this subscription's")
    faults.add_argument(
        "--clear", action="store_true", help="switch the scope's faults off (alone: every scope's)"
    )
    _add_server_option(faults)
    _add_json_option(faults)


def _tail(tail: argparse.ArgumentParser) -> None:
    from .tail import add_tail_arguments

    add_tail_arguments(tail)
    _add_server_option(tail)
    tail.add_argument("--json", action="store_true", help="print each item's JSON, one a line")


def _listing(listing: argparse.ArgumentParser) -> None:
    _add_server_option(listing)
    _add_json_option(listing)


# name, aliases, help, arguments; a control command's help is its operation's summary.
_COMMANDS: list[tuple[str, list[str], str, Callable[[argparse.ArgumentParser], None]]] = [
    ("start-server", ["start"], "run the mock server", _start_server),
    ("trigger", ["fire", "emit"], BY_NAME["trigger"].summary, _trigger),
    ("retrigger", [], BY_NAME["retrigger"].summary, _retrigger),
    ("preview", [], BY_NAME["preview"].summary, _preview),
    ("types", [], BY_NAME["types"].summary, _types),
    ("reconnect", [], BY_NAME["reconnect"].summary, _add_server_option),
    ("close", [], BY_NAME["close"].summary, _close),
    ("subscription", [], BY_NAME["subscription_status"].summary, _subscription),
    ("keepalive", [], BY_NAME["keepalive"].summary, _keepalive),
    ("sessions", [], BY_NAME["sessions"].summary, _listing),
    ("subscriptions", [], BY_NAME["subscriptions"].summary, _listing),
    ("play", [], BY_NAME["play"].summary, _play),
    ("plays", [], BY_NAME["plays"].summary, _listing),
    ("stop-play", [], BY_NAME["stop_play"].summary, _stop_play),
    ("faults", [], BY_NAME["faults"].summary, _faults),
    ("reset", [], BY_NAME["reset"].summary, _add_server_option),
    ("conduits", [], BY_NAME["conduits"].summary, _listing),
    ("disable-shard", [], BY_NAME["disable_shard"].summary, _disable_shard),
    ("token", [], BY_NAME["token"].summary, _token),
    (
        "revoke-authorization",
        [],
        BY_NAME["revoke_authorization"].summary,
        _revoke_authorization,
    ),
    ("event", [], "the Twitch CLI's `twitch event` commands, with its flags", _event),
    (
        "tail",
        [],
        "follow the server's live feed: sessions, subscriptions, messages, requests",
        _tail,
    ),
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or just the command `only` names (a trigger should not pay
    for building every other command's options)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A local mock of Twitch's EventSub WebSocket service and subscription API.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, aliases, help_text, add_arguments in _COMMANDS:
        if only is None or only == name or only in aliases:
            add_arguments(commands.add_parser(name, aliases=aliases, help=help_text))
    return parser


def server_url(args: argparse.Namespace) -> str:
    """--server, else $EVENTSUB_MOCK_SERVER, else the saved one (not with -D), else 8080."""
    if args.server:
        return args.server
    if os.environ.get(SERVER_ENV):
        return os.environ[SERVER_ENV]
    if not getattr(args, "no_config", False):
        from . import settings

        saved = settings.load().get("server")
        if saved:
            return saved
    return DEFAULT_SERVER


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    known = [n for name, aliases, _, _ in _COMMANDS for n in (name, *aliases)]
    if not argv:
        build_parser().print_help()
        return 0
    if argv[0] not in known and not argv[0].startswith("-"):
        from .twitch import suggestion

        build_parser().error(
            f"unknown command {argv[0]!r}{suggestion(argv[0], known)} (see {PROG} --help)"
        )
    if argv[0] == "event" and len(argv) > 1 and not argv[1].startswith("-"):
        from .twitch import event_command_names, suggestion

        names = event_command_names()
        if argv[1] not in names:
            build_parser("event").error(
                f"unknown event command {argv[1]!r}{suggestion(argv[1], names)} "
                f"(see {PROG} event --help)"
            )
    parser = build_parser(argv[0] if argv[0] in known else None)
    args, extra = parser.parse_known_args(argv)
    try:
        if args.command == "event":
            from .twitch import run_event

            outcome = run_event(args, extra)
            if isinstance(outcome, int):
                return outcome
            if isinstance(outcome, list):
                return main(outcome)
        elif extra:
            parser.error("unrecognized arguments: " + " ".join(extra))
        if args.command in ("start-server", "start"):
            from .serve import start_server

            return start_server(args)
        if args.command == "types":
            from .listing import print_types

            return print_types(args)

        if args.command == "tail":
            from ..client import ControlClient
            from .tail import run_tail

            return run_tail(args, ControlClient(server_url(args), args.control_token))
        if args.command in ("trigger", "fire", "emit", "retrigger"):
            from . import forward

            if args.command == "retrigger":
                done = forward.retrigger(args)
                if done is not None:
                    return done
            elif forward.wants_webhook(args):
                return forward.trigger(args)

        from ..client import ControlClient
        from . import commands

        client = ControlClient(server_url(args), args.control_token)
        return commands.run(args, client)
    except (CliError, ControlError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`eventsub-mock types | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
