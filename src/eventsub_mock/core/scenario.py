"""Scenario files: TOML `[[step]]` tables, read and checked whole before anything runs.

A step's action key says what it does (`trigger = "channel.follow"`, `wait = 2.5`,
`reconnect = true`, ...); its other keys are that action's options. `load()` turns a parsed
document into `Step`s or raises `InvalidScenario` naming the file, line, step and key; tomllib
keeps no positions, so `key_lines()` finds them in the text. Pure: `core.play` runs the steps.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, NoReturn

from .. import catalog, protocol
from ..catalog.errors import closest
from ..catalog.params import TriggerParams
from ..clock import Clock
from . import errors, sequences
from .control import FaultsRequest, parse_close_code
from .triggers import DELIVERY_KEYS, SEED_RULE, delivery_from_request, valid_seed

# Each step has exactly one of these.
ACTIONS = (
    "trigger",
    "play",
    "wait",
    "wait_for",
    "reconnect",
    "close",
    "revoke",
    "keepalive",
    "faults",
    "repeat",
)
# A trigger step's options: the control API's trigger fields; overrides go under `set`.
TRIGGER_OPTIONS = (
    *(k for k in DELIVERY_KEYS if k != "type"),
    *(f.name for f in fields(TriggerParams) if f.init and f.name != "overrides"),
    "set",
)
# The options of the other actions (play's are the sequence options).
OPTIONS: Mapping[str, tuple[str, ...]] = {
    "wait": (),
    "wait_for": ("type", "count", "timeout"),
    "reconnect": (),
    "close": ("session",),
    "revoke": ("subscription", "type"),
    "keepalive": ("session",),
    "faults": ("session",),
    "repeat": ("step",),
}
TOP_LEVEL = ("step", "name", "seed", "speed")
WAIT_FOR = ("session", "subscription")
# `session = ...` of close and keepalive: one of these, or a session id (a faults step's
# names one session: not "all").
SESSION_SELECTORS = ("all", "newest", "oldest")
MAX_SECONDS = 86_400.0
MAX_REPEAT = 10_000
MAX_COUNT = 10_000
# Steps one scenario may run, each repetition counted.
MAX_STEPS = 1_000_000
# A play's speed. The slowest keeps a sequence's times representable: its longest span,
# 1,002 beats of an hour, is about 114 years of wall time at this speed.
MIN_SPEED = 0.001
MAX_SPEED = 1_000_000.0
SPEED_RULE = f"speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}"
DEFAULT_WAIT_FOR_TIMEOUT = 30.0

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Step:
    action: str
    value: Any
    options: Mapping[str, Any]
    # "3", or "3.2" for the second step inside step 3's repeat.
    label: str
    line: int | None
    # A repeat's steps.
    steps: tuple[Step, ...] = field(default=())

    def trigger_request(self) -> dict[str, Any]:
        """A trigger step as the control API's trigger request."""
        request = {"type": self.value, **self.options}
        overrides = request.pop("set", None)
        if overrides:
            request["overrides"] = overrides
        return request


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str | None
    steps: tuple[Step, ...]
    seed: int | str | None = None
    speed: float | None = None


def describe(file: str | None, line: int | None, label: str | None, key: str | None) -> str:
    """Where in a scenario: `gifts.toml, line 12, step 3, key 'count'`."""
    parts = [file or "scenario"]
    if line is not None:
        parts.append(f"line {line}")
    if label:
        parts.append(f"step {label}")
    if key:
        parts.append(f"key {key!r}")
    return ", ".join(parts)


def parse_toml(text: str, file: str | None) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = f"not valid TOML: {exc}"
        raise errors.InvalidScenario(where=file or "scenario", reason=reason) from None


def load(document: Any, *, file: str | None, text: str | None, clock: Clock) -> Scenario:
    """Check a whole scenario (a parsed TOML or JSON document) and return its steps.

    `text` is the TOML it came from, for line numbers; `clock` dates the sample events that
    check each trigger's overrides."""
    return _Reader(file, key_lines(text) if text else {}, clock).scenario(document)


# --- checking -------------------------------------------------------------------------------


def _label(path: Path) -> str | None:
    return ".".join(str(p + 1) for p in path if isinstance(p, int)) or None


def _key(path: Path) -> str | None:
    last = max((i for i, p in enumerate(path) if isinstance(p, int)), default=-1)
    tail = [str(p) for p in path[last + 1 :]]
    return ".".join(tail) or None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def valid_speed(value: Any) -> bool:
    """Whether a play may run at this speed (see `SPEED_RULE`)."""
    return _is_number(value) and MIN_SPEED <= value <= MAX_SPEED


class _Reader:
    def __init__(self, file: str | None, lines: Mapping[Path, int], clock: Clock) -> None:
        self.file = file
        self.lines = lines
        self.clock = clock
        self.checks = {
            "trigger": self._trigger,
            "play": self._play,
            "wait": self._wait,
            "wait_for": self._wait_for,
            "reconnect": self._reconnect,
            "close": self._close,
            "revoke": self._revoke,
            "keepalive": self._keepalive,
            "faults": self._faults,
            "repeat": self._repeat,
        }

    def fail(self, path: Path, reason: str) -> NoReturn:
        line = None
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                break
        where = describe(self.file, line, _label(path), _key(path))
        raise errors.InvalidScenario(where=where, reason=reason)

    def scenario(self, document: Any) -> Scenario:
        if not isinstance(document, Mapping):
            self.fail((), "a scenario is a table of [[step]] tables")
        document = self._plain(document, ())
        for key in document:
            if key not in TOP_LEVEL:
                self.fail((key,), _unknown(key, TOP_LEVEL, "top-level key"))
        if "step" not in document:
            self.fail((), "no steps: a scenario is a list of [[step]] tables")
        name = document.get("name", self.file or "scenario")
        if not isinstance(name, str):
            self.fail(("name",), "name must be a string")
        seed = document.get("seed")
        if not valid_seed(seed):
            self.fail(("seed",), SEED_RULE)
        speed = document.get("speed")
        if speed is not None and not valid_speed(speed):
            self.fail(("speed",), SPEED_RULE)
        steps = self._steps(document["step"], ("step",))
        total = _size(steps)
        if total > MAX_STEPS:
            self.fail((), f"the scenario would run {total} steps; at most {MAX_STEPS}")
        return Scenario(name, self.file, steps, seed, None if speed is None else float(speed))

    def _plain(self, value: Any, path: Path) -> Any:
        """The document as JSON values: TOML's times become RFC3339 strings."""
        if isinstance(value, Mapping):
            return {k: self._plain(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._plain(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            utc = value.astimezone(datetime.UTC).replace(tzinfo=None)
            return utc.isoformat() + "Z"
        if isinstance(value, datetime.date | datetime.time):
            self.fail(
                path, "a time needs its offset: write an RFC3339 time such as 2024-05-01T12:00:00Z"
            )
        return value

    def _steps(self, items: Any, path: Path) -> tuple[Step, ...]:
        if not isinstance(items, list) or not items:
            self.fail(path, "step must be a non-empty list of tables ([[step]])")
        return tuple(self._step(item, (*path, index)) for index, item in enumerate(items))

    def _step(self, table: Any, path: Path) -> Step:
        if not isinstance(table, Mapping):
            self.fail(path, "a step is a table with one action key")
        actions = [key for key in table if key in ACTIONS]
        if not actions:
            keys = ", ".join(repr(k) for k in table) or "nothing"
            self.fail(path, f"no action in this step ({keys}): give one of {', '.join(ACTIONS)}")
        if len(actions) > 1:
            self.fail(
                (*path, actions[1]),
                f"one action per step: this step has {actions[0]} and {actions[1]}",
            )
        action = actions[0]
        options = {k: v for k, v in table.items() if k != action}
        steps = self.checks[action](table[action], options, path)
        label = _label(path) or ""
        line = self.lines.get(path) or self.lines.get((*path, action))
        return Step(action, table[action], options, label, line, steps)

    def _known_options(self, action: str, options: Mapping[str, Any], path: Path) -> None:
        allowed = OPTIONS[action]
        for key in options:
            if key not in allowed:
                takes = f"it takes {', '.join(allowed)}" if allowed else "it takes no options"
                self.fail((*path, key), f"{_unknown(key, allowed, f'{action} option')}; {takes}")

    # --- one check per action; each returns a repeat's nested steps (else ()) --------------

    def _trigger(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        here = (*path, "trigger")
        if not isinstance(value, str) or not value:
            self.fail(here, "trigger must be an event name, such as channel.follow or follow")
        self._check_trigger({"type": value}, here)
        for key, option in options.items():
            if key == "set":
                if not isinstance(option, Mapping):
                    self.fail(
                        (*path, key), 'set must be a table of overrides: { "message.text" = "hi" }'
                    )
                continue
            if key not in TRIGGER_OPTIONS:
                self.fail((*path, key), _unknown(key, TRIGGER_OPTIONS, "trigger option"))
            self._check_trigger({"type": value, key: option}, (*path, key))
        request = Step("trigger", value, options, "", None).trigger_request()
        self._check_trigger(request, (*path, "set") if "set" in options else here)
        return ()

    def _check_trigger(self, request: Mapping[str, Any], path: Path) -> None:
        """The trigger as the control API would take it, and a sample of its event (which
        applies the overrides, so a path the event does not have fails here, not later)."""
        try:
            delivery = delivery_from_request(request, self.clock)
            delivery.build_event(delivery.make_condition())
        except errors.ApiError as exc:
            self.fail(path, exc.message)

    def _play(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        try:
            sequence = sequences.find(value)
        except errors.ApiError as exc:
            self.fail((*path, "play"), exc.message)
        for key, option in options.items():
            try:
                sequences.parse_options({key: option}, sequence)
            except errors.ApiError as exc:
                self.fail((*path, key), exc.message)
        return ()

    def _wait(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("wait", options, path)
        if not (_is_number(value) and 0 <= value <= MAX_SECONDS):
            self.fail((*path, "wait"), f"wait must be seconds from 0 to {MAX_SECONDS:g}")
        return ()

    def _wait_for(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("wait_for", options, path)
        if value not in WAIT_FOR:
            self.fail((*path, "wait_for"), 'wait_for must be "session" or "subscription"')
        sub_type = options.get("type")
        if sub_type is not None:
            if value != "subscription":
                self.fail((*path, "type"), 'type is for wait_for = "subscription"')
            if not isinstance(sub_type, str) or not catalog.versions_of(sub_type):
                self.fail((*path, "type"), f"unknown subscription type {sub_type!r}")
        count = options.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            self.fail((*path, "count"), f"count must be an integer from 1 to {MAX_COUNT}")
        timeout = options.get("timeout", DEFAULT_WAIT_FOR_TIMEOUT)
        if not (_is_number(timeout) and 0 < timeout <= MAX_SECONDS):
            self.fail(
                (*path, "timeout"), f"timeout must be seconds above 0, at most {MAX_SECONDS:g}"
            )
        return ()

    def _reconnect(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("reconnect", options, path)
        if value is not True:
            self.fail((*path, "reconnect"), "write reconnect = true")
        return ()

    def _close(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("close", options, path)
        if value != "dirty":
            try:
                parse_close_code(value)
            except errors.ApiError as exc:
                self.fail((*path, "close"), f'{exc.message}, or "dirty" to drop the connection')
        self._session(options, path)
        return ()

    def _session(self, options: Mapping[str, Any], path: Path) -> None:
        session = options.get("session", "all")
        if not isinstance(session, str) or not session:
            choices = ", ".join(SESSION_SELECTORS)
            self.fail((*path, "session"), f"session must be a session id or one of {choices}")

    def _revoke(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("revoke", options, path)
        statuses = sorted(protocol.ALL_STATUSES - {protocol.ENABLED})
        if value not in statuses:
            self.fail((*path, "revoke"), _unknown(str(value), statuses, "status"))
        for key in ("subscription", "type"):
            if key in options and (not isinstance(options[key], str) or not options[key]):
                self.fail((*path, key), f"{key} must be a string")
        if "subscription" in options and "type" in options:
            self.fail((*path, "type"), "give subscription or type, not both")
        sub_type = options.get("type")
        if sub_type is not None and not catalog.versions_of(sub_type):
            self.fail((*path, "type"), f"unknown subscription type {sub_type!r}")
        return ()

    def _keepalive(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("keepalive", options, path)
        if not isinstance(value, bool):
            self.fail((*path, "keepalive"), "keepalive must be true or false")
        self._session(options, path)
        return ()

    def _faults(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        """The faults operation's request, checked by the operation's own rules (each key on
        its own first, to point at it); `session` picks one session as close's does."""
        self._known_options("faults", options, path)
        here = (*path, "faults")
        if not isinstance(value, Mapping):
            self.fail(here, "faults must be a table: the faults request's fields")
        for key, option in value.items():
            self._check_faults({key: option}, (*here, key))
        self._check_faults(value, here)
        if "session" in options:
            self._session(options, path)
            if options["session"] == "all":
                self.fail(
                    (*path, "session"),
                    'a faults step sets one session\'s: session must be "newest", "oldest" or '
                    "a session id (leave it out for the server's faults)",
                )
            scoped = [key for key in ("session_id", "subscription_id") if key in value]
            if scoped:
                self.fail((*here, scoped[0]), f"give session or {scoped[0]}, not both")
        return ()

    def _check_faults(self, request: Mapping[str, Any], path: Path) -> None:
        try:
            FaultsRequest.parse(request)
        except errors.ApiError as exc:
            self.fail(path, exc.message)

    def _repeat(self, value: Any, options: Mapping[str, Any], path: Path) -> tuple[Step, ...]:
        self._known_options("repeat", options, path)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:
            self.fail((*path, "repeat"), f"repeat must be an integer from 1 to {MAX_REPEAT}")
        if "step" not in options:
            self.fail(path, "repeat needs its steps: [[step.step]] tables after it")
        return self._steps(options["step"], (*path, "step"))


def _unknown(key: str, known: tuple[str, ...] | list[str], what: str) -> str:
    hint = closest(key, known)
    return f"unknown {what} {key!r}" + (f"; did you mean {hint}?" if hint else "")


def _size(steps: tuple[Step, ...]) -> int:
    """How many steps run, repeats counted."""
    return sum(1 + (s.value * _size(s.steps) if s.action == "repeat" else 0) for s in steps)


# --- where keys are ---------------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_PART = re.compile(rf"{_BARE}|{_QUOTED}")
_DOTTED = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_STRINGS = re.compile(r'"""|\'\'\'|' + _QUOTED)


def _parts(dotted: str) -> list[str]:
    return [p[1:-1] if p[:1] in "\"'" else p for p in _PART.findall(dotted)]


def key_lines(text: str) -> dict[Path, int]:
    """The line of each table and key of a TOML document, by its path in the parsed
    document: `("step", 2, "count")` is the `count` of the third `[[step]]`. Keys inside
    inline tables and multi-line values are left out (a caller falls back to the enclosing
    key's line)."""
    lines: dict[Path, int] = {}
    arrays: dict[Path, int] = {}  # an array of tables (parents' indices included) -> last index
    current: Path = ()
    closing: str | None = None  # the end of a multi-line string being skipped
    depth = 0  # brackets open in a multi-line array or inline table being skipped

    def resolve(parts: list[str]) -> Path:
        path: Path = ()
        for part in parts:
            path = (*path, part)
            if path in arrays:
                path = (*path, arrays[path])
        return path

    for number, line in enumerate(text.splitlines(), start=1):
        if closing is not None:
            if line.count(closing) % 2 == 1:
                closing = None
            continue
        if depth > 0:
            depth += _balance(line)
            continue
        if match := _ARRAY_HEADER.match(line):
            *parents, last = _parts(match.group(1))
            array = (*resolve(parents), last)
            arrays[array] = arrays.get(array, -1) + 1
            current = (*array, arrays[array])
            lines.setdefault(current, number)
        elif match := _TABLE_HEADER.match(line):
            current = resolve(_parts(match.group(1)))
            lines.setdefault(current, number)
        elif match := _KEY_LINE.match(line):
            lines.setdefault((*current, *_parts(match.group(1))), number)
            rest = line[match.end() :]
            for delimiter in ('"""', "'''"):
                if rest.count(delimiter) % 2 == 1:
                    closing = delimiter
            if closing is None:
                depth = max(_balance(rest), 0)
    return lines


def _balance(text: str) -> int:
    """Brackets and braces opened minus closed, outside strings and comments."""
    bare = _STRINGS.sub("", text).split("#", 1)[0]
    return bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}")
