"""The control commands: each one request to the control API, printed for people or as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from ..client import ControlClient, ControlError, error_message
from .errors import CliError
from .listing import print_table
from .trigger import check_transport, trigger_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _trigger(args: argparse.Namespace, client: ControlClient) -> int:
    check_transport(args)
    status, payload = client.operation("trigger", trigger_request(args))
    if args.json:
        _print_json(payload)
    if status >= 400:
        raise ControlError(error_message(status, payload), status)
    delivered = payload["delivered"]
    sessions = len(payload["sessions"])
    if not args.json:
        print(
            f"delivered {delivered} {payload['type']} v{payload['version']} "
            f"notification(s) to {sessions} session(s)"
        )
    return 0


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise CliError(f"--enabled must be true or false, not {text!r}")


def _token(args: argparse.Namespace, client: ControlClient) -> None:
    user_id = args.user_id
    if args.user_token and user_id is None:
        import random

        user_id = str(random.randrange(10_000_000, 99_999_999))
    elif not args.user_token and (user_id or args.login):
        raise CliError("--user-id and --login make a user token: add -u")
    scopes = args.scopes.replace(",", " ").split() if args.scopes is not None else None
    minted = client.mint_token(
        user_id=user_id,
        client_id=args.client_id,
        login=args.login,
        scopes=scopes,
        expires_in=args.expires_in,
    )
    if args.json:
        _print_json(minted)
        return
    kind = f"User Access Token (user {minted['user_id']})" if user_id else "App Access Token"
    print(f"{kind}: {minted['access_token']}")
    if minted.get("refresh_token"):
        print(f"Refresh Token: {minted['refresh_token']}")
    print(f"Client ID: {minted['client_id'] or '(any)'}")
    print(f"Scopes: {' '.join(minted['scope'])}")


# The `faults` options, as the control API names them.
_FAULT_OPTIONS = (
    "duplicate",
    "duplicate_delay",
    "reorder",
    "reorder_wait",
    "delay",
    "drop",
    "chaos",
    "seed",
)


def _faults(args: argparse.Namespace, client: ControlClient) -> None:
    options = {name: getattr(args, name) for name in _FAULT_OPTIONS}
    options = {name: value for name, value in options.items() if value is not None}
    scope = {"session_id": args.session, "subscription_id": args.subscription}
    if args.clear:
        if options:
            raise CliError("--clear takes no fault options")
        described = client.clear_faults(**scope)
    else:
        described = client.faults(**scope, **options)
    if args.json:
        _print_json(described)
        return
    lines = []
    if described["server"] is not None:
        lines.append(f"server: {_describe_settings(described['server'])}")
    for kind in ("sessions", "subscriptions"):
        for scope_id, settings in described[kind].items():
            lines.append(f"{kind[:-1]} {scope_id}: {_describe_settings(settings)}")
    print("\n".join(lines) if lines else "no delivery faults set")
    injected = described["injected"]
    if injected:
        counts = ", ".join(f"{count} {fault}" for fault, count in sorted(injected.items()))
        print(f"injected so far: {counts}")


def _describe_settings(settings: dict[str, Any]) -> str:
    parts = []
    if settings["duplicate"]:
        delay = settings["duplicate_delay"]
        parts.append(f"duplicate {settings['duplicate']:g} (after {delay:g} s)")
    if settings["reorder"] > 1:
        parts.append(
            f"reorder windows of {settings['reorder']} (sent within {settings['reorder_wait']:g} s)"
        )
    for name in ("delay", "drop", "chaos"):
        if settings[name]:
            unit = " s" if name == "delay" else ""
            parts.append(f"{name} {settings[name]:g}{unit}")
    return f"{', '.join(parts) or 'none'}; seed {settings['seed']}"


def run(args: argparse.Namespace, client: ControlClient) -> int:
    command = args.command
    if command in ("trigger", "fire", "emit"):
        return _trigger(args, client)
    if command in ("play", "plays", "stop-play"):
        from . import play

        runner = {"play": play.run_play, "plays": play.run_plays, "stop-play": play.run_stop}
        return runner[command](args, client)
    if command == "preview":
        _print_json(client.operate("preview", trigger_request(args)))
    elif command == "retrigger":
        check_transport(args)
        result = client.retrigger(args.message_id)
        print(
            f"sent notification {result['message_id']} ({result['type']} v{result['version']}) "
            f"again to session {', '.join(result['sessions'])}"
        )
    elif command == "reconnect":
        result = client.reconnect()
        print(
            f"reconnect started: {len(result['sessions'])} session(s) told to move "
            f"to server generation {result['generation']}"
        )
    elif command == "close":
        body: dict[str, Any] = {"dirty": True} if args.dirty else {"reason": args.reason}
        result = client.operate("close", body, session_id=args.session)
        if args.dirty:
            print(f"dropped session {result['session']} without a close frame")
        else:
            print(f"closed session {result['session']} with {result['code']} {result['reason']}")
    elif command == "subscription":
        result = client.set_subscription_status(args.subscription, args.status)
        print(f"subscription {args.subscription} is now {result['data'][0]['status']}")
    elif command == "keepalive":
        enabled = _bool(args.enabled)
        client.set_keepalive(args.session, enabled)
        print(f"keepalives {'resumed' if enabled else 'stopped'} for session {args.session}")
    elif command == "sessions":
        rows = client.sessions()
        if args.json:
            _print_json(rows)
        else:
            print_table(
                rows,
                [
                    ("id", "SESSION"),
                    ("status", "STATUS"),
                    ("connected_at", "CONNECTED AT"),
                    ("keepalive_timeout_seconds", "KEEPALIVE"),
                    ("subscriptions", "SUBSCRIPTIONS"),
                ],
                empty="no sessions connected",
            )
    elif command == "subscriptions":
        rows = client.subscriptions()
        if args.json:
            _print_json(rows)
        else:
            for row in rows:
                transport = row["transport"]
                row["session_id"] = transport.get("session_id") or transport.get("callback")
            print_table(
                rows,
                [
                    ("id", "SUBSCRIPTION"),
                    ("type", "TYPE"),
                    ("version", "VERSION"),
                    ("status", "STATUS"),
                    ("session_id", "SESSION OR CALLBACK"),
                    ("condition", "CONDITION"),
                ],
                empty="no subscriptions",
            )
    elif command == "faults":
        _faults(args, client)
    elif command == "reset":
        client.reset()
        print("reset: every session closed, every subscription forgotten")
    elif command == "conduits":
        conduits = client.conduits()
        if args.json:
            _print_json(conduits)
        else:
            rows = [
                {**shard, "conduit": conduit["id"], "session": shard["transport"].get("session_id")}
                for conduit in conduits
                for shard in conduit["shards"]
            ]
            print_table(
                rows,
                [
                    ("conduit", "CONDUIT"),
                    ("id", "SHARD"),
                    ("status", "STATUS"),
                    ("session", "SESSION"),
                ],
                empty="no conduits",
            )
    elif command == "disable-shard":
        shard = client.disable_shard(args.conduit, args.shard, args.status)["data"][0]
        print(f"shard {shard['id']} of conduit {args.conduit} is now {shard['status']}")
    elif command == "token":
        _token(args, client)
    elif command == "revoke-authorization":
        result = client.revoke_authorization(args.user, args.client_id)
        print(
            f"user {result['user_id']} disconnected the app: {result['tokens']} token(s) stopped "
            f"working, {len(result['subscriptions'])} subscription(s) revoked"
        )
    else:  # argparse only lets known commands through
        raise CliError(f"unknown command {command!r}")
    return 0
