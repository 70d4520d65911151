"""`eventsub-mock play`: a built-in sequence or a scenario file, played by the server.

The command starts the play and follows it, printing each step as the server runs it, until
it ends (Ctrl-C stops it); `--detach` leaves it running. `--list` needs no server.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..client import ControlClient, is_scenario_file
from .arguments import finite_float, seed_int_or_text
from .errors import CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# How often a followed play is asked for its new steps.
POLL_SECONDS = 0.2
# Sequence options: (flags, destination, type, help).
_SEQUENCE_FLAGS: list[tuple[tuple[str, ...], str, Any, str]] = [
    (("-t", "--to-user"), "to_user", str, "the channel (default: the broadcaster of the oldest "
     "enabled subscription, else a made-up one)"),
    (("-f", "--from-user"), "from_user", str, "the gifter, raider, shared chat host, ..."),
    (("-c", "--count"), "count", int, "the sequence's size (play --list says what it counts)"),
    (("--interval",), "interval", finite_float, "seconds between the sequence's beats"),
    (("--tier",), "tier", str, "subscription tier: 1000, 2000 or 3000"),
]  # fmt: skip


def add_play_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        nargs="?",
        help="a built-in sequence (gift-bomb, hype-train, ...) or a scenario file (.toml)",
    )
    for flags, dest, kind, help_text in _SEQUENCE_FLAGS:
        parser.add_argument(*flags, dest=dest, type=kind, help=help_text)
    parser.add_argument(
        "-a", "--anonymous", action="store_true", help="an anonymous gifter (gift-bomb)"
    )
    parser.add_argument(
        "--speed", type=finite_float, help="play this many times faster (default 1)"
    )
    parser.add_argument(
        "--seed", type=seed_int_or_text, help="reproduce the same users, ids and numbers"
    )
    parser.add_argument("--list", action="store_true", help="list the built-in sequences")
    parser.add_argument(
        "--detach", action="store_true", help="start the play and return (stop-play stops it)"
    )


def _list(args: argparse.Namespace) -> int:
    from ..core.sequences import SEQUENCES

    rows = [
        {
            "name": s.name,
            "count": f"{s.count_means} (default {s.default_count})",
            "interval": s.default_interval,
            "options": list(s.options),
            "summary": s.summary,
        }
        for s in SEQUENCES.values()
    ]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        print(f"{row['name']:<12} {row['summary']}")
        print(f"{'':<12} --count: {row['count']}; --interval default {row['interval']:g} s")
        flags = ", ".join("--" + option.replace("_", "-") for option in row["options"])
        print(f"{'':<12} options: {flags}")
    return 0


def _request_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        dest: getattr(args, dest)
        for _, dest, _, _ in _SEQUENCE_FLAGS
        if getattr(args, dest) is not None
    }
    if args.anonymous:
        options["anonymous"] = True
    if options and is_scenario_file(args.target):
        raise CliError(
            f"{args.target} is a scenario file: it takes --speed and --seed, not "
            + ", ".join(sorted(options))
        )
    if args.speed is not None:
        options["speed"] = args.speed
    if args.seed is not None:
        options["seed"] = args.seed
    return options


def run_plays(args: argparse.Namespace, client: ControlClient) -> int:
    from .listing import print_table

    plays = client.plays()
    if args.json:
        json.dump(plays, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    columns = [
        ("id", "PLAY"),
        ("name", "NAME"),
        ("state", "STATE"),
        ("steps", "STEPS"),
        ("delivered", "DELIVERED"),
        ("error", "ERROR"),
    ]
    print_table(plays, columns, empty="no plays")
    return 0


def run_stop(args: argparse.Namespace, client: ControlClient) -> int:
    stopped = client.stop_play(args.play_id)
    print(f"play {stopped['id']} ({stopped['name']}) is {stopped['state']}")
    return 0


def describe_result(entry: dict[str, Any]) -> str:
    """One line for a step the server ran."""
    action = entry["action"]
    if action == "trigger":
        detail = f"{entry['type']} v{entry['version']}: delivered {entry['delivered']}"
    elif action == "play":
        detail = f"{entry['sequence']}: {entry['events']} events"
    elif action == "wait":
        detail = f"{entry['seconds']:g} s"
    elif action == "wait_for":
        detail = entry["waiting_for"]
    elif action == "repeat":
        detail = f"{entry['times']} times"
    elif action == "close":
        detail = f"{entry['code']}: {len(entry['sessions'])} session(s)"
    elif action == "revoke":
        detail = f"{entry['status']}: {len(entry['subscriptions'])} subscription(s)"
    elif action == "keepalive":
        state = "on" if entry["enabled"] else "off"
        detail = f"{state} for {len(entry['sessions'])} session(s)"
    else:
        shown = ("step", "line", "action", "at")
        detail = json.dumps({k: v for k, v in entry.items() if k not in shown})
    return f"{entry['at']:9.2f}s  step {entry['step']:<6} {action:<10} {detail}"


def run_play(args: argparse.Namespace, client: ControlClient) -> int:
    if args.list:
        return _list(args)
    if not args.target:
        raise CliError("play needs a sequence or a scenario file (play --list shows the sequences)")
    status = client.play(args.target, **_request_options(args))
    play_id, shown = status["id"], 0
    try:
        while True:
            for entry in status["results"]:
                print(json.dumps(entry) if args.json else describe_result(entry), flush=True)
            shown += len(status["results"])
            if status["state"] != "running" or args.detach:
                break
            time.sleep(POLL_SECONDS)
            status = client.play_status(play_id, after=shown)
    except KeyboardInterrupt:
        client.stop_play(play_id)
        raise
    if args.json:
        print(json.dumps({k: v for k, v in status.items() if k != "results"}))
    if status["state"] == "failed":
        raise CliError(status["error"])
    if args.detach and status["state"] == "running":
        print(f"play {play_id} ({status['name']}) is running: stop-play {play_id} stops it")
    elif not args.json:
        print(
            f"play {play_id} ({status['name']}) {status['state']}: delivered "
            f"{status['delivered']} notification(s) in {status['steps']} step(s)"
        )
    return 0 if status["state"] in ("done", "running") else 1
