"""Tables for people, and `eventsub-mock types`."""

from __future__ import annotations

import argparse
import json
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "-"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items() if v) or "-"
    if value is None:
        return "-"
    return str(value)


def print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], empty: str) -> None:
    if not rows:
        print(empty)
        return
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [
        max(len(title), *(len(line[i]) for line in cells)) for i, (_, title) in enumerate(columns)
    ]
    print("  ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True)).rstrip())
    for line in cells:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def print_types(args: argparse.Namespace) -> int:
    from ..catalog.listing import describe_types

    rows = describe_types()
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        row["websocket"] = "yes" if row["websocket"] else "no (webhook only)"
    print_table(
        rows,
        [
            ("type", "TYPE"),
            ("version", "VERSION"),
            ("status", "STATUS"),
            ("websocket", "WEBSOCKET"),
            ("condition", "CONDITION"),
        ],
        empty="the catalogue is empty",
    )
    return 0
