"""`eventsub-mock event ...`: the Twitch CLI's `twitch event` commands, with its flags.

Each one is parsed here and then run as the shorter command that does the same
(`event websocket close` is `close`, `event trigger` is `trigger`), so both behave alike.
"""

from __future__ import annotations

import argparse
import difflib

from . import settings
from .errors import CliError
from .trigger import add_transport_arguments, add_trigger_arguments

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

WEBSOCKET_ALIASES = ["websockets", "ws", "wss"]
WEBSOCKET_ACTIONS = ("start-server", "start", "reconnect", "close", "subscription", "keepalive")
# name, aliases, help
EVENT_COMMANDS = [
    ("websocket", WEBSOCKET_ALIASES, "the mock server: start-server, reconnect, close, ..."),
    ("trigger", ["fire", "emit"], "fire an event at the connected sessions"),
    ("retrigger", [], "send a notification again, same message_id"),
    ("verify-subscription", ["verify"], "check a webhook callback's challenge handshake"),
    ("configure", [], "save defaults: forward address, secret, server URL"),
]


def suggestion(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _websocket(ws: argparse.ArgumentParser, add_server: Callable[..., None]) -> None:
    ws.add_argument("action", nargs="?", help=", ".join(WEBSOCKET_ACTIONS))
    ws.add_argument("--ip", help="start-server: address to bind (default 127.0.0.1)")
    ws.add_argument("-p", "--port", type=int, help="start-server: port (default 8080)")
    ws.add_argument("--ssl", action="store_true", help="start-server: wss:// and https://")
    ws.add_argument("--debug", action="store_true", help="start-server: log everything")
    ws.add_argument(
        "-S", "--require-subscription", action="store_true", help="start-server: strict mode"
    )
    ws.add_argument("-s", "--session", help="close, keepalive: the session id")
    ws.add_argument("--subscription", help="subscription: the subscription id")
    ws.add_argument("--status", help="subscription: the new status")
    ws.add_argument("--reason", help="close: the close code, 4000-4007")
    ws.add_argument(
        "--enabled",
        nargs="?",
        const="true",
        help="keepalive: true or false (left out: false, as in the Twitch CLI)",
    )
    add_server(ws)


def add_event_commands(
    event: argparse.ArgumentParser,
    add_server: Callable[[argparse.ArgumentParser], None],
    add_json: Callable[[argparse.ArgumentParser], None],
) -> None:
    commands = event.add_subparsers(dest="event_command", metavar="COMMAND", required=True)
    parsers = {
        name: commands.add_parser(name, aliases=aliases, help=help_text)
        for name, aliases, help_text in EVENT_COMMANDS
    }
    _websocket(parsers["websocket"], add_server)
    add_trigger_arguments(parsers["trigger"])
    add_server(parsers["trigger"])
    add_json(parsers["trigger"])
    add_retrigger_arguments(parsers["retrigger"])
    add_server(parsers["retrigger"])
    verify = parsers["verify-subscription"]
    verify.add_argument("event", nargs="?", help="the subscription type, e.g. channel.follow")
    add_transport_arguments(verify)
    verify.add_argument("-T", "--transport", help="webhook (the only one with a handshake)")
    verify.add_argument("--timestamp", help="the subscription's created_at (RFC3339)")
    verify.add_argument("-u", "--subscription-id", help="the subscription's id")
    verify.add_argument("-I", "--event-id", help="the message id")
    verify.add_argument("-v", "--version", help="the subscription version")
    verify.add_argument("-b", "--broadcaster", help="the condition's broadcaster id")
    configure = parsers["configure"]
    configure.add_argument("-F", "--forward-address", help="webhook forward address to save")
    configure.add_argument("-s", "--secret", help="webhook secret to save (10-100 characters)")
    configure.add_argument("--server", help="the mock server's URL to save")


def add_retrigger_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-i",
        "--id",
        dest="message_id",
        required=True,
        help="the notification's message_id (with -F: one that `trigger -F` forwarded)",
    )
    add_transport_arguments(parser)


def event_command_names() -> list[str]:
    return [n for name, aliases, _ in EVENT_COMMANDS for n in (name, *aliases)]


def _canonical(name: str) -> str:
    for command, aliases, _ in EVENT_COMMANDS:
        if name == command or name in aliases:
            return command
    return name


def _server_of(args: argparse.Namespace) -> list[str]:
    """`--server` for a websocket action: as given, else from --ip/--port/--ssl if given."""
    if args.server:
        return ["--server", args.server]
    if args.ip is None and args.port is None and not args.ssl:
        return []
    scheme = "https" if args.ssl else "http"
    ip = args.ip or "127.0.0.1"
    host = f"[{ip}]" if ":" in ip else ip
    return ["--server", f"{scheme}://{host}:{_port(args)}"]


def _port(args: argparse.Namespace) -> int:
    """The port given, else the Twitch CLI's 8080 (0, any free port, is a port given)."""
    return 8080 if args.port is None else args.port


def websocket_argv(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """The shorter command a `event websocket ACTION` is."""
    action = args.action
    if action is None:
        raise CliError("event websocket needs an action: " + ", ".join(WEBSOCKET_ACTIONS))
    if action not in WEBSOCKET_ACTIONS:
        raise CliError(
            f"unknown websocket action {action!r}{suggestion(action, WEBSOCKET_ACTIONS)} "
            "(one of " + ", ".join(WEBSOCKET_ACTIONS) + ")"
        )
    if action in ("start-server", "start"):
        argv = ["start-server", "--ip", args.ip or "127.0.0.1", "--port", str(_port(args))]
        argv += [flag for flag, on in (("--ssl", args.ssl), ("--debug", args.debug)) if on]
        if args.require_subscription:
            argv.append("--require-subscription")
        return argv + extra  # start-server's own options pass through
    if extra:
        raise CliError("unrecognized arguments: " + " ".join(extra))
    control = _server_of(args)
    if args.control_token:
        control += ["--control-token", args.control_token]
    if action == "reconnect":
        return ["reconnect", *control]
    if action == "close":
        if not args.session:
            raise CliError("close needs --session (and --reason, a close code 4000-4007)")
        reason = ["--reason", args.reason] if args.reason is not None else []
        return ["close", "--session", args.session, *reason, *control]
    if action == "subscription":
        if not args.subscription or not args.status:
            raise CliError("subscription needs --subscription ID and --status STATUS")
        return ["subscription", "--subscription", args.subscription, "--status", args.status]
    if not args.session:
        raise CliError("keepalive needs --session (and --enabled=true or false)")
    enabled = args.enabled if args.enabled is not None else "false"
    return ["keepalive", "--session", args.session, "--enabled", enabled, *control]


def configure(args: argparse.Namespace) -> int:
    updates: dict[str, str] = {}
    if args.forward_address is not None:
        if not args.forward_address.startswith(("http://", "https://")):
            raise CliError(f"--forward-address must be an http(s) URL: {args.forward_address!r}")
        updates["forward_address"] = args.forward_address
    if args.secret is not None:
        updates["secret"] = settings.check_secret(args.secret)
    if args.server is not None:
        from ..client import ControlClient

        ControlClient(args.server)  # refuses what is not an http(s) URL
        updates["server"] = args.server
    if updates:
        path, saved = settings.save(updates)
        print(f"saved {', '.join(sorted(updates))} in {path}")
    else:
        path, saved = settings.config_path(), settings.load()
        print(f"{path}:" if saved else f"nothing saved yet ({path})")
    for key in sorted(saved):
        value = "*" * len(saved[key]) if key == "secret" else saved[key]
        print(f"  {key} = {value}")
    return 0


def run_event(args: argparse.Namespace, extra: list[str]) -> int | list[str] | None:
    """Runs `event configure` and `verify-subscription` (their exit status); returns the
    shorter command's argv for a websocket action, or None after turning `args` into the
    trigger or retrigger command's."""
    command = _canonical(args.event_command)
    if command == "websocket":
        return websocket_argv(args, extra)
    if extra:
        raise CliError("unrecognized arguments: " + " ".join(extra))
    if command == "configure":
        return configure(args)
    if command == "verify-subscription":
        from .forward import verify

        return verify(args)
    args.command = command
    return None
