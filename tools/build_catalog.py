"""Regenerate src/eventsub_mock/catalog/types.json from the reference subscription-type list.

Usage: python tools/build_catalog.py [path/to/subscription-types.json]

Keeps the facts a mock needs (names, versions, statuses, conditions, transports, whether the
user must authorize, the event schema and the documented example event) and each type's
title; the docs' prose is dropped. Each type and version's one-line description, which the
dashboard lists, comes from `catalog_descriptions.py` (the project's words, one row for
every type or version; the build stops if one has none). Adds what the docs lack, from
`catalog_corrections.py`: whether a notification is a batch, the docs corrections and the
users' roles.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from catalog_corrections import BATCHED, corrections_for, roles_for
from catalog_descriptions import MissingDescription, description_for, unused_rows

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "subscription-types.json"
# Who may subscribe to each type, one entry per entry of the source, same type and version.
AUTHORIZATION = ROOT.parent / "shared" / "reference" / "authorization.json"
TARGET = ROOT / "src" / "eventsub_mock" / "catalog" / "types.json"

# Types the reference took from a client library, not Twitch's docs: its name there is a
# research note, so people choosing a type read this title instead.
UNDOCUMENTED = {"channel.custom_power_up_redemption.add": "Custom Power-Up Redemption Add"}

# Versions that production no longer accepts at all.
REMOVED = {("channel.follow", "1"), ("channel.guest_star_slot.update", "beta")}


def _scope_rule(raw: dict) -> list[list[str]]:
    return [group["any_of"] for group in raw["all_of"]]


def authorization(raw: dict) -> dict:
    """The rules a mock can check from tokens alone, compacted: scope rules as lists of
    any-of groups. Moderator relationships the mock does not know beyond "the broadcaster
    is their own moderator", so `moderator_of_broadcaster` is left out."""
    user = raw["user_token"]
    app = raw["app_token"]
    return {
        "user_token": None
        if user is None
        else {"scopes": _scope_rule(user["scopes"]), "user_fields": user["token_user_must_equal"]},
        "app_token": {
            "client_id_field": app["client_id_must_equal"],
            "grants": [
                {
                    "user_field": grant["user_field"],
                    "scopes": _scope_rule(grant["scopes"]),
                    "waived_if_same_as": [
                        grant["waived_if_moderator"]["user_field"],
                        grant["waived_if_moderator"]["channel_field"],
                    ]
                    if grant["waived_if_moderator"]
                    else None,
                }
                for grant in app["prior_authorization"]
            ],
        },
    }


def titled(entries: list[dict]) -> dict[str, str]:
    """Each type's title, Twitch's name for it. Versions the docs dropped have none: they take
    the documented version's, without its "V2" suffix."""
    found = dict(UNDOCUMENTED)
    for raw in entries:
        if "name" in raw and raw["type"] not in found:
            found[raw["type"]] = raw["name"].removesuffix(" V2")
    return found


def entry(raw: dict, rules: dict, titles: dict[str, str]) -> dict:
    key = (raw["type"], raw["version"])
    # A type the docs no longer name at all is titled after itself.
    title = titles.get(raw["type"]) or raw["type"].replace(".", " ").replace("_", " ").title()
    scopes = [s for s in raw.get("scopes_mentioned") or [] if ":" in s]
    return {
        "type": raw["type"],
        "version": raw["version"],
        "status": "removed" if key in REMOVED else raw["status"],
        "name": title if raw["type"] in UNDOCUMENTED else raw.get("name", title),
        "description": description_for(*key),
        "condition_required": raw.get("condition_required", raw["condition"]),
        "condition_optional": raw.get("condition_optional", []),
        "websocket": raw["websocket"],
        # Subscriptions that need the user's authorization cost nothing (Twitch's cost rule).
        "requires_authorization": bool(scopes),
        "scopes": scopes,
        "event_schema": raw.get("event_schema", []),
        "example_event": raw.get("example_event"),
        "batch": raw["type"] in BATCHED,
        "corrections": corrections_for(*key),
        "roles": roles_for(*key),
        "authorization": authorization(rules),
    }


def sorted_keys(value: Any, path: tuple[str, ...] = ()) -> Any:
    """`value` with every object's keys sorted (a stable, diffable file), except a synthetic
    example's: its field order is the event's, which decides the order users are drawn."""
    if isinstance(value, list):
        return [sorted_keys(item, path) for item in value]
    if not isinstance(value, dict) or path[-2:] == ("corrections", "example"):
        return value
    return {key: sorted_keys(value[key], (*path, key)) for key in sorted(value)}


def check_descriptions(keys: set[tuple[str, str]]) -> None:
    """Stop, naming them all, if a type or version has no description or a row describes
    nothing of the source."""
    problems = []
    for key in sorted(keys):
        try:
            description_for(*key)
        except MissingDescription as missing:
            problems.append(str(missing))
    problems += [
        f"{row} in tools/catalog_descriptions.py describes no type of the source"
        for row in unused_rows(keys)
    ]
    if problems:
        sys.exit("\n".join(problems))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    rules = {
        (item["type"], item["version"]): item
        for item in json.loads(AUTHORIZATION.read_text())["entries"]
    }
    source_entries = json.loads(source.read_text())
    check_descriptions({(raw["type"], raw["version"]) for raw in source_entries})
    titles = titled(source_entries)
    entries = [entry(raw, rules[(raw["type"], raw["version"])], titles) for raw in source_entries]
    entries.sort(key=lambda e: (e["type"], e["version"]))
    TARGET.write_text(json.dumps(sorted_keys(entries), indent=1) + "\n")
    print(f"wrote {len(entries)} entries to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
